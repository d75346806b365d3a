// The automation half of the order flow (DESIGN.md §3, the ChallengeSolver seam): which solver answers each
// name (electron/orders/solvers/resolver.ts), presenting and checking through it while the request is still
// Pending, and removing exactly what was made (persisted on the request: `presented` TXT records, `placed`
// files) after the verdict, a failure, a cancel or a crash. requests.ts keeps the ACME side and calls
// prepare() before it submits and cleanUp() in its finally.
import { createHash } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import type { AnsweredBy } from '../../shared/model/request.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import { disabledError, type DnsService } from '../dns/accounts.ts';
import type { TargetDirectory, WebrootMapping } from '../deploy/types.ts';
import type { AlternateChallenge, AuthorizationRecord, PlacedFile, PresentedRecord, RequestRecord, StoreData } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { checkpoint } from './checkpoints.ts';
import { chooseSolvers, type SolverChoice } from './solvers/resolver.ts';
import { DnsSolver } from './solvers/dns.ts';
import { HttpSolver } from './solvers/http.ts';
import type { SolverChallenge, SolverContext } from './solvers/types.ts';

export interface AutomationDeps {
  store: Pick<Store, 'data' | 'update'>;
  logger: Logger;
  dns?: DnsService | undefined;
  /** The end servers (null: none in this build); read at each use, they are connected after start. */
  targets(): TargetDirectory | null;
  /** Live per-name progress ("<request id> <name>" -> message), shown in the challenge view. */
  progress: Map<string, string>;
  /** A request changed: faces reload it. */
  changed(id: string): void;
}

/** RFC 8555 §8.4: the TXT value is base64url(SHA-256(key authorization)). */
export function dnsValue(keyAuth: string): string {
  return createHash('sha256').update(keyAuth).digest('base64url');
}

/** Who answers a name at Verify: the sentence the challenge view shows and the same as data. */
export interface Answerer {
  label: string;
  answeredBy: AnsweredBy;
}

/**
 * The http-01 answerer for a name's mapped targets. An agent's webroot may be `agent:self` (it serves the file on
 * its own port) or `iis:<site>` (the site's physical path), said in words here.
 */
export function targetAnswerer(targets: readonly WebrootMapping[]): Answerer {
  if (targets.length !== 1) {
    const name = targets.map((x) => x.targetName).join(', ');
    return { label: `servers ${name}`, answeredBy: { kind: 'pool', name, webroot: null } };
  }
  const t = targets[0]!;
  const w = t.webroot;
  if (t.targetKind === 'agent') {
    const how = w === 'agent:self' ? 'answers itself' : w.startsWith('iis:') ? `IIS site ${w.slice(4)}` : `webroot ${w}`;
    return { label: `agent ${t.targetName} (${how})`, answeredBy: { kind: 'agent', name: t.targetName, webroot: w } };
  }
  return { label: `server ${t.targetName} (webroot ${w})`, answeredBy: { kind: 'ssh', name: t.targetName, webroot: w } };
}

export class ChallengeAutomation {
  private readonly log: Logger;

  constructor(private readonly deps: AutomationDeps) {
    this.log = deps.logger.child('requests');
  }

  private get data(): StoreData {
    return this.deps.store.data;
  }

  private get store(): Pick<Store, 'data' | 'update'> {
    return this.deps.store;
  }

  /**
   * Puts every automatic challenge of the request in place and checks it, before anything is submitted: files
   * on the mapped servers (pre-flight: a warning when not served), TXT records through DNS accounts (waits
   * until every authoritative server answers). A failure here leaves nothing submitted to the CA.
   */
  async prepare(rec: RequestRecord, op: Operation): Promise<void> {
    const id = rec.id;
    // Which names an automatic solver answers; a disabled DNS account stops here, before the CA is asked.
    const auto = this.automaticChallenges(rec);
    await this.switchChallenges(id, auto.switchToHttp);
    const targets = this.deps.targets();
    if (auto.server.length && targets) {
      const solver = new HttpSolver({ targets, logger: this.deps.logger });
      const ctx = this.placedContext(id, op, op.signal);
      const n = auto.server.length;
      op.step('place', `Placing ${n} challenge file${n === 1 ? '' : 's'} on the mapped server${n === 1 ? '' : 's'}`);
      const placed = await solver.present(auto.server, ctx);
      await checkpoint('placed');
      op.step('preflight', 'Checking that the challenge files are served');
      await solver.check(placed, ctx, auto.server);
    }
    if (auto.dns.length) {
      const solver = new DnsSolver({ dns: this.deps.dns!, logger: this.deps.logger });
      const ctx = this.solverContext(id, op, op.signal);
      op.step('present', `Adding ${auto.dns.length} TXT record${auto.dns.length === 1 ? '' : 's'} through the DNS account`);
      // Apex and wildcard values at one name are all added before any check: both must be there at once.
      const records = await solver.present(auto.dns, ctx);
      await checkpoint('presented');
      op.step('propagation', 'Waiting until every authoritative name server sees the records');
      await solver.check(records, ctx);
    }
  }

