// The typed IPC contract: every channel one face (renderer, bridge, CLI) may call on the main process.
// Requests are validated by dispatch() before a handler runs; responses are parsed too, so only the
// fields declared here ever cross (a stray secret on a service object is stripped, never sent).
import { z } from 'zod';
import { Account, DirectoryInfo } from '../model/account.ts';
import {
  Certificate,
  CertificateDetail,
  ChallengeType,
  ExportFormat,
  KeyPolicy,
  KeySpec,
  KeystoreType,
  Request,
  RevocationReason,
  SignatureAlgorithm,
} from '../model/request.ts';
import { PreflightResult } from '../model/preflight.ts';
import { DnsAccount, DnsMapping, DnsProviderInfo, DnsSettings } from '../model/dns.ts';
import { DeployInput, Deployment, EndServer, HostKeyProbe, ServerMapping } from '../model/server.ts';
import { Agent, AgentArch, AgentProbe } from '../model/agent.ts';
import { Alert, EmailSettings, NotificationSettings, RenewalPlan, RenewalPolicy, RenewalResult, RenewalSettings } from '../model/renewal.ts';

const id = z.string().min(1, { error: 'Choose an item: the id is empty.' });
/** Client-chosen id of a long operation, used for progress events and `ops:cancel`. */
const opId = z.string().min(8).max(64).optional();

const email = z
  .string({ error: 'E-mail is required.' })
  .trim()
  .min(1, { error: 'E-mail is required: enter the address that should receive notices about this account.' })
  .pipe(z.email({ error: 'E-mail is not a valid address: use the form name@example.com.' }));

/** "production", "staging" or an https:// directory URL; reachability is checked by the service. */
const directory = z
  .string({ error: 'Directory is required.' })
  .trim()
  .min(1, { error: 'Directory is required: choose Production, Staging or enter a directory URL.' });

/** PEM text a window sends (a certificate or key it read from a file the user picked): at most 1 MiB. */
const MAX_PEM_CHARS = 1024 * 1024;
const pemText = z.string().min(1).max(MAX_PEM_CHARS, { error: 'PEM text is too long: at most 1 MiB (a PEM file is a few KiB).' });

/**
 * A path of a file the main process reads or writes. Only the CLI may send one: from a window (Electron,
 * bridge) every path field is refused by the handlers; files arrive through the native open dialog
 * (`files:open`) or as content.
 */
const filePath = z.string().min(1).max(4096, { error: 'File path is too long.' });

/** What a file picked with `files:open` is for; the main process checks it is one. */
export const FilePurpose = z.enum(['account-key', 'certificate-key', 'ssh-key']);
export type FilePurpose = z.infer<typeof FilePurpose>;

/** A file picked with `files:open`: the main process holds its content; the window only knows this handle. */
const fileHandle = z.string().min(1).max(64);

const caSource = {
  /** Path of a PEM file with an extra CA to trust for a custom directory (CLI only). */
  caFile: filePath.optional(),
  /** The same, as PEM text (UI: read from a file the user picked). */
  caPem: pemText.optional(),
};

/** Replace an existing output file (CLI --force); windows never need it: the save dialog asked. */
const force = z.boolean().optional();

const eab = z
  .object({
    kid: z.string().trim().min(1, { error: 'EAB key ID is required when External Account Binding is used.' }),
    hmacKey: z
      .string()
      .trim()
      .min(1, { error: 'EAB HMAC key is required when External Account Binding is used.' }),
  })
  .optional();

const confirm = z.literal(true, { error: 'This action needs an explicit confirmation (confirm: true / --yes).' });

const name = z
  .string()
  .trim()
  .min(1, { error: 'Name is required: give the account a name you will recognise.' })
  .max(64, { error: 'Name is too long: use at most 64 characters.' });

/** A record of db.json that failed validation: kept in the file, not used until it is corrected. */
export const StoreProblem = z.object({
  collection: z.string(),
  index: z.number(),
  id: z.string().nullable(),
  field: z.string(),
  message: z.string(),
});
export type StoreProblem = z.infer<typeof StoreProblem>;

