// Retries a whole ACME step (re-signed, with a fresh nonce) when the CA says to try again: badNonce that
// outlived acme-client's own nonce retries, 429/503 with Retry-After, and brief network resets. Bounded, so
// a failing CA never turns into a loop that burns rate limits.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AcmeProblem } from './transport.ts';

export interface RetryOptions {
  attempts?: number;
  /** Longest Retry-After we wait inside one call; longer ones fail with the CA's message. */
  maxWaitSeconds?: number;
  signal?: AbortSignal;
  /**
   * False for steps that must not happen twice (new account, new order, finalize, key change, revoke): they
   * are retried only after badNonce, which the CA sends before doing anything. A timeout or a reset may come
   * after the CA acted, so those are left to the caller's state checks instead.
   */
  idempotent?: boolean;
  onRetry?: (attempt: number, reason: string, waitMs: number) => void;
}

const TRANSIENT_NET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function retryableReason(err: unknown, problem: AcmeProblem | null): string | null {
  if (problem?.type === 'urn:ietf:params:acme:error:badNonce') return 'badNonce';
  if (problem && (problem.status === 503 || problem.status === 500)) return `HTTP ${problem.status}`;
  const code = (err as { code?: string })?.code;
  if (code && TRANSIENT_NET.has(code)) return code;
  return null;
}

export async function retryAcme<T>(
  fn: () => Promise<T>,
  problem: () => { lastProblem: AcmeProblem | null; retryAfterSeconds: number | null; lastNetworkError: Error | null },
  opts: RetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    const before = problem();
    before.lastProblem = null;
    before.retryAfterSeconds = null;
    before.lastNetworkError = null;
    try {
      return await fn();
    } catch (err) {
      const state = problem();
      const reason = retryableReason(state.lastNetworkError ?? err, state.lastProblem);
      if (opts.idempotent === false && reason !== 'badNonce') throw err;
      const retryAfter = state.retryAfterSeconds;
      if (!reason || attempt >= attempts) throw err;
      if (retryAfter !== null && retryAfter > (opts.maxWaitSeconds ?? 20)) throw err;
      const waitMs = retryAfter !== null ? retryAfter * 1000 : Math.min(2000, 100 * 2 ** (attempt - 1));
      opts.onRetry?.(attempt, reason, waitMs);
      await sleep(waitMs, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }
}
