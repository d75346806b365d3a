// Certificate requests (seed Step 2–7) and saved certificates (the repository), as every face sees them.
import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.
import { RenewalPlan } from './renewal.ts';
import { Deployment } from './server.ts';

export const KeySpec = z.enum(['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384']);
export type KeySpec = z.infer<typeof KeySpec>;

export const SignatureAlgorithm = z.enum([
  'SHA256withRSA',
  'SHA384withRSA',
  'SHA512withRSA',
  'SHA256withECDSA',
  'SHA384withECDSA',
]);
export type SignatureAlgorithm = z.infer<typeof SignatureAlgorithm>;

/** Signature algorithms that fit a key, the default first. */
export function signaturesFor(key: KeySpec): SignatureAlgorithm[] {
  if (key === 'ec-p256') return ['SHA256withECDSA', 'SHA384withECDSA'];
  if (key === 'ec-p384') return ['SHA384withECDSA', 'SHA256withECDSA'];
  return ['SHA256withRSA', 'SHA384withRSA', 'SHA512withRSA'];
}

export const KEY_LABELS: Record<KeySpec, string> = {
  'rsa-2048': 'RSA 2048',
  'rsa-3072': 'RSA 3072',
  'rsa-4096': 'RSA 4096',
  'ec-p256': 'EC P-256',
  'ec-p384': 'EC P-384',
};

