// Certdesk agents (issue 10; seed Step 3.1/3.2 "Windows agents"): a small HTTPS service on a Windows (or Linux)
// server that places http-01 files and installs certificates for Certdesk, paired once with a one-time code and
// driven only with a per-agent secret (keychain) over its pinned certificate. Agents are end servers for the
// mappings (servers:map with the agent's id): validation and deployment work exactly as over SSH.
// The secret never appears here: a face only sees the pinned fingerprint and what the agent reported.
import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.

/** What the agent reported about itself at pairing and at the last test. */
export const AgentReport = z.lazy(() => z.object({
  version: z.string(),
  /** windows | linux | macos | … */
  os: z.string(),
  osVersion: z.string(),
  arch: z.string(),
  hostname: z.string(),
  /** webroot, self-serve, files, run, iis, served-serial */
  capabilities: z.array(z.string()),
  /** The agent answers http-01 itself on this port (mapping webroot `agent:self`), or null. */
  challengePort: z.number().nullable(),
  /** host:port of the TLS site it reports on by default, or null. */
  site: z.string().nullable(),
}));
export type AgentReport = z.infer<typeof AgentReport>;

export const AgentTestResult = z.lazy(() => z.object({
  at: z.string(),
  ok: z.boolean(),
  message: z.string(),
}));
export type AgentTestResult = z.infer<typeof AgentTestResult>;

/** online: the last contact worked; offline: the last test failed; unknown: not tested since pairing. */
export const AgentState = z.enum(['online', 'offline', 'unknown']);
export type AgentState = z.infer<typeof AgentState>;

export const Agent = z.lazy(() => z.object({
  id: z.string(),
  name: z.string(),
  /** https://host:port */
  url: z.string(),
  /** The pinned certificate: `SHA256:<base64>`; any other is refused. */
  fingerprint: z.string(),
  report: AgentReport,
  state: AgentState,
  /** Last successful contact (pairing, test, validation, deployment). */
  lastSeen: z.string().nullable(),
  lastTest: AgentTestResult.nullable(),
  /** Domains mapped to this agent. */
  domains: z.array(z.string()),
  /** Whether its secret is in the keychain (false: pair again). */
  secretStored: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
}));
export type Agent = z.infer<typeof Agent>;

/** What an agent URL answers before pairing: its certificate, compared with a pin for the same URL, if any. */
export const AgentProbe = z.lazy(() => z.object({
  url: z.string(),
  fingerprint: z.string(),
  /** new: no agent pinned at this URL; match / mismatch: against `pinned`. */
  state: z.enum(['new', 'match', 'mismatch']),
  pinned: z.string().nullable(),
  agentId: z.string().nullable(),
  version: z.string(),
  /** The agent says it is paired already (to this or another Certdesk): pairing needs `unpair` on the server first. */
  paired: z.boolean(),
}));
export type AgentProbe = z.infer<typeof AgentProbe>;

export const AgentArch = z.enum(['x64', 'x86']);
export type AgentArch = z.infer<typeof AgentArch>;
