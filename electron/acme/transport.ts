// HTTP transport for acme-client. acme-client sends every request through one shared axios instance, so the
// per-call concerns live here, keyed by an AsyncLocalStorage context instead of per-client options:
//  - trust: the extra CA of ONE account (or one pending registration), carried by the call (see Trust below);
//  - limits: HTTPS only, no redirects, bounded answers (see checkedAdapter);
//  - cancellation: the caller's AbortSignal reaches every request of an operation;
//  - errors: acme-client throws a bare message, so the last ACME problem document is kept for our errors.
// Its own retry interceptor is switched off (acme-client issue #103: it re-sends the same signed body and
// nonce); callers retry whole steps with fresh nonces instead (see retry.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import https from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type acme from 'acme-client';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { acmeLibs, loadAcmeLibs } from './lib.ts';
import { AppError } from '../../shared/ipc/errors.ts';

export interface AcmeProblem {
  type: string;
  detail: string;
  status: number;
  subproblems?: { type: string; detail: string; identifier?: { type: string; value: string } }[];
}

/**
 * Extra trust for one account (or one pending registration, or one directory read): its CA, on top of the
 * system roots, for a fixed set of origins — the directory's own origin and the origins that directory names.
 *
 * Why a value and not a registry: trust used to live in a process-wide origin → agent map that every
 * directory read wrote to. A directory read with CA-2's file that named CA-1's origin (e.g. as keyChange)
 * replaced CA-1's trust, so a CA-2-signed impostor of CA-1 was then accepted for CA-1's account — and the
 * Register form's read-only preview did that by itself. Now nothing is global: every ACME call runs with the
 * Trust of the account it acts for (withTransport), and a request uses the extra CA only when its origin is
 * in that Trust; everything else is checked against the system roots alone. So another account's directory,
 * whatever origins it names, can only ever widen trust for its own calls, never for this account's; and a
 * preview builds a Trust that lives for that one read and is then dropped.
 */
export interface Trust {
  /** SHA-256 of the extra CA's PEM: keeps nonce pools of different trust apart. */
  readonly id: string;
  readonly agent: https.Agent;
  readonly origins: ReadonlySet<string>;
}

interface CallState {
  signal: AbortSignal | undefined;
  trust: Trust | null;
  lastProblem: AcmeProblem | null;
  retryAfterSeconds: number | null;
  /** Retry-After of the last response of any status (polling honours it). */
  lastRetryAfterSeconds: number | null;
  /** The network/TLS error of the last request: acme-client's interceptor replaces it with a TypeError. */
  lastNetworkError: Error | null;
}

const calls = new AsyncLocalStorage<CallState>();
/** ACME calls running now (withTransport): the AsyncLocalStorage is enabled only while there are any. */
let active = 0;
/** Unused Replay-Nonce values per trust and origin (RFC 8555 §7.2: every response carries a fresh one). */
const nonces = new Map<string, string[]>();
const MAX_POOLED_NONCES = 32;
/**
 * Agents by CA fingerprint: a cache of TLS secure contexts (building one parses ~150 roots), not of trust
 * decisions — which origins may use an agent is decided by the calling Trust only.
 */
const caAgents = new Map<string, https.Agent>();
const defaultAgent = new https.Agent({ keepAlive: true });
let installed = false;

export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Largest answer accepted from a CA. The largest legitimate ones are a certificate chain (a 100-name leaf
 * and two intermediates: ~10 KB of PEM) and an order or directory (a few KB; an order with 1000
 * authorization URLs is ~100 KB), so 2 MiB leaves ample room for every ACME resource, certificate downloads
 * included, while a hostile or broken server can no longer fill memory (a 300 MB directory reached 1 GB).
 * axios counts the bytes as they arrive (after decompression) and aborts the download at the cap.
 */
export const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
/** Our own request bodies are JWS-signed JSON of a few KB (the largest: a CSR with 100 names). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The system's roots plus `caPem`. The default context shares Node's root store, already parsed; adding a CA to it
 * gives the context its own copy of that store plus the CA (Node's SecureContext.addCACert) — a few ms, where
 * `ca: [...rootCertificates, caPem]` parses all ~150 root PEMs again (~40 ms of every CLI process that talks to
 * a CA with an extra CA). Where that native method is missing, the long way.
 */
function contextWithExtraCa(caPem: string): SecureContext {
  const sc = createSecureContext();
  const native = (sc as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert === 'function') {
    native.addCACert(caPem);
    return sc;
  }
  return createSecureContext({ ca: [...rootCertificates, caPem] });
}

