// The wire protocol between Certdesk (the client, electron/deploy/agent/) and the Certdesk agent (the server,
// electron/agent/): JSON over HTTPS on the agent's own self-signed certificate, which Certdesk pins by its
// SHA-256 fingerprint at pairing. Every request after pairing carries an HMAC-SHA256 over method, path, body hash,
// a timestamp and a nonce, keyed by the per-agent secret agreed at pairing; the agent refuses a missing, wrong,
// stale (more than MAX_SKEW_MS away) or replayed (nonce seen before) signature, and signs its answer over the
// request's nonce so a reply cannot be replayed onto another request either. Both sides import this file; it uses
// only node:crypto so that the agent bundle stays small. Hand-written: no library signs HTTP requests this way
// without pulling in a framework, and the canonical form must match byte for byte on both sides.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PROTOCOL = 'certdesk-agent/1';
export const PRODUCT = 'certdesk-agent';

/** Default port the agent listens on (HTTPS). */
export const DEFAULT_AGENT_PORT = 9443;

/** A signed request may be at most this far from the agent's clock (either way). */
export const MAX_SKEW_MS = 5 * 60_000;

/** Largest request body the agent accepts (a PFX with a long chain is ~10 KB; challenge files are tiny). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The webroot value that means "the agent serves http-01 itself on its challenge port" (no web server needed). */
export const SELF_SERVE_WEBROOT = 'agent:self';

export const HEADER = {
  timestamp: 'x-certdesk-timestamp',
  nonce: 'x-certdesk-nonce',
  signature: 'x-certdesk-signature',
} as const;

/** Routes. GET /v1/hello and POST /v1/pair are the only ones that need no signature. */
export const ROUTES = {
  hello: '/v1/hello',
  pair: '/v1/pair',
  info: '/v1/info',
  unpair: '/v1/unpair',
  filePut: '/v1/files/put',
  fileRemove: '/v1/files/remove',
  checkWritable: '/v1/files/check-writable',
  install: '/v1/install',
  restore: '/v1/restore',
  run: '/v1/run',
  challengePut: '/v1/challenge/put',
  challengeRemove: '/v1/challenge/remove',
  iisDeploy: '/v1/iis/deploy',
  iisRestore: '/v1/iis/restore',
  served: '/v1/served',
} as const;

export type Capability = 'webroot' | 'self-serve' | 'files' | 'run' | 'iis' | 'served-serial';

// --- bodies (all JSON; binary content as base64) ---------------------------------------------------------------

export interface HelloResponse {
  product: typeof PRODUCT;
  protocol: typeof PROTOCOL;
  version: string;
  /** False until a Certdesk paired with it (then POST /v1/pair is refused). */
  paired: boolean;
}

export interface PairRequest {
  /** The one-time code the agent printed. */
  code: string;
  /** 32 random bytes, base64, chosen by Certdesk: the HMAC key from now on. Travels once, inside the pinned TLS. */
  secret: string;
  /** Who paired (shown in the agent's log): e.g. `Certdesk on WORKSTATION`. */
  client: string;
}

export interface AgentInfo {
  product: typeof PRODUCT;
  protocol: typeof PROTOCOL;
  version: string;
  /** 'windows' | 'linux' | 'macos' | other process.platform values. */
  os: string;
  /** e.g. `Windows Server 2022 (10.0.20348)` or `Linux 6.1.0-...`. */
  osVersion: string;
  arch: string;
  hostname: string;
  node: string;
  capabilities: Capability[];
  /** Port on which the agent answers http-01 itself (SELF_SERVE_WEBROOT), or null when it does not. */
  challengePort: number | null;
  /** Address (host:port) of the TLS site the agent reports on by default, or null. */
  site: string | null;
}

export interface PairResponse {
  info: AgentInfo;
}

