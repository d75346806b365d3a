// Installs a certificate on the end servers mapped with Deploy on (issue 8, DESIGN.md §3): per server, one after
// another, upload (temporary name + rename, backups), reload, then check over TLS that the new certificate is
// served; on a failed reload or a mismatch, restore the backups and reload again. Every result is recorded
// (DeploymentRecord, newest DEPLOYMENT_HISTORY_MAX kept). Implements the DeployHook the order flow calls after
// issuance and the `deploy:run` channel. Plain Node; nothing here imports electron.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Deployment } from '../../shared/model/server.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import { toJks, toPkcs12 } from '../keystore/index.ts';
import { splitPem, summarize } from '../orders/certinfo.ts';
import type { RequestService } from '../orders/requests.ts';
import { DEPLOYMENT_HISTORY_MAX, type DeploymentRecord, type RequestRecord, type ServerMappingRecord } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { coveringDomain, type ServerService } from './servers.ts';
import { servedCertificate } from './tls-check.ts';
import type { DeployHook, InstallReceipt, RemoteFile, TargetInfo, TargetSession } from './types.ts';

export type DeployerStore = Pick<Store, 'data' | 'update' | 'readFile' | 'readSecret'>;

export interface DeployerDeps {
  store: DeployerStore;
  servers: ServerService;
  requests: RequestService;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
  /** How long the reload command may run (default 2 minutes). */
  reloadTimeoutMs?: number;
  /**
   * How long the TLS check keeps looking for the new certificate after the reload (default 10 s). Reloads are
   * graceful and asynchronous (`nginx -s reload`, `systemctl reload` return before the new workers answer), so one
   * look right after the command would often still see the old certificate.
   */
  checkWindowMs?: number;
  /** Pause between two looks inside that window (default 400 ms). */
  checkIntervalMs?: number;
}

export interface DeployRunInput {
  requestId?: string | undefined;
  certificateId?: string | undefined;
  serverId?: string | undefined;
  trigger: 'issued' | 'renewed' | 'manual';
}

type Step = Pick<Operation, 'signal' | 'step'>;

/** The certificate being deployed: key, leaf, chain, and where it came from. */
interface Material {
  requestId: string | null;
  certificateId: string | null;
  names: string[];
  leafPem: string;
  chainPems: string[];
  keyPem: string;
  serial: string;
  request: RequestRecord | null;
}

/** After a rollback: the address and name whose answer should be the previous serial again. */
interface RollbackCheck {
  address: string;
  sni: string;
  serial: string;
}

/** Serials compare as hex without separators or leading zeros. */
export function sameSerial(a: string, b: string): boolean {
  const n = (s: string): string => s.replace(/[^0-9a-f]/gi, '').replace(/^0+/, '').toUpperCase();
  return n(a) === n(b);
}

/** The server mapping (Deploy on) a certificate uses: the most specific for the first name, else for any name. */
export function pickMapping(mappings: ServerMappingRecord[], names: string[]): ServerMappingRecord | null {
  for (const name of names) {
    let best: ServerMappingRecord | null = null;
    for (const m of mappings) if (coveringDomain(m.domain, name) && (!best || m.domain.length > best.domain.length)) best = m;
    if (best) return best;
  }
  return null;
}

function tail(text: string, max = 2000): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

