// Settings of renewal, notifications and e-mail: defaults, reading from db.json's free-form `settings`, and the
// checks of a change. The SMTP password lives in the keychain (EMAIL_PASSWORD_SECRET), never in db.json.
import { AppError } from '../../shared/ipc/errors.ts';
import type { EmailSettings, NotificationSettings, RenewalSettings } from '../../shared/model/renewal.ts';
import { RenewalPolicy, SmtpSecurity } from '../../shared/model/renewal.ts';

export const DEFAULT_RENEWAL: RenewalSettings = { policy: 'ari', days: 30, concurrency: 4 };
export const DEFAULT_NOTIFICATIONS: NotificationSettings = { enabled: true, thresholds: [30, 14, 7, 1], onSuccess: true, stayInTray: true, startAtLogin: false };
export const DEFAULT_EMAIL: Omit<EmailSettings, 'hasPassword' | 'caName'> = {
  enabled: false,
  host: '',
  port: 587,
  security: 'starttls',
  user: '',
  from: '',
  to: [],
  failureMails: true,
  weeklyDigest: true,
};
/** Relative path (data directory) of the extra CA trusted for the SMTP server. */
export const EMAIL_CA_FILE = 'email/ca.pem';

type Settings = Record<string, unknown>;
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The stored renewal settings, each field falling back to its default when missing or malformed. */
export function renewalSettings(settings: Settings): RenewalSettings {
  const r = obj(settings.renewal);
  const policy = RenewalPolicy.safeParse(r.policy);
  return {
    policy: policy.success ? policy.data : DEFAULT_RENEWAL.policy,
    days: Number.isInteger(r.days) && (r.days as number) >= 1 && (r.days as number) <= 365 ? (r.days as number) : DEFAULT_RENEWAL.days,
    concurrency: Number.isInteger(r.concurrency) && (r.concurrency as number) >= 1 && (r.concurrency as number) <= 16 ? (r.concurrency as number) : DEFAULT_RENEWAL.concurrency,
  };
}

export function notificationSettings(settings: Settings): NotificationSettings {
  const n = obj(settings.notifications);
  const bool = (k: keyof NotificationSettings): boolean => (typeof n[k] === 'boolean' ? (n[k] as boolean) : (DEFAULT_NOTIFICATIONS[k] as boolean));
  const thresholds = Array.isArray(n.thresholds) && n.thresholds.every((t) => Number.isInteger(t) && t >= 0 && t <= 365) ? (n.thresholds as number[]) : DEFAULT_NOTIFICATIONS.thresholds;
  return { enabled: bool('enabled'), thresholds: [...thresholds], onSuccess: bool('onSuccess'), stayInTray: bool('stayInTray'), startAtLogin: bool('startAtLogin') };
}

export function emailSettings(settings: Settings, hasPassword: boolean): EmailSettings {
  const e = obj(settings.email);
  const str = (k: 'host' | 'user' | 'from'): string => (typeof e[k] === 'string' ? (e[k] as string) : DEFAULT_EMAIL[k]);
  const bool = (k: 'enabled' | 'failureMails' | 'weeklyDigest'): boolean => (typeof e[k] === 'boolean' ? (e[k] as boolean) : DEFAULT_EMAIL[k]);
  const security = SmtpSecurity.safeParse(e.security);
  return {
    enabled: bool('enabled'),
    host: str('host'),
    port: Number.isInteger(e.port) && (e.port as number) >= 1 && (e.port as number) <= 65535 ? (e.port as number) : DEFAULT_EMAIL.port,
    security: security.success ? security.data : DEFAULT_EMAIL.security,
    user: str('user'),
    hasPassword,
    from: str('from'),
    to: Array.isArray(e.to) ? e.to.filter((t): t is string => typeof t === 'string') : [],
    failureMails: bool('failureMails'),
    weeklyDigest: bool('weeklyDigest'),
    caName: typeof e.caName === 'string' ? e.caName : null,
  };
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

/** Checks a whole renewal settings object; throws INVALID_INPUT naming the field. */
export function checkRenewal(r: RenewalSettings): void {
  if (!Number.isInteger(r.days) || r.days < 1 || r.days > 365) throw AppError.invalid('renewal.days', `Days before expiry must be a whole number from 1 to 365 (got ${r.days}).`);
  if (!Number.isInteger(r.concurrency) || r.concurrency < 1 || r.concurrency > 16) throw AppError.invalid('renewal.concurrency', `Renewals at once must be from 1 to 16 (got ${r.concurrency}).`);
}

export function checkNotifications(n: NotificationSettings): void {
  if (n.thresholds.length > 10) throw AppError.invalid('notifications.thresholds', 'Give at most 10 notification thresholds.');
  for (const t of n.thresholds) {
    if (!Number.isInteger(t) || t < 0 || t > 365) throw AppError.invalid('notifications.thresholds', `Threshold ${t} is not a whole number of days from 0 to 365.`);
  }
}

/** An enabled e-mail setup needs a server, a sender and at least one recipient. */
export function checkEmail(e: Omit<EmailSettings, 'hasPassword' | 'caName'>): void {
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw AppError.invalid('email.port', `SMTP port must be from 1 to 65535 (got ${e.port}).`, 'Usually 587 (STARTTLS), 465 (TLS) or 25.');
  if (e.host !== '' && !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:]+)$/i.test(e.host)) throw AppError.invalid('email.host', `SMTP server "${e.host}" is not a host name or IP address.`);
  if (e.from !== '' && !ADDRESS.test(e.from)) throw AppError.invalid('email.from', `From "${e.from}" is not an e-mail address.`, 'Use the form name@example.com.');
  e.to.forEach((t, i) => {
    if (!ADDRESS.test(t)) throw AppError.invalid(`email.to.${i}`, `Recipient "${t}" is not an e-mail address.`, 'Use the form name@example.com.');
  });
  if (e.enabled) {
    if (e.host === '') throw AppError.invalid('email.host', 'SMTP server is required to send e-mail.', 'Give the host name of your mail server, or turn e-mail off.');
    if (e.from === '') throw AppError.invalid('email.from', 'From is required to send e-mail.', 'Give the sender address your mail server accepts.');
    if (e.to.length === 0) throw AppError.invalid('email.to', 'Give at least one recipient for notices.', 'Who should hear about failed renewals and expiries?');
  }
}
