// HTTP transport for acme-client. acme-client sends every request through one shared axios instance, so the
// per-call concerns live here, keyed by an AsyncLocalStorage context instead of per-client options:
//  - trust: each directory origin may add its own CA (Pebble, private ACME CAs) on top of the system roots;
//  - cancellation: the caller's AbortSignal reaches every request of an operation;
//  - errors: acme-client throws a bare message, so the last ACME problem document is kept for our errors.
// Its own retry interceptor is switched off (acme-client issue #103: it re-sends the same signed body and
// nonce); callers retry whole steps with fresh nonces instead (see retry.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import acme from 'acme-client';
import axios from 'axios';

export interface AcmeProblem {
  type: string;
  detail: string;
  status: number;
  subproblems?: { type: string; detail: string; identifier?: { type: string; value: string } }[];
}

interface CallState {
  signal: AbortSignal | undefined;
  lastProblem: AcmeProblem | null;
  retryAfterSeconds: number | null;
  /** Retry-After of the last response of any status (polling honours it). */
  lastRetryAfterSeconds: number | null;
  /** The network/TLS error of the last request: acme-client's interceptor replaces it with a TypeError. */
  lastNetworkError: Error | null;
}

const calls = new AsyncLocalStorage<CallState>();
/** Unused Replay-Nonce values per origin (RFC 8555 §7.2: every response carries a fresh one). */
const nonces = new Map<string, string[]>();
const MAX_POOLED_NONCES = 32;
const agents = new Map<string, https.Agent>();
const defaultAgent = new https.Agent({ keepAlive: true });
let installed = false;

export const REQUEST_TIMEOUT_MS = 30_000;

/** An agent that trusts the system roots plus `caPem` (one secure context, built once per call). */
export function agentWithCa(caPem: string | null): https.Agent {
  if (!caPem) return defaultAgent;
  // One secure context, built once: passing `ca` to the agent would re-parse ~150 root certificates for
  // every new connection, which made parallel requests (a 100-name order) take seconds.
  const secureContext = createSecureContext({ ca: [...rootCertificates, caPem] });
  return new https.Agent({ keepAlive: true, secureContext });
}

/**
 * Trusts `caPem` (in addition to the system roots) for every HTTPS request to the origins of `urls` (a
 * directory and the resources it names, which may live on other hosts or ports). Trust is only ever added:
 * other accounts of this process may rely on it.
 */
export function trustForOrigins(urls: string[], caPem: string): void {
  const agent = agentWithCa(caPem);
  for (const url of urls) {
    try {
      agents.set(new URL(url).origin, agent);
    } catch {
      // not a URL: nothing to trust
    }
  }
}

export function agentFor(url: string): https.Agent {
  try {
    return agents.get(new URL(url).origin) ?? defaultAgent;
  } catch {
    return defaultAgent;
  }
}

export function installTransport(): void {
  if (installed) return;
  installed = true;
  const instance = acme.axios;
  const settings = (instance.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;
  settings.retryMaxAttempts = 0;
  instance.defaults.timeout = REQUEST_TIMEOUT_MS;
  const baseAdapter = axios.getAdapter(instance.defaults.adapter ?? ['http']);
  instance.interceptors.request.use((config) => {
    if (config.url && !config.httpsAgent) config.httpsAgent = agentFor(config.url);
    // acme-client fetches nonces with HEAD, which axios answers only after a ~40 ms stall on a kept-alive
    // socket; RFC 8555 §7.2 lets clients use GET on newNonce (204 + Replay-Nonce), which costs ~3 ms.
    if (config.method?.toLowerCase() === 'head') {
      config.method = 'get';
      // acme-client uses this response's nonce itself: it must not also go into the pool.
      (config as { certdeskNonceFetch?: boolean }).certdeskNonceFetch = true;
    }
    const state = calls.getStore();
    config.adapter = async (cfg) => {
      try {
        return await baseAdapter(cfg);
      } catch (err) {
        if (state) state.lastNetworkError = err as Error;
        throw err;
      }
    };
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
        const origin = new URL(response.config.url).origin;
        const pool = nonces.get(origin) ?? [];
        pool.push(fresh);
        if (pool.length > MAX_POOLED_NONCES) pool.shift();
        nonces.set(origin, pool);
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
  http.getNonce = async () => nonces.get(origin)?.pop() ?? fetchNonce();
  return client;
}

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - now) / 1000));
}

/** Runs `fn` with its own transport state; `state()` inside it reads the last problem seen. */
export function withTransport<T>(signal: AbortSignal | undefined, fn: (state: () => CallState) => Promise<T>): Promise<T> {
  installTransport();
  const state: CallState = { signal, lastProblem: null, retryAfterSeconds: null, lastRetryAfterSeconds: null, lastNetworkError: null };
  return calls.run(state, () => fn(() => state));
}
