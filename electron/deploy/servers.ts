// End servers reached over SSH and their per-domain mappings (issue 8; seed Step 3.1/3.2 "agent mapping"):
// metadata in db.json, secrets in the keychain only (`server/<id>/<password|privateKey|passphrase>`,
// `deploy/<serverId>/<domain>/keystorePassword`). Implements TargetDirectory for the http-01 solver and the
// Deployer. Plain Node; nothing here imports electron.
import { randomUUID } from 'node:crypto';
import { posix, win32 } from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';
import { parseDomain } from '../../shared/model/domains.ts';
import type { DeployInput, EndServer, HostKey, HostKeyProbe, ServerMapping } from '../../shared/model/server.ts';
import type { EventHub } from '../core/events.ts';
import { MAX_SECRET_FILE_BYTES, readUserText } from '../core/files.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { SERVER_SECRETS, type DeploySettingsRecord, type ServerMappingRecord, type ServerRecord } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { OWNER_RE, openSshSession, probeHostKey } from './ssh/index.ts';
import { parseHostPort } from './tls-check.ts';
import { SELF_SERVE_WEBROOT } from '../agent/protocol.ts';
import type { AgentDirectory, DeployTarget, SshEndpoint, TargetDirectory, TargetInfo, TargetSession, WebrootMapping } from './types.ts';

export type ServerStore = Pick<Store, 'data' | 'update'>;

export interface ServerServiceDeps {
  store: ServerStore;
  secrets: SecretStore;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
}

/** Secrets as the faces send them: text, a CLI file, or (private key) a picked file already read. */
export interface SecretInput {
  password?: string | undefined;
  privateKey?: string | undefined;
  passphrase?: string | undefined;
  passwordFile?: string | undefined;
  privateKeyFile?: string | undefined;
  passphraseFile?: string | undefined;
}

export interface AddServerInput extends SecretInput {
  name: string;
  host: string;
  port: number;
  user: string;
  acceptHostKey: string;
}

export interface EditServerInput extends SecretInput {
  id: string;
  name?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  acceptHostKey?: string | undefined;
}

export interface MapServerInput {
  serverId: string;
  domains: string[];
  webroot?: string | null | undefined;
  deploy?: DeployInput | null | undefined;
}

export interface TestCheck {
  what: string;
  ok: boolean;
  message: string;
}

type SecretName = (typeof SERVER_SECRETS)[number];

export function serverSecretRef(serverId: string, name: SecretName): string {
  return `server/${serverId}/${name}`;
}

export function keystorePasswordRef(serverId: string, domain: string): string {
  return `deploy/${serverId}/${domain}/keystorePassword`;
}

