// Certdesk's HTTPS client for a Certdesk agent (issue 10), speaking electron/agent/protocol.ts. Trust is the agent's
// own certificate, pinned at pairing: every connection takes it as its only CA and accepts the peer only when the
// SHA-256 of the certificate presented equals the pinned fingerprint, so another certificate fails the handshake
// before a byte of the request is sent (then the offered certificate is read, without a request, to name both
// fingerprints in the HOST_KEY error). Every request is signed with the per-agent secret and every answer must
// carry the agent's signature over the request's nonce; a success without one is refused. Plain Node; nothing here
// imports electron.
import { X509Certificate } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { AppError, ERROR_CODES, type ErrorCode } from '../../../shared/ipc/errors.ts';
import {
  DEFAULT_AGENT_PORT,
  HEADER,
  ROUTES,
  canonicalResponse,
  certFingerprint,
  hmac,
  newNonce,
  sameSignature,
  signRequest,
  type ErrorBody,
  type HelloResponse,
} from '../../agent/protocol.ts';

/** Default time for one call (connect, send, answer). Commands get their own timeout plus this. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Largest answer read from an agent (answers are small JSON: receipts, command output of at most 64 KiB). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** A checked agent URL: `https://host:port`, no path. */
export interface AgentAddress {
  url: string;
  host: string;
  port: number;
}

/**
 * `https://host[:port]` (port 9443 when absent), nothing else: http, user info, a path, a query or a fragment are
 * refused with a message saying which part to drop.
 */
export function parseAgentUrl(input: string, field = 'url'): AgentAddress {
  const raw = input.trim();
  const hint = `Give the address the agent printed, e.g. https://iis1.example.com:${DEFAULT_AGENT_PORT}.`;
  let u: URL;
  try {
    u = new URL(raw.includes('://') ? raw : `https://${raw}`);
  } catch {
    throw AppError.invalid(field, `"${input}" is not a URL.`, hint);
  }
  if (u.protocol !== 'https:') throw AppError.invalid(field, `${input}: the agent speaks HTTPS only (the URL starts with ${u.protocol}//).`, hint);
  if (u.username || u.password) throw AppError.invalid(field, `${input}: an agent URL carries no user name or password.`, hint);
  if (!u.hostname) throw AppError.invalid(field, `${input}: the host is missing.`, hint);
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash) throw AppError.invalid(field, `${input}: an agent URL has no path, query or fragment.`, `Leave out "${u.pathname !== '/' ? u.pathname : ''}${u.search}${u.hash}". ${hint}`);
  const port = u.port ? Number(u.port) : DEFAULT_AGENT_PORT;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `https://${shown}:${port}`, host, port };
}

export interface AgentEndpoint {
  /** https://host:port */
  url: string;
  /** The pinned certificate (PEM): the only CA of every connection. */
  certPem: string;
  /** Its `SHA256:<base64>` fingerprint: the only certificate accepted. */
  fingerprint: string;
  /** The per-agent HMAC secret; null before pairing. */
  secret: Buffer | null;
}

export interface CallOptions {
  signal: AbortSignal;
  timeoutMs?: number | undefined;
  /**
   * false: send no signature, only a nonce (POST /v1/pair: the agent signs its answer with the secret it was just
   * given). The answer must still be signed with `secret`.
   */
  sign?: boolean;
}

/** An error answer of the agent (its ErrorBody), with the HTTP status. */
export class AgentAnswerError extends AppError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    extra: { field?: string; hint?: string },
    /** The agent's own message, without the "The agent at URL" prefix. */
    readonly agentMessage: string,
  ) {
    super(code, message, extra);
  }
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  peer: PeerCertificate | null;
}

function tlsFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  return (
    (err as { certdeskPin?: boolean } | null)?.certdeskPin === true ||
    /CERT|SELF_SIGNED|SSL|TLS|UNABLE_TO|ERR_TLS|HANDSHAKE/.test(code) ||
    /certificate|handshake|ssl|tls/i.test((err as Error | null)?.message ?? '')
  );
}

function networkError(url: string, err: unknown, timeoutMs: number | null): AppError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why =
    timeoutMs !== null
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : code === 'ECONNREFUSED'
        ? 'the connection was refused (is the agent running, and is this its port?)'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the host name does not resolve'
          : code === 'ECONNRESET'
            ? 'the connection was reset'
            : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
              ? 'the host is unreachable'
              : ((err as Error | null)?.message ?? String(err));
  return new AppError('NETWORK', `Cannot reach the agent at ${url}: ${why}.`, {
    field: 'url',
    hint: 'Check that the agent service runs on the server (AgentInstaller.exe start, or certdesk-agent serve) and that a firewall lets Certdesk reach its port.',
  });
}

