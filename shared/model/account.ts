import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.

export const DirectoryKind = z.enum(['production', 'staging', 'custom']);
export type DirectoryKind = z.infer<typeof DirectoryKind>;

export const AccountStatus = z.enum(['valid', 'deactivated', 'revoked']);
export type AccountStatus = z.infer<typeof AccountStatus>;

/** What every face may see of an ACME account. Never the key, never the EAB HMAC key. */
export const Account = z.lazy(() => z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  directoryUrl: z.string(),
  directoryKind: DirectoryKind,
  /** Subject of the extra trusted CA certificate configured for a custom directory, if any. */
  caName: z.string().nullable(),
  url: z.string(),
  status: AccountStatus,
  keyAlgorithm: z.string(),
  /** RFC 7638 thumbprint of the account public key: public, and changes on key rollover. */
  keyThumbprint: z.string(),
  termsOfServiceUrl: z.string().nullable(),
  eabKid: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}));
export type Account = z.infer<typeof Account>;

export const DirectoryInfo = z.lazy(() => z.object({
  url: z.string(),
  kind: DirectoryKind,
  termsOfServiceUrl: z.string().nullable(),
  website: z.string().nullable(),
  externalAccountRequired: z.boolean(),
  profiles: z.record(z.string(), z.string()),
  /** Renewal information (ARI, RFC 9773) offered by the CA. */
  renewalInfo: z.boolean(),
}));
export type DirectoryInfo = z.infer<typeof DirectoryInfo>;

export const DIRECTORY_PRESETS = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;
