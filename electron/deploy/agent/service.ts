// Certdesk agents (issue 10): pairing, the paired list, tests, unpairing, and each agent as a deploy target
// (AgentDirectory) so the http-01 solver and the Deployer use agents exactly like SSH end servers. Metadata (URL,
// pinned certificate, the agent's report) in db.json; the per-agent HMAC secret only in the keychain
// (`agent/<id>/secret`). Plain Node; nothing here imports electron.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError } from '../../../shared/ipc/errors.ts';
import type { Agent, AgentProbe, AgentReport, AgentState } from '../../../shared/model/agent.ts';
import type { EventHub } from '../../core/events.ts';
import { MAX_SECRET_FILE_BYTES, readUserText } from '../../core/files.ts';
import type { Logger } from '../../core/logger.ts';
import type { Operation } from '../../core/operations.ts';
import type { SecretStore } from '../../secrets/secret-store.ts';
import { agentSecretRef, type AgentRecord } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import { FINGERPRINT_RE, PAIRING_CODE_RE, ROUTES, SELF_SERVE_WEBROOT, newSecret, normalizePairingCode, type AgentInfo, type PairRequest, type PairResponse } from '../../agent/protocol.ts';
import type { ServerService, TestCheck } from '../servers.ts';
import type { AgentDirectory, DeployTarget, TargetInfo, TargetSession } from '../types.ts';
import { AgentAnswerError, AgentClient, parseAgentUrl, probeAgent } from './client.ts';
import { AgentSession } from './session.ts';

export type AgentStore = Pick<Store, 'data' | 'update'>;

export interface AgentServiceDeps {
  store: AgentStore;
  secrets: SecretStore;
  servers: ServerService;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
}

export interface PairInput {
  name: string;
  url: string;
  code?: string | undefined;
  /** CLI: a file holding the code. */
  codeFile?: string | undefined;
  acceptCert: string;
}

export interface AgentTestResult {
  agent: Agent;
  ok: boolean;
  message: string;
  checks: TestCheck[];
}

/** `iis1 (agent https://10.0.0.9:9443)` */
export function describeAgent(rec: Pick<AgentRecord, 'name' | 'url'>): string {
  return `${rec.name} (agent ${rec.url})`;
}

function reportOf(info: AgentInfo): AgentReport {
  return {
    version: String(info.version ?? ''),
    os: String(info.os ?? ''),
    osVersion: String(info.osVersion ?? ''),
    arch: String(info.arch ?? ''),
    hostname: String(info.hostname ?? ''),
    capabilities: Array.isArray(info.capabilities) ? info.capabilities.map(String) : [],
    challengePort: typeof info.challengePort === 'number' ? info.challengePort : null,
    site: typeof info.site === 'string' ? info.site : null,
  };
}

/** lastSeen is written at most this often by deploy sessions (not for every file placed). */
const SEEN_EVERY_MS = 60_000;

