// The shape of the metadata database (lowdb, db.json). Metadata only: keys and certificates live in
// files beside it (keys encrypted). Bump SCHEMA_VERSION with a new numbered migration in migrations.ts.
import type { AccountStatus, DirectoryKind } from '../../shared/model/account.ts';
import type {
  CertificateSummary,
  ChallengeType,
  KeyPolicy,
  KeySpec,
  KeystoreType,
  RequestStatus,
  SignatureAlgorithm,
} from '../../shared/model/request.ts';

export const SCHEMA_VERSION = 3;

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

export interface RequestRecord {
  id: string;
  accountId: string;
  names: string[];
  namesUnicode: string[];
  challengeType: ChallengeType;
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

export interface StoreData {
  schemaVersion: number;
  /** Random id of this data directory; names its data key in the keychain. */
  storeId: string;
  accounts: AccountRecord[];
  requests: RequestRecord[];
  certificates: CertificateRecord[];
  settings: Record<string, unknown>;
}
