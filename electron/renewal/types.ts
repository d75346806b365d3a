// Names shared by the renewal engine, ARI, alerts, notifications and e-mail (issue 9). Each part is built by its
// own module; these are the seams between them.
import type { RenewalPlan, RenewalResult } from '../../shared/model/renewal.ts';

/** Everything time-dependent takes its time from here, so that tests run on a fake clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Told of every automatic renewal's result (notifications, e-mail, alerts). Called after the result is final and
 * recorded; an observer that throws or rejects is logged and never changes the result or stops another observer.
 */
export interface RenewalObserver {
  renewalFinished(result: RenewalResult, plan: RenewalPlan): void | Promise<void>;
}

/** RFC 9773 renewal information for one certificate, as the CA answered it. */
export interface AriInfo {
  /** `base64url(AKI keyIdentifier) "." base64url(serial DER, leading zero kept)`. */
  certId: string;
  /** The suggested window (UTC). */
  start: Date;
  end: Date;
  explanationUrl: string | null;
  /** When to ask again (the Retry-After header; the RFC's default when absent is up to the client, we use 6 h). */
  retryAfter: Date;
}

/** Asks the account's CA for renewal information (null when its directory has no `renewalInfo`). */
export interface AriSource {
  renewalInfo(requestId: string, signal: AbortSignal): Promise<AriInfo | null>;
}

/** Options of RequestService.renew beyond the request's own settings. */
export interface RenewOptions {
  /** ARI: the certId of the certificate this order replaces (sent as `replaces` in newOrder). */
  replaces?: string | undefined;
}

/** The back-off after consecutive failures: 1 min, 10 min, 100 min, then daily. */
export const BACKOFF_MS = [60_000, 600_000, 6_000_000] as const;
export const BACKOFF_DAILY_MS = 86_400_000;

export function backoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return BACKOFF_MS[failures - 1] ?? BACKOFF_DAILY_MS;
}