const cancelledError = (): AppError => new AppError('CANCELLED', 'The operation was cancelled.');

function toPem(raw: Buffer): string {
  return new X509Certificate(raw).toString();
}

/** One HTTPS exchange. `pin`: verify against it; null: accept any certificate (probing, no secret involved). */
function exchange(
  addr: { url: string; host: string; port: number },
  pin: { certPem: string; fingerprint: string } | null,
  method: string,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(cancelledError());
      return;
    }
    let settled = false;
    let timedOut = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      fn();
    };
    const opts: RequestOptions = {
      host: addr.host,
      port: addr.port,
      method,
      path,
      agent: false,
      minVersion: 'TLSv1.2',
      headers: { ...(body.length || method !== 'GET' ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}), ...headers },
      ...(isIP(addr.host) ? {} : { servername: addr.host }),
    };
    if (pin) {
      opts.ca = pin.certPem;
      opts.rejectUnauthorized = true;
      opts.checkServerIdentity = (_host, cert) => {
        const offered = certFingerprint(cert.raw);
        if (offered === pin.fingerprint) return undefined;
        return Object.assign(new Error(`The agent presents ${offered}, not the pinned ${pin.fingerprint}.`), { certdeskPin: true });
      };
    } else {
      opts.rejectUnauthorized = false;
    }
    const req = request(opts, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate?.() ?? null;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), peer: peer && peer.raw ? peer : null })));
      res.on('error', (err) => finish(() => reject(err)));
    });
    const onAbort = (): void => {
      finish(() => reject(cancelledError()));
      req.destroy();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(() => reject(timedOut ? Object.assign(err, { certdeskTimeout: true }) : err)));
    req.end(body);
  });
}

/** The certificate an agent URL offers, read from the TLS handshake alone (no request is sent). */
export function offeredCertificate(addr: AgentAddress, signal: AbortSignal, timeoutMs = 15_000): Promise<{ fingerprint: string; certPem: string }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(cancelledError());
      return;
    }
    const socket = tlsConnect({ host: addr.host, port: addr.port, rejectUnauthorized: false, minVersion: 'TLSv1.2', ...(isIP(addr.host) ? {} : { servername: addr.host }) });
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = (): void => done(() => reject(cancelledError()));
    const timer = setTimeout(() => done(() => reject(networkError(addr.url, new Error('timeout'), timeoutMs))), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert?.raw) {
        done(() => reject(new AppError('TLS', `The agent at ${addr.url} presented no certificate.`, { field: 'url' })));
        return;
      }
      done(() => resolve({ fingerprint: certFingerprint(cert.raw), certPem: toPem(cert.raw) }));
    });
    socket.once('error', (err) => done(() => reject(tlsFailure(err) ? new AppError('TLS', `TLS with the agent at ${addr.url} failed: ${err.message}.`, { field: 'url' }) : networkError(addr.url, err, null))));
  });
}

/**
 * GET /v1/hello without any trust (what pairing shows before the fingerprint is accepted): the agent's version, its
 * paired flag and the certificate the answer came over.
 */
export async function probeAgent(addr: AgentAddress, signal: AbortSignal, timeoutMs = 15_000): Promise<{ fingerprint: string; certPem: string; hello: HelloResponse }> {
  let a: Answer;
  try {
    a = await exchange(addr, null, 'GET', ROUTES.hello, Buffer.alloc(0), {}, signal, timeoutMs);
  } catch (err) {
    throw mapTransportError(addr.url, err, timeoutMs);
  }
  if (!a.peer) throw new AppError('TLS', `The agent at ${addr.url} presented no certificate.`, { field: 'url' });
  let hello: HelloResponse | null = null;
  try {
    hello = JSON.parse(a.body.toString('utf8')) as HelloResponse;
  } catch {
    hello = null;
  }
  if (a.status !== 200 || !hello || hello.product !== 'certdesk-agent') {
    throw new AppError('NOT_FOUND', `${addr.url} is not a Certdesk agent (GET ${ROUTES.hello} answered HTTP ${a.status}).`, {
      field: 'url',
      hint: 'Check host and port: the agent listens on 9443 unless its config says otherwise.',
    });
  }
  return { fingerprint: certFingerprint(a.peer.raw), certPem: toPem(a.peer.raw), hello };
}