export const AppInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  face: z.enum(['electron', 'bridge', 'cli']),
  keychain: z.object({ available: z.boolean(), backend: z.string(), detail: z.string().nullable() }),
  /** Records of db.json set aside at start because they failed validation (absent: none). */
  storeProblems: z.array(StoreProblem).optional(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const dnsName = z
  .string({ error: 'Name is required.' })
  .trim()
  .min(1, { error: 'Name is required: give the DNS account a name you will recognise.' })
  .max(64, { error: 'Name is too long: use at most 64 characters.' });
/** Field id -> value (non-secret fields of a provider's form). */
const dnsFields = z.record(z.string(), z.string().max(4096, { error: 'A field value is too long: at most 4096 characters.' }));
/** Secret field id -> value: goes to the keychain, never comes back. */
const dnsSecrets = z.record(z.string(), z.string().max(16_384, { error: 'A secret is too long: at most 16 KiB.' }));
const dnsDomain = z
  .string({ error: 'Domain is required.' })
  .trim()
  .min(1, { error: 'Domain is required: give the domain the mapping is for, e.g. example.com.' })
  .max(253, { error: 'Domain is too long: at most 253 characters.' });

const serverName = z
  .string({ error: 'Name is required.' })
  .trim()
  .min(1, { error: 'Name is required: give the server a name you will recognise, e.g. web1.' })
  .max(64, { error: 'Name is too long: use at most 64 characters.' });
const serverHost = z
  .string({ error: 'Host is required.' })
  .trim()
  .min(1, { error: 'Host is required: give the server\'s host name or IP address.' })
  .max(253, { error: 'Host is too long: at most 253 characters.' });
const serverPort = z
  .number({ error: 'Port must be a number.' })
  .int({ error: 'Port must be a whole number.' })
  .min(1, { error: 'Port must be between 1 and 65535.' })
  .max(65535, { error: 'Port must be between 1 and 65535.' });
const serverUser = z
  .string({ error: 'User is required.' })
  .trim()
  .min(1, { error: 'User is required: the account Certdesk logs in as over SSH.' })
  .max(128, { error: 'User is too long.' });
/** SSH secrets: go to the keychain, never come back. A private key is sent as its text (UI: read from a picked file). */
const sshSecret = z.string().max(64 * 1024, { error: 'A secret is too long: at most 64 KiB.' });
/** `SHA256:<base64>` as OpenSSH prints it (ssh-keygen -lf). */
const agentName = z
  .string({ error: 'Name is required.' })
  .trim()
  .min(1, { error: 'Name is required: give the agent a name you will recognise, e.g. iis1.' })
  .max(64, { error: 'Name is too long: at most 64 characters.' });
const agentUrl = z
  .string({ error: 'URL is required.' })
  .trim()
  .min(1, { error: 'URL is required: the agent\'s address as its installer printed it, e.g. https://iis1.example.com:9443.' })
  .max(2048, { error: 'URL is too long.' });
const pairingCode = z
  .string({ error: 'Pairing code is required.' })
  .trim()
  .min(1, { error: 'Pairing code is required: AgentInstaller.exe start printed it (also in certdesk-agent pairing-code).' })
  .max(64, { error: 'Pairing code is too long: it looks like ABCD-EFGH-JKLM-NPQR.' });
const certFingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, { error: 'Certificate fingerprint must look like SHA256:<43 base64 characters>, as the agent printed it.' });

const fingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, { error: 'Host key fingerprint must look like SHA256:<43 base64 characters>, as ssh-keygen -lf prints it.' });
const domainList = z
  .array(dnsDomainRef(), { error: 'Domains: give a list of domain names.' })
  .min(1, { error: 'Domains: give at least one domain, e.g. example.com.' })
  .max(100, { error: 'Domains: at most 100 at once.' });
/** Exactly one of requestId / certificateId names the certificate to deploy. */
const deployTarget = {
  requestId: z.string().min(1).optional(),
  certificateId: z.string().min(1).optional(),
};

function dnsDomainRef() {
  return z
    .string({ error: 'Domain is required.' })
    .trim()
    .min(1, { error: 'Domain is required: give a domain, e.g. example.com.' })
    .max(253, { error: 'Domain is too long: at most 253 characters.' });
}

/** Every setting a face can read (the SMTP password only as `email.hasPassword`). */
export const AppSettings = DnsSettings.extend({ renewal: RenewalSettings, notifications: NotificationSettings, email: EmailSettings });
export type AppSettings = z.infer<typeof AppSettings>;