export interface FilePutRequest {
  path: string;
  /** base64 */
  content: string;
  mode: number;
}
export interface FileRemoveRequest {
  path: string;
}
export interface FileRemoveResponse {
  removed: boolean;
}
export interface CheckWritableRequest {
  dir: string;
}
export interface InstallRequest {
  files: { path: string; content: string; mode: number; owner?: string | null }[];
}
/** Mirrors InstallReceipt (electron/deploy/types.ts). */
export interface Receipt {
  entries: { path: string; backup: string | null }[];
}
export interface RestoreRequest {
  receipt: Receipt;
}
export interface RunRequest {
  command: string;
  timeoutMs?: number;
}
export interface RunResponse {
  exitCode: number | null;
  output: string;
}
export interface ChallengePutRequest {
  token: string;
  content: string;
}
export interface ChallengeRemoveRequest {
  token: string;
}
export interface IisDeployRequest {
  /** base64 PKCS#12 */
  pfx: string;
  password: string;
  /** IIS site name, e.g. `Default Web Site`. */
  site: string;
  /** Host name for an SNI binding; null: the site's existing https binding(s). */
  hostname?: string | null;
  port?: number;
}
export interface IisReceipt {
  site: string;
  /** The certificate (thumbprint) the binding had before, null when there was no https binding. */
  previousThumbprint: string | null;
  thumbprint: string;
  hostname: string | null;
  port: number;
}
export interface ServedRequest {
  /** host:port, default the agent's configured site. */
  address?: string;
  sni: string;
}
export interface ServedResponse {
  serial: string | null;
  error: string | null;
}

/** Error answers: HTTP 4xx/5xx with this body. `code` is one of shared/ipc/errors.ts ERROR_CODES. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; hint?: string };
}

// --- signing ------------------------------------------------------------------------------------------------

export function sha256Hex(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The exact bytes both sides sign for a request. `path` includes the query string, if any. */
export function canonicalRequest(method: string, path: string, timestamp: string, nonce: string, body: Buffer | string): string {
  return ['certdesk-agent-v1-request', method.toUpperCase(), path, timestamp, nonce, sha256Hex(body)].join('\n');
}

/** The exact bytes the agent signs for its answer: bound to the request's nonce. */
export function canonicalResponse(status: number, requestNonce: string, body: Buffer | string): string {
  return ['certdesk-agent-v1-response', String(status), requestNonce, sha256Hex(body)].join('\n');
}

export function hmac(secret: Buffer, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function newSecret(): Buffer {
  return randomBytes(32);
}

/** Headers for a signed request. */
export function signRequest(secret: Buffer, method: string, path: string, body: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = String(now);
  const nonce = newNonce();
  return {
    [HEADER.timestamp]: timestamp,
    [HEADER.nonce]: nonce,
    [HEADER.signature]: hmac(secret, canonicalRequest(method, path, timestamp, nonce, body)),
  };
}

/** Constant-time comparison of two base64url signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type VerifyFailure = 'missing' | 'stale' | 'replayed' | 'bad-signature';

/**
 * Remembers nonces for twice the allowed skew, so a captured request can never be sent again: inside the window
 * its nonce is known, outside it the timestamp is stale.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly ttlMs = 2 * MAX_SKEW_MS) {}

  /** False when the nonce was seen already (and records it otherwise). */
  remember(nonce: string, now = Date.now()): boolean {
    if (this.seen.size > 1000) for (const [k, at] of this.seen) if (now - at > this.ttlMs) this.seen.delete(k);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

/** The agent's check of a request. Order: presence, timestamp, signature, then nonce (so a forged request cannot burn nonces). */
export function verifyRequest(
  secret: Buffer,
  nonces: NonceCache,
  req: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: Buffer },
  now = Date.now(),
): VerifyFailure | null {
  const one = (k: string): string | undefined => {
    const v = req.headers[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const timestamp = one(HEADER.timestamp);
  const nonce = one(HEADER.nonce);
  const signature = one(HEADER.signature);
  if (!timestamp || !nonce || !signature || !/^\d{1,16}$/.test(timestamp) || nonce.length < 16 || nonce.length > 64) return 'missing';
  if (Math.abs(now - Number(timestamp)) > MAX_SKEW_MS) return 'stale';
  const expected = hmac(secret, canonicalRequest(req.method, req.path, timestamp, nonce, req.body));
  if (!sameSignature(expected, signature)) return 'bad-signature';
  if (!nonces.remember(nonce, now)) return 'replayed';
  return null;
}

// --- certificate fingerprints ---------------------------------------------------------------------------------

/** `SHA256:<base64 without padding>` of a certificate's DER, the form pairing shows and `--accept-cert` takes. */
export function certFingerprint(der: Buffer): string {
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Pairing codes: 4 groups of 4 from an alphabet without look-alikes (I, O, 0, 1), e.g. `K7QF-3MZD-XW9R-HT2C`. */
export const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_RE = /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/;

export function newPairingCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i && i % 4 === 0) out += '-';
    out += PAIRING_ALPHABET[bytes[i]! % PAIRING_ALPHABET.length];
  }
  return out;
}

/** What people type: case and spaces/dashes forgiven. */
export function normalizePairingCode(input: string): string {
  const raw = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return raw.length === 16 ? raw.match(/.{4}/g)!.join('-') : input.trim().toUpperCase();
}