  /** Removes everything the request's automatic solvers made and did not remove yet (bounded; never throws). */
  async cleanUp(id: string, op: Operation): Promise<void> {
    await this.cleanUpPresented(id, op);
    await this.cleanUpPlaced(id, op);
  }

  /** The automatic solver's context for one request: progress per name, what it made persisted on the request. */
  private solverContext(id: string, op: Operation, signal: AbortSignal): SolverContext<PresentedRecord> {
    const same = (a: PresentedRecord, b: PresentedRecord) => a.fqdn === b.fqdn && a.value === b.value && a.accountId === b.accountId;
    return this.contextFor(id, op, signal, 'dns', 'presented', same);
  }

  private placedContext(id: string, op: Operation, signal: AbortSignal): SolverContext<PlacedFile> {
    const same = (a: PlacedFile, b: PlacedFile) => a.targetId === b.targetId && a.path === b.path;
    return this.contextFor(id, op, signal, 'http', 'placed', same);
  }

  private contextFor<K extends 'presented' | 'placed'>(
    id: string,
    op: Operation,
    signal: AbortSignal,
    step: string,
    list: K,
    same: (a: RequestRecord[K][number], b: RequestRecord[K][number]) => boolean,
  ): SolverContext<RequestRecord[K][number]> {
    type R = RequestRecord[K][number];
    return {
      signal,
      progress: (name, message) => {
        this.deps.progress.set(`${id} ${name}`, message);
        op.step(step, `${name}: ${message}`, name);
        this.deps.changed(id);
      },
      remember: async (records) => {
        await this.store.update((d) => {
          const r = d.requests.find((x) => x.id === id);
          if (!r) return;
          const cur = r[list] as R[];
          (r[list] as R[]) = [...cur.filter((p) => !records.some((q) => same(p, q))), ...records];
        });
      },
      forget: async (records) => {
        await this.store.update((d) => {
          const r = d.requests.find((x) => x.id === id);
          if (!r) return;
          (r[list] as R[]) = (r[list] as R[]).filter((p) => !records.some((q) => same(p, q)));
        });
      },
    };
  }

  /** Webroot mappings of the end servers (empty without servers). */
  private webroots(): WebrootMapping[] {
    return this.deps.targets()?.webrootMappings() ?? [];
  }

  /** Which solver answers each open authorization (resolver: server mapping > DNS mapping > request's DNS account > manual). */
  private choices(rec: RequestRecord, open: AuthorizationRecord[]): SolverChoice[] {
    const label = (a: AuthorizationRecord) => (a.wildcard ? '*.' : '') + a.identifier;
    const httpOf = new Map(open.map((a) => [label(a), a.challenge?.type === 'http-01' || (a.alternates ?? []).some((c) => c.type === 'http-01')]));
    return chooseSolvers(open.map(label), {
      challengeType: rec.challengeType,
      requestDnsAccountId: rec.challengeType === 'dns-01' ? rec.dnsAccountId : null,
      dnsMappings: rec.challengeType === 'dns-01' ? this.data.dnsMappings : [],
      serverMappings: this.webroots(),
      httpOffered: (name) => httpOf.get(name) === true,
    });
  }

  /**
   * The challenges the automatic solvers answer: TXT records through DNS accounts, files through end servers.
   * Refuses, before anything is submitted, a disabled or missing DNS account. `switchToHttp`: authorizations of
   * a dns-01 request that a server mapping answers by http-01 instead (the seed: a server mapping wins).
   */
  private automaticChallenges(rec: RequestRecord): { dns: SolverChallenge[]; server: SolverChallenge[]; switchToHttp: string[] } {
    const out = { dns: [] as SolverChallenge[], server: [] as SolverChallenge[], switchToHttp: [] as string[] };
    if (!rec.order) return out;
    const open = rec.order.authorizations.filter((a) => a.status !== 'valid' && a.challenge);
    const choices = this.choices(rec, open);
    const thumb = this.data.accounts.find((x) => x.id === rec.accountId)?.keyThumbprint ?? '';
    open.forEach((a, i) => {
      const choice = choices[i]!;
      if (choice.kind === 'server') {
        const ch = a.challenge?.type === 'http-01' ? a.challenge : (a.alternates ?? []).find((c) => c.type === 'http-01');
        if (!ch) return;
        if (a.challenge?.type !== 'http-01') out.switchToHttp.push(a.url);
        out.server.push({ name: choice.name, identifier: a.identifier, dnsName: null, value: `${ch.token}.${thumb}`, token: ch.token, targets: choice.targets });
        return;
      }
      if (choice.kind !== 'dns' || !this.deps.dns) return;
      const account = this.deps.dns.accountRecord(choice.accountId);
      if (!account) {
        throw new AppError('NOT_FOUND', `The DNS account chosen for ${choice.name} no longer exists.`, {
          field: 'dnsAccountId',
          hint: 'Choose another DNS account for the request (request assign-dns), or map the domain to one.',
        });
      }
      if (!account.enabled) throw disabledError(account);
      const ch = a.challenge!;
      out.dns.push({ name: choice.name, identifier: a.identifier, dnsName: `_acme-challenge.${a.identifier}`, value: dnsValue(`${ch.token}.${thumb}`), accountId: choice.accountId, mappingDomain: choice.mappingDomain });
    });
    return out;
  }

