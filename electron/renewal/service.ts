// Automatic renewal (issue 9, seed Step 5): the plan of every saved certificate (due time, why, state, who
// validates), and reconcile(), which renews what is due. A renewal is the order flow the user would run: Renew
// (a new order for the same names; key per the request's key policy), Verify (the automatic solvers place and
// remove the challenges; the Deployer deploys after issuance), then Save, so that the new certificate replaces
// the saved version (kept in history).
//
// reconcile() is idempotent: passes run one at a time, a certificate is renewed by one pass at a time (lock),
// and a renewed certificate is no longer due, so a wake-up after a long sleep that fires several times renews
// once. Failures back off (1 min, 10 min, 100 min, then daily). Everything time-dependent uses the Clock.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Request } from '../../shared/model/request.ts';
import type { RenewalPlan, RenewalPolicy, RenewalResult, RenewalSettings, RenewalState } from '../../shared/model/renewal.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation, Operations } from '../core/operations.ts';
import type { DnsService } from '../dns/accounts.ts';
import type { ServerService } from '../deploy/servers.ts';
import type { RequestService } from '../orders/requests.ts';
import type { Repository } from '../repository/certificates.ts';
import type { WebrootMapping } from '../deploy/types.ts';
import type { CertificateRecord, RenewalRecord, RequestRecord, StoreData } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { automationOf, computeDue } from './policy.ts';
import { renewalSettings } from './settings.ts';
import { backoffMs, systemClock, type AriInfo, type AriSource, type Clock, type RenewalObserver, type RenewOptions } from './types.ts';

/** How long one ARI request may take before the stored window is used instead. */
const ARI_TIMEOUT_MS = 30_000;
/** Without Retry-After from the CA, ask again after this long. */
const ARI_DEFAULT_RETRY_MS = 6 * 3_600_000;

export interface RenewalServiceDeps {
  store: Pick<Store, 'data' | 'update'>;
  requests: Pick<RequestService, 'record' | 'renew' | 'verify' | 'newChallenge'>;
  repository: Pick<Repository, 'save'>;
  hub: EventHub;
  logger: Logger;
  /** DNS accounts (is the request's or mapping's account there and enabled?); absent: none. */
  dns?: Pick<DnsService, 'accountRecord'> | undefined;
  /** End servers with webroots (automatic http-01); absent: none. */
  servers?: Pick<ServerService, 'webrootMappings'> | undefined;
  /** Runs each scheduled pass as an operation (progress events); absent: a bare operation. */
  ops?: Pick<Operations, 'run'> | undefined;
  /** RFC 9773 renewal information; absent: the `ari` policy behaves like `lifetime`. */
  ari?: AriSource | null | undefined;
  clock?: Clock;
  /** Where in an ARI window to renew: a number in [0, 1). */
  random?: () => number;
}

/** RequestService.renew with ARI's third parameter (R2 adds it; called through this shape until then). */
type RenewWithOptions = (id: string, op: Operation, opts?: RenewOptions) => Promise<Request>;

export interface ReconcileSummary {
  reason: string;
  at: string;
  results: RenewalResult[];
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function sameWindow(a: RenewalRecord['ari'], b: RenewalRecord['ari']): boolean {
  return a !== null && b !== null && a.start === b.start && a.end === b.end;
}

/**
 * What computing a plan looks up besides the certificate: its renewal record, its request, the end servers'
 * webroots. One certificate looks them up directly; a pass over every certificate builds maps first, because a
 * search per certificate made listing the plans quadratic (10,000 certificates: ~13 s of CPU for renewal:plans).
 */
interface PlanFacts {
  renewalOf(certificateId: string): RenewalRecord | undefined;
  requestOf(requestId: string): RequestRecord | undefined;
  serverMappings(): WebrootMapping[];
}

export class RenewalService {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly observers = new Set<RenewalObserver>();
  /** Certificates being renewed right now (the per-certificate lock). */
  private readonly renewing = new Set<string>();
  /** Passes run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private ari: AriSource | null;

  constructor(private readonly deps: RenewalServiceDeps) {
    this.log = deps.logger.child('renewal');
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
    this.ari = deps.ari ?? null;
  }

  /** Connects the ARI source (built after this service). */
  useAri(source: AriSource | null): void {
    this.ari = source;
  }

  /** Told of every renewal's result; returns an unsubscribe. */
  addObserver(o: RenewalObserver): () => void {
    this.observers.add(o);
    return () => this.observers.delete(o);
  }

