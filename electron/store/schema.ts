// The shape of the metadata database (lowdb, db.json). Metadata only: keys and certificates live in
// files beside it (keys encrypted). Bump SCHEMA_VERSION with a new numbered migration in migrations.ts.
import type { AccountStatus, DirectoryKind } from '../../shared/model/account.ts';

export const SCHEMA_VERSION = 2;

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

export interface StoreData {
  schemaVersion: number;
  /** Random id of this data directory; names its data key in the keychain. */
  storeId: string;
  accounts: AccountRecord[];
  settings: Record<string, unknown>;
}
