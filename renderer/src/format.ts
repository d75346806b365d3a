// How account facts read in the UI.
import type { Account, AccountStatus } from '../../shared/model/account.ts';

export function directoryLabel(account: Pick<Account, 'directoryKind' | 'directoryUrl'>): string {
  switch (account.directoryKind) {
    case 'production':
      return "Let's Encrypt — Production";
    case 'staging':
      return "Let's Encrypt — Staging";
    case 'custom':
      return hostOf(account.directoryUrl);
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export const STATUS_TEXT: Record<AccountStatus, string> = {
  valid: 'Active',
  deactivated: 'Deactivated',
  revoked: 'Revoked',
};

export const STATUS_COLOR: Record<AccountStatus, 'success' | 'default' | 'error'> = {
  valid: 'success',
  deactivated: 'default',
  revoked: 'error',
};

// Date.toLocale*String(locale, options) builds a new Intl.DateTimeFormat at every call (a fraction of a millisecond
// each): a table of certificates formats several dates per row and per scroll frame, so the formats are made
// once and reused. Same output as toLocale*String with the same options.
let mediumDate: Intl.DateTimeFormat | undefined;
let mediumDateTime: Intl.DateTimeFormat | undefined;

/** "5 Dec 2026" in the user's locale (dateStyle medium). */
export function formatMediumDate(d: Date): string {
  mediumDate ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  return mediumDate.format(d);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  mediumDateTime ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return mediumDateTime.format(d);
}

/** Groups a thumbprint so it can be read aloud and compared by eye. */
export function shortThumbprint(thumbprint: string): string {
  return thumbprint.length > 20 ? `${thumbprint.slice(0, 10)}…${thumbprint.slice(-8)}` : thumbprint;
}

/** "ec-p256" → "ECDSA P-256", "rsa-2048" → "RSA 2048"; anything else as the service wrote it. */
export function keyAlgorithmLabel(algorithm: string): string {
  const ec = /^ec(?:dsa)?-?p-?(\d{3})$/i.exec(algorithm);
  if (ec) return `ECDSA P-${ec[1]}`;
  const rsa = /^rsa-?(\d{4})$/i.exec(algorithm);
  if (rsa) return `RSA ${rsa[1]}`;
  return algorithm;
}