function agentWithCa(caPem: string, id: string): https.Agent {
  let agent = caAgents.get(id);
  if (!agent) {
    // One secure context, built once: passing `ca` to the agent would re-parse ~150 root certificates for
    // every new connection, which made parallel requests (a 100-name order) take seconds.
    const secureContext = contextWithExtraCa(caPem);
    agent = new https.Agent({ keepAlive: true, secureContext });
    caAgents.set(id, agent);
  }
  return agent;
}

/**
 * The Trust for `caPem` on the origins of `urls` (a directory URL and the URLs its directory names; strings
 * that are not https URLs are ignored). No CA, no extra trust: null.
 */
export function trustFor(caPem: string | null | undefined, urls: Iterable<string>): Trust | null {
  if (!caPem) return null;
  const id = createHash('sha256').update(caPem).digest('hex');
  const origins = new Set<string>();
  for (const u of urls) {
    try {
      const url = new URL(u);
      if (url.protocol === 'https:') origins.add(url.origin);
    } catch {
      // not a URL: nothing to trust
    }
  }
  return { id, agent: agentWithCa(caPem, id), origins };
}

/** The agent for a request to `url` made under `trust`: the extra CA only for the trusted origins. */
export function agentFor(url: string, trust: Trust | null): https.Agent {
  if (!trust) return defaultAgent;
  try {
    return trust.origins.has(new URL(url).origin) ? trust.agent : defaultAgent;
  } catch {
    return defaultAgent;
  }
}

function nonceKey(trust: Trust | null, origin: string): string {
  return `${trust?.id ?? 'system'} ${origin}`;
}

/** ACME needs no redirect; following one to http:// would send a signed body (e-mail, EAB) in clear. */
function refuseRedirect(response: AxiosResponse, method: string, url: URL, state: CallState | undefined): void {
  if (response.status < 300 || response.status >= 400) return;
  const location = String(response.headers.location ?? '');
  let target: URL | null = null;
  try {
    target = location ? new URL(location, url) : null;
  } catch {
    target = null;
  }
  const plain = target !== null && target.protocol !== 'https:';
  const err = new AppError(
    'ACME_ERROR',
    `${method} ${url.href} answered with a redirect (HTTP ${response.status}) to ${target?.href ?? 'nowhere'}${plain ? ', a plain-HTTP address' : ''}: refused, Certdesk follows no redirects from a CA.`,
    { hint: plain || !target ? 'Check the directory URL.' : `If ${target.href} is the CA's directory, enter that URL instead.` },
  );
  if (state) state.lastNetworkError = err;
  throw err;
}

/**
 * The only way a request leaves: refuses anything but https (nothing is sent), picks the agent from the
 * calling Trust, caps the answer, follows no redirect (ACME needs none; a redirect to http:// would have
 * sent a signed body in clear) and turns these refusals into AppErrors that say what happened.
 */
function checkedAdapter(base: (cfg: InternalAxiosRequestConfig) => Promise<AxiosResponse>, state: CallState | undefined) {
  return async (cfg: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const method = (cfg.method ?? 'get').toUpperCase();
    let url: URL;
    try {
      url = new URL(cfg.url ?? '', cfg.baseURL);
    } catch {
      throw new AppError('ACME_ERROR', `Refused a request to "${cfg.url}": not an absolute URL.`);
    }
    if (url.protocol !== 'https:') {
      throw new AppError('ACME_ERROR', `Refused to send ${method} ${url.href}: the CA named a plain-HTTP address, and Certdesk talks to a CA over HTTPS only. Nothing was sent.`, {
        hint: "Ask the CA's operator to serve every ACME endpoint over HTTPS.",
      });
    }
    cfg.httpsAgent = agentFor(url.href, state?.trust ?? null);
    cfg.maxContentLength = MAX_RESPONSE_BYTES;
    cfg.maxBodyLength = MAX_REQUEST_BYTES;
    cfg.maxRedirects = 0;
    let response: AxiosResponse;
    try {
      response = await base(cfg);
    } catch (err) {
      // acme-client makes axios reject every answer (its interceptor then turns them back into responses):
      // an error with a response is an HTTP answer, not a network failure.
      const answered = (err as { response?: AxiosResponse }).response;
      if (answered) {
        refuseRedirect(answered, method, url, state);
        throw err;
      }
      let out = err as Error;
      if (/maxContentLength size of \d+ exceeded/.test(out.message ?? '')) {
        out = new AppError('ACME_ERROR', `The answer to ${method} ${url.href} is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB: refused and not read further (an ACME answer is a few KB).`, {
          hint: 'Check that the URL is an ACME directory of a CA you trust.',
        });
      }
      if (state) state.lastNetworkError = out;
      throw out;
    }
    refuseRedirect(response, method, url, state);
    return response;
  };
}