  private get data(): Readonly<StoreData> {
    return this.deps.store.data;
  }

  private settings(): RenewalSettings {
    return renewalSettings(this.data.settings);
  }

  // ------------------------------------------------------------------------------------------------ plans

  /** The plan of every saved certificate, now (nothing is written). */
  plans(): RenewalPlan[] {
    const now = this.clock.now();
    const facts = this.batchFacts(this.data);
    return this.data.certificates.map((c) => this.compute(this.data, c, now, undefined, facts).plan);
  }

  /** The plan of one saved certificate (by its id, its request's id, or a unique 8+ character prefix). */
  plan(certificateId: string): RenewalPlan {
    const c = this.certificate(certificateId);
    return this.compute(this.data, c, this.clock.now()).plan;
  }

  /** What would renew at `at` (default now), when, and why; changes nothing. */
  dryRun(at?: Date): { at: string; plans: RenewalPlan[]; due: string[] } {
    const when = at ?? this.clock.now();
    const facts = this.batchFacts(this.data);
    const plans = this.data.certificates.map((c) => this.compute(this.data, c, when, undefined, facts).plan);
    return { at: when.toISOString(), plans, due: plans.filter((p) => isDue(p, when)).map((p) => p.certificateId) };
  }

  /** A certificate's own policy (null: the default from Settings); `days` only with the `days` policy. */
  async setPolicy(certificateId: string, policy: RenewalPolicy | null, days?: number): Promise<RenewalPlan> {
    const cert = this.certificate(certificateId);
    if (days !== undefined && policy !== 'days') {
      throw AppError.invalid('days', 'Days before expiry apply to the "days" policy only.', 'Choose the days policy, or leave the days out.');
    }
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 365)) {
      throw AppError.invalid('days', `Days before expiry must be a whole number from 1 to 365 (got ${days}).`);
    }
    const now = this.clock.now();
    await this.deps.store.update((d) => {
      const c = d.certificates.find((x) => x.id === cert.id);
      if (!c) return;
      const { record } = this.compute(d, c, now);
      const next: RenewalRecord = { ...record, policy, days: policy === 'days' ? (days ?? null) : null };
      const recomputed = this.compute(d, c, now, next).record;
      d.renewals = [...d.renewals.filter((r) => r.certificateId !== c.id), recomputed];
    });
    this.deps.hub.emit('renewal:changed', { certificateId: cert.id });
    this.log.info('renewal policy set', { certificateId: cert.id, policy, days: days ?? null });
    return this.plan(cert.id);
  }

  // ------------------------------------------------------------------------------------------------ reconcile

  /**
   * Recomputes every plan, writes them, and renews what is due (bounded concurrency, one renewal per
   * certificate at a time). Passes run one after the other; a pass asked for while one runs waits for it and
   * then finds nothing left to do for what that one renewed.
   */
  reconcile(reason: string, op?: Operation): Promise<ReconcileSummary> {
    const pass = this.queue.catch(() => undefined).then(() => this.pass(reason, op));
    this.queue = pass;
    return pass;
  }

  /** `renewal:run-due` and `certdesk renew --due`: renews what is due now, returns each result. */
  async runDue(op: Operation): Promise<RenewalResult[]> {
    return (await this.reconcile('run-due', op)).results;
  }

  private async pass(reason: string, parent?: Operation): Promise<ReconcileSummary> {
    const run = async (op: Operation): Promise<ReconcileSummary> => {
      const now = this.clock.now();
      this.log.info('reconcile', { reason });
      await this.refreshAri(now);
      const plans = await this.writePlans(now);
      const due = plans.filter((p) => isDue(p, now) && !this.renewing.has(p.certificateId));
      if (due.length) op.step('renew', `${due.length} certificate${due.length === 1 ? '' : 's'} due for renewal`);
      const results = await mapLimit(due, this.settings().concurrency, (p) => this.renewOne(p, op));
      if (results.length) await this.writePlans(this.clock.now());
      return { reason, at: now.toISOString(), results };
    };
    if (parent) return run(parent);
    if (this.deps.ops) return this.deps.ops.run(`renewal-${randomUUID()}`, undefined, run);
    const controller = new AbortController();
    return run({ id: `renewal-${randomUUID()}`, signal: controller.signal, step: () => undefined, check: () => undefined });
  }

  /** Asks the CA for the window of every `ari` certificate whose Retry-After has passed (a failure keeps the old one). */
  private async refreshAri(now: Date): Promise<void> {
    const source = this.ari;
    if (!source) return;
    const settings = this.settings();
    const known = this.batchFacts(this.data);
    const wanted = this.data.certificates.filter((c) => {
      if (c.revoked || !c.requestId || !known.requestOf(c.requestId)) return false;
      const rec = known.renewalOf(c.id);
      if ((rec?.policy ?? settings.policy) !== 'ari') return false;
      const retry = rec && rec.serial === c.summary.serial ? rec.ari?.retryAfter : null;
      return !retry || Date.parse(retry) <= now.getTime();
    });
    const fetched = await mapLimit(wanted, settings.concurrency, async (c) => {
      try {
        return { c, info: await source.renewalInfo(c.requestId!, AbortSignal.timeout(ARI_TIMEOUT_MS)) };
      } catch (err) {
        this.log.warn('renewal information not available', { certificateId: c.id, error: (err as Error).message });
        return { c, info: null as AriInfo | null };
      }
    });
    const got = fetched.filter((f): f is { c: CertificateRecord; info: AriInfo } => f.info !== null);
    if (!got.length) return;
    await this.deps.store.update((d) => {
      for (const { c, info } of got) {
        const cert = d.certificates.find((x) => x.id === c.id);
        if (!cert) continue;
        const ari: NonNullable<RenewalRecord['ari']> = {
          certId: info.certId,
          start: info.start.toISOString(),
          end: info.end.toISOString(),
          explanationUrl: info.explanationUrl,
          fetchedAt: now.toISOString(),
          retryAfter: (info.retryAfter.getTime() > now.getTime() ? info.retryAfter : new Date(now.getTime() + ARI_DEFAULT_RETRY_MS)).toISOString(),
        };
        const old = d.renewals.find((r) => r.certificateId === c.id);
        const base = old && old.serial === cert.summary.serial ? old : this.compute(d, cert, now).record;
        // A new window: a new instant inside it; the same window keeps the instant chosen before.
        const changed = !sameWindow(base.ari, ari);
        const next: RenewalRecord = { ...base, ari, ...(changed ? { dueAt: null, reason: 'lifetime' as const } : {}) };
        d.renewals = [...d.renewals.filter((r) => r.certificateId !== c.id), this.compute(d, cert, now, next).record];
      }
    });
  }

  /** Recomputes and stores every plan (records of deleted certificates go); emits when something changed. */
  private async writePlans(now: Date): Promise<RenewalPlan[]> {
    let plans: RenewalPlan[] = [];
    const before = JSON.stringify(this.data.renewals);
    const facts = this.batchFacts(this.data);
    const computed = this.data.certificates.map((c) => this.compute(this.data, c, now, undefined, facts));
    if (JSON.stringify(computed.map((x) => x.record)) === before) return computed.map((x) => x.plan);
    await this.deps.store.update((d) => {
      const inDraft = this.batchFacts(d);
      d.renewals = d.certificates.map((c) => this.compute(d, c, now, undefined, inDraft).record);
      // The plans come from the records just written (an instant chosen inside a new ARI window is kept by them).
      const written = this.batchFacts(d);
      plans = d.certificates.map((c) => this.compute(d, c, now, undefined, written).plan);
    });
    this.deps.hub.emit('renewal:changed', {});
    return plans;
  }

  // ------------------------------------------------------------------------------------------------ one renewal

  private async renewOne(plan: RenewalPlan, op: Operation): Promise<RenewalResult> {
    const certId = plan.certificateId;
    const label = plan.commonName;
    this.renewing.add(certId);
    this.deps.hub.emit('renewal:changed', { certificateId: certId });
    const base = { certificateId: certId, requestId: plan.requestId, commonName: label };
    let result: RenewalResult;
    const record = this.data.renewals.find((r) => r.certificateId === certId);
    const replaces = plan.policy === 'ari' && this.ari && record?.ari ? record.ari.certId : undefined;
    try {
      op.step('renew', `${label}: renewing`, label);
      const requestId = plan.requestId!;
      const req = this.deps.requests.record(requestId);
      let r: Request;
      if (req.status === 'pending' || req.status === 'processing') {
        // A renewal under way (an earlier pass was interrupted): continue its order.
        r = await this.deps.requests.verify(requestId, op);
      } else {
        if (req.status === 'failed') await this.deps.requests.newChallenge(requestId, op);
        else await (this.deps.requests.renew as RenewWithOptions).call(this.deps.requests, requestId, op, replaces ? { replaces } : undefined);
        r = await this.deps.requests.verify(requestId, op);
      }
      if (r.status !== 'renewed' && r.status !== 'available') {
        throw new AppError('ACME_ERROR', r.error?.message ?? `The renewal ended ${r.status} instead of issued.`);
      }
      const saved = await this.deps.repository.save(requestId);
      const deployments = this.data.deployments
        .filter((d) => d.requestId === requestId && d.serial === saved.serial)
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
        .filter((d, i, all) => all.findIndex((x) => x.serverId === d.serverId) === i)
        .map((d) => ({ server: d.serverName, ok: d.status === 'deployed', reason: d.reason }));
      result = {
        ...base,
        ok: true,
        serial: saved.serial,
        message: `Renewed: serial ${saved.serial}, valid until ${saved.notAfter}.`,
        // Counted as an ARI replacement only when the CA took `replaces` (a refused one was ordered without it).
        replaced: replaces !== undefined && r.replaces?.certId === replaces && r.replaces.refused === null,
        deployments,
      };
      op.step('renewed', `${label}: ${result.message}`, label);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result = { ...base, ok: false, serial: null, message, replaced: false, deployments: [] };
      op.step('renew-failed', `${label}: ${message}`, label);
      this.log.warn('renewal failed', { certificateId: certId, error: message });
    } finally {
      this.renewing.delete(certId);
    }
    await this.recordAttempt(certId, result);
    this.deps.hub.emit('renewal:changed', { certificateId: certId });
    const after = this.data.certificates.find((c) => c.id === certId);
    const finalPlan = after ? this.compute(this.data, after, this.clock.now()).plan : plan;
    for (const o of this.observers) {
      try {
        await o.renewalFinished(result, finalPlan);
      } catch (err) {
        this.log.warn('renewal observer failed', { certificateId: certId, error: (err as Error).message });
      }
    }
    return result;
  }

  /** The attempt on the certificate's record: a success clears the failures, a failure backs off. */
  private async recordAttempt(certId: string, result: RenewalResult): Promise<void> {
    const now = this.clock.now();
    await this.deps.store.update((d) => {
      const cert = d.certificates.find((c) => c.id === certId);
      if (!cert) return;
      const old = d.renewals.find((r) => r.certificateId === certId) ?? this.compute(d, cert, now).record;
      const failures = result.ok ? 0 : old.failures + 1;
      const next: RenewalRecord = {
        ...old,
        failures,
        nextAttemptAt: result.ok ? null : new Date(now.getTime() + backoffMs(failures)).toISOString(),
        lastAttempt: { at: now.toISOString(), ok: result.ok, message: result.message },
      };
      d.renewals = [...d.renewals.filter((r) => r.certificateId !== certId), this.compute(d, cert, now, next).record];
    });
  }

  // ------------------------------------------------------------------------------------------------ computing

  /**
   * The plan and the record of one certificate at `now`, from `stored` (default: its record in `d`). The
   * override, the ARI window and its chosen instant, failures and the last attempt carry over while the serial
   * is the same; a new version starts afresh (keeping the override and the last attempt).
   */
  private compute(
    d: Readonly<StoreData>,
    cert: CertificateRecord,
    now: Date,
    stored?: RenewalRecord,
    facts: PlanFacts = this.directFacts(d),
  ): { plan: RenewalPlan; record: RenewalRecord } {
    const settings = renewalSettings(d.settings);
    const old = stored ?? facts.renewalOf(cert.id);
    const same = old !== undefined && old.serial === cert.summary.serial;
    const policy = old?.policy ?? settings.policy;
    const days = old?.days ?? settings.days;
    const ari = same ? old.ari : null;
    const req = cert.requestId ? facts.requestOf(cert.requestId) : undefined;

    const due = computeDue({
      notBefore: new Date(cert.summary.notBefore),
      notAfter: new Date(cert.summary.notAfter),
      policy,
      days,
      window: policy === 'ari' && ari ? { start: new Date(ari.start), end: new Date(ari.end) } : null,
      keptAriDue: same && old.reason === 'ari-window' && old.dueAt ? new Date(old.dueAt) : null,
      random: this.random,
      now,
    });

    let automated = false;
    let automation: string | null = null;
    let reason = due.reason;
    let state: RenewalState;
    const failures = same ? old.failures : 0;
    const nextAttemptAt = same ? old.nextAttemptAt : null;
    if (cert.revoked || req?.status === 'revoked') {
      state = 'inactive';
      reason = 'not-renewable';
    } else if (!req) {
      // No request left in Certdesk to renew from: only a new request can replace it.
      state = 'manual';
      reason = 'not-renewable';
    } else {
      const auto = automationOf(req, {
        dnsMappings: d.dnsMappings,
        serverMappings: facts.serverMappings(),
        dnsAccount: (id) => this.deps.dns?.accountRecord(id) ?? d.dnsAccounts.find((a) => a.id === id) ?? null,
      });
      automated = auto.automated;
      automation = auto.automation;
      if (!automated) {
        state = 'manual';
        reason = 'manual';
      } else if (this.renewing.has(cert.id)) state = 'renewing';
      else if (failures > 0 && nextAttemptAt && Date.parse(nextAttemptAt) > now.getTime()) state = 'retrying';
      else state = due.dueAt.getTime() <= now.getTime() ? 'due' : 'scheduled';
    }
    const dueAt = due.dueAt.toISOString();
    const record: RenewalRecord = {
      certificateId: cert.id,
      policy: old?.policy ?? null,
      days: old?.days ?? null,
      serial: cert.summary.serial,
      dueAt,
      // What the record keeps is the due time's own reason (so a kept ARI instant stays recognisable).
      reason: due.reason,
      state,
      automated,
      automation,
      ari,
      failures,
      nextAttemptAt,
      lastAttempt: old?.lastAttempt ?? null,
      updatedAt: old?.updatedAt ?? now.toISOString(),
    };
    if (old && JSON.stringify({ ...old, updatedAt: '' }) !== JSON.stringify({ ...record, updatedAt: '' })) record.updatedAt = now.toISOString();
    const plan: RenewalPlan = {
      certificateId: cert.id,
      requestId: cert.requestId,
      commonName: cert.names[0] ?? '',
      names: [...cert.names],
      notAfter: cert.summary.notAfter,
      policyOverride: old?.policy ?? null,
      policy,
      days: policy === 'days' ? days : null,
      dueAt: state === 'inactive' ? null : dueAt,
      reason,
      window: policy === 'ari' && ari ? { start: ari.start, end: ari.end, explanationUrl: ari.explanationUrl, fetchedAt: ari.fetchedAt } : null,
      state,
      automated,
      automation,
      failures,
      nextAttemptAt,
      lastAttempt: record.lastAttempt,
    };
    return { plan, record };
  }

  /** Lookups for one certificate: a search each, nothing built. */
  private directFacts(d: Readonly<StoreData>): PlanFacts {
    return {
      renewalOf: (id) => d.renewals.find((r) => r.certificateId === id),
      requestOf: (id) => d.requests.find((r) => r.id === id),
      serverMappings: () => this.deps.servers?.webrootMappings() ?? [],
    };
  }

  /** Lookups for a pass over every certificate: maps built once (the first record of an id wins, like find). */
  private batchFacts(d: Readonly<StoreData>): PlanFacts {
    const renewals = new Map<string, RenewalRecord>();
    for (const r of d.renewals) if (!renewals.has(r.certificateId)) renewals.set(r.certificateId, r);
    const requests = new Map<string, RequestRecord>();
    for (const r of d.requests) if (!requests.has(r.id)) requests.set(r.id, r);
    let mappings: WebrootMapping[] | undefined;
    return {
      renewalOf: (id) => renewals.get(id),
      requestOf: (id) => requests.get(id),
      serverMappings: () => (mappings ??= this.deps.servers?.webrootMappings() ?? []),
    };
  }

  private certificate(id: string): CertificateRecord {
    const all = this.data.certificates;
    const exact = all.find((c) => c.id === id || c.requestId === id);
    if (exact) return exact;
    const hits = id.length >= 8 ? all.filter((c) => c.id.startsWith(id)) : [];
    if (hits.length > 1) throw AppError.invalid('certificateId', `The id ${id} matches ${hits.length} certificates: give more of it.`);
    const hit = hits[0];
    if (!hit) throw new AppError('NOT_FOUND', `No saved certificate with id ${id}.`, { field: 'certificateId', hint: 'List the repository to see the ids (certdesk cert list).' });
    return hit;
  }
}

/** A plan that renews at `now`: automatic, due, and past any back-off. */
export function isDue(p: RenewalPlan, now: Date): boolean {
  if (!p.automated || p.state === 'inactive' || p.state === 'manual' || p.state === 'renewing' || !p.dueAt) return false;
  if (Date.parse(p.dueAt) > now.getTime()) return false;
  return !p.nextAttemptAt || Date.parse(p.nextAttemptAt) <= now.getTime();
}