function mapTransportError(url: string, err: unknown, timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  if ((err as { certdeskTimeout?: boolean }).certdeskTimeout) return networkError(url, err, timeoutMs);
  if (tlsFailure(err)) return new AppError('TLS', `TLS with the agent at ${url} failed: ${(err as Error).message}.`, { field: 'url' });
  return networkError(url, err, null);
}

/** Signed calls to one paired agent over its pinned certificate. */
export class AgentClient {
  readonly address: AgentAddress;

  constructor(private readonly ep: AgentEndpoint) {
    this.address = parseAgentUrl(ep.url);
  }

  get url(): string {
    return this.address.url;
  }

  /**
   * One signed request; resolves with the JSON answer once its signature checks out. AppError otherwise: HOST_KEY
   * (another certificate), NETWORK (unreachable, timeout), AUTH (an answer not signed with the secret), CANCELLED,
   * or the agent's own error (AgentAnswerError: code, field and hint as the agent gave them).
   */
  async call<T>(method: 'GET' | 'POST', route: string, value: unknown, opts: CallOptions): Promise<T> {
    const secret = this.ep.secret;
    if (!secret) throw new AppError('INTERNAL', 'An agent call needs the pairing secret.');
    const body = Buffer.from(value === undefined ? '' : JSON.stringify(value));
    const headers = opts.sign === false ? { [HEADER.nonce]: newNonce() } : signRequest(secret, method, route, body);
    const nonce = headers[HEADER.nonce]!;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    let a: Answer;
    try {
      a = await exchange(this.address, { certPem: this.ep.certPem, fingerprint: this.ep.fingerprint }, method, route, body, headers, opts.signal, timeoutMs);
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (tlsFailure(err) && !(err as { certdeskTimeout?: boolean }).certdeskTimeout) throw await this.pinFailure(err, opts.signal);
      throw mapTransportError(this.url, err, timeoutMs);
    }
    const sig = a.headers[HEADER.signature];
    const signed = typeof sig === 'string' && sameSignature(sig, hmac(secret, canonicalResponse(a.status, nonce, a.body)));
    if (a.status >= 200 && a.status < 300) {
      if (!signed) {
        throw new AppError('AUTH', `The agent at ${this.url} answered ${route} without a valid signature: the answer was refused.`, {
          hint: 'Something between Certdesk and the agent changed the answer, or the agent no longer holds this pairing. Test it; pair again if needed.',
        });
      }
      try {
        return (a.body.length ? JSON.parse(a.body.toString('utf8')) : {}) as T;
      } catch {
        throw new AppError('INTERNAL', `The agent at ${this.url} answered ${route} with something that is not JSON.`);
      }
    }
    throw this.answerError(route, a);
  }

  private answerError(route: string, a: Answer): AgentAnswerError {
    let e: ErrorBody['error'] | null = null;
    try {
      e = (JSON.parse(a.body.toString('utf8')) as ErrorBody).error ?? null;
    } catch {
      e = null;
    }
    const code: ErrorCode = e && (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : a.status === 401 || a.status === 403 ? 'AUTH' : 'INTERNAL';
    const text = e?.message ?? `HTTP ${a.status} on ${route}`;
    const extra: { field?: string; hint?: string } = {};
    if (e?.field) extra.field = e.field;
    if (e?.hint) extra.hint = e.hint;
    return new AgentAnswerError(a.status, code, `The agent at ${this.url}: ${text.replace(/\.?$/, '.')}`, extra, text);
  }

  /** The handshake failed: name the pinned and the offered fingerprint when the agent presents another certificate. */
  private async pinFailure(err: unknown, signal: AbortSignal): Promise<AppError> {
    let offered: string | null = null;
    try {
      offered = (await offeredCertificate(this.address, signal)).fingerprint;
    } catch (probeErr) {
      if (probeErr instanceof AppError && probeErr.code === 'CANCELLED') return probeErr;
    }
    if (offered !== null && offered !== this.ep.fingerprint) {
      return new AppError(
        'HOST_KEY',
        `The agent at ${this.url} presents a different certificate: pinned ${this.ep.fingerprint}, offered ${offered}. Certdesk refused to connect; nothing was sent.`,
        {
          field: 'url',
          hint: 'If the agent was reinstalled (or its state directory replaced), compare the new fingerprint with the one it prints on the server and pair again; otherwise something else answers at this address.',
        },
      );
    }
    return new AppError('TLS', `TLS with the agent at ${this.url} failed: ${(err as Error).message}.`, { field: 'url' });
  }
}
