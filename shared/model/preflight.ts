// The pre-flight check of manual challenges (issue 11 item 1): before the CA is asked, Certdesk fetches each
// http-01 URL from this computer and asks the zone's authoritative name servers for each dns-01 TXT value,
// and says per name whether it is in place. Same words in the window, the CLI and the docs.
import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.

export const PreflightVerdict = z.enum(['ready', 'not-found', 'wrong-content', 'not-visible', 'unreachable']);
export type PreflightVerdict = z.infer<typeof PreflightVerdict>;

/** The verdicts as people read them. */
export const PREFLIGHT_LABELS: Record<PreflightVerdict, string> = {
  ready: 'Ready',
  'not-found': 'Not found',
  'wrong-content': 'Wrong content',
  'not-visible': 'Not visible yet',
  unreachable: 'Unreachable',
};

export const PreflightServer = z.lazy(() => z.object({
  /** NS host name (or the address when it is the only name known). */
  nameServer: z.string(),
  /** Where it was asked, `host:port`. */
  address: z.string(),
  sees: z.boolean(),
  /** What it answered ("answers the value", "NXDOMAIN", "2 other TXT values", "no answer"). */
  answer: z.string(),
}));
export type PreflightServer = z.infer<typeof PreflightServer>;

export const PreflightItem = z.lazy(() => z.object({
  /** As the user asked for it (`*.example.com`). */
  name: z.string(),
  nameUnicode: z.string(),
  type: z.enum(['http-01', 'dns-01']),
  verdict: PreflightVerdict,
  /** One sentence for people: what was found and what to do. */
  message: z.string(),
  /** http-01: the URL fetched (the last one after redirects); dns-01: the TXT record name asked for. */
  where: z.string(),
  /** wrong-content: the expected value and what was found, both shortened for display. */
  expected: z.string().nullable(),
  got: z.string().nullable(),
  /** dns-01: every authoritative server and its answer. */
  servers: z.array(PreflightServer),
  elapsedMs: z.number(),
}));
export type PreflightItem = z.infer<typeof PreflightItem>;

export const PreflightResult = z.lazy(() => z.object({
  requestId: z.string(),
  checkedAt: z.string(),
  /** True when every checked name is ready. */
  ready: z.boolean(),
  items: z.array(PreflightItem),
  /** Names not checked: automatic ones (Verify publishes them) and names the CA already validated. */
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
}));
export type PreflightResult = z.infer<typeof PreflightResult>;

/** "abcdefghij…uvwxyz": long values shortened to their ends (a key authorization is ~87 characters). */
export function shorten(value: string, max = 40): string {
  const v = value.replace(/\s+/g, ' ').trim();
  if (v.length <= max) return v;
  const half = Math.floor((max - 1) / 2);
  return `${v.slice(0, half)}…${v.slice(v.length - half)}`;
}
