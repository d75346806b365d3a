// Automatic renewal, alerts, notifications and e-mail (issue 9): the views the faces see.
import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.

/**
 * When a certificate is due:
 * - `ari`: inside the CA's renewal window (RFC 9773) when its directory has `renewalInfo`, else as `lifetime`;
 * - `lifetime`: when a third of the lifetime remains (half, for certificates of less than 10 days);
 * - `days`: a fixed number of days before expiry (the seed's "renew at day 75" of a 90-day certificate = 15).
 */
export const RenewalPolicy = z.enum(['ari', 'lifetime', 'days']);
export type RenewalPolicy = z.infer<typeof RenewalPolicy>;

/** Why a due time is what it is (what `renew --dry-run` prints). */
export const DueReason = z.enum(['ari-window', 'lifetime', 'days-before', 'manual', 'retry', 'not-renewable']);
export type DueReason = z.infer<typeof DueReason>;

/** Where a certificate stands in the renewal cycle. */
export const RenewalState = z.enum([
  /** Due later, will renew by itself. */
  'scheduled',
  /** Due now (the next reconcile renews it). */
  'due',
  /** Being renewed right now. */
  'renewing',
  /** The last attempt failed; waiting for the next try (back-off). */
  'retrying',
  /** No automatic validation (no DNS account/mapping, no end server/agent): a person must renew it. */
  'manual',
  /** Revoked or expired without renewal: nothing to do. */
  'inactive',
]);
export type RenewalState = z.infer<typeof RenewalState>;

/** The renewal plan of one saved certificate. Instants are UTC ISO strings. */
export const RenewalPlan = z.lazy(() => z.object({
  certificateId: z.string(),
  requestId: z.string().nullable(),
  commonName: z.string(),
  names: z.array(z.string()),
  notAfter: z.string(),
  /** This certificate's own policy; null: the default from Settings. */
  policyOverride: RenewalPolicy.nullable(),
  /** The policy in force (the override, else the default). */
  policy: RenewalPolicy,
  /** `days` policy: days before expiry. */
  days: z.number().int().nullable(),
  /** The instant the certificate is due (a random time inside the ARI window, or the computed one). */
  dueAt: z.string().nullable(),
  reason: DueReason,
  /** ARI: the CA's window and where it explains it. */
  window: z.object({ start: z.string(), end: z.string(), explanationUrl: z.string().nullable(), fetchedAt: z.string() }).nullable(),
  state: RenewalState,
  /** True when the certificate can renew by itself (automatic validation for every name). */
  automated: z.boolean(),
  /** Who answers the challenges at renewal, e.g. "DNS account Office BIND", "server web1"; null: nobody. */
  automation: z.string().nullable(),
  failures: z.number().int(),
  /** After a failure: when the next attempt is made. */
  nextAttemptAt: z.string().nullable(),
  lastAttempt: z.object({ at: z.string(), ok: z.boolean(), message: z.string() }).nullable(),
}));
export type RenewalPlan = z.infer<typeof RenewalPlan>;

/** What one automatic renewal did (`renew --due`, the scheduler). */
export const RenewalResult = z.lazy(() => z.object({
  certificateId: z.string(),
  requestId: z.string().nullable(),
  commonName: z.string(),
  ok: z.boolean(),
  /** The new certificate's serial when renewed. */
  serial: z.string().nullable(),
  message: z.string(),
  /** The new order carried `replaces` (ARI) and the CA accepted it. */
  replaced: z.boolean(),
  /** Deployments after the renewal (where servers are mapped): server name and whether it serves the new serial. */
  deployments: z.array(z.object({ server: z.string(), ok: z.boolean(), reason: z.string().nullable() })),
}));
export type RenewalResult = z.infer<typeof RenewalResult>;

export const AlertKind = z.enum(['expiring', 'expired', 'renewal-failed', 'request-failed', 'challenge-waiting', 'manual-renewal', 'deploy-failed']);
export type AlertKind = z.infer<typeof AlertKind>;

/** What resolves an alert, for the button beside it. */
export const AlertAction = z.lazy(() => z.object({
  kind: z.enum(['open-request', 'open-certificate', 'renew', 'open-settings']),
  label: z.string(),
  requestId: z.string().nullable(),
  certificateId: z.string().nullable(),
}));
export type AlertAction = z.infer<typeof AlertAction>;

export const Alert = z.lazy(() => z.object({
  /** Stable for one subject and kind, e.g. `renewal-failed:<certificateId>`. */
  id: z.string(),
  kind: AlertKind,
  severity: z.enum(['info', 'warning', 'error']),
  title: z.string(),
  message: z.string(),
  action: AlertAction,
  /** When the state behind the alert began (e.g. the failure's time). */
  since: z.string(),
  /**
   * Dismissed by the user for this state: hidden from the bell's count, still listed under "Dismissed". A new
   * state (another failure, a new threshold) makes a new alert.
   */
  dismissed: z.boolean(),
}));
export type Alert = z.infer<typeof Alert>;

export const SmtpSecurity = z.enum(['starttls', 'tls', 'none']);
export type SmtpSecurity = z.infer<typeof SmtpSecurity>;

/** Settings of automatic renewal, notifications and e-mail (the password never leaves the keychain). */
export const RenewalSettings = z.object({
  policy: RenewalPolicy,
  /** `days` policy: days before expiry (1–365). */
  days: z.number().int(),
  /** At most this many renewals at once. */
  concurrency: z.number().int(),
});
export type RenewalSettings = z.infer<typeof RenewalSettings>;

export const NotificationSettings = z.object({
  /** OS notifications at all. */
  enabled: z.boolean(),
  /** Days before expiry at which one notification (and alert) fires per certificate, e.g. [30, 14, 7, 1]. */
  thresholds: z.array(z.number().int()),
  /** A notification for every renewal success (failures always notify). */
  onSuccess: z.boolean(),
  /** Closing the window keeps Certdesk running in the tray (renewals go on). */
  stayInTray: z.boolean(),
  /** Start at login (hidden, in the tray). */
  startAtLogin: z.boolean(),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;

export const EmailSettings = z.object({
  enabled: z.boolean(),
  host: z.string(),
  port: z.number().int(),
  security: SmtpSecurity,
  user: z.string(),
  /** A password is in the keychain (its value never leaves it). */
  hasPassword: z.boolean(),
  from: z.string(),
  to: z.array(z.string()),
  /** A mail for every failed renewal. */
  failureMails: z.boolean(),
  /** A weekly digest of what expires in the next 30 days. */
  weeklyDigest: z.boolean(),
  /** Extra CA (PEM) trusted for the SMTP server's certificate; null: the system's. */
  caName: z.string().nullable(),
});
export type EmailSettings = z.infer<typeof EmailSettings>;
