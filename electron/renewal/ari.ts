// ACME Renewal Information (RFC 9773): the certificate identifier, and the CA's suggested renewal window read
// through the account's own transport (its extra CA for its CA's origins only, HTTPS only, no redirects, capped
// answers). Nothing here renews anything or fails a renewal: the engine asks, and falls back to the lifetime
// rule when this throws or answers null.
import { X509Certificate } from 'node:crypto';
import { acmeLibs } from '../acme/lib.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import type { AccountService } from '../acme/accounts.ts';
import { isAbort, mapAcmeError } from '../acme/errors.ts';
import { parseRetryAfter, withTransport } from '../acme/transport.ts';
import type { Logger } from '../core/logger.ts';
import { splitPem } from '../orders/certinfo.ts';
import type { Store } from '../store/store.ts';
import { systemClock, type AriInfo, type AriSource, type Clock } from './types.ts';

// ---------------------------------------------------------------- certificate identifier (RFC 9773 §4.1)

interface Tlv {
  tag: number;
  /** Offset of the content (after tag and length). */
  start: number;
  end: number;
}

/** One DER TLV at `pos` of `der` (definite lengths only, as DER requires). */
function readTlv(der: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new Error(`truncated DER at byte ${pos}`);
  const tag = der[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new Error(`multi-byte DER tag at byte ${pos}`);
  const first = der[pos + 1]!;
  let len = first;
  let start = pos + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error(`unsupported DER length form at byte ${pos}`);
    if (start + n > limit) throw new Error(`truncated DER length at byte ${pos}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error(`DER element at byte ${pos} runs past its container`);
  return { tag, start, end };
}

function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const t = readTlv(der, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OID = 0x06;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3; // [3] EXPLICIT in TBSCertificate
const KEY_IDENTIFIER = 0x80; // [0] IMPLICIT in AuthorityKeyIdentifier
/** id-ce-authorityKeyIdentifier, 2.5.29.35, as DER content bytes. */
const AKI_OID = Buffer.from([0x55, 0x1d, 0x23]);

/** The two raw parts of an ARI certificate identifier. */
export interface AriCertParts {
  /** keyIdentifier of the Authority Key Identifier extension. */
  keyIdentifier: Buffer;
  /** Content bytes of the serial's DER INTEGER (a leading 0x00 kept when DER has one). */
  serial: Buffer;
}

/** Reads the AKI keyIdentifier and the serial's DER content bytes from a certificate (PEM or DER). */
export function ariCertParts(cert: string | Buffer): AriCertParts {
  let der: Buffer;
  try {
    der = new X509Certificate(cert).raw;
  } catch (err) {
    throw new AppError('INVALID_INPUT', `The certificate cannot be read for renewal information: ${(err as Error).message}.`);
  }
  try {
    const certificate = readTlv(der, 0, der.length);
    const tbs = childrenOf(der, certificate)[0];
    if (certificate.tag !== SEQUENCE || tbs?.tag !== SEQUENCE) throw new Error('not an X.509 certificate');
    const fields = childrenOf(der, tbs);
    // version [0] is optional (v1 certificates have none); the serial is the first INTEGER.
    const serialTlv = fields[0]?.tag === 0xa0 ? fields[1] : fields[0];
    if (serialTlv?.tag !== INTEGER || serialTlv.end === serialTlv.start) throw new Error('no serial number');
    const serial = Buffer.from(der.subarray(serialTlv.start, serialTlv.end));
    const extsWrapper = fields.find((f) => f.tag === EXTENSIONS);
    const extsSeq = extsWrapper ? childrenOf(der, extsWrapper)[0] : undefined;
    for (const ext of extsSeq ? childrenOf(der, extsSeq) : []) {
      const parts = childrenOf(der, ext);
      const oid = parts[0];
      if (oid?.tag !== OID || !AKI_OID.equals(der.subarray(oid.start, oid.end))) continue;
      const value = parts[parts.length - 1];
      if (value?.tag !== OCTET_STRING) throw new Error('the Authority Key Identifier extension has no value');
      const aki = readTlv(der, value.start, value.end);
      if (aki.tag !== SEQUENCE) throw new Error('the Authority Key Identifier is not a SEQUENCE');
      const keyId = childrenOf(der, aki).find((c) => c.tag === KEY_IDENTIFIER);
      if (!keyId || keyId.end === keyId.start) break;
      return { keyIdentifier: Buffer.from(der.subarray(keyId.start, keyId.end)), serial };
    }
    throw new AppError('INVALID_INPUT', 'The certificate has no Authority Key Identifier with a key identifier: renewal information (ARI) cannot be asked for it.', {
      hint: 'Certificates of public CAs always carry one; this one will renew by its lifetime instead.',
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INVALID_INPUT', `The certificate's DER cannot be read for renewal information: ${(err as Error).message}.`);
  }
}

/**
 * The RFC 9773 certificate identifier: base64url (no padding) of the AKI keyIdentifier, ".", base64url of the
 * serial's DER INTEGER content bytes (node's serialNumber drops the 0x00 DER adds when the high bit is set; this
 * keeps it, as the CA expects).
 */
export function ariCertId(cert: string | Buffer): string {
  const { keyIdentifier, serial } = ariCertParts(cert);
  return `${keyIdentifier.toString('base64url')}.${serial.toString('base64url')}`;
}

// ---------------------------------------------------------------- the renewalInfo answer (RFC 9773 §4.2)

/** When the CA sends no Retry-After (RFC 9773 leaves the default to the client). */
export const DEFAULT_RETRY_AFTER_MS = 6 * 3_600_000;
/** Retry-After is clamped to these bounds: no tighter than a minute, no looser than a day. */
export const MIN_RETRY_AFTER_MS = 60_000;
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** When to ask again, from a Retry-After header (seconds or an HTTP date), clamped to [1 min, 1 day]. */
export function retryAfterFrom(header: string | undefined, now: Date): Date {
  const secs = parseRetryAfter(header?.trim() || undefined, now.getTime());
  const ms = secs === null ? DEFAULT_RETRY_AFTER_MS : Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, secs * 1000));
  return new Date(now.getTime() + ms);
}

