// How requests and certificates read in the UI: status words and colours, expiry tones, key labels.
import { KEY_LABELS, type KeyPolicy, type KeySpec, type KeystoreType, type Request, type RequestStatus, type RevocationReason } from '../../../shared/model/request.ts';
import { formatMediumDate, keyAlgorithmLabel } from '../format.ts';

export type Tone = 'success' | 'warning' | 'error' | 'info' | 'default';

export const REQUEST_STATUS: Record<RequestStatus, { label: string; color: Tone; opens: string }> = {
  pending: { label: 'Pending', color: 'warning', opens: 'Open the challenge window' },
  processing: { label: 'Processing', color: 'info', opens: 'Show the live progress' },
  available: { label: 'Available', color: 'success', opens: 'Open the certificate: save, export' },
  failed: { label: 'Failed', color: 'error', opens: 'See what failed and get a new challenge' },
  renewed: { label: 'Renewed', color: 'success', opens: 'Open the renewed certificate: save it to the repository' },
  revoked: { label: 'Revoked', color: 'default', opens: 'Open the revoked certificate' },
};

export const KEY_POLICY_LABELS: Record<KeyPolicy, string> = {
  new: 'New key',
  same: 'Same key',
  import: 'Imported key',
};

/** What a renewal does with the key, in one phrase. */
export const KEY_POLICY_RENEWAL: Record<KeyPolicy, string> = {
  new: 'new key (a fresh key is generated)',
  same: 'same key (the current key is kept)',
  import: 'imported key (the key you imported is used again)',
};

export const KEYSTORE_LABELS: Record<KeystoreType, string> = {
  pkcs12: 'PKCS12',
  jks: 'JKS',
  pem: 'PEM',
};

export const REVOCATION_LABELS: Record<RevocationReason, { label: string; help: string }> = {
  unspecified: { label: 'No reason given', help: 'unspecified' },
  keyCompromise: { label: 'Key compromised', help: 'keyCompromise — the private key was exposed or lost' },
  superseded: { label: 'Superseded', help: 'superseded — a new certificate replaces this one' },
  cessationOfOperation: { label: 'No longer in use', help: 'cessationOfOperation — the sites or domains are gone' },
  affiliationChanged: { label: 'Affiliation changed', help: 'affiliationChanged — the names now belong to someone else' },
};

export function keyLabel(key: string): string {
  return (KEY_LABELS as Record<string, string>)[key] ?? keyAlgorithmLabel(key);
}

/** "dns-01 · Office BIND" when a DNS account answers the request's challenges, else "… · manual". */
export function challengeLabel(request: Pick<Request, 'challengeType'>, dnsAccountName?: string | null): string {
  if (request.challengeType === 'dns-01' && dnsAccountName) return `dns-01 · ${dnsAccountName}`;
  return `${request.challengeType} · manual`;
}

/** Expiry tone: fine, within 30 days, within 7 days, expired. */
export function expiryTone(daysLeft: number | null): Tone {
  if (daysLeft === null) return 'default';
  if (daysLeft < 0) return 'error';
  if (daysLeft <= 7) return 'error';
  if (daysLeft <= 30) return 'warning';
  return 'success';
}

export function daysLeftText(daysLeft: number): string {
  if (daysLeft < -1) return `expired ${-daysLeft} days ago`;
  if (daysLeft === -1) return 'expired yesterday';
  if (daysLeft < 0) return 'expired';
  if (daysLeft === 0) return 'expires today';
  if (daysLeft === 1) return '1 day left';
  return `${daysLeft} days left`;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return formatMediumDate(d);
}

/** "AB:CD:…" groups for fingerprints (hex in, colon pairs out). */
export function fingerprint(hex: string): string {
  const clean = hex.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return clean.match(/.{1,2}/g)?.join(':') ?? hex;
}

/** Unicode and ASCII forms of a name, for "as typed / as punycode" display. */
export function nameForms(ascii: string, unicode: string | undefined): { shown: string; puny: string | null } {
  const shown = unicode ?? ascii;
  return { shown, puny: shown !== ascii ? ascii : null };
}

export function isKeySpec(value: string): value is KeySpec {
  return value in KEY_LABELS;
}