/** Needs the libraries loaded (withTransport() does that first). */
export function installTransport(): void {
  if (installed) return;
  const { acme, axios } = acmeLibs();
  installed = true;
  const instance = acme.axios;
  const settings = (instance.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;
  settings.retryMaxAttempts = 0;
  instance.defaults.timeout = REQUEST_TIMEOUT_MS;
  const baseAdapter = axios.getAdapter(instance.defaults.adapter ?? ['http']);
  instance.interceptors.request.use((config) => {
    // acme-client fetches nonces with HEAD, which axios answers only after a ~40 ms stall on a kept-alive
    // socket; RFC 8555 §7.2 lets clients use GET on newNonce (204 + Replay-Nonce), which costs ~3 ms.
    if (config.method?.toLowerCase() === 'head') {
      config.method = 'get';
      // acme-client uses this response's nonce itself: it must not also go into the pool.
      (config as { certdeskNonceFetch?: boolean }).certdeskNonceFetch = true;
    }
    const state = calls.getStore();
    // Set here, after any caller options: the agent, limits and redirects are decided by checkedAdapter
    // alone (a caller cannot pass its own httpsAgent around the calling account's trust).
    config.adapter = checkedAdapter(baseAdapter, state);
    if (state?.signal) {
      state.signal.throwIfAborted();
      config.signal = state.signal;
    }
    return config;
  });
  instance.interceptors.response.use((response) => {
    const state = calls.getStore();
    const fresh = response.headers['replay-nonce'];
    const usedByCaller =
      (response.config as { certdeskNonceFetch?: boolean }).certdeskNonceFetch === true ||
      // acme-client retries a badNonce with the nonce of that very response.
      (response.status === 400 && (response.data as { type?: string } | null)?.type === 'urn:ietf:params:acme:error:badNonce');
    if (typeof fresh === 'string' && response.config.url && !usedByCaller) {
      try {
        const key = nonceKey(state?.trust ?? null, new URL(response.config.url).origin);
        const pool = nonces.get(key) ?? [];
        pool.push(fresh);
        if (pool.length > MAX_POOLED_NONCES) pool.shift();
        nonces.set(key, pool);
      } catch {
        // not a URL we can key on: nothing to pool
      }
    }
    if (state) {
      const ra = response.headers['retry-after'];
      state.lastRetryAfterSeconds = parseRetryAfter(typeof ra === 'string' ? ra : undefined);
    }
    if (state && response.status >= 400 && response.data && typeof response.data === 'object') {
      const data = response.data as Partial<AcmeProblem>;
      if (typeof data.type === 'string') {
        state.lastProblem = {
          type: data.type,
          detail: typeof data.detail === 'string' ? data.detail : '',
          status: response.status,
          ...(Array.isArray(data.subproblems) ? { subproblems: data.subproblems } : {}),
        };
        const ra = response.headers['retry-after'];
        state.retryAfterSeconds = parseRetryAfter(typeof ra === 'string' ? ra : undefined);
      }
    }
    return response;
  });
}

/**
 * Makes an acme-client Client use the Replay-Nonce of earlier responses instead of asking newNonce before
 * every signed request (acme-client does, which doubles the round trips). A rejected nonce is answered
 * with badNonce and a fresh one, which acme-client already retries with.
 */
export function poolNonces(client: acme.Client, directoryUrl: string): acme.Client {
  const http = (client as unknown as { http: { getNonce: () => Promise<string> } }).http;
  const origin = new URL(directoryUrl).origin;
  const fetchNonce = http.getNonce.bind(http);
  http.getNonce = async () => nonces.get(nonceKey(calls.getStore()?.trust ?? null, origin))?.pop() ?? fetchNonce();
  return client;
}

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - now) / 1000));
}

/**
 * Runs `fn` with its own transport state: `trust` is the extra trust of the one account (or registration)
 * it acts for (null: system roots only); `state()` inside it reads the last problem seen.
 */
export async function withTransport<T>(signal: AbortSignal | undefined, trust: Trust | null, fn: (state: () => CallState) => Promise<T>): Promise<T> {
  await loadAcmeLibs();
  installTransport();
  const state: CallState = { signal, trust, lastProblem: null, retryAfterSeconds: null, lastRetryAfterSeconds: null, lastNetworkError: null };
  active++;
  try {
    return await calls.run(state, () => fn(() => state));
  } finally {
    // On Node 20 and 22 an enabled AsyncLocalStorage runs an async_hooks callback for every promise the whole process
    // creates, also between ACME calls (store writes, schema checks): ~10 ms of CPU in a `request verify`. So it is
    // switched off whenever no call is running (the next run() switches it on again). Everything a call does is
    // awaited inside it, so nothing of a finished call still reads its state.
    if (--active === 0) calls.disable();
  }
}