  /**
   * For the challenge view: who answers each name at Verify, as a sentence ("server web1 (webroot /var/www/html)",
   * "agent iis1 (answers itself)") and as data. Names answered by hand are absent.
   */
  automationLabels(rec: RequestRecord): Map<string, Answerer> {
    const labels = new Map<string, Answerer>();
    if (!rec.order || (rec.status !== 'pending' && rec.status !== 'processing' && rec.status !== 'failed')) return labels;
    const open = rec.order.authorizations.filter((a) => a.status !== 'valid' && a.challenge);
    let choices: SolverChoice[];
    try {
      choices = this.choices(rec, open);
    } catch {
      return labels;
    }
    for (const c of choices) {
      if (c.kind === 'server') labels.set(c.name, targetAnswerer(c.targets));
      else if (c.kind === 'dns') {
        const name = this.deps.dns?.accountRecord(c.accountId)?.name ?? c.accountId.slice(0, 8);
        labels.set(c.name, { label: `DNS account ${name}`, answeredBy: { kind: 'dns', name, webroot: null } });
      }
    }
    return labels;
  }

  /** Makes a dns-01 request's authorizations answer by http-01 where a server mapping says so (persisted before submit). */
  private async switchChallenges(id: string, authzUrls: string[]): Promise<void> {
    if (!authzUrls.length) return;
    await this.store.update((d) => {
      const r = d.requests.find((x) => x.id === id);
      for (const a of r?.order?.authorizations ?? []) {
        if (!authzUrls.includes(a.url) || !a.challenge) continue;
        const http = (a.alternates ?? []).find((c) => c.type === 'http-01');
        if (!http) continue;
        const previous: AlternateChallenge = { type: a.challenge.type, url: a.challenge.url, token: a.challenge.token, status: a.challenge.status };
        a.alternates = [...(a.alternates ?? []).filter((c) => c !== http), previous];
        a.challenge = { type: 'http-01', url: http.url, token: http.token, status: http.status, error: null };
      }
    });
  }

  /** Removes every challenge file this request placed and has not removed yet (also after a crash or cancel). */
  async cleanUpPlaced(id: string, op: Operation): Promise<void> {
    const rec = this.data.requests.find((r) => r.id === id);
    if (!rec?.placed.length) return;
    const targets = this.deps.targets();
    if (!targets) {
      this.log.warn('challenge files left: no end servers in this build', { id, files: rec.placed.length });
      return;
    }
    const signal = AbortSignal.timeout(60_000);
    const ctx = this.placedContext(id, op, signal);
    try {
      await new HttpSolver({ targets, logger: this.deps.logger }).cleanUp([...rec.placed], ctx);
      for (const r of rec.placed) this.deps.progress.set(`${id} ${r.name}`, 'Challenge file removed');
    } catch (err) {
      this.log.warn('http cleanup incomplete', { id, error: (err as Error).message });
    }
    this.deps.changed(id);
  }

  /** Removes every TXT record this request presented and has not removed yet (also after a crash or cancel). */
  async cleanUpPresented(id: string, op: Operation): Promise<void> {
    const rec = this.data.requests.find((r) => r.id === id);
    if (!rec?.presented.length || !this.deps.dns) return;
    // Not the operation's signal: a cancelled operation must still clean up. A bounded time instead.
    const signal = AbortSignal.timeout(60_000);
    const ctx = this.solverContext(id, op, signal);
    const solver = new DnsSolver({ dns: this.deps.dns, logger: this.deps.logger });
    for (const r of rec.presented) ctx.progress(r.name, 'Removing the TXT record');
    try {
      await solver.cleanUp([...rec.presented], ctx);
      for (const r of rec.presented) this.deps.progress.set(`${id} ${r.name}`, 'TXT record removed');
    } catch (err) {
      this.log.warn('dns cleanup incomplete', { id, error: (err as Error).message });
    }
    this.deps.changed(id);
  }
}