/** RFC 3339 date-time (what RFC 9773 requires for the window), or null. */
function rfc3339(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

/** Checks a renewalInfo body; every refusal names the URL and what was wrong. */
export function parseRenewalInfo(url: string, status: number, body: unknown): { start: Date; end: Date; explanationUrl: string | null } {
  const bad = (what: string) =>
    new AppError('ACME_ERROR', `Renewal information from ${url} ${what}.`, {
      hint: 'The certificate renews by its lifetime until the CA answers correctly.',
    });
  if (status === 404) throw bad('is unknown to the CA (HTTP 404): it does not know this certificate');
  if (status !== 200) {
    const problem = body && typeof body === 'object' ? (body as { type?: unknown; detail?: unknown }) : null;
    const said = problem && typeof problem.type === 'string' ? `: ${String(problem.type).replace('urn:ietf:params:acme:error:', '')} ${typeof problem.detail === 'string' ? problem.detail : ''}`.trimEnd() : '';
    throw bad(`failed (HTTP ${status}${said})`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('is not a JSON object');
  const window = (body as { suggestedWindow?: unknown }).suggestedWindow;
  if (!window || typeof window !== 'object') throw bad('has no suggestedWindow');
  const { start: rawStart, end: rawEnd } = window as { start?: unknown; end?: unknown };
  const start = rfc3339(rawStart);
  const end = rfc3339(rawEnd);
  if (!start) throw bad(`has a suggestedWindow.start that is not an RFC 3339 time (${JSON.stringify(rawStart)})`);
  if (!end) throw bad(`has a suggestedWindow.end that is not an RFC 3339 time (${JSON.stringify(rawEnd)})`);
  // RFC 9773 §4.2: a window whose end is not after its start is invalid and treated as no answer.
  if (end.getTime() <= start.getTime()) throw bad(`has a suggestedWindow that ends (${end.toISOString()}) before it starts (${start.toISOString()})`);
  const rawExplanation = (body as { explanationURL?: unknown }).explanationURL;
  let explanationUrl: string | null = null;
  if (typeof rawExplanation === 'string') {
    try {
      const u = new URL(rawExplanation);
      // Shown to people as a link: only web addresses.
      if (u.protocol === 'https:' || u.protocol === 'http:') explanationUrl = u.href;
    } catch {
      explanationUrl = null;
    }
  }
  return { start, end, explanationUrl };
}

// ---------------------------------------------------------------- the client

export interface AriClientDeps {
  store: Pick<Store, 'data' | 'readFile'>;
  accounts: Pick<AccountService, 'directoryOf' | 'trustOf'>;
  logger: Logger;
  clock?: Clock;
}

/**
 * Reads a request's renewal information from its account's CA. One answer per certificate is kept until its
 * Retry-After: asking earlier returns the kept answer without a request (RFC 9773 §4.3).
 */
export class AriClient implements AriSource {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly cache = new Map<string, AriInfo>();

  constructor(private readonly deps: AriClientDeps) {
    this.log = deps.logger.child('ari');
    this.clock = deps.clock ?? systemClock;
  }

  /** The certificate identifier of a request's issued certificate (null: nothing issued yet). */
  async certIdOf(requestId: string): Promise<string | null> {
    const rec = this.requestRecord(requestId);
    if (!rec.certFile) return null;
    return ariCertId(await this.leafOf(rec.certFile));
  }

  /**
   * For a renewal a person starts (Renew, `cert renew`): the certId to send as `replaces` when the account's CA
   * offers ARI, else null. Never fails the renewal: a problem is logged and the order goes without it.
   */
  async replacesFor(requestId: string, signal: AbortSignal): Promise<string | null> {
    try {
      const rec = this.requestRecord(requestId);
      if (!rec.certFile) return null;
      const account = this.deps.store.data.accounts.find((a) => a.id === rec.accountId);
      if (!account) return null;
      const directory = await this.deps.accounts.directoryOf(account, signal);
      if (typeof directory.renewalInfo !== 'string') return null;
      return ariCertId(await this.leafOf(rec.certFile));
    } catch (err) {
      if (err instanceof AppError && err.code === 'CANCELLED') throw err;
      this.log.warn('no replaces for this renewal', { requestId, error: (err as Error).message });
      return null;
    }
  }

  async renewalInfo(requestId: string, signal: AbortSignal): Promise<AriInfo | null> {
    const rec = this.requestRecord(requestId);
    if (!rec.certFile) throw new AppError('CONFLICT', `Request ${requestId} has no issued certificate: there is nothing to ask renewal information for.`);
    const account = this.deps.store.data.accounts.find((a) => a.id === rec.accountId);
    if (!account) throw new AppError('NOT_FOUND', `The account of request ${requestId} no longer exists: renewal information cannot be asked for.`, { field: 'accountId' });
    const directory = await this.deps.accounts.directoryOf(account, signal);
    if (typeof directory.renewalInfo !== 'string') return null;
    const certId = ariCertId(await this.leafOf(rec.certFile));
    const url = `${directory.renewalInfo.replace(/\/+$/, '')}/${certId}`;
    const kept = this.cache.get(url);
    if (kept && kept.retryAfter.getTime() > this.clock.now().getTime()) return kept;
    const trust = await this.deps.accounts.trustOf(account, signal);
    const resp = await withTransport(signal, trust, async (state) => {
      try {
        // A plain GET (RFC 9773 §4.1: not POST-as-GET), through the same checked transport as every ACME call.
        return await acmeLibs().acme.axios.get(url, { validateStatus: null, signal });
      } catch (err) {
        throw mapAcmeError(isAbort(err) || signal.aborted ? err : (state().lastNetworkError ?? err), { action: 'Reading the renewal information', url });
      }
    });
    const header = resp.headers['retry-after'];
    const now = this.clock.now();
    const window = parseRenewalInfo(url, resp.status, resp.data);
    const info: AriInfo = { certId, ...window, retryAfter: retryAfterFrom(typeof header === 'string' ? header : undefined, now) };
    this.cache.set(url, info);
    this.log.info('renewal information', {
      requestId: rec.id,
      certId,
      start: info.start.toISOString(),
      end: info.end.toISOString(),
      retryAfter: info.retryAfter.toISOString(),
      ...(info.explanationUrl ? { explanationUrl: info.explanationUrl } : {}),
    });
    return info;
  }

  private requestRecord(requestId: string) {
    const rec = this.deps.store.data.requests.find((r) => r.id === requestId);
    if (!rec) throw new AppError('NOT_FOUND', `No certificate request with id ${requestId}.`, { field: 'id' });
    return rec;
  }

  private async leafOf(certFile: string): Promise<string> {
    const leaf = splitPem((await this.deps.store.readFile(certFile)).toString())[0];
    if (!leaf) throw new AppError('INTERNAL', `The certificate file ${certFile} holds no PEM certificate.`);
    return leaf;
  }
}
