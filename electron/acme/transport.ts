// HTTP transport for acme-client. acme-client sends every request through one shared axios instance, so the
// per-call concerns live here, keyed by an AsyncLocalStorage context instead of per-client options:
//  - trust: each directory origin may add its own CA (Pebble, private ACME CAs) on top of the system roots;
//  - cancellation: the caller's AbortSignal reaches every request of an operation;
//  - errors: acme-client throws a bare message, so the last ACME problem document is kept for our errors.
// Its own retry interceptor is switched off (acme-client issue #103: it re-sends the same signed body and
// nonce); callers retry whole steps with fresh nonces instead (see retry.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
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
  /** The network/TLS error of the last request: acme-client's interceptor replaces it with a TypeError. */
  lastNetworkError: Error | null;
}

const calls = new AsyncLocalStorage<CallState>();
const agents = new Map<string, https.Agent>();
const defaultAgent = new https.Agent({ keepAlive: true });
let installed = false;

export const REQUEST_TIMEOUT_MS = 30_000;

/** Trusts `caPem` (in addition to the system roots) for every HTTPS request to the origin of `url`. */
export function trustForOrigin(url: string, caPem: string | null): void {
  const origin = new URL(url).origin;
  if (!caPem) {
    agents.delete(origin);
    return;
  }
  agents.set(origin, new https.Agent({ keepAlive: true, ca: [...rootCertificates, caPem] }));
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
    if (config.url) config.httpsAgent = agentFor(config.url);
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
  const state: CallState = { signal, lastProblem: null, retryAfterSeconds: null, lastNetworkError: null };
  return calls.run(state, () => fn(() => state));
}
