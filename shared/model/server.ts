// Linux end servers reached over SSH (issue 8; seed Step 3.1/3.2 "agent mapping" and Manage → Deploy), their
// per-domain mappings (webroot for http-01, deploy settings) and deployment results, as every face sees them.
// Secrets (password, private key, passphrase, keystore passwords) never appear here: a face only learns
// whether each one is stored.
import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.

/** A host key as pinned or as offered: OpenSSH's algorithm name and `SHA256:<base64, no padding>` of the key blob. */
export const HostKey = z.object({ algorithm: z.string(), sha256: z.string() });
export type HostKey = z.infer<typeof HostKey>;

export const ServerAuth = z.enum(['password', 'key']);
export type ServerAuth = z.infer<typeof ServerAuth>;

/** iis: a Windows agent imports a PFX into LocalMachine\\My and binds it to an IIS site (issue 10). */
export const DeployFormat = z.enum(['pem', 'pfx', 'jks', 'iis']);
export type DeployFormat = z.infer<typeof DeployFormat>;

/** What a connection test found (kept on the server, shown in the Deploy tab). */
export const ServerTestResult = z.lazy(() => z.object({
  at: z.string(),
  ok: z.boolean(),
  message: z.string(),
}));
export type ServerTestResult = z.infer<typeof ServerTestResult>;

export const EndServer = z.lazy(() => z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number(),
  user: z.string(),
  auth: ServerAuth,
  /** The pinned host key; a different one is refused. */
  hostKey: HostKey,
  /** Which secrets are stored in the keychain. */
  secrets: z.object({ password: z.boolean(), privateKey: z.boolean(), passphrase: z.boolean() }),
  lastTest: ServerTestResult.nullable(),
  /** Domains mapped to this server. */
  domains: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
}));
export type EndServer = z.infer<typeof EndServer>;

/** What Certdesk deploys to a server for a domain's certificates, and how it checks the result. */
export const DeploySettings = z.lazy(() => z.object({
  /** The seed's "Deploy Certificate" check-box. */
  enabled: z.boolean(),
  format: DeployFormat,
  /** pem: the leaf certificate; pfx/jks: the keystore file. */
  certPath: z.string().nullable(),
  /** pem only: the private key (mode keyMode). */
  keyPath: z.string().nullable(),
  /** pem only: the issuer chain without the leaf. */
  chainPath: z.string().nullable(),
  /** pem only: leaf + chain (what nginx's ssl_certificate wants). */
  fullchainPath: z.string().nullable(),
  /** pfx/jks: whether a keystore password is stored in the keychain. */
  keystorePasswordStored: z.boolean(),
  /** `user`, `user:group` or `:group`; null: leave as the SSH user creates them. */
  owner: z.string().nullable(),
  /** Octal mode of the key (pem) or keystore (pfx/jks), e.g. "600". */
  keyMode: z.string(),
  /** Octal mode of certificate, chain and full-chain files, e.g. "644". */
  certMode: z.string(),
  /** Run after the files are in place, e.g. `systemctl reload nginx`; null: nothing to run. */
  reload: z.string().nullable(),
  /** `host:port` whose TLS answer (with SNI) must serve the new certificate afterwards; null: not checked. */
  check: z.string().nullable(),
  /** iis (agents on Windows): the IIS site whose https binding gets the certificate. */
  site: z.string().nullable(),
}));
export type DeploySettings = z.infer<typeof DeploySettings>;

export const ServerMapping = z.lazy(() => z.object({
  serverId: z.string(),
  /** ASCII domain, lower case; covers its subdomains too (the most specific mapping wins). */
  domain: z.string(),
  /** http-01: files go to `<webroot>/.well-known/acme-challenge/<token>`; null: this server does not answer http-01. */
  webroot: z.string().nullable(),
  deploy: DeploySettings.nullable(),
  updatedAt: z.string(),
}));
export type ServerMapping = z.infer<typeof ServerMapping>;

/** What a deploy input looks like (CLI flags / Deploy tab form); the password goes to the keychain. */
export const DeployInput = z.lazy(() => z.object({
  enabled: z.boolean().default(true),
  format: DeployFormat.default('pem'),
  certPath: z.string().trim().min(1).nullable().optional(),
  keyPath: z.string().trim().min(1).nullable().optional(),
  chainPath: z.string().trim().min(1).nullable().optional(),
  fullchainPath: z.string().trim().min(1).nullable().optional(),
  /** pfx/jks keystore password (keychain); absent: keep the stored one, else the request's keystore password. */
  keystorePassword: z.string().max(1024).optional(),
  owner: z.string().trim().min(1).nullable().optional(),
  keyMode: z.string().trim().optional(),
  certMode: z.string().trim().optional(),
  reload: z.string().trim().min(1).max(4096).nullable().optional(),
  check: z.string().trim().min(1).nullable().optional(),
  /** iis: the IIS site name (e.g. `Default Web Site`). */
  site: z.string().trim().min(1).max(256).nullable().optional(),
}));
export type DeployInput = z.infer<typeof DeployInput>;

/** The host key a server offers now, compared with the pinned one (if the server is known). */
export const HostKeyProbe = z.lazy(() => z.object({
  host: z.string(),
  port: z.number(),
  offered: HostKey,
  /** new: nobody pinned this host:port yet; match / mismatch: against `pinned`. */
  state: z.enum(['new', 'match', 'mismatch']),
  pinned: HostKey.nullable(),
  /** The server whose pin was compared (mismatch/match). */
  serverId: z.string().nullable(),
}));
export type HostKeyProbe = z.infer<typeof HostKeyProbe>;

export const DeploymentStatus = z.enum(['deployed', 'failed']);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

/** One certificate deployed (or not) to one server. */
export const Deployment = z.lazy(() => z.object({
  id: z.string(),
  requestId: z.string().nullable(),
  certificateId: z.string().nullable(),
  serverId: z.string(),
  serverName: z.string(),
  /** The mapping whose settings were used. */
  domain: z.string(),
  /** The certificate that was deployed. */
  serial: z.string(),
  status: DeploymentStatus,
  /** Failed: what went wrong, for people. */
  reason: z.string().nullable(),
  /** The previous files were put back (and the service reloaded again) after a failure. */
  rolledBack: z.boolean(),
  /** Remote paths written. */
  files: z.array(z.string()),
  reload: z.object({ command: z.string(), exitCode: z.number().nullable(), output: z.string() }).nullable(),
  /** Serial the check address served after the reload (null: not checked / unreachable). */
  servedSerial: z.string().nullable(),
  /** What triggered it. */
  trigger: z.enum(['issued', 'renewed', 'manual']),
  startedAt: z.string(),
  finishedAt: z.string(),
}));
export type Deployment = z.infer<typeof Deployment>;