/**
 * The contract's channels, each built on first use. Building all ~70 channels' request and result schemas took ~10 ms of
 * CPU in every CLI process (zod 4 does real work per schema), while a command uses one or two channels. Each
 * channel is an own property with a getter that builds it once and then stays a plain value, so `contract[c]`,
 * Object.keys(contract) and hasOwnProperty behave as on a plain object.
 */
function lazyChannels<T extends Record<string, () => { req: z.ZodType; res: z.ZodType }>>(defs: T): { [K in keyof T]: ReturnType<T[K]> } {
  const out = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(defs) as (keyof T & string)[]) {
    Object.defineProperty(out, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = defs[key]!();
        Object.defineProperty(out, key, { value, enumerable: true, configurable: false, writable: false });
        return value;
      },
    });
  }
  return out;
}

export const contract = lazyChannels({
  'app:info': () => ({ req: z.object({}), res: AppInfo }),
  /** Puts text on the system clipboard (the window itself has no clipboard permission); false when it cannot. */
  'app:copy': () => ({
    req: z.object({ text: z.string().max(100_000, { error: 'Text to copy is too long: at most 100 kB.' }) }),
    res: z.object({ copied: z.boolean() }),
  }),
  'ops:cancel': () => ({ req: z.object({ opId: z.string().min(1) }), res: z.object({ cancelled: z.boolean() }) }),
  /**
   * Shows a file in the system file manager (Show in folder after an export). Only a path Certdesk itself wrote
   * in this session is accepted (checked in main); `shown` is false where no file manager can be opened.
   */
  'files:reveal': () => ({ req: z.object({ path: filePath }), res: z.object({ shown: z.boolean() }) }),
  /**
   * Asks the user for a file with the native open dialog (main process) and reads it there, checked: a
   * regular file of at most 1 MiB holding what `purpose` needs. The content stays in the main process; the
   * window gets a handle to send instead (`keyHandle`, `importKeyHandle`), the file's name and, for a
   * certificate key, its type. `file` is null when the user cancels.
   */
  'files:open': () => ({
    req: z.object({ purpose: FilePurpose }),
    res: z.object({
      file: z
        .object({
          handle: fileHandle,
          name: z.string(),
          /** certificate-key: the key's type (the request's key algorithm is taken from it). */
          keySpec: KeySpec.nullable(),
        })
        .nullable(),
    }),
  }),

  'accounts:list': () => ({ req: z.object({}), res: z.array(Account) }),
  'accounts:get': () => ({ req: z.object({ id }), res: Account }),
  /** Reads a directory (preset or URL) so the UI can show its Terms of Service and EAB needs before registering. */
  'accounts:directory-info': () => ({ req: z.object({ directory, ...caSource, opId }), res: DirectoryInfo }),
  /** The directory of a stored account (its profiles, ARI, Terms), read with the account's extra CA. */
  'accounts:directory': () => ({ req: z.object({ id, opId }), res: DirectoryInfo }),
  'accounts:register': () => ({
    req: z.object({
      name,
      email,
      directory,
      ...caSource,
      agreeTos: z.boolean({ error: 'Terms of Service: accept them to register.' }),
      eab,
      opId,
    }),
    res: Account,
  }),
  /** Adds an account that already exists at the CA, by its key (onlyReturnExisting). */
  'accounts:import': () => ({
    req: z.object({
      name: name.optional(),
      directory,
      ...caSource,
      keyPem: pemText.optional(),
      /** CLI only. */
      keyFile: filePath.optional(),
      /** A key the user picked with `files:open` (purpose account-key): it never enters the window. */
      keyHandle: fileHandle.optional(),
      opId,
    }),
    res: Account,
  }),
  'accounts:update': () => ({ req: z.object({ id, email: email.optional(), name: name.optional(), opId }), res: Account }),
  /** Reads the account's status from the CA. */
  'accounts:refresh': () => ({ req: z.object({ id, opId }), res: Account }),
  /** RFC 8555 §7.3.5 key change: same account URL, new key. */
  'accounts:rollover': () => ({ req: z.object({ id, opId }), res: Account }),
  /** Irreversible at the CA. */
  'accounts:deactivate': () => ({ req: z.object({ id, confirm, opId }), res: Account }),
  /** Removes the account from Certdesk only; it stays active at the CA. */
  'accounts:delete': () => ({ req: z.object({ id, confirm }), res: z.object({ deleted: z.literal(true) }) }),
  /**
   * Writes the account key (PEM) to a file the user chose: `out` from the CLI; the Electron face asks with a
   * native save dialog; the key itself never crosses to a renderer.
   */
  'accounts:export-key': () => ({
    req: z.object({ id, out: filePath.optional(), force }),
    res: z.object({ path: z.string().nullable() }),
  }),

  /**
   * Raises a certificate request (seed Step 2): validates everything, creates the key and the ACME order, and
   * returns the request with its challenges (status Pending).
   */
  'requests:create': () => ({
    req: z.object({
      /** The account to order with; optional when there is exactly one valid account. */
      accountId: z.string().min(1).optional(),
      domains: z.array(z.string(), { error: 'Domain names: give a list of names.' }),
      challengeType: ChallengeType,
      key: KeySpec,
      signatureAlgorithm: SignatureAlgorithm.optional(),
      keystoreType: KeystoreType.default('pkcs12'),
      /** Kept in the keychain; used as the default password of exports. */
      keystorePassword: z.string().optional(),
      keyPolicy: KeyPolicy.default('new'),
      /** Key policy "import": the key as PEM (UI) or a file path (CLI). */
      importKeyPem: pemText.optional(),
      /** CLI only. */
      importKeyFile: filePath.optional(),
      /** A key the user picked with `files:open` (purpose certificate-key): it never enters the window. */
      importKeyHandle: fileHandle.optional(),
      /** An ACME profile the CA's directory offers (meta.profiles). */
      profile: z.string().min(1).optional(),
      /** Issuer common name of the chain to prefer when the CA offers alternates. */
      preferredChain: z.string().min(1).optional(),
      /** The person confirmed names that mix scripts or look like Latin ones (`exаmple` with a Cyrillic "а"). */
      allowMixedScripts: z.boolean().optional(),
      /** dns-01 only: the DNS account that answers the challenges (a domain mapping still wins per name). */
      dnsAccountId: z.string().min(1).optional(),
      opId,
    }),
    res: Request,
  }),
  /** Sets (or, with null, removes) the DNS account of a dns-01 request. */
  'requests:assign-dns': () => ({ req: z.object({ id, accountId: z.string().min(1).nullable() }), res: Request }),
  'requests:list': () => ({ req: z.object({}), res: z.array(Request) }),
  'requests:get': () => ({ req: z.object({ id }), res: Request }),
  /** Submits the challenges and follows the order until Available or Failed (progress events per name). */
  'requests:verify': () => ({ req: z.object({ id, opId }), res: Request }),
  /**
   * Pre-flight of the manual challenges, before Verify: fetches each http-01 URL and asks every authoritative
   * name server for each TXT value; per name ready / not-found / wrong-content / not-visible / unreachable.
   */
  'requests:preflight': () => ({ req: z.object({ id, opId }), res: PreflightResult }),
  /** A fresh order (and challenges) for a Failed or Pending request. */
  'requests:new-challenge': () => ({ req: z.object({ id, opId }), res: Request }),
  /** Seed Step 5: a new order for the same names, key per the request's key policy. */
  'requests:renew': () => ({ req: z.object({ id, opId }), res: Request }),
  /** Seed Step 6: revokes the issued certificate at the CA. HTTPS breaks for sites that use it. */
  'requests:revoke': () => ({
    req: z.object({ id, reason: RevocationReason.default('unspecified'), confirm, opId }),
    res: Request,
  }),
  /** Seed Step 7: removes the request and its saved certificate from Certdesk; the certificate stays valid. */
  'requests:delete': () => ({ req: z.object({ id, confirm }), res: z.object({ deleted: z.literal(true) }) }),

  /** Seed Step 4: saves (or, after a renewal, replaces) the request's certificate in the repository. */
  'certs:save': () => ({ req: z.object({ requestId: id }), res: Certificate }),
  'certs:list': () => ({ req: z.object({}), res: z.array(Certificate) }),
  'certs:get': () => ({ req: z.object({ id }), res: CertificateDetail }),
  /**
   * Exports a saved certificate (or an Available request's) with its key. `out` only from the CLI; the
   * Electron face asks with a native save dialog. The password defaults to the request's keystore password.
   */
  'certs:export': () => ({
    req: z.object({
      id,
      format: ExportFormat,
      password: z.string().optional(),
      alias: z.string().optional(),
      keyPassword: z.string().optional(),
      /** PEM: encrypt the private key (PKCS#8, AES-256) with the password. */
      encryptKey: z.boolean().optional(),
      out: filePath.optional(),
      force,
    }),
    res: z.object({ paths: z.array(z.string()).nullable() }),
  }),
  /** Removes a saved certificate (and its request) from Certdesk; it stays valid at the CA. */
  'certs:delete': () => ({ req: z.object({ id, confirm }), res: z.object({ deleted: z.literal(true) }) }),

  /** The DNS providers Certdesk knows, with their form fields. */
  'dns:providers': () => ({ req: z.object({}), res: z.array(DnsProviderInfo) }),
  'dns:list': () => ({ req: z.object({}), res: z.array(DnsAccount) }),
  'dns:add': () => ({
    req: z.object({ name: dnsName, provider: z.string().trim().min(1, { error: 'Provider is required: choose a DNS provider.' }), fields: dnsFields.default({}), secrets: dnsSecrets.default({}) }),
    res: DnsAccount,
  }),
  /** A secret not sent stays as stored. */
  'dns:edit': () => ({ req: z.object({ id, name: dnsName.optional(), fields: dnsFields.optional(), secrets: dnsSecrets.optional() }), res: DnsAccount }),
  'dns:set-enabled': () => ({ req: z.object({ id, enabled: z.boolean() }), res: DnsAccount }),
  /** Refused (CONFLICT) while a pending request uses the account. */
  'dns:delete': () => ({ req: z.object({ id, confirm }), res: z.object({ deleted: z.literal(true) }) }),
  /** Signs in and finds the zone of a sample domain (default: a pending request's, else `domain` is needed). */
  'dns:test': () => ({ req: z.object({ id, domain: z.string().trim().min(1).optional(), opId }), res: z.object({ zone: z.string(), message: z.string() }) }),
  'dns:mappings': () => ({ req: z.object({}), res: z.array(DnsMapping) }),
  'dns:map': () => ({
    req: z.object({ domain: dnsDomain, accountId: id, zone: z.string().trim().min(1).optional(), fields: dnsFields.optional(), secrets: dnsSecrets.optional() }),
    res: DnsMapping,
  }),
  'dns:unmap': () => ({ req: z.object({ domain: dnsDomain }), res: z.object({ deleted: z.literal(true) }) }),

  /** End servers (Manage → Deploy). */
  'servers:list': () => ({ req: z.object({}), res: z.array(EndServer) }),
  /**
   * Connects to host:port and reads the host key it offers (no login), compared with a pinned one: what the
   * "accept this fingerprint?" dialog shows before `servers:add`.
   */
  'servers:probe': () => ({
    req: z.object({ host: serverHost, port: serverPort.default(22), opId }),
    res: HostKeyProbe,
  }),
  /**
   * Adds a server: logs in with the host key pinned to `acceptHostKey` (refused when the server offers another),
   * then stores it. Password, or private key (+ passphrase), go to the keychain.
   */
  'servers:add': () => ({
    req: z.object({
      name: serverName,
      host: serverHost,
      port: serverPort.default(22),
      user: serverUser,
      password: sshSecret.optional(),
      privateKey: sshSecret.optional(),
      passphrase: sshSecret.optional(),
      /** CLI only: files holding the secrets. */
      passwordFile: filePath.optional(),
      privateKeyFile: filePath.optional(),
      passphraseFile: filePath.optional(),
      /** A private key the user picked with `files:open` (purpose ssh-key): it never enters the window. */
      privateKeyHandle: fileHandle.optional(),
      acceptHostKey: fingerprint,
      opId,
    }),
    res: EndServer,
  }),
  /** Secrets not sent stay as stored; a new host or port needs `acceptHostKey` again. */
  'servers:edit': () => ({
    req: z.object({
      id,
      name: serverName.optional(),
      host: serverHost.optional(),
      port: serverPort.optional(),
      user: serverUser.optional(),
      password: sshSecret.optional(),
      privateKey: sshSecret.optional(),
      passphrase: sshSecret.optional(),
      passwordFile: filePath.optional(),
      privateKeyFile: filePath.optional(),
      passphraseFile: filePath.optional(),
      /** A private key the user picked with `files:open` (purpose ssh-key): it never enters the window. */
      privateKeyHandle: fileHandle.optional(),
      acceptHostKey: fingerprint.optional(),
      opId,
    }),
    res: EndServer,
  }),
  /** Logs in, runs a harmless command, and checks every mapped webroot can be written. */
  'servers:test': () => ({
    req: z.object({ id, opId }),
    res: z.object({ server: EndServer, ok: z.boolean(), message: z.string(), checks: z.array(z.object({ what: z.string(), ok: z.boolean(), message: z.string() })) }),
  }),
  /** Removes the server, its mappings and its secrets. */
  'servers:delete': () => ({ req: z.object({ id, confirm }), res: z.object({ deleted: z.literal(true) }) }),
  'servers:mappings': () => ({ req: z.object({}), res: z.array(ServerMapping) }),
  /** Maps domains to a server (one mapping per domain; an existing one is replaced by what is sent). */
  'servers:map': () => ({
    req: z.object({
      serverId: id,
      domains: domainList,
      /** Absolute path on the server; null or absent: this server does not answer http-01. */
      webroot: z.string().trim().min(1).max(4096).nullable().optional(),
      deploy: DeployInput.nullable().optional(),
    }),
    res: z.array(ServerMapping),
  }),
  'servers:unmap': () => ({ req: z.object({ serverId: id, domains: domainList }), res: z.object({ deleted: z.number() }) }),

  /** Certdesk agents (Manage → Windows agents, issue 10). Mapping: servers:map with the agent's id. */
  'agents:list': () => ({ req: z.object({}), res: z.array(Agent) }),
  /** Reads the certificate an agent URL offers (no pairing): what the "accept this certificate?" step shows. */
  'agents:probe': () => ({ req: z.object({ url: agentUrl, opId }), res: AgentProbe }),
  /**
   * Pairs with the agent: connects with its certificate pinned to `acceptCert` (refused when it offers another),
   * sends the one-time code and a new secret (kept in the keychain), stores the agent.
   */
  'agents:pair': () => ({
    req: z.object({
      name: agentName,
      url: agentUrl,
      code: pairingCode.optional(),
      /** CLI only: a file holding the code. */
      codeFile: filePath.optional(),
      acceptCert: certFingerprint,
      opId,
    }),
    res: Agent,
  }),
  /** Asks the agent for its report (signed), checks every mapped webroot can be written. */
  'agents:test': () => ({
    req: z.object({ id, opId }),
    res: z.object({ agent: Agent, ok: z.boolean(), message: z.string(), checks: z.array(z.object({ what: z.string(), ok: z.boolean(), message: z.string() })) }),
  }),
  /** Unpairs (tells the agent, when it answers), removes the agent, its mappings and its secret. */
  'agents:delete': () => ({ req: z.object({ id, confirm }), res: z.object({ deleted: z.literal(true), unpaired: z.boolean() }) }),
  /**
   * The agent package for Windows (zip). `out` only from the CLI; the Electron face asks with a native save dialog
   * (null: the user cancelled).
   */
  'agents:package': () => ({ req: z.object({ arch: AgentArch, out: filePath.optional(), force, opId }), res: z.object({ path: z.string().nullable(), bytes: z.number() }) }),

  /**
   * Deploys a certificate (an Available request's, or a saved one) to every server mapped with Deploy on for one
   * of its names, one after another, or to one server. Each: upload, reload, TLS check, roll back on failure.
   */
  'deploy:run': () => ({
    req: z.object({ ...deployTarget, serverId: z.string().min(1).optional(), opId }),
    res: z.object({ ok: z.boolean(), deployments: z.array(Deployment) }),
  }),
  /** Deployment history, newest first (filtered by request, certificate or server). */
  'deploy:history': () => ({
    req: z.object({ ...deployTarget, serverId: z.string().min(1).optional(), limit: z.number().int().min(1).max(500).optional() }),
    res: z.array(Deployment),
  }),

  /** Every setting: DNS (propagation check), renewal, notifications, e-mail (never the SMTP password). */
  'settings:get': () => ({ req: z.object({}), res: AppSettings }),
  /** Changes only what is sent; each part is checked as a whole before anything is stored. */
  'settings:set': () => ({
    req: z.object({
      dnsServers: z.array(z.string().trim().min(1, { error: 'DNS server: give host or host:port.' })).max(16, { error: 'DNS servers: at most 16.' }).optional(),
      renewal: RenewalSettings.partial().optional(),
      notifications: NotificationSettings.partial().optional(),
      email: EmailSettings.omit({ hasPassword: true, caName: true }).partial().optional(),
      /** The SMTP password: to the keychain, never back; an empty string removes it. */
      emailPassword: z.string().max(4096, { error: 'SMTP password is too long: at most 4096 characters.' }).optional(),
      /** CLI only: a file holding the SMTP password. */
      emailPasswordFile: filePath.optional(),
      /** An extra CA (PEM) to trust for the SMTP server; an empty string removes it. */
      emailCaPem: z.string().max(MAX_PEM_CHARS).optional(),
      /** CLI only. */
      emailCaFile: filePath.optional(),
    }),
    res: AppSettings,
  }),

  /** The renewal plan of every saved certificate: due time, why, state, automation, last attempt. */
  'renewal:plans': () => ({ req: z.object({}), res: z.array(RenewalPlan) }),
  /** A certificate's own renewal policy (null: back to the default from Settings). */
  'renewal:set-policy': () => ({
    req: z.object({
      certificateId: id,
      policy: RenewalPolicy.nullable(),
      days: z.number({ error: 'Days must be a number.' }).int({ error: 'Days must be a whole number.' }).min(1, { error: 'Days must be between 1 and 365.' }).max(365, { error: 'Days must be between 1 and 365.' }).optional(),
    }),
    res: RenewalPlan,
  }),
  /** Renews now what is due now (what the scheduler does at each reconcile; `renew --due`). */
  'renewal:run-due': () => ({ req: z.object({ opId }), res: z.object({ results: z.array(RenewalResult) }) }),
  /** What would renew at `at` (default now), when, and why; changes nothing. */
  'renewal:dry-run': () => ({
    req: z.object({ at: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'At must be a date and time, e.g. 2027-01-31T12:00:00Z.' }).optional() }),
    res: z.object({ at: z.string(), plans: z.array(RenewalPlan), due: z.array(z.string()) }),
  }),

  /** Alerts behind the bell, newest first (dismissed ones too, flagged). */
  'alerts:list': () => ({ req: z.object({}), res: z.array(Alert) }),
  /** Hides an alert until its state changes. */
  'alerts:dismiss': () => ({ req: z.object({ id }), res: z.object({ dismissed: z.literal(true) }) }),

  /** Sends a test mail with the stored SMTP settings (to `to`, default the settings' recipients). */
  'email:test': () => ({ req: z.object({ to: z.array(z.string()).optional(), opId }), res: z.object({ sent: z.literal(true), to: z.array(z.string()), message: z.string() }) }),
  /**
   * Seed "E-mail": mails an Available or saved certificate as an attachment in `format` (with its key for
   * pfx/jks, protected by the keystore password, which is never in the mail).
   */
  'certs:email': () => ({
    req: z.object({ id, to: z.array(z.string()).optional(), format: ExportFormat.default('pfx'), opId }),
    res: z.object({ sent: z.literal(true), to: z.array(z.string()), attachment: z.string() }),
  }),
} as const satisfies Record<string, () => { req: z.ZodType; res: z.ZodType }>);

export type Contract = typeof contract;
export type Channel = keyof Contract;
/** What a caller sends (before defaults/trimming). */
export type Req<C extends Channel> = z.input<Contract[C]['req']>;
/** What a handler receives (validated). */
export type ParsedReq<C extends Channel> = z.output<Contract[C]['req']>;
export type Res<C extends Channel> = z.output<Contract[C]['res']>;

export const CHANNELS = Object.keys(contract) as Channel[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}