export class AgentService implements AgentDirectory {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: AgentServiceDeps) {
    this.log = deps.logger.child('agents');
    this.now = deps.clock ?? (() => new Date());
    deps.servers.useAgents(this);
  }

  // --- AgentDirectory ----------------------------------------------------------------------------------------

  list(): TargetInfo[] {
    return this.deps.store.data.agents.map((a) => infoOf(a));
  }

  find(idOrName: string): TargetInfo | undefined {
    const rec = this.lookup(idOrName);
    return rec ? infoOf(rec) : undefined;
  }

  target(id: string): DeployTarget | undefined {
    const rec = this.deps.store.data.agents.find((a) => a.id === id);
    if (!rec) return undefined;
    return { id: rec.id, name: rec.name, kind: 'agent', open: (signal) => this.open(rec.id, signal) };
  }

  // --- what the faces see ------------------------------------------------------------------------------------

  /** Every paired agent, in the order they were paired (secretStored read from the keychain). */
  async agents(): Promise<Agent[]> {
    const out: Agent[] = [];
    for (const rec of this.deps.store.data.agents) out.push(await this.view(rec));
    return out;
  }

  /** By id, unique id prefix (8+ characters) or name (case-insensitive). */
  async get(idOrName: string): Promise<Agent> {
    return this.view(this.record(idOrName));
  }

  record(idOrName: string): AgentRecord {
    const key = idOrName.trim();
    const rec = this.lookup(key);
    if (rec) return rec;
    const hits = key.length >= 8 ? this.deps.store.data.agents.filter((a) => a.id.startsWith(key)) : [];
    if (hits.length > 1) throw AppError.invalid('id', `The id ${key} matches ${hits.length} agents: give more of it.`);
    throw new AppError('NOT_FOUND', `No agent named or with id "${key}".`, { field: 'id', hint: 'List them with `certdesk agent list`.' });
  }

  // --- pairing -----------------------------------------------------------------------------------------------

  /** The certificate an agent URL offers now, compared with the pin of an agent paired at the same URL. */
  async probe(url: string, op: Operation): Promise<AgentProbe> {
    const addr = parseAgentUrl(url);
    op.step('probe', `Reading the certificate of ${addr.url}`);
    const p = await probeAgent(addr, op.signal);
    const known = this.deps.store.data.agents.find((a) => a.url === addr.url) ?? null;
    const state = !known ? 'new' : known.fingerprint === p.fingerprint ? 'match' : 'mismatch';
    return { url: addr.url, fingerprint: p.fingerprint, state, pinned: known?.fingerprint ?? null, agentId: known?.id ?? null, version: p.hello.version, paired: p.hello.paired };
  }

  /**
   * Pairs: the certificate offered must be `acceptCert`; a new secret goes to the agent with the one-time code over
   * that pinned certificate, the agent's signed answer is checked, then the secret is stored in the keychain and the
   * agent in db.json. Pairing again at the URL of a known agent (reinstalled) keeps its id and mappings.
   */
  async pair(input: PairInput, op: Operation): Promise<Agent> {
    const addr = parseAgentUrl(input.url);
    const accept = input.acceptCert.trim().replace(/=$/, '');
    if (!FINGERPRINT_RE.test(accept)) {
      throw AppError.invalid('acceptCert', `"${input.acceptCert}" is not a certificate fingerprint (SHA256: and 43 base64 characters).`, 'Copy the Certificate: line the agent printed.');
    }
    const again = this.deps.store.data.agents.find((a) => a.url === addr.url) ?? null;
    const name = this.checkName(input.name, again?.id ?? null);
    const code = await this.readCode(input);
    op.step('probe', `Reading the certificate of ${addr.url}`);
    const offered = await probeAgent(addr, op.signal);
    if (offered.fingerprint !== accept) {
      throw new AppError('HOST_KEY', `The agent at ${addr.url} presents ${offered.fingerprint}, not the accepted ${accept}. Nothing was sent or stored.`, {
        field: 'acceptCert',
        hint: 'Compare with the Certificate: line the agent printed on the server (certdesk-agent pairing-code shows it again); if they differ, something else answers at this address.',
      });
    }
    const secret = newSecret();
    const secretText = secret.toString('base64');
    this.log.redact(secret);
    this.log.redact(secretText);
    const client = new AgentClient({ url: addr.url, certPem: offered.certPem, fingerprint: accept, secret });
    op.step('pair', `Pairing with ${addr.url}`);
    const body: PairRequest = { code, secret: secretText, client: `Certdesk on ${hostname()}` };
    let answer: PairResponse;
    try {
      answer = await client.call<PairResponse>('POST', ROUTES.pair, body, { signal: op.signal, sign: false });
    } catch (err) {
      throw this.pairError(addr.url, err);
    }
    const id = again?.id ?? randomUUID();
    // The keychain first: a record without its secret would be an agent nobody can drive.
    await this.deps.secrets.set(agentSecretRef(id), secretText);
    const stamp = this.now().toISOString();
    const rec: AgentRecord = {
      id,
      name,
      url: addr.url,
      fingerprint: accept,
      certPem: offered.certPem,
      report: reportOf(answer.info),
      lastSeen: stamp,
      lastTest: null,
      createdAt: again?.createdAt ?? stamp,
      updatedAt: stamp,
    };
    await this.deps.store.update((d) => {
      const i = d.agents.findIndex((a) => a.id === id);
      if (i >= 0) d.agents[i] = rec;
      else d.agents.push(rec);
    });
    this.changed(id);
    this.log.info(again ? 'agent paired again' : 'agent paired', { id, url: addr.url, fingerprint: accept, os: rec.report.os, version: rec.report.version });
    op.step('paired', `Paired with ${describeAgent(rec)}`);
    return this.get(id);
  }

  private pairError(url: string, err: unknown): unknown {
    if (!(err instanceof AgentAnswerError)) return err;
    if (err.status === 403 || (err.code === 'AUTH' && err.field === 'code')) {
      return new AppError('AUTH', `The agent refused the pairing code: ${err.agentMessage}`, {
        field: 'code',
        hint: err.hint ?? 'Copy the code the agent printed (on the server: certdesk-agent pairing-code --state-dir DIR). After five wrong codes the agent makes a new one.',
      });
    }
    if (err.status === 409 || err.code === 'CONFLICT') {
      return new AppError('CONFLICT', `The agent at ${url} is paired already (with this or another Certdesk).`, {
        field: 'url',
        hint: 'On the server, run `certdesk-agent unpair --state-dir DIR` (or reinstall: AgentInstaller.exe stop, then start), then pair with the new code it prints.',
      });
    }
    return err;
  }

  private async readCode(input: PairInput): Promise<string> {
    if (input.code !== undefined && input.codeFile !== undefined) throw AppError.invalid('codeFile', 'Give the pairing code either as text or as a file, not both.');
    let raw = input.code;
    if (input.codeFile !== undefined) {
      raw = await readUserText(input.codeFile, { field: 'codeFile', label: 'Pairing code file', maxBytes: MAX_SECRET_FILE_BYTES, hint: 'Give a file that holds only the code the agent printed.' });
      // `Pairing code: ABCD-...` copied with its label is fine too.
      raw = raw.replace(/^\s*Pairing code:\s*/i, '').split(/\r?\n/)[0] ?? '';
    }
    if (raw === undefined || !raw.trim()) {
      throw AppError.invalid(input.codeFile !== undefined ? 'codeFile' : 'code', 'The pairing code is missing.', 'The agent printed it at start (certdesk-agent pairing-code --state-dir DIR shows it again).');
    }
    this.log.redact(raw.trim());
    const code = normalizePairingCode(raw);
    this.log.redact(code);
    if (!PAIRING_CODE_RE.test(code)) {
      throw AppError.invalid(input.codeFile !== undefined ? 'codeFile' : 'code', 'That is not a pairing code: it looks like ABCD-EFGH-JKLM-NPQR (16 letters and digits).', 'Copy the Pairing code: line the agent printed.');
    }
    return code;
  }

  // --- test, remove ------------------------------------------------------------------------------------------

  /** A signed GET /v1/info (report and last seen updated), then every mapped webroot checked for writing. */
  async test(idOrName: string, op: Operation): Promise<AgentTestResult> {
    const rec = this.record(idOrName);
    const checks: TestCheck[] = [];
    let message: string;
    let report: AgentReport | null = null;
    try {
      op.step('connect', `Connecting to ${describeAgent(rec)}`);
      const client = await this.client(rec);
      const info = await client.call<AgentInfo>('GET', ROUTES.info, undefined, { signal: op.signal, timeoutMs: 15_000 });
      report = reportOf(info);
      checks.push({ what: 'connect', ok: true, message: `Agent ${report.version} on ${report.hostname} (${report.osVersion || report.os}), certificate ${rec.fingerprint}` });
      const session = new AgentSession(client, describeAgent(rec));
      const roots = [...new Set(this.deps.store.data.serverMappings.filter((m) => m.serverId === rec.id && m.webroot).map((m) => m.webroot!))];
      for (const dir of roots) {
        op.step('webroot', dir === SELF_SERVE_WEBROOT ? 'Checking the agent answers http-01 itself' : `Checking ${dir} can be written`, dir);
        try {
          if (dir === SELF_SERVE_WEBROOT) {
            if (report.challengePort === null) throw new Error('The agent answers http-01 itself only with a challenge port, and it has none now.');
            checks.push({ what: `webroot ${dir}`, ok: true, message: `The agent answers http-01 itself on port ${report.challengePort}` });
            continue;
          }
          await session.checkWritable(dir, op.signal);
          checks.push({ what: `webroot ${dir}`, ok: true, message: `${dir} can be written` });
        } catch (err) {
          if (err instanceof AppError && err.code === 'CANCELLED') throw err;
          checks.push({ what: `webroot ${dir}`, ok: false, message: (err as Error).message });
        }
      }
      const bad = checks.filter((c) => !c.ok);
      message = bad.length ? bad.map((c) => c.message).join(' ') : `Connected to ${describeAgent(rec)}: ${checks.map((c) => c.message).join('; ')}.`;
    } catch (err) {
      if (err instanceof AppError && err.code === 'CANCELLED') throw err;
      message = (err as Error).message;
      checks.push({ what: 'connect', ok: false, message });
    }
    const ok = checks.every((c) => c.ok);
    const stamp = this.now().toISOString();
    await this.patch(rec.id, { lastTest: { at: stamp, ok, message }, ...(report ? { report, lastSeen: stamp } : {}) });
    this.log.info('agent tested', { id: rec.id, ok });
    return { agent: await this.get(rec.id), ok, message, checks };
  }

  /** Unpairs (POST /v1/unpair, best effort), then forgets the agent, its mappings and its secret. */
  async remove(idOrName: string): Promise<{ unpaired: boolean }> {
    const rec = this.record(idOrName);
    if (this.deps.servers.busy(rec.id)) {
      throw new AppError('CONFLICT', `${rec.name} holds http-01 files of a request being validated right now.`, { field: 'id', hint: 'Wait until the request is done (or cancel it), then delete the agent.' });
    }
    let unpaired = false;
    try {
      const client = await this.client(rec);
      await client.call('POST', ROUTES.unpair, {}, { signal: AbortSignal.timeout(15_000), timeoutMs: 10_000 });
      unpaired = true;
    } catch (err) {
      this.log.warn('agent not told to unpair', { id: rec.id, error: (err as Error).message });
    }
    await this.deps.servers.removeMappingsOf(rec.id);
    await this.deps.store.update((d) => {
      d.agents = d.agents.filter((a) => a.id !== rec.id);
    });
    await this.deps.secrets.delete(agentSecretRef(rec.id)).catch(() => false);
    this.changed(rec.id);
    this.log.info('agent deleted', { id: rec.id, unpaired });
    return { unpaired };
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private lookup(idOrName: string): AgentRecord | undefined {
    const all = this.deps.store.data.agents;
    const key = idOrName.trim();
    const exact = all.find((a) => a.id === key) ?? all.find((a) => a.name.toLowerCase() === key.toLowerCase());
    if (exact) return exact;
    const hits = key.length >= 8 ? all.filter((a) => a.id.startsWith(key)) : [];
    return hits.length === 1 ? hits[0] : undefined;
  }

  private async client(rec: AgentRecord): Promise<AgentClient> {
    const text = await this.deps.secrets.get(agentSecretRef(rec.id));
    if (text === null) {
      throw new AppError('AUTH', `The pairing secret of ${rec.name} is missing from the keychain.`, {
        field: 'id',
        hint: 'Pair the agent again (unpair it on the server: certdesk-agent unpair, restart it, then pair with the new code).',
      });
    }
    this.log.redact(text);
    return new AgentClient({ url: rec.url, certPem: rec.certPem, fingerprint: rec.fingerprint, secret: Buffer.from(text, 'base64') });
  }

  /** A deploy/http-01 session: the first answer of the agent counts as contact (lastSeen, at most once a minute). */
  private async open(id: string, signal: AbortSignal): Promise<TargetSession> {
    const rec = this.deps.store.data.agents.find((a) => a.id === id);
    if (!rec) throw new AppError('NOT_FOUND', `The agent ${id} no longer exists.`, { field: 'serverId' });
    if (signal.aborted) throw new AppError('CANCELLED', 'The operation was cancelled.');
    const client = await this.client(rec);
    const session = new AgentSession(client, describeAgent(rec));
    let seen = false;
    const touch = (): void => {
      if (seen) return;
      seen = true;
      const last = rec.lastSeen ? Date.parse(rec.lastSeen) : 0;
      if (this.now().getTime() - last < SEEN_EVERY_MS) return;
      void this.patch(rec.id, { lastSeen: this.now().toISOString() }).catch((err: unknown) => this.log.warn('last seen not saved', { id: rec.id, error: (err as Error).message }));
    };
    // Wrap each call: a successful one is contact.
    const wrap = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        const r = await fn(...a);
        touch();
        return r;
      };
    return {
      description: session.description,
      putFile: wrap(session.putFile.bind(session)),
      removeFile: wrap(session.removeFile.bind(session)),
      checkWritable: wrap(session.checkWritable.bind(session)),
      install: wrap(session.install.bind(session)),
      restore: wrap(session.restore.bind(session)),
      run: wrap(session.run.bind(session)),
      installIis: wrap(session.installIis.bind(session)),
      close: () => session.close(),
    };
  }

  private checkName(input: string, self: string | null): string {
    const name = input.trim();
    if (!name) throw AppError.invalid('name', 'The agent name is empty.', 'Give a short name such as iis1.');
    if (/\p{Cc}/u.test(name)) throw AppError.invalid('name', 'The agent name contains control characters.');
    const dup = this.deps.store.data.agents.find((a) => a.id !== self && a.name.toLowerCase() === name.toLowerCase());
    if (dup) throw AppError.invalid('name', `An agent named "${dup.name}" exists already.`, 'Choose another name.');
    const server = this.deps.store.data.servers.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (server) throw AppError.invalid('name', `An end server is named "${server.name}": mappings name targets by name, so an agent needs another.`, 'Choose another name.');
    return name;
  }

  private async view(rec: AgentRecord): Promise<Agent> {
    const secretStored = (await this.deps.secrets.get(agentSecretRef(rec.id)).catch(() => null)) !== null;
    return {
      id: rec.id,
      name: rec.name,
      url: rec.url,
      fingerprint: rec.fingerprint,
      report: { ...rec.report, capabilities: [...rec.report.capabilities] },
      state: stateOf(rec),
      lastSeen: rec.lastSeen,
      lastTest: rec.lastTest ? { ...rec.lastTest } : null,
      domains: this.deps.store.data.serverMappings.filter((m) => m.serverId === rec.id).map((m) => m.domain).sort(),
      secretStored,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
    };
  }

  private async patch(id: string, changes: Partial<AgentRecord>): Promise<void> {
    const stamp = this.now().toISOString();
    await this.deps.store.update((d) => {
      const i = d.agents.findIndex((a) => a.id === id);
      if (i >= 0) d.agents[i] = { ...d.agents[i]!, ...changes, updatedAt: stamp };
    });
    this.deps.hub.emit('agents:changed', { id });
  }

  private changed(id: string): void {
    this.deps.hub.emit('agents:changed', { id });
    this.deps.hub.emit('servers:changed', { id });
  }
}

function infoOf(rec: AgentRecord): TargetInfo {
  return {
    id: rec.id,
    name: rec.name,
    kind: 'agent',
    description: describeAgent(rec),
    windows: rec.report.os === 'windows',
    capabilities: [...rec.report.capabilities],
  };
}

/** online: the last contact worked; offline: the last test failed (and nothing worked since); unknown: never tested. */
function stateOf(rec: AgentRecord): AgentState {
  if (!rec.lastTest) return 'unknown';
  if (rec.lastTest.ok) return 'online';
  return rec.lastSeen && Date.parse(rec.lastSeen) > Date.parse(rec.lastTest.at) ? 'online' : 'offline';
}