export class Deployer implements DeployHook {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: DeployerDeps) {
    this.log = deps.logger.child('deploy');
    this.now = deps.clock ?? (() => new Date());
  }

  async afterIssued(requestId: string, trigger: 'issued' | 'renewed', ctx: Step): Promise<{ ok: boolean; count: number }> {
    const material = await this.material({ requestId });
    const plan = this.plan(material, undefined);
    if (!plan.length) return { ok: true, count: 0 };
    const deployments = await this.runPlan(material, plan, trigger, ctx);
    return { ok: deployments.every((d) => d.status === 'deployed'), count: deployments.length };
  }

  /** `deploy:run`: ok only when every server serves the new certificate. */
  async deploy(input: DeployRunInput, op: Operation): Promise<{ ok: boolean; deployments: Deployment[] }> {
    if ((input.requestId === undefined) === (input.certificateId === undefined)) {
      throw AppError.invalid('requestId', 'Give the request (requestId) or the saved certificate (certificateId) to deploy, one of them.');
    }
    const material = await this.material(input);
    const server = input.serverId === undefined ? undefined : this.deps.servers.targetInfo(input.serverId);
    const plan = this.plan(material, server?.id);
    if (!plan.length) {
      const names = material.names.join(', ');
      throw new AppError(
        'NOT_FOUND',
        server ? `${server.name} has no mapping with Deploy on that covers ${names}.` : `No server is mapped with Deploy on for ${names}.`,
        { field: server ? 'serverId' : 'id', hint: 'Map a domain of the certificate with deploy settings: certdesk server map N --domains D --deploy pem --fullchain-path P --key-path P.' },
      );
    }
    const deployments = await this.runPlan(material, plan, input.trigger, op);
    return { ok: deployments.every((d) => d.status === 'deployed'), deployments };
  }

  /** Newest first, filtered by request, certificate or server. */
  history(filter: { requestId?: string | undefined; certificateId?: string | undefined; serverId?: string | undefined; limit?: number | undefined }): Deployment[] {
    const requestId = filter.requestId === undefined ? undefined : this.deps.requests.record(filter.requestId).id;
    const certificateId = filter.certificateId === undefined ? undefined : this.certificate(filter.certificateId).id;
    const serverId = filter.serverId === undefined ? undefined : this.deps.servers.targetInfo(filter.serverId).id;
    return (this.deps.store.data.deployments ?? [])
      .filter((d) => (requestId === undefined || d.requestId === requestId) && (certificateId === undefined || d.certificateId === certificateId) && (serverId === undefined || d.serverId === serverId))
      .slice()
      .reverse()
      .slice(0, filter.limit ?? 100)
      .map((d) => ({ ...d, files: [...d.files], reload: d.reload ? { ...d.reload } : null }));
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private certificate(id: string) {
    const all = this.deps.store.data.certificates;
    const exact = all.find((c) => c.id === id);
    if (exact) return exact;
    const hits = id.length >= 8 ? all.filter((c) => c.id.startsWith(id)) : [];
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw AppError.invalid('certificateId', `The id ${id} matches ${hits.length} saved certificates: give more of it.`);
    throw new AppError('NOT_FOUND', `No saved certificate with id ${id}.`, { field: 'certificateId', hint: 'List them with `certdesk cert list`.' });
  }

  private async material(input: { requestId?: string | undefined; certificateId?: string | undefined }): Promise<Material> {
    const store = this.deps.store;
    if (input.certificateId !== undefined) {
      const c = this.certificate(input.certificateId);
      const blocks = splitPem((await store.readFile(c.certFile)).toString());
      const request = c.requestId ? store.data.requests.find((r) => r.id === c.requestId) ?? null : null;
      return this.complete({ requestId: c.requestId, certificateId: c.id, names: c.names, blocks, keyPem: (await store.readSecret(c.keyFile)).toString(), request });
    }
    const r = this.deps.requests.record(input.requestId!);
    if ((r.status !== 'available' && r.status !== 'renewed') || !r.certFile || !r.issuedKeyFile) {
      throw new AppError('CONFLICT', `The request ${r.id.slice(0, 8)} has no issued certificate to deploy (it is ${r.status}).`, { field: 'id', hint: 'Verify it first, or deploy a saved certificate.' });
    }
    const blocks = splitPem((await store.readFile(r.certFile)).toString());
    return this.complete({ requestId: r.id, certificateId: null, names: r.names, blocks, keyPem: (await store.readSecret(r.issuedKeyFile)).toString(), request: r });
  }

  private complete(m: { requestId: string | null; certificateId: string | null; names: string[]; blocks: string[]; keyPem: string; request: RequestRecord | null }): Material {
    const [leafPem, ...chainPems] = m.blocks;
    if (!leafPem) throw new AppError('INTERNAL', 'The stored certificate file holds no certificate.');
    this.log.redact(m.keyPem);
    return { requestId: m.requestId, certificateId: m.certificateId, names: m.names, leafPem, chainPems, keyPem: m.keyPem, serial: summarize(leafPem).serial, request: m.request };
  }

  /** Per server (in the order they were added), the mapping whose settings are used. */
  private plan(material: Material, serverId: string | undefined): { server: TargetInfo; mapping: ServerMappingRecord }[] {
    const out: { server: TargetInfo; mapping: ServerMappingRecord }[] = [];
    for (const server of this.deps.servers.targets()) {
      if (serverId !== undefined && server.id !== serverId) continue;
      const mapping = pickMapping(this.deps.servers.deployMappings(server.id), material.names);
      if (mapping) out.push({ server, mapping });
    }
    return out;
  }

  private async runPlan(material: Material, plan: { server: TargetInfo; mapping: ServerMappingRecord }[], trigger: DeploymentRecord['trigger'], op: Step): Promise<Deployment[]> {
    const results: Deployment[] = [];
    for (const { server, mapping } of plan) {
      if (op.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
      const rec = await this.deployOne(material, server, mapping, trigger, op);
      results.push(rec);
    }
    return results;
  }

  private async files(material: Material, server: TargetInfo, mapping: ServerMappingRecord): Promise<RemoteFile[]> {
    const d = mapping.deploy!;
    const keyMode = parseInt(d.keyMode, 8);
    const certMode = parseInt(d.certMode, 8);
    const owner = d.owner;
    if (d.format === 'iis') return [];
    if (d.format === 'pem') {
      const out: RemoteFile[] = [];
      const chain = material.chainPems.join('');
      if (d.certPath) out.push({ path: d.certPath, content: Buffer.from(material.leafPem), mode: certMode, owner });
      if (d.chainPath) out.push({ path: d.chainPath, content: Buffer.from(chain), mode: certMode, owner });
      if (d.fullchainPath) out.push({ path: d.fullchainPath, content: Buffer.from(material.leafPem + chain), mode: certMode, owner });
      if (d.keyPath) out.push({ path: d.keyPath, content: Buffer.from(material.keyPem), mode: keyMode, owner });
      return out;
    }
    const password = (await this.deps.servers.keystorePassword(mapping)) ?? (material.request ? await this.deps.requests.keystorePassword(material.request) : null);
    if (!password) {
      throw new AppError('INVALID_INPUT', `No keystore password for the ${d.format.toUpperCase()} file on ${server.name}: the mapping of ${mapping.domain} has none and the request has none.`, {
        field: 'keystorePassword',
        hint: `Set one on the mapping: certdesk server map ${server.name} --domains ${mapping.domain} --deploy ${d.format} --cert-path ${d.certPath} --keystore-password-file F.`,
      });
    }
    this.log.redact(password);
    const input = { keyPem: material.keyPem, certPem: material.leafPem, chainPems: material.chainPems, password };
    const content = d.format === 'pfx' ? toPkcs12(input, { profile: 'modern' }) : toJks(input);
    return [{ path: d.certPath!, content, mode: keyMode, owner }];
  }

  private async deployOne(material: Material, server: TargetInfo, mapping: ServerMappingRecord, trigger: DeploymentRecord['trigger'], op: Step): Promise<Deployment> {
    const d = mapping.deploy!;
    const item = server.name;
    const startedAt = this.now().toISOString();
    const rec: DeploymentRecord = {
      id: randomUUID(),
      requestId: material.requestId,
      certificateId: material.certificateId,
      serverId: server.id,
      serverName: server.name,
      domain: mapping.domain,
      serial: material.serial,
      status: 'failed',
      reason: null,
      rolledBack: false,
      files: [],
      reload: null,
      servedSerial: null,
      trigger,
      startedAt,
      finishedAt: startedAt,
    };
    let session: TargetSession | null = null;
    let receipt: InstallReceipt | null = null;
    let cancelled: AppError | null = null;
    const sni = material.names.find((n) => !n.startsWith('*.')) ?? mapping.domain;
    let previous: string | null = null;
    const back = (): RollbackCheck | null => (d.check && previous && !sameSerial(previous, material.serial) ? { address: d.check, sni, serial: previous } : null);
    try {
      const files = await this.files(material, server, mapping);
      rec.files = files.map((f) => f.path);
      op.step('deploy-connect', `${server.name}: connecting to ${server.description}`, item);
      session = await this.deps.servers.target(server.id).open(op.signal);
      if (d.check) {
        // What is served now, so that a rollback can confirm the previous certificate is back (best effort).
        previous = await servedCertificate(d.check, sni, op.signal).then((c) => c.serial, (err: unknown) => {
          if (err instanceof AppError && err.code === 'CANCELLED') throw err;
          return null;
        });
      }
      if (d.format === 'iis') {
        if (!session.installIis) {
          throw new AppError('INVALID_INPUT', `${server.name} cannot install into IIS (it is not a Certdesk agent on Windows).`, { field: 'format', hint: 'Map the domain with --deploy pem, pfx or jks and paths instead.' });
        }
        // A one-time password protects the PFX on its way to the agent (inside the pinned TLS) and while the agent
        // imports it; the legacy profile (3DES/SHA-1) is the one every Windows Server version can import.
        const password = randomBytes(24).toString('base64url');
        this.log.redact(password);
        const pfx = toPkcs12({ keyPem: material.keyPem, certPem: material.leafPem, chainPems: material.chainPems, password }, { profile: 'legacy' });
        rec.files = [`IIS site "${d.site}" (LocalMachine\\My)`];
        op.step('deploy-install', `${server.name}: importing the certificate and binding it to the IIS site ${d.site}`, item);
        receipt = await session.installIis({ pfx, password, site: d.site ?? '', hostname: null }, op.signal);
      } else {
        op.step('deploy-install', `${server.name}: installing ${rec.files.join(', ')}`, item);
        receipt = await session.install(files, op.signal);
      }
      let failure: string | null = null;
      if (d.reload) {
        op.step('deploy-reload', `${server.name}: running ${d.reload}`, item);
        const r = await session.run(d.reload, op.signal, { timeoutMs: this.deps.reloadTimeoutMs ?? 120_000 });
        rec.reload = { command: d.reload, exitCode: r.exitCode, output: tail(r.output, 8000) };
        if (r.exitCode !== 0) {
          failure = `The reload command \`${d.reload}\` ${r.exitCode === null ? 'was killed or timed out' : `exited with ${r.exitCode}`}${r.output.trim() ? `: ${tail(r.output, 500)}` : ''}.`;
        }
      }
      if (!failure && d.check) {
        op.step('deploy-check', `${server.name}: checking what ${d.check} serves for ${sni}`, item);
        failure = await this.checkServed(d.check, sni, material.serial, op.signal, (seen) => (rec.servedSerial = seen));
      }
      if (failure) {
        rec.reason = failure;
        op.step('deploy-rollback', `${server.name}: ${failure} Restoring the previous files.`, item);
        rec.rolledBack = await this.rollback(session, receipt, d.reload, op.signal, rec, back());
      } else {
        rec.status = 'deployed';
        op.step('deploy-done', `${server.name}: deployed${d.check ? `; ${d.check} serves serial ${material.serial}` : ''}`, item);
      }
    } catch (err) {
      if (err instanceof AppError && err.code === 'CANCELLED') {
        cancelled = err;
        rec.reason = 'Cancelled.';
        // Put the previous files back even though the operation was cancelled: a half deployment is worse.
        if (session && receipt) rec.rolledBack = await this.rollback(session, receipt, d.reload, AbortSignal.timeout(60_000), rec, null);
      } else {
        rec.reason = (err as Error).message;
        if (session && receipt) rec.rolledBack = await this.rollback(session, receipt, d.reload, op.signal, rec, back());
      }
      op.step('deploy-failed', `${server.name}: ${rec.reason}`, item);
    } finally {
      session?.close();
    }
    rec.finishedAt = this.now().toISOString();
    await this.record(rec);
    this.log.info('deployment', { id: rec.id, server: server.id, domain: rec.domain, serial: rec.serial, status: rec.status, rolledBack: rec.rolledBack, reason: rec.reason });
    if (cancelled) throw cancelled;
    return { ...rec, files: [...rec.files], reload: rec.reload ? { ...rec.reload } : null };
  }

  /**
   * Looks at what `check` serves for `sni` until `serial` has been seen on `confirmations` handshakes in a row, or
   * the check window ends. During a graceful reload old and new workers answer side by side, so one handshake
   * that shows the new serial is not yet proof; several in a row are. Returns null on success, else the reason
   * (the last serial seen, or the last connection error).
   */
  private async checkServed(check: string, sni: string, serial: string, signal: AbortSignal, onSeen: (serial: string) => void, what = 'the new one'): Promise<string | null> {
    const windowMs = this.deps.checkWindowMs ?? 10_000;
    const intervalMs = this.deps.checkIntervalMs ?? 400;
    const confirmations = 3;
    const started = Date.now();
    let streak = 0;
    let reason = '';
    for (;;) {
      try {
        const served = await servedCertificate(check, sni, signal);
        onSeen(served.serial);
        if (sameSerial(served.serial, serial)) {
          streak += 1;
          if (streak >= confirmations) return null;
        } else {
          streak = 0;
          reason = `${check} still serves another certificate for ${sni} after the reload (serial ${served.serial}${served.names.length ? `, names ${served.names.join(', ')}` : ''}), not ${what} (serial ${serial}).`;
        }
      } catch (err) {
        if (err instanceof AppError && err.code === 'CANCELLED') throw err;
        streak = 0;
        reason = `The check of ${check} failed after the reload: ${(err as Error).message}`;
      }
      // A streak in progress may finish a little past the window; a failure may not.
      if (streak === 0 && Date.now() - started + intervalMs > windowMs) return reason;
      if (streak > 0 && Date.now() - started > windowMs + confirmations * intervalMs) return reason || `${check} kept changing between certificates for ${sni}.`;
      await sleep(streak > 0 ? Math.min(intervalMs, 150) : intervalMs, undefined, { signal }).catch(() => {
        throw new AppError('CANCELLED', 'The operation was cancelled.');
      });
    }
  }

  /** Restores the backups and reloads again; true when the previous files are back. */
  private async rollback(session: TargetSession, receipt: InstallReceipt, reload: string | null, signal: AbortSignal, rec: DeploymentRecord, check: RollbackCheck | null): Promise<boolean> {
    try {
      await session.restore(receipt, signal);
    } catch (err) {
      rec.reason = `${rec.reason ?? ''} Restoring the previous files failed too: ${(err as Error).message}`.trim();
      return false;
    }
    if (reload) {
      try {
        const r = await session.run(reload, signal, { timeoutMs: this.deps.reloadTimeoutMs ?? 120_000 });
        if (r.exitCode !== 0) {
          rec.reason = `${rec.reason ?? ''} The previous files are back; reloading them exited with ${r.exitCode}.`.trim();
        } else if (check) {
          // Wait until the previous certificate answers again, so that whoever looks next sees the state we report.
          const notBack = await this.checkServed(check.address, check.sni, check.serial, signal, () => undefined, 'the previous one');
          if (notBack) rec.reason = `${rec.reason ?? ''} The previous files are back, but ${notBack}`.trim();
        }
      } catch (err) {
        rec.reason = `${rec.reason ?? ''} The previous files are back; reloading them failed: ${(err as Error).message}`.trim();
      }
    }
    return true;
  }

  private async record(rec: DeploymentRecord): Promise<void> {
    await this.deps.store.update((d) => {
      d.deployments = [...(d.deployments ?? []), rec].slice(-DEPLOYMENT_HISTORY_MAX);
    });
    this.deps.hub.emit('deploy:changed', { requestId: rec.requestId, certificateId: rec.certificateId, serverId: rec.serverId });
    if (rec.requestId) this.deps.hub.emit('requests:changed', { id: rec.requestId });
  }
}
