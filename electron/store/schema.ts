// The shape of the metadata database (lowdb, db.json). Metadata only: keys and certificates live in
// files beside it (keys encrypted). Bump SCHEMA_VERSION with a new numbered migration in migrations.ts.
// The TypeScript interfaces below are what services see; the zod schemas at the end check db.json against them
// at load (and every record before it is written). A type check at the end of the file fails when the two drift:
// a new required field or a new enum value must be added to both.
import { z } from 'zod';
import { AccountStatus, DirectoryKind } from '../../shared/model/account.ts';
import {
  CertificateSummary,
  ChallengeType,
  KeyPolicy,
  KeySpec,
  KeystoreType,
  RequestStatus,
  SignatureAlgorithm,
} from '../../shared/model/request.ts';
import { DeployFormat, DeploymentStatus, ServerAuth } from '../../shared/model/server.ts';
import { AgentReport } from '../../shared/model/agent.ts';
import { DueReason, RenewalPolicy, RenewalState } from '../../shared/model/renewal.ts';

export const SCHEMA_VERSION = 8;

export interface AccountRecord {
  id: string;
  name: string;
  email: string | null;
  directoryUrl: string;
  directoryKind: DirectoryKind;
  /** Relative path (inside the data dir) of the extra trusted CA PEM for a custom directory, if any. */
  caFile: string | null;
  caName: string | null;
  /** Account URL (kid) at the CA. */
  url: string;
  status: AccountStatus;
  keyAlgorithm: string;
  keyThumbprint: string;
  /** Relative path of the encrypted account key file (vault format). */
  keyFile: string;
  /** Set during a key rollover until the CA has confirmed the switch (crash recovery). */
  pendingKeyFile?: string;
  termsOfServiceUrl: string | null;
  eabKid: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AuthorizationRecord {
  url: string;
  /** ASCII identifier as the CA names it (no `*.`). */
  identifier: string;
  wildcard: boolean;
  status: string;
  challenge: {
    type: ChallengeType;
    url: string;
    token: string;
    status: string;
    error: { type: string; detail: string } | null;
  } | null;
  /**
   * The authorization's other challenges (a dns-01 request's http-01 one), kept so a server mapping can answer a
   * name by http-01 even when the request asked for dns-01 (the seed: a server mapping wins over DNS).
   */
  alternates?: AlternateChallenge[];
}

export interface AlternateChallenge {
  type: ChallengeType;
  url: string;
  token: string;
  status: string;
}

export interface OrderRecord {
  url: string;
  status: string;
  expires: string | null;
  finalizeUrl: string;
  certificateUrl: string | null;
  authorizations: AuthorizationRecord[];
}

/** Where an order stands, so a restarted process resumes instead of re-ordering. */
export type RequestPhase = 'ordering' | 'challenges' | 'validating' | 'finalizing' | 'downloading' | 'done' | 'failed';

/** A TXT value an automatic solver put in DNS, kept until it is removed again (crash: a resumed run cleans up). */
export interface PresentedRecord {
  /** The name as the user asked for it (`*.example.com`), whose challenge this value answers. */
  name: string;
  /** The DNS account that made it. */
  accountId: string;
  /** The domain mapping that applied (null: the request's account). */
  mappingDomain: string | null;
  /** Where the value was added (after CNAMEs), no trailing dot. */
  fqdn: string;
  value: string;
}

/** An http-01 file an automatic solver put on a server, kept until it is removed again (crash: cleaned up later). */
export interface PlacedFile {
  /** The name as the user asked for it, whose challenge this file answers. */
  name: string;
  /** The end server (or agent) the file is on. */
  targetId: string;
  /** Absolute path on the server. */
  path: string;
}

export interface RequestRecord {
  id: string;
  accountId: string;
  names: string[];
  namesUnicode: string[];
  challengeType: ChallengeType;
  /** dns-01: the DNS account that answers the challenges (null: by hand unless a domain mapping applies). */
  dnsAccountId: string | null;
  /** TXT values presented and not yet removed. */
  presented: PresentedRecord[];
  /** http-01 files placed on servers and not yet removed. */
  placed: PlacedFile[];
  key: KeySpec;
  signatureAlgorithm: SignatureAlgorithm;
  keystoreType: KeystoreType;
  /** Keychain item name of the keystore password, if one was given. */
  keystorePasswordRef: string | null;
  keyPolicy: KeyPolicy;
  profile: string | null;
  preferredChain: string | null;
  /** Set when the preferred chain was not offered (the default chain was kept): says which issuers were. */
  chainWarning?: string | null;
  status: RequestStatus;
  phase: RequestPhase;
  /** Sealed private key of the current order. */
  keyFile: string;
  /** Sealed private key of the issued certificate (`certFile`); differs from keyFile during a new-key renewal. */
  issuedKeyFile: string | null;
  /** Sealed imported key (key policy "import"), reused on every renewal. */
  importKeyFile: string | null;
  csrFile: string | null;
  order: OrderRecord | null;
  /** Full chain PEM of the issued certificate (public). */
  certFile: string | null;
  certificate: CertificateSummary | null;
  error: { code: string; message: string; hint?: string; acmeType?: string } | null;
  savedCertificateId: string | null;
  /** sha256 of the certificate last saved to the repository from this request. */
  savedSha256: string | null;
  /** True while the current order is a renewal of an issued certificate. */
  renewal: boolean;
  /**
   * ARI (RFC 9773): the certificate the current order replaces, sent as `replaces` in newOrder; `refused` says
   * why the CA refused it (the order then went out without it). Metadata only: it never places an order.
   */
  replaces?: { certId: string; refused: string | null } | null;
  ordersCreated: number;
  createdAt: string;
  updatedAt: string;
}

export interface CertificateVersionRecord {
  serial: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  savedAt: string;
  certFile: string;
}

export interface CertificateRecord {
  id: string;
  requestId: string | null;
  names: string[];
  namesUnicode: string[];
  summary: CertificateSummary;
  /** Full chain PEM (leaf first). */
  certFile: string;
  /** Sealed private key of this version. */
  keyFile: string;
  savedAt: string;
  revoked: boolean;
  history: CertificateVersionRecord[];
}

/** A DNS provider account. Secret field values live in the keychain under `dns/<id>/<fieldId>`. */
export interface DnsAccountRecord {
  id: string;
  name: string;
  provider: string;
  enabled: boolean;
  /** Non-secret field values. */
  fields: Record<string, string>;
  /** Ids of the secret fields that have a value in the keychain. */
  secretFields: string[];
  createdAt: string;
  updatedAt: string;
}

/** Which DNS account answers for a domain (and its subdomains' wildcard); secrets under `dns-map/<domain>/<fieldId>`. */
export interface DnsMappingRecord {
  domain: string;
  accountId: string;
  zone: string | null;
  fields: Record<string, string>;
  secretFields: string[];
  updatedAt: string;
}

/** An end server reached over SSH. Secrets live in the keychain under `server/<id>/<secret>` (see SERVER_SECRETS). */
export interface ServerRecord {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  auth: ServerAuth;
  /** The pinned host key: a connection offering another one is refused. */
  hostKey: { algorithm: string; sha256: string };
  /** Which of SERVER_SECRETS have a value in the keychain. */
  secretFields: string[];
  lastTest: { at: string; ok: boolean; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** Secrets of a server in the keychain: `server/<id>/<name>`. */
export const SERVER_SECRETS = ['password', 'privateKey', 'passphrase'] as const;

export interface DeploySettingsRecord {
  enabled: boolean;
  format: DeployFormat;
  certPath: string | null;
  keyPath: string | null;
  chainPath: string | null;
  fullchainPath: string | null;
  /** Keychain item of the pfx/jks password (`deploy/<serverId>/<domain>/keystorePassword`); null: the request's. */
  keystorePasswordRef: string | null;
  owner: string | null;
  keyMode: string;
  certMode: string;
  reload: string | null;
  check: string | null;
  /** iis: the IIS site whose https binding gets the certificate; null for the file formats. */
  site: string | null;
}

/**
 * A paired Certdesk agent (issue 10). The per-agent HMAC secret is in the keychain (`agent/<id>/secret`); the
 * agent's certificate is public and pinned: `certPem` is the trust anchor of every connection, `fingerprint`
 * what people compare.
 */
export interface AgentRecord {
  id: string;
  name: string;
  url: string;
  fingerprint: string;
  certPem: string;
  report: AgentReport;
  lastSeen: string | null;
  lastTest: { at: string; ok: boolean; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** The keychain item of an agent's secret. */
export function agentSecretRef(agentId: string): string {
  return `agent/${agentId}/secret`;
}

/**
 * A domain a server answers for (one record per server and domain; several servers for one domain: a pool).
 * `serverId` is an end server's or an agent's id (both are deploy targets). An agent's webroot may also be
 * `agent:self` (the agent answers http-01 itself) or `iis:<site>` (the IIS site's physical path).
 */
export interface ServerMappingRecord {
  serverId: string;
  domain: string;
  webroot: string | null;
  deploy: DeploySettingsRecord | null;
  updatedAt: string;
}

/** One deployment of a certificate to one server (history; the newest DEPLOYMENT_HISTORY_MAX are kept). */
export interface DeploymentRecord {
  id: string;
  requestId: string | null;
  certificateId: string | null;
  serverId: string;
  serverName: string;
  domain: string;
  serial: string;
  status: DeploymentStatus;
  reason: string | null;
  rolledBack: boolean;
  files: string[];
  reload: { command: string; exitCode: number | null; output: string } | null;
  servedSerial: string | null;
  trigger: 'issued' | 'renewed' | 'manual';
  startedAt: string;
  finishedAt: string;
}

export const DEPLOYMENT_HISTORY_MAX = 500;

/**
 * The renewal plan of one saved certificate (one record per certificate id). The policy override is the user's;
 * everything else is computed by the renewal service (reconcile) and kept so that a restarted process, the CLI
 * and the alerts see the same due time without recomputing it (a random instant inside an ARI window must not
 * move at every start).
 */
export interface RenewalRecord {
  certificateId: string;
  /** The user's choice for this certificate; null: the default from Settings. */
  policy: RenewalPolicy | null;
  /** `days` override: days before expiry; null: the default. */
  days: number | null;
  /** Serial of the certificate the fields below were computed for (a new version recomputes them). */
  serial: string;
  dueAt: string | null;
  reason: DueReason;
  state: RenewalState;
  automated: boolean;
  automation: string | null;
  /** ARI (RFC 9773): the CA's window, when asked, and when to ask again (Retry-After). */
  ari: { certId: string; start: string; end: string; explanationUrl: string | null; fetchedAt: string; retryAfter: string | null } | null;
  /** Failed attempts since the last success (drives the back-off). */
  failures: number;
  nextAttemptAt: string | null;
  lastAttempt: { at: string; ok: boolean; message: string } | null;
  updatedAt: string;
}

/** A one-time notice that went out (OS notification, mail, threshold alert): `key` names what and for which state. */
export interface NoticeRecord {
  key: string;
  at: string;
}

/** An alert the user dismissed, for the state it was in (`stateKey`); a new state shows the alert again. */
export interface DismissalRecord {
  alertId: string;
  stateKey: string;
  at: string;
}

/** Newest notices kept (older ones are for states long gone). */
export const NOTICES_MAX = 5000;

/** The SMTP password's keychain item. */
export const EMAIL_PASSWORD_SECRET = 'email/password';

export interface StoreData {
  schemaVersion: number;
  /** Random id of this data directory; names its data key in the keychain. */
  storeId: string;
  accounts: AccountRecord[];
  requests: RequestRecord[];
  certificates: CertificateRecord[];
  dnsAccounts: DnsAccountRecord[];
  dnsMappings: DnsMappingRecord[];
  servers: ServerRecord[];
  agents: AgentRecord[];
  serverMappings: ServerMappingRecord[];
  deployments: DeploymentRecord[];
  renewals: RenewalRecord[];
  notices: NoticeRecord[];
  dismissals: DismissalRecord[];
  /** Free-form: `dnsServers`, `renewal`, `notifications`, `email` (see electron/renewal/settings.ts). */
  settings: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of db.json. Only used to judge records: what services get is the record exactly as stored (unknown
// fields are kept, never stripped), so a newer field written by a later version survives a save.

/** A path relative to the data directory that stays inside it (the store refuses anything else at use, too). */
export function isRelativeDataPath(rel: string): boolean {
  if (rel === '' || rel.includes('\0')) return false;
  if (rel.startsWith('/') || rel.startsWith('\\') || /^[a-zA-Z]:/.test(rel)) return false;
  return rel.split(/[\\/]/).every((p) => p !== '' && p !== '.' && p !== '..');
}

const text = z.string();
const id = z.string().min(1, { error: 'expected a non-empty id' });
const relPath = z.string().refine(isRelativeDataPath, { error: 'expected a path inside the data directory' });
const timestampText = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected a date (ISO 8601)' });
const names = z.array(text).min(1, { error: 'expected at least one name' });

export const REQUEST_PHASES = ['ordering', 'challenges', 'validating', 'finalizing', 'downloading', 'done', 'failed'] as const;

export const AccountRecordSchema = z.lazy(() => z.object({
  id,
  name: text,
  email: text.nullable(),
  directoryUrl: z.string().min(1, { error: 'expected the directory URL' }),
  directoryKind: DirectoryKind,
  caFile: relPath.nullable(),
  caName: text.nullable(),
  url: text,
  status: AccountStatus,
  keyAlgorithm: text,
  keyThumbprint: text,
  keyFile: relPath,
  pendingKeyFile: relPath.optional(),
  termsOfServiceUrl: text.nullable(),
  eabKid: text.nullable(),
  createdAt: timestampText,
  updatedAt: timestampText,
}));

const AcmeErrorSchema = z.object({ type: text, detail: text });

export const AlternateChallengeSchema = z.object({ type: ChallengeType, url: text, token: text, status: text });

export const AuthorizationRecordSchema = z.lazy(() => z.object({
  url: text,
  identifier: text,
  wildcard: z.boolean(),
  status: text,
  challenge: z
    .object({ type: ChallengeType, url: text, token: text, status: text, error: AcmeErrorSchema.nullable() })
    .nullable(),
  alternates: z.array(AlternateChallengeSchema).optional(),
}));

export const OrderRecordSchema = z.lazy(() => z.object({
  url: text,
  status: text,
  expires: text.nullable(),
  finalizeUrl: text,
  certificateUrl: text.nullable(),
  authorizations: z.array(AuthorizationRecordSchema),
}));

export const PresentedRecordSchema = z.object({ name: text, accountId: id, mappingDomain: text.nullable(), fqdn: text, value: text });
export const PlacedFileSchema = z.object({ name: text, targetId: id, path: z.string().min(1, { error: 'expected a path' }) });

export const RequestRecordSchema = z.lazy(() => z.object({
  id,
  accountId: id,
  names,
  namesUnicode: names,
  challengeType: ChallengeType,
  dnsAccountId: id.nullable(),
  presented: z.array(PresentedRecordSchema),
  placed: z.array(PlacedFileSchema),
  key: KeySpec,
  signatureAlgorithm: SignatureAlgorithm,
  keystoreType: KeystoreType,
  keystorePasswordRef: text.nullable(),
  keyPolicy: KeyPolicy,
  profile: text.nullable(),
  preferredChain: text.nullable(),
  status: RequestStatus,
  phase: z.enum(REQUEST_PHASES),
  keyFile: relPath,
  issuedKeyFile: relPath.nullable(),
  importKeyFile: relPath.nullable(),
  csrFile: relPath.nullable(),
  order: OrderRecordSchema.nullable(),
  certFile: relPath.nullable(),
  certificate: CertificateSummary.nullable(),
  error: z.object({ code: text, message: text, hint: text.optional(), acmeType: text.optional() }).nullable(),
  savedCertificateId: text.nullable(),
  savedSha256: text.nullable(),
  renewal: z.boolean(),
  replaces: z.object({ certId: text, refused: text.nullable() }).nullable().optional(),
  ordersCreated: z.number().int().nonnegative(),
  createdAt: timestampText,
  updatedAt: timestampText,
}));

export const CertificateVersionRecordSchema = z.lazy(() => z.object({
  serial: text,
  notBefore: text,
  notAfter: text,
  sha256: text,
  savedAt: timestampText,
  certFile: relPath,
}));

export const CertificateRecordSchema = z.lazy(() => z.object({
  id,
  requestId: text.nullable(),
  names,
  namesUnicode: names,
  summary: CertificateSummary,
  certFile: relPath,
  keyFile: relPath,
  savedAt: timestampText,
  revoked: z.boolean(),
  history: z.array(CertificateVersionRecordSchema),
}));

const fieldValues = z.record(z.string(), z.string());

export const DnsAccountRecordSchema = z.lazy(() => z.object({
  id,
  name: z.string().min(1, { error: 'expected a name' }),
  provider: z.string().min(1, { error: 'expected a provider id' }),
  enabled: z.boolean(),
  fields: fieldValues,
  secretFields: z.array(text),
  createdAt: timestampText,
  updatedAt: timestampText,
}));

export const DnsMappingRecordSchema = z.lazy(() => z.object({
  domain: z.string().min(1, { error: 'expected a domain' }),
  accountId: id,
  zone: text.nullable(),
  fields: fieldValues,
  secretFields: z.array(text),
  updatedAt: timestampText,
}));

const octalMode = z.string().regex(/^0?[0-7]{3}$/, { error: 'expected an octal mode such as 600' });

export const ServerRecordSchema = z.lazy(() => z.object({
  id,
  name: z.string().min(1, { error: 'expected a name' }),
  host: z.string().min(1, { error: 'expected a host' }),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1, { error: 'expected a user' }),
  auth: ServerAuth,
  hostKey: z.object({ algorithm: text, sha256: z.string().startsWith('SHA256:', { error: 'expected SHA256:...' }) }),
  secretFields: z.array(text),
  lastTest: z.object({ at: timestampText, ok: z.boolean(), message: text }).nullable(),
  createdAt: timestampText,
  updatedAt: timestampText,
}));

export const DeploySettingsRecordSchema = z.lazy(() => z.object({
  enabled: z.boolean(),
  format: DeployFormat,
  certPath: text.nullable(),
  keyPath: text.nullable(),
  chainPath: text.nullable(),
  fullchainPath: text.nullable(),
  keystorePasswordRef: text.nullable(),
  owner: text.nullable(),
  keyMode: octalMode,
  certMode: octalMode,
  reload: text.nullable(),
  check: text.nullable(),
  site: text.nullable(),
}));

export const AgentRecordSchema = z.lazy(() => z.object({
  id,
  name: text,
  url: text,
  fingerprint: text,
  certPem: text,
  report: AgentReport,
  lastSeen: timestampText.nullable(),
  lastTest: z.object({ at: timestampText, ok: z.boolean(), message: text }).nullable(),
  createdAt: timestampText,
  updatedAt: timestampText,
}));

export const ServerMappingRecordSchema = z.lazy(() => z.object({
  serverId: id,
  domain: z.string().min(1, { error: 'expected a domain' }),
  webroot: text.nullable(),
  deploy: DeploySettingsRecordSchema.nullable(),
  updatedAt: timestampText,
}));

export const DeploymentRecordSchema = z.lazy(() => z.object({
  id,
  requestId: text.nullable(),
  certificateId: text.nullable(),
  serverId: id,
  serverName: text,
  domain: text,
  serial: text,
  status: DeploymentStatus,
  reason: text.nullable(),
  rolledBack: z.boolean(),
  files: z.array(text),
  reload: z.object({ command: text, exitCode: z.number().int().nullable(), output: text }).nullable(),
  servedSerial: text.nullable(),
  trigger: z.enum(['issued', 'renewed', 'manual']),
  startedAt: timestampText,
  finishedAt: timestampText,
}));

export const RenewalRecordSchema = z.lazy(() => z.object({
  certificateId: id,
  policy: RenewalPolicy.nullable(),
  days: z.number().int().min(1).max(365).nullable(),
  serial: text,
  dueAt: timestampText.nullable(),
  reason: DueReason,
  state: RenewalState,
  automated: z.boolean(),
  automation: text.nullable(),
  ari: z
    .object({ certId: text, start: timestampText, end: timestampText, explanationUrl: text.nullable(), fetchedAt: timestampText, retryAfter: timestampText.nullable() })
    .nullable(),
  failures: z.number().int().nonnegative(),
  nextAttemptAt: timestampText.nullable(),
  lastAttempt: z.object({ at: timestampText, ok: z.boolean(), message: text }).nullable(),
  updatedAt: timestampText,
}));

export const NoticeRecordSchema = z.object({ key: z.string().min(1, { error: 'expected a key' }), at: timestampText });
export const DismissalRecordSchema = z.object({ alertId: z.string().min(1, { error: 'expected an alert id' }), stateKey: text, at: timestampText });

// The multi-line record schemas are z.lazy(): built at the first check of such a record, not when the module loads
// (every CLI command loads this file; most check few or no records: ~1-2 ms of CPU each time, issue 11).

/** The record lists of db.json, with the schema of one record and what a record is called in messages. */
export const COLLECTIONS = {
  accounts: { schema: AccountRecordSchema, noun: 'account' },
  requests: { schema: RequestRecordSchema, noun: 'certificate request' },
  certificates: { schema: CertificateRecordSchema, noun: 'saved certificate' },
  dnsAccounts: { schema: DnsAccountRecordSchema, noun: 'DNS account' },
  dnsMappings: { schema: DnsMappingRecordSchema, noun: 'DNS mapping' },
  servers: { schema: ServerRecordSchema, noun: 'end server' },
  agents: { schema: AgentRecordSchema, noun: 'agent' },
  serverMappings: { schema: ServerMappingRecordSchema, noun: 'server mapping' },
  deployments: { schema: DeploymentRecordSchema, noun: 'deployment' },
  renewals: { schema: RenewalRecordSchema, noun: 'renewal plan' },
  notices: { schema: NoticeRecordSchema, noun: 'notice' },
  dismissals: { schema: DismissalRecordSchema, noun: 'dismissed alert' },
} as const;
export type CollectionName = keyof typeof COLLECTIONS;
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as CollectionName[];

// The interfaces and the schemas must describe the same records (see the top of the file).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemaMatchesInterfaces = [
  Assert<Same<z.output<typeof AccountRecordSchema>, AccountRecord>>,
  Assert<Same<z.output<typeof RequestRecordSchema>, RequestRecord>>,
  Assert<Same<z.output<typeof CertificateRecordSchema>, CertificateRecord>>,
  Assert<Same<z.output<typeof AuthorizationRecordSchema>, AuthorizationRecord>>,
  Assert<Same<z.output<typeof DnsAccountRecordSchema>, DnsAccountRecord>>,
  Assert<Same<z.output<typeof DnsMappingRecordSchema>, DnsMappingRecord>>,
  Assert<Same<z.output<typeof ServerRecordSchema>, ServerRecord>>,
  Assert<Same<z.output<typeof ServerMappingRecordSchema>, ServerMappingRecord>>,
  Assert<Same<z.output<typeof AgentRecordSchema>, AgentRecord>>,
  Assert<Same<z.output<typeof DeploymentRecordSchema>, DeploymentRecord>>,
  Assert<Same<z.output<typeof PlacedFileSchema>, PlacedFile>>,
  Assert<Same<z.output<typeof RenewalRecordSchema>, RenewalRecord>>,
  Assert<Same<z.output<typeof NoticeRecordSchema>, NoticeRecord>>,
  Assert<Same<z.output<typeof DismissalRecordSchema>, DismissalRecord>>,
  Assert<Same<(typeof REQUEST_PHASES)[number], RequestPhase>>,
];