export const ChallengeType = z.enum(['http-01', 'dns-01']);
export type ChallengeType = z.infer<typeof ChallengeType>;
export const KeystoreType = z.enum(['pkcs12', 'jks', 'pem']);
export type KeystoreType = z.infer<typeof KeystoreType>;
export const KeyPolicy = z.enum(['new', 'same', 'import']);
export type KeyPolicy = z.infer<typeof KeyPolicy>;
export const RequestStatus = z.enum(['pending', 'processing', 'available', 'failed', 'renewed', 'revoked']);
export type RequestStatus = z.infer<typeof RequestStatus>;
export const ExportFormat = z.enum(['pfx', 'pfx-legacy', 'jks', 'pem']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Revocation reasons a subscriber may give (RFC 5280 codes accepted by Let's Encrypt). */
export const RevocationReason = z.enum(['unspecified', 'keyCompromise', 'superseded', 'cessationOfOperation', 'affiliationChanged']);
export type RevocationReason = z.infer<typeof RevocationReason>;
export const REVOCATION_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

export const ChallengeStatus = z.enum(['pending', 'processing', 'valid', 'invalid']);

export const AnsweredBy = z.lazy(() => z.object({
  /** dns: a DNS account; ssh: one SSH end server; agent: one Certdesk agent; pool: several targets (the file goes on each). */
  kind: z.enum(['dns', 'ssh', 'agent', 'pool']),
  name: z.string(),
  /** ssh / agent: where the file goes (a path, `agent:self`, `iis:<site>`); otherwise null. */
  webroot: z.string().nullable(),
}));
export type AnsweredBy = z.infer<typeof AnsweredBy>;

export const Challenge = z.lazy(() => z.object({
  /** ASCII (punycode) identifier, without `*.` (as the CA's authorization names it). */
  identifier: z.string(),
  /** What the user asked for, e.g. `*.example.com`. */
  name: z.string(),
  nameUnicode: z.string(),
  wildcard: z.boolean(),
  type: ChallengeType,
  status: ChallengeStatus,
  token: z.string(),
  /** http-01: `/.well-known/acme-challenge/<token>` and the exact file content. */
  httpPath: z.string().nullable(),
  httpUrl: z.string().nullable(),
  httpContent: z.string().nullable(),
  /** dns-01: `_acme-challenge.<domain>` and the TXT value. */
  dnsName: z.string().nullable(),
  dnsValue: z.string().nullable(),
  /** The CA's error for this identifier, when validation failed. */
  error: z.object({ type: z.string(), detail: z.string() }).nullable(),
  /** Live progress of an automatic solver for this name, e.g. "2 of 3 name servers see the record". */
  progress: z.string().nullable(),
  /**
   * Who answers this challenge at Verify, as a sentence: "DNS account Cloudflare", "server web1 (webroot
   * /var/www/html)", "agent iis1 (answers itself)", "servers web1, web2"; null: by hand.
   */
  automation: z.string().nullable(),
  /** The same, as data: what kind of answerer, its name (a pool: the names joined), and the webroot of one target. */
  answeredBy: AnsweredBy.nullable(),
}));
export type Challenge = z.infer<typeof Challenge>;

export const CertificateSummary = z.lazy(() => z.object({
  serial: z.string(),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  sha256: z.string(),
  sha1: z.string(),
  names: z.array(z.string()),
  keyType: z.string(),
}));
export type CertificateSummary = z.infer<typeof CertificateSummary>;

export const Request = z.lazy(() => z.object({
  id: z.string(),
  accountId: z.string(),
  names: z.array(z.string()),
  namesUnicode: z.array(z.string()),
  commonName: z.string(),
  challengeType: ChallengeType,
  /** dns-01: the DNS account that answers the challenges automatically (null: by hand, or a domain mapping). */
  dnsAccountId: z.string().nullable(),
  key: KeySpec,
  signatureAlgorithm: SignatureAlgorithm,
  keystoreType: KeystoreType,
  keystorePasswordStored: z.boolean(),
  keyPolicy: KeyPolicy,
  profile: z.string().nullable(),
  preferredChain: z.string().nullable(),
  /** The preferred chain was not offered: the default chain was kept; names the issuers that were. */
  chainWarning: z.string().nullable(),
  status: RequestStatus,
  /** Internal step, shown as live progress: ordering, challenges, validating, finalizing, downloading, done. */
  phase: z.string(),
  orderUrl: z.string().nullable(),
  challenges: z.array(Challenge),
  error: z
    .object({ code: z.string(), message: z.string(), hint: z.string().optional(), acmeType: z.string().optional() })
    .nullable(),
  certificate: CertificateSummary.nullable(),
  /** Days until the issued certificate expires (negative when expired). */
  daysLeft: z.number().nullable(),
  savedCertificateId: z.string().nullable(),
  /** True when the issued certificate differs from the saved one (a renewal to save). */
  unsaved: z.boolean(),
  ordersCreated: z.number(),
  /**
   * ARI (RFC 9773): the certificate the current order replaces (its certId); `refused` says why the CA refused
   * that and the order went out without it.
   */
  replaces: z.object({ certId: z.string(), refused: z.string().nullable() }).nullable().optional(),
  /** The latest deployment of this request's certificate to each server (issue 8), newest first. */
  deployments: z.array(Deployment),
  createdAt: z.string(),
  updatedAt: z.string(),
}));
export type Request = z.infer<typeof Request>;

export const CertificateVersion = z.lazy(() => z.object({
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  savedAt: z.string(),
  sha256: z.string(),
}));

export const Certificate = z.object({
  id: z.string(),
  requestId: z.string().nullable(),
  commonName: z.string(),
  names: z.array(z.string()),
  namesUnicode: z.array(z.string()),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  daysLeft: z.number(),
  keyType: z.string(),
  sha256: z.string(),
  sha1: z.string(),
  savedAt: z.string(),
  revoked: z.boolean(),
  /** Earlier versions (older first), kept when a renewal was saved. */
  history: z.array(CertificateVersion),
});
export type Certificate = z.infer<typeof Certificate>;

export const CertificateDetail = Certificate.extend({
  certificatePem: z.string(),
  chainPem: z.string(),
  /** The renewal plan: due time, policy, why (issue 9). */
  renewal: RenewalPlan.optional(),
});
export type CertificateDetail = z.infer<typeof CertificateDetail>;