/** A private key as OpenSSH or PEM text (checked before anything connects). */
export function looksLikePrivateKey(text: string): boolean {
  return /-----BEGIN (OPENSSH |RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]+-----END (OPENSSH |RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----/.test(text);
}

/** A mapped domain: lower case, ASCII (punycode), no wildcard (a mapping covers its subdomains). */
export function normalizeMappedDomain(input: string, field = 'domains'): string {
  const raw = input.trim().toLowerCase();
  if (raw.startsWith('*.')) {
    throw AppError.invalid(field, `${input}: a mapping covers its subdomains, so leave out "*.".`, `Map ${raw.slice(2)} instead.`);
  }
  const parsed = parseDomain(raw, { challengeType: 'dns-01' });
  if (typeof parsed === 'string') throw AppError.invalid(field, `${input} ${parsed}`);
  return parsed.ascii;
}

/** The most specific mapping covering a name (its own domain, else the nearest parent). */
export function coveringDomain(domain: string, name: string): boolean {
  const n = name.toLowerCase().replace(/^\*\./, '');
  return n === domain || n.endsWith(`.${domain}`);
}

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
const OCTAL_RE = /^[0-7]{3,4}$/;

export class ServerService implements TargetDirectory {
  private readonly store: ServerStore;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Requests that are processing with http-01 files on a server: remove() refuses while one is. */
  private isBusy: (serverId: string) => boolean = () => false;
  private agents: AgentDirectory | null = null;

  constructor(private readonly deps: ServerServiceDeps) {
    this.store = deps.store;
    this.log = deps.logger.child('servers');
    this.now = deps.clock ?? (() => new Date());
  }

  /** Lets the order flow say which servers are in use right now (see remove()). */
  useBusyCheck(check: (serverId: string) => boolean): void {
    this.isBusy = check;
  }

  /** Whether a target (server or agent) holds http-01 files of a request being validated right now. */
  busy(targetId: string): boolean {
    return this.isBusy(targetId) || this.store.data.requests.some((r) => r.status === 'processing' && (r.placed ?? []).some((p) => p.targetId === targetId));
  }

  /**
   * Agents are deploy targets too (issue 10): mappings, http-01 and deployment take an agent's id wherever they
   * take a server's. The AgentService registers itself here.
   */
  useAgents(agents: AgentDirectory): void {
    this.agents = agents;
  }

  /** Every deploy target: end servers (in the order they were added), then agents. */
  targets(): TargetInfo[] {
    return [...this.store.data.servers.map((s) => serverInfo(s)), ...(this.agents?.list() ?? [])];
  }

  /** A server or an agent by id, id prefix or name (servers first). NOT_FOUND names both kinds. */
  targetInfo(idOrName: string): TargetInfo {
    const agent = this.agents?.find(idOrName);
    try {
      return serverInfo(this.record(idOrName));
    } catch (err) {
      if (agent && err instanceof AppError && err.code === 'NOT_FOUND') return agent;
      throw err;
    }
  }

  list(): EndServer[] {
    return this.store.data.servers.map((s) => this.view(s));
  }

  get(idOrName: string): EndServer {
    return this.view(this.record(idOrName));
  }

  /** By id, unique id prefix (8+ characters) or name (case-insensitive). */
  record(idOrName: string): ServerRecord {
    const all = this.store.data.servers;
    const key = idOrName.trim();
    const exact = all.find((s) => s.id === key) ?? all.find((s) => s.name.toLowerCase() === key.toLowerCase());
    if (exact) return exact;
    const hits = key.length >= 8 ? all.filter((s) => s.id.startsWith(key)) : [];
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw AppError.invalid('id', `The id ${key} matches ${hits.length} servers: give more of it.`);
    throw new AppError('NOT_FOUND', `No end server named or with id "${key}".`, { field: 'id', hint: 'List them with `certdesk server list`.' });
  }

  /** The host key a server offers now, compared with the pin of a known server on the same host:port. */
  async probe(host: string, port: number, op: Operation): Promise<HostKeyProbe> {
    const h = this.checkHost(host);
    op.step('probe', `Reading the host key of ${h}:${port}`);
    const offered = await probeHostKey(h, port, op.signal);
    const known = this.store.data.servers.find((s) => s.host.toLowerCase() === h.toLowerCase() && s.port === port) ?? null;
    const state = !known ? 'new' : known.hostKey.sha256 === offered.sha256 ? 'match' : 'mismatch';
    return { host: h, port, offered, state, pinned: known?.hostKey ?? null, serverId: known?.id ?? null };
  }

  async add(input: AddServerInput, op: Operation): Promise<EndServer> {
    const name = this.checkName(input.name, null);
    const host = this.checkHost(input.host);
    const port = this.checkPort(input.port);
    const user = this.checkUser(input.user);
    const fp = this.checkFingerprint(input.acceptHostKey, 'acceptHostKey');
    const secrets = await this.readSecrets(input);
    const auth = this.authOf(secrets, null);
    const hostKey = await this.login({ host, port, user, auth, ...secrets }, fp, `${name} (${user}@${host}:${port})`, op);
    const id = randomUUID();
    const stored: SecretName[] = [];
    for (const k of SERVER_SECRETS) {
      const v = secrets[k];
      if (v === undefined) continue;
      await this.deps.secrets.set(serverSecretRef(id, k), v);
      stored.push(k);
    }
    const stamp = this.now().toISOString();
    const rec: ServerRecord = { id, name, host, port, user, auth, hostKey, secretFields: stored.sort(), lastTest: null, createdAt: stamp, updatedAt: stamp };
    await this.store.update((d) => {
      d.servers.push(rec);
    });
    this.changed(id);
    this.log.info('server added', { id, host, port, user, auth, hostKey: hostKey.sha256 });
    return this.get(id);
  }

  async edit(input: EditServerInput, op: Operation): Promise<EndServer> {
    const rec = this.record(input.id);
    const name = input.name === undefined ? rec.name : this.checkName(input.name, rec.id);
    const host = input.host === undefined ? rec.host : this.checkHost(input.host);
    const port = input.port === undefined ? rec.port : this.checkPort(input.port);
    const user = input.user === undefined ? rec.user : this.checkUser(input.user);
    const moved = host.toLowerCase() !== rec.host.toLowerCase() || port !== rec.port;
    if (moved && input.acceptHostKey === undefined) {
      throw AppError.invalid('acceptHostKey', `${host}:${port} is a new address: its host key must be accepted again.`, 'Probe it (servers:probe), compare the fingerprint, then send it as acceptHostKey.');
    }
    const fp = input.acceptHostKey === undefined ? rec.hostKey.sha256 : this.checkFingerprint(input.acceptHostKey, 'acceptHostKey');
    const sent = await this.readSecrets(input);
    const anySent = Object.values(sent).some((v) => v !== undefined);
    const stored = await this.storedSecrets(rec);
    // A new password replaces a key login and the other way round; a passphrase alone goes with the stored key.
    let merged: Partial<Record<SecretName, string>>;
    if (sent.password !== undefined) merged = { password: sent.password };
    else if (sent.privateKey !== undefined) merged = { privateKey: sent.privateKey, ...(sent.passphrase !== undefined ? { passphrase: sent.passphrase } : {}) };
    else merged = { ...stored, ...(sent.passphrase !== undefined ? { passphrase: sent.passphrase } : {}) };
    const auth = this.authOf(merged, rec.auth);
    let hostKey = rec.hostKey;
    if (anySent || moved || user !== rec.user || input.acceptHostKey !== undefined) {
      hostKey = await this.login({ host, port, user, auth, ...merged }, fp, `${name} (${user}@${host}:${port})`, op);
    }
    for (const k of SERVER_SECRETS) {
      const v = merged[k];
      if (v === undefined) await this.deps.secrets.delete(serverSecretRef(rec.id, k)).catch(() => false);
      else if (v !== stored[k]) await this.deps.secrets.set(serverSecretRef(rec.id, k), v);
    }
    await this.patch(rec.id, { name, host, port, user, auth, hostKey, secretFields: SERVER_SECRETS.filter((k) => merged[k] !== undefined) });
    this.log.info('server changed', { id: rec.id, host, port, user, auth });
    return this.get(rec.id);
  }

  /** Logs in, runs `true` and `id -un`, checks every mapped webroot can be written; records the result. */
  async test(idOrName: string, op: Operation): Promise<{ server: EndServer; ok: boolean; message: string; checks: TestCheck[] }> {
    const rec = this.record(idOrName);
    const checks: TestCheck[] = [];
    let message: string;
    try {
      op.step('connect', `Connecting to ${describe(rec)}`);
      const session = await this.open(rec, op.signal);
      try {
        checks.push({ what: 'login', ok: true, message: `Logged in as ${rec.user} (host key ${rec.hostKey.sha256})` });
        const t = await session.run('true && id -un', op.signal, { timeoutMs: 15_000 });
        const who = t.output.trim().split('\n').pop() ?? '';
        checks.push({ what: 'command', ok: t.exitCode === 0, message: t.exitCode === 0 ? `Commands run as ${who}` : `\`id -un\` exited with ${t.exitCode}: ${t.output.trim().slice(0, 300)}` });
        const roots = [...new Set(this.store.data.serverMappings.filter((m) => m.serverId === rec.id && m.webroot).map((m) => m.webroot!))];
        for (const dir of roots) {
          op.step('webroot', `Checking ${dir} can be written`, dir);
          try {
            await session.checkWritable(dir, op.signal);
            checks.push({ what: `webroot ${dir}`, ok: true, message: `${dir} can be written` });
          } catch (err) {
            if (err instanceof AppError && err.code === 'CANCELLED') throw err;
            checks.push({ what: `webroot ${dir}`, ok: false, message: (err as Error).message });
          }
        }
      } finally {
        session.close();
      }
      const bad = checks.filter((c) => !c.ok);
      message = bad.length ? bad.map((c) => c.message).join(' ') : `Connected to ${describe(rec)}: ${checks.map((c) => c.message).join('; ')}.`;
    } catch (err) {
      if (err instanceof AppError && err.code === 'CANCELLED') throw err;
      message = (err as Error).message;
      checks.push({ what: 'login', ok: false, message });
    }
    const ok = checks.every((c) => c.ok);
    await this.patch(rec.id, { lastTest: { at: this.now().toISOString(), ok, message } });
    this.log.info('server tested', { id: rec.id, ok });
    return { server: this.get(rec.id), ok, message, checks };
  }

  async remove(idOrName: string): Promise<void> {
    const rec = this.record(idOrName);
    if (this.busy(rec.id)) {
      throw new AppError('CONFLICT', `${rec.name} holds http-01 files of a request being validated right now.`, { field: 'id', hint: 'Wait until the request is done (or cancel it), then delete the server.' });
    }
    await this.store.update((d) => {
      d.servers = d.servers.filter((s) => s.id !== rec.id);
    });
    await this.removeMappingsOf(rec.id);
    for (const k of SERVER_SECRETS) await this.deps.secrets.delete(serverSecretRef(rec.id, k)).catch(() => false);
    this.changed(rec.id);
    this.log.info('server deleted', { id: rec.id });
  }

  /** Drops every mapping of a target and the keystore passwords they kept (a deleted server or agent). */
  async removeMappingsOf(targetId: string): Promise<void> {
    const mappings = this.store.data.serverMappings.filter((m) => m.serverId === targetId);
    if (!mappings.length) return;
    await this.store.update((d) => {
      d.serverMappings = d.serverMappings.filter((m) => m.serverId !== targetId);
    });
    for (const m of mappings) if (m.deploy?.keystorePasswordRef) await this.deps.secrets.delete(m.deploy.keystorePasswordRef).catch(() => false);
  }

  mappings(): ServerMapping[] {
    return this.store.data.serverMappings.map((m) => mappingView(m));
  }

  /** One mapping per server and domain; an existing one is replaced by what is sent. */
  async map(input: MapServerInput): Promise<ServerMapping[]> {
    const rec = this.targetInfo(input.serverId);
    if (!input.domains.length) throw AppError.invalid('domains', 'Give at least one domain to map.');
    const domains = [...new Set(input.domains.map((d) => normalizeMappedDomain(d)))];
    const webroot = input.webroot === undefined || input.webroot === null ? null : checkWebroot(input.webroot, rec);
    if (webroot === null && (input.deploy === undefined || input.deploy === null)) {
      throw AppError.invalid('webroot', 'A mapping needs a webroot (http-01), deploy settings, or both.', 'Give the directory the web server serves (--webroot), or --deploy pem|pfx|jks with its paths.');
    }
    const prepared: { domain: string; deploy: DeploySettingsRecord | null; password?: string }[] = [];
    for (const domain of domains) {
      const old = this.store.data.serverMappings.find((m) => m.serverId === rec.id && m.domain === domain) ?? null;
      prepared.push(this.deploySettings(rec, domain, input.deploy ?? null, old));
    }
    for (const p of prepared) {
      if (p.password !== undefined) {
        this.log.redact(p.password);
        await this.deps.secrets.set(keystorePasswordRef(rec.id, p.domain), p.password);
      }
    }
    const stamp = this.now().toISOString();
    const removedRefs: string[] = [];
    await this.store.update((d) => {
      for (const p of prepared) {
        const old = d.serverMappings.find((m) => m.serverId === rec.id && m.domain === p.domain);
        if (old?.deploy?.keystorePasswordRef && old.deploy.keystorePasswordRef !== p.deploy?.keystorePasswordRef) removedRefs.push(old.deploy.keystorePasswordRef);
        const next: ServerMappingRecord = { serverId: rec.id, domain: p.domain, webroot, deploy: p.deploy, updatedAt: stamp };
        d.serverMappings = d.serverMappings.filter((m) => !(m.serverId === rec.id && m.domain === p.domain));
        d.serverMappings.push(next);
      }
    });
    for (const ref of removedRefs) await this.deps.secrets.delete(ref).catch(() => false);
    this.changed(rec.id);
    this.log.info('server mapped', { id: rec.id, domains, webroot, deploy: prepared[0]?.deploy?.format ?? null });
    return this.store.data.serverMappings.filter((m) => m.serverId === rec.id && domains.includes(m.domain)).map((m) => mappingView(m));
  }

  async unmap(serverId: string, domains: string[]): Promise<number> {
    const rec = this.targetInfo(serverId);
    const wanted = new Set(domains.map((d) => normalizeMappedDomain(d)));
    const gone = this.store.data.serverMappings.filter((m) => m.serverId === rec.id && wanted.has(m.domain));
    if (!gone.length) {
      throw new AppError('NOT_FOUND', `${rec.name} has no mapping for ${[...wanted].join(', ')}.`, { field: 'domains', hint: `Mapped: ${this.domainsOf(rec.id).join(', ') || 'none'}.` });
    }
    await this.store.update((d) => {
      d.serverMappings = d.serverMappings.filter((m) => !(m.serverId === rec.id && wanted.has(m.domain)));
    });
    for (const m of gone) if (m.deploy?.keystorePasswordRef) await this.deps.secrets.delete(m.deploy.keystorePasswordRef).catch(() => false);
    this.changed(rec.id);
    this.log.info('server unmapped', { id: rec.id, domains: gone.map((m) => m.domain) });
    return gone.length;
  }

  // --- TargetDirectory ---------------------------------------------------------------------------------------

  webrootMappings(): WebrootMapping[] {
    const byId = new Map(this.targets().map((s) => [s.id, s]));
    return this.store.data.serverMappings
      .filter((m) => m.webroot && byId.has(m.serverId))
      .map((m) => {
        const t = byId.get(m.serverId)!;
        return { domain: m.domain, targetId: m.serverId, targetName: t.name, targetKind: t.kind, webroot: m.webroot! };
      });
  }

  target(id: string): DeployTarget {
    const rec = this.store.data.servers.find((s) => s.id === id);
    if (!rec) {
      const agent = this.agents?.target(id);
      if (agent) return agent;
      throw new AppError('NOT_FOUND', `The end server ${id} no longer exists.`, { field: 'serverId' });
    }
    return { id: rec.id, name: rec.name, kind: 'ssh', open: (signal) => this.open(this.record(id), signal) };
  }

  /** Mapping records of a server with Deploy on (for the Deployer). */
  deployMappings(serverId?: string): ServerMappingRecord[] {
    return this.store.data.serverMappings.filter((m) => m.deploy?.enabled && (serverId === undefined || m.serverId === serverId));
  }

  async keystorePassword(m: ServerMappingRecord): Promise<string | null> {
    return m.deploy?.keystorePasswordRef ? this.deps.secrets.get(m.deploy.keystorePasswordRef) : null;
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private async open(rec: ServerRecord, signal: AbortSignal): Promise<TargetSession> {
    const s = await this.storedSecrets(rec);
    const endpoint: SshEndpoint = { host: rec.host, port: rec.port, user: rec.user, auth: rec.auth, password: s.password, privateKey: s.privateKey, passphrase: s.passphrase, hostKey: rec.hostKey };
    return openSshSession({ ...endpoint, description: describe(rec) }, signal);
  }

  /** Connects with the host key pinned to `fingerprint` and logs in once; returns the key (algorithm too). */
  private async login(
    ep: { host: string; port: number; user: string; auth: 'password' | 'key'; password?: string | undefined; privateKey?: string | undefined; passphrase?: string | undefined },
    fingerprint: string,
    description: string,
    op: Operation,
  ): Promise<HostKey> {
    op.step('connect', `Connecting to ${description}`);
    // The algorithm is only known once the server offers its key; the pin is the fingerprint, and the connect
    // itself refuses any other key (HOST_KEY naming both) before authenticating.
    const offered = await probeHostKey(ep.host, ep.port, op.signal);
    const pinned: HostKey = { algorithm: offered.sha256 === fingerprint ? offered.algorithm : 'unknown', sha256: fingerprint };
    const session = await openSshSession({ ...ep, hostKey: pinned, description }, op.signal);
    try {
      const r = await session.run('true', op.signal, { timeoutMs: 15_000 });
      if (r.exitCode !== 0) throw new AppError('AUTH', `Logged in to ${description}, but it cannot run commands (\`true\` exited with ${r.exitCode}).`, { hint: 'Give the user a shell.' });
    } finally {
      session.close();
    }
    op.step('connected', `Logged in to ${description}`);
    return pinned;
  }

  private async readSecrets(input: SecretInput): Promise<Partial<Record<SecretName, string>>> {
    const out: Partial<Record<SecretName, string>> = {};
    const pairs: [SecretName, string | undefined, string | undefined, string, string][] = [
      ['password', input.password, input.passwordFile, 'passwordFile', 'Password file'],
      ['privateKey', input.privateKey, input.privateKeyFile, 'privateKeyFile', 'Private key file'],
      ['passphrase', input.passphrase, input.passphraseFile, 'passphraseFile', 'Passphrase file'],
    ];
    for (const [k, text, file, fileField, label] of pairs) {
      if (text !== undefined && file !== undefined) throw AppError.invalid(fileField, `Give the ${k} either as text or as a file, not both.`);
      let v = text;
      if (file !== undefined) {
        v = await readUserText(file, { field: fileField, label, maxBytes: MAX_SECRET_FILE_BYTES, hint: `Give a regular file that holds only the ${k}.` });
        if (k !== 'privateKey') v = v.replace(/\r?\n$/, '');
      }
      if (v === undefined) continue;
      this.log.redact(v);
      if (v.length === 0) throw AppError.invalid(file !== undefined ? fileField : k, `The ${k} is empty.`);
      out[k] = v;
    }
    if (out.privateKey !== undefined && !looksLikePrivateKey(out.privateKey)) {
      throw AppError.invalid(input.privateKeyFile !== undefined ? 'privateKeyFile' : 'privateKey', 'This is not a private key in OpenSSH or PEM form (-----BEGIN OPENSSH PRIVATE KEY----- ...).', 'Give the private key file (e.g. ~/.ssh/id_ed25519), not the .pub file.');
    }
    return out;
  }

  /** Exactly one of password / private key; a passphrase only with a key. */
  private authOf(s: Partial<Record<SecretName, string>>, fallback: 'password' | 'key' | null): 'password' | 'key' {
    if (s.password !== undefined && s.privateKey !== undefined) {
      throw AppError.invalid('password', 'Give either a password or a private key, not both.', 'Log in with a key (--key-file) or a password (--password-file).');
    }
    if (s.passphrase !== undefined && s.privateKey === undefined) {
      throw AppError.invalid('passphrase', 'A passphrase goes with a private key: give the key too.');
    }
    if (s.password !== undefined) return 'password';
    if (s.privateKey !== undefined) return 'key';
    if (fallback) return fallback;
    throw AppError.invalid('password', 'Give a password or a private key to log in with.', 'CLI: --password-file F or --key-file F [--passphrase-file F].');
  }

  private async storedSecrets(rec: ServerRecord): Promise<Partial<Record<SecretName, string>>> {
    const out: Partial<Record<SecretName, string>> = {};
    for (const k of SERVER_SECRETS) {
      if (!rec.secretFields.includes(k)) continue;
      const v = await this.deps.secrets.get(serverSecretRef(rec.id, k));
      if (v === null) {
        throw new AppError('AUTH', `The ${k} of ${rec.name} is missing from the keychain.`, { field: k, hint: `Set it again: certdesk server edit, or Manage → Deploy → Edit.` });
      }
      this.log.redact(v);
      out[k] = v;
    }
    return out;
  }

  private deploySettings(target: TargetInfo, domain: string, input: DeployInput | null, old: ServerMappingRecord | null): { domain: string; deploy: DeploySettingsRecord | null; password?: string } {
    if (input === null) return { domain, deploy: null };
    const serverId = target.id;
    const format = input.format ?? 'pem';
    const path = (v: string | null | undefined, field: string): string | null => (v === undefined || v === null ? null : checkAbsolute(v, field, target.windows));
    const site = input.site ?? null;
    if (format === 'iis') {
      if (!target.capabilities.includes('iis')) {
        throw AppError.invalid('format', `${target.name} cannot install into IIS: ${target.kind === 'agent' ? 'the agent does not run on Windows' : 'it is an SSH server'}.`, 'Use --deploy pem, pfx or jks with paths, or map the domain to a Certdesk agent on the IIS server.');
      }
      if (!site) throw AppError.invalid('site', 'IIS deploy needs the IIS site whose https binding gets the certificate.', 'Give the site name as IIS Manager shows it, e.g. --site "Default Web Site".');
      if (/\p{Cc}/u.test(site)) throw AppError.invalid('site', 'The IIS site name contains control characters.');
      for (const [v, f] of [
        [input.certPath, 'certPath'],
        [input.keyPath, 'keyPath'],
        [input.chainPath, 'chainPath'],
        [input.fullchainPath, 'fullchainPath'],
        [input.owner, 'owner'],
      ] as const) {
        if (v) throw AppError.invalid(f, `${f} is for file deploys; IIS deploy imports the certificate into the Windows certificate store (LocalMachine\\My) and binds it to the site.`);
      }
      const check = input.check ?? null;
      if (check !== null) parseHostPort(check, 'check');
      const deploy: DeploySettingsRecord = { enabled: input.enabled ?? true, format, certPath: null, keyPath: null, chainPath: null, fullchainPath: null, keystorePasswordRef: null, owner: null, keyMode: '600', certMode: '644', reload: input.reload ?? null, check, site };
      return { domain, deploy };
    }
    if (site) throw AppError.invalid('site', 'An IIS site is for --deploy iis only.', 'Leave the site out, or use --deploy iis on a Windows agent.');
    if (target.windows && input.owner) throw AppError.invalid('owner', `${target.name} runs Windows: file owners are not set there.`, 'Leave --owner out; the agent writes the files as its service account.');
    const certPath = path(input.certPath, 'certPath');
    const keyPath = path(input.keyPath, 'keyPath');
    const chainPath = path(input.chainPath, 'chainPath');
    const fullchainPath = path(input.fullchainPath, 'fullchainPath');
    if (format === 'pem') {
      if (!certPath && !fullchainPath) throw AppError.invalid('certPath', 'PEM deploy needs where the certificate goes: a certificate path, a full-chain path, or both.', 'nginx: --fullchain-path /etc/nginx/tls/fullchain.pem --key-path /etc/nginx/tls/privkey.pem');
      if (!keyPath) throw AppError.invalid('keyPath', 'PEM deploy needs where the private key goes.', 'Give the key path, e.g. /etc/nginx/tls/privkey.pem.');
    } else {
      if (!certPath) throw AppError.invalid('certPath', `${format.toUpperCase()} deploy needs the keystore path (certPath).`);
      for (const [v, f] of [
        [keyPath, 'keyPath'],
        [chainPath, 'chainPath'],
        [fullchainPath, 'fullchainPath'],
      ] as const) {
        if (v) throw AppError.invalid(f, `${f} is for PEM deploy only; a ${format.toUpperCase()} keystore holds key and chain in one file (certPath).`);
      }
    }
    const keyMode = input.keyMode ?? '600';
    const certMode = input.certMode ?? '644';
    if (!OCTAL_RE.test(keyMode)) throw AppError.invalid('keyMode', `Mode "${keyMode}" is not octal like 600.`);
    if (!OCTAL_RE.test(certMode)) throw AppError.invalid('certMode', `Mode "${certMode}" is not octal like 644.`);
    const owner = input.owner ?? null;
    if (owner !== null && !OWNER_RE.test(owner)) throw AppError.invalid('owner', `Owner "${owner}" is not user, user:group or :group.`);
    const check = input.check ?? null;
    if (check !== null) parseHostPort(check, 'check');
    let password: string | undefined;
    let ref: string | null = null;
    if (format !== 'pem') {
      if (input.keystorePassword !== undefined) {
        if ([...input.keystorePassword].length < 8) throw AppError.invalid('keystorePassword', 'Keystore password is too short: use at least 8 characters.');
        password = input.keystorePassword;
        ref = keystorePasswordRef(serverId, domain);
      } else {
        ref = old?.deploy?.keystorePasswordRef ?? null;
      }
    }
    const deploy: DeploySettingsRecord = { enabled: input.enabled ?? true, format, certPath, keyPath, chainPath, fullchainPath, keystorePasswordRef: ref, owner, keyMode, certMode, reload: input.reload ?? null, check, site: null };
    return password === undefined ? { domain, deploy } : { domain, deploy, password };
  }

  private checkName(input: string, self: string | null): string {
    const name = input.trim();
    if (!name) throw AppError.invalid('name', 'The server name is empty.', 'Give a short name such as web1.');
    if (/\p{Cc}/u.test(name)) throw AppError.invalid('name', 'The server name contains control characters.');
    const dup = this.store.data.servers.find((s) => s.id !== self && s.name.toLowerCase() === name.toLowerCase());
    if (dup) throw AppError.invalid('name', `A server named "${dup.name}" exists already.`, 'Choose another name.');
    const agent = this.agents?.list().find((a) => a.name.toLowerCase() === name.toLowerCase());
    if (agent) throw AppError.invalid('name', `An agent is named "${agent.name}" already: servers and agents share one list of names (mappings name either).`, 'Choose another name.');
    return name;
  }

  private checkHost(input: string): string {
    const host = input.trim();
    if (!host || /[\s/@]/.test(host)) throw AppError.invalid('host', `"${input}" is not a host name or IP address.`, 'Give the host alone, e.g. web1.example.com or 10.0.0.5 (the port goes in port).');
    return host.replace(/^\[(.*)\]$/, '$1');
  }

  private checkPort(port: number): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw AppError.invalid('port', `Port ${port} is not between 1 and 65535.`);
    return port;
  }

  private checkUser(input: string): string {
    const user = input.trim();
    if (!user || /[\s@:/]/.test(user)) throw AppError.invalid('user', `"${input}" is not a user name.`, 'Give the login name on the server, e.g. deploy.');
    return user;
  }

  private checkFingerprint(input: string, field: string): string {
    const fp = input.trim();
    if (!FINGERPRINT_RE.test(fp)) throw AppError.invalid(field, `"${input}" is not a SHA-256 host key fingerprint (SHA256: and 43 base64 characters).`, 'Copy it from the probe (or `ssh-keyscan HOST | ssh-keygen -lf -`).');
    return fp;
  }

  private domainsOf(serverId: string): string[] {
    return this.store.data.serverMappings.filter((m) => m.serverId === serverId).map((m) => m.domain).sort();
  }

  private view(s: ServerRecord): EndServer {
    return {
      id: s.id,
      name: s.name,
      host: s.host,
      port: s.port,
      user: s.user,
      auth: s.auth,
      hostKey: { ...s.hostKey },
      secrets: { password: s.secretFields.includes('password'), privateKey: s.secretFields.includes('privateKey'), passphrase: s.secretFields.includes('passphrase') },
      lastTest: s.lastTest ? { ...s.lastTest } : null,
      domains: this.domainsOf(s.id),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }

  private async patch(id: string, changes: Partial<ServerRecord>): Promise<void> {
    const stamp = this.now().toISOString();
    await this.store.update((d) => {
      const i = d.servers.findIndex((s) => s.id === id);
      if (i >= 0) d.servers[i] = { ...d.servers[i]!, ...changes, updatedAt: stamp };
    });
    this.changed(id);
  }

  private changed(id: string): void {
    this.deps.hub.emit('servers:changed', { id });
  }
}

export function describe(rec: Pick<ServerRecord, 'name' | 'user' | 'host' | 'port'>): string {
  return `${rec.name} (${rec.user}@${rec.host}:${rec.port})`;
}

const WINDOWS_ABSOLUTE_RE = /^[A-Za-z]:[\\/]/;

/** An absolute path on the target: POSIX, or on a Windows agent `C:\\...` (kept with backslashes, normalized). */
function checkAbsolute(input: string, field: string, windows = false): string {
  const p = input.trim();
  if (p.includes('\0')) throw AppError.invalid(field, `"${input}" contains a NUL character.`);
  if (windows) {
    if (!WINDOWS_ABSOLUTE_RE.test(p)) throw AppError.invalid(field, `"${input}" is not an absolute Windows path (it must start with a drive, like C:\\).`, 'e.g. C:\\inetpub\\wwwroot');
    const n = win32.normalize(p);
    return n.length > 3 ? n.replace(/[\\/]+$/, '') : n;
  }
  if (!p.startsWith('/')) throw AppError.invalid(field, `"${input}" is not an absolute path on the server (it must start with /).`);
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/**
 * A mapping's webroot: an absolute path on the target, or on an agent `agent:self` (the agent answers http-01
 * itself on its challenge port) or `iis:<site>` (the physical path of that IIS site, resolved by the agent).
 */
function checkWebroot(input: string, target: TargetInfo): string {
  const w = input.trim();
  if (w === SELF_SERVE_WEBROOT) {
    if (!target.capabilities.includes('self-serve')) {
      throw AppError.invalid('webroot', `${target.name} does not answer http-01 itself: ${target.kind === 'agent' ? 'its agent has no challenge port set' : 'only a Certdesk agent can'}.`, 'Start the agent with --challenge-port 80 (or set challengePort in certdesk-agent.json), or give the webroot directory.');
    }
    return w;
  }
  if (w.startsWith('iis:')) {
    if (!target.capabilities.includes('iis')) throw AppError.invalid('webroot', `${target.name} has no IIS: an IIS site's webroot needs a Certdesk agent on Windows.`, 'Give the webroot directory instead.');
    const site = w.slice(4).trim();
    if (!site || /\p{Cc}/u.test(site)) throw AppError.invalid('webroot', 'Give the IIS site name after iis:, e.g. iis:Default Web Site.');
    return `iis:${site}`;
  }
  return checkAbsolute(w, 'webroot', target.windows);
}

function serverInfo(rec: ServerRecord): TargetInfo {
  return { id: rec.id, name: rec.name, kind: 'ssh', description: describe(rec), windows: false, capabilities: ['webroot', 'files', 'run'] };
}

export function mappingView(m: ServerMappingRecord): ServerMapping {
  const d = m.deploy;
  return {
    serverId: m.serverId,
    domain: m.domain,
    webroot: m.webroot,
    deploy: d
      ? {
          enabled: d.enabled,
          format: d.format,
          certPath: d.certPath,
          keyPath: d.keyPath,
          chainPath: d.chainPath,
          fullchainPath: d.fullchainPath,
          keystorePasswordStored: d.keystorePasswordRef !== null,
          owner: d.owner,
          keyMode: d.keyMode,
          certMode: d.certMode,
          reload: d.reload,
          check: d.check,
          site: d.site ?? null,
        }
      : null,
    updatedAt: m.updatedAt,
  };
}
