// The automatic dns-01 solver: present every TXT value through the chosen DNS account (following a CNAME at
// `_acme-challenge.<name>`: the value goes where the CNAME points), wait until every authoritative server of the
// zone answers all values (electron/dns/propagation.ts), and after the CA's verdict remove exactly what was added.
import { AppError } from '../../../shared/ipc/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { disabledError, prefixed, type DnsService } from '../../dns/accounts.ts';
import { PropagationChecker, type PropagationOptions } from '../../dns/propagation.ts';
import { providerModule } from '../../dns/registry.ts';
import type { DnsProvider } from '../../dns/types.ts';
import { formatServer, type ServerAddress } from '../../dns/wire.ts';
import type { PresentedRecord } from '../../store/schema.ts';
import type { ChallengeSolver, SolverChallenge, SolverContext } from './types.ts';

/** `ns1.example.com=127.0.0.1:5353,ns2.example.com=...`: where a name server is really reached (tests, split DNS). */
export const NS_ADDRESSES_ENV = 'CERTDESK_DNS_NS_ADDRESSES';
/** How long the propagation check waits, ms (default 180000). */
export const PROPAGATION_TIMEOUT_ENV = 'CERTDESK_DNS_PROPAGATION_TIMEOUT_MS';

const TTL = 60;

export interface DnsSolverDeps {
  dns: DnsService;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

function nsAddresses(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const raw = env[NS_ADDRESSES_ENV]?.trim();
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const [ns, addr] = part.split('=').map((s) => s.trim());
    if (ns && addr) out[ns.replace(/\.$/, '').toLowerCase()] = addr;
  }
  return out;
}

const key = (r: Pick<PresentedRecord, 'accountId' | 'mappingDomain'>) => `${r.accountId}\u0000${r.mappingDomain ?? ''}`;
const norm = (n: string) => n.replace(/\.$/, '').toLowerCase();

export class DnsSolver implements ChallengeSolver {
  readonly kind = 'dns' as const;
  readonly automatic = true;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Logger;
  private readonly providers = new Map<string, DnsProvider>();

  constructor(private readonly deps: DnsSolverDeps) {
    this.env = deps.env ?? process.env;
    this.log = deps.logger.child('dns-solver');
  }

  /** The provider of an account (+ mapping). Cleaning up works with a disabled account too: it removes our own records. */
  private async provider(accountId: string, mappingDomain: string | null, forCleanUp: boolean): Promise<DnsProvider> {
    const k = key({ accountId, mappingDomain });
    const cached = this.providers.get(k);
    if (cached) return cached;
    const account = this.deps.dns.accountRecord(accountId);
    if (!account) {
      throw new AppError('NOT_FOUND', `The DNS account of this request (${accountId.slice(0, 8)}) no longer exists.`, {
        hint: 'Choose another DNS account for the request (request assign-dns), or map the domain to one.',
      });
    }
    if (!account.enabled && !forCleanUp) throw disabledError(account);
    const mapping = mappingDomain ? (this.deps.dns.mappingOf(mappingDomain) ?? null) : null;
    const resolved = await this.deps.dns.resolve({ ...account, enabled: true }, mapping && mapping.accountId === accountId ? mapping : null);
    this.providers.set(k, resolved.provider);
    return resolved.provider;
  }

  private options(signal: AbortSignal, alsoCheck: (ServerAddress | string)[]): PropagationOptions {
    const servers = this.deps.dns.settings().dnsServers;
    const ns = nsAddresses(this.env);
    const timeout = Number(this.env[PROPAGATION_TIMEOUT_ENV]);
    return {
      ...(servers.length ? { startServers: servers } : {}),
      ...(ns ? { nameServerAddresses: ns } : {}),
      alsoCheck,
      intervalMs: 1000,
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 180_000,
      signal,
    };
  }

  private alsoCheckOf(p: DnsProvider): ServerAddress[] {
    // An RFC 2136 account's own server is always asked too (it may be a hidden primary, not in NS).
    const server = (p as { server?: ServerAddress }).server;
    return server && p.descriptor.id === 'rfc2136' ? [server] : [];
  }

  async present(challenges: SolverChallenge[], ctx: SolverContext): Promise<PresentedRecord[]> {
    const made: PresentedRecord[] = [];
    // Where each name's TXT lives (CNAME followed), looked up once per name.
    const targets = new Map<string, string>();
    for (const c of challenges) {
      if (!c.accountId || !c.dnsName) continue;
      const provider = await this.provider(c.accountId, c.mappingDomain ?? null, false);
      let fqdn = targets.get(c.dnsName);
      if (!fqdn) {
        fqdn = norm(c.dnsName);
        try {
          const auth = await new PropagationChecker(this.options(ctx.signal, [])).authority(c.dnsName);
          fqdn = norm(auth.target);
          if (auth.cnames.length) ctx.progress(c.name, `${c.dnsName} is a CNAME: the record goes to ${fqdn}`);
        } catch (err) {
          if (err instanceof AppError && err.code === 'CANCELLED') throw err;
          // The zone cannot be looked up from here: present at the name; the check below says what is wrong.
        }
        targets.set(c.dnsName, fqdn);
      }
      const rec: PresentedRecord = { name: c.name, accountId: c.accountId, mappingDomain: c.mappingDomain ?? null, fqdn, value: c.value };
      await ctx.remember([rec]);
      ctx.progress(c.name, `${provider.descriptor.displayName}: adding the TXT record at ${fqdn}`);
      try {
        await provider.present({ fqdn, value: c.value, ttl: TTL }, { signal: ctx.signal });
      } catch (err) {
        throw prefixed(provider.descriptor, err);
      }
      made.push(rec);
      this.log.info('txt presented', { name: c.name, fqdn, provider: provider.descriptor.id });
    }
    return made;
  }

  async check(records: PresentedRecord[], ctx: SolverContext): Promise<void> {
    // One wait per record name with every value at it (apex + wildcard: two values at one name).
    const byFqdn = new Map<string, PresentedRecord[]>();
    for (const r of records) byFqdn.set(r.fqdn, [...(byFqdn.get(r.fqdn) ?? []), r]);
    await Promise.all(
      [...byFqdn.entries()].map(async ([fqdn, recs]) => {
        const alsoCheck: ServerAddress[] = [];
        for (const r of recs) {
          for (const s of this.alsoCheckOf(await this.provider(r.accountId, r.mappingDomain, false))) {
            if (!alsoCheck.some((a) => formatServer(a) === formatServer(s))) alsoCheck.push(s);
          }
        }
        const opts = this.options(ctx.signal, alsoCheck);
        for (const r of recs) ctx.progress(r.name, `Checking that every name server sees the record at ${fqdn}`);
        await new PropagationChecker({
          ...opts,
          onProgress: (p) => {
            for (const r of recs) ctx.progress(r.name, p.message);
          },
        }).waitForTxt(fqdn, [...new Set(recs.map((r) => r.value))]);
      }),
    );
  }

  async cleanUp(records: PresentedRecord[], ctx: SolverContext): Promise<void> {
    const failures: string[] = [];
    for (const r of records) {
      try {
        const provider = await this.provider(r.accountId, r.mappingDomain, true);
        await provider.cleanUp({ fqdn: r.fqdn, value: r.value, ttl: TTL }, { signal: ctx.signal });
        await ctx.forget([r]);
        this.log.info('txt removed', { name: r.name, fqdn: r.fqdn });
      } catch (err) {
        const account = this.deps.dns.accountRecord(r.accountId);
        const label = account ? providerModule(account.provider).descriptor.displayName : 'DNS';
        failures.push(`${r.fqdn}: ${(err as Error).message}`);
        this.log.warn('txt cleanup failed', { name: r.name, fqdn: r.fqdn, provider: label, error: (err as Error).message });
        if (!account) await ctx.forget([r]); // nothing can remove it any more; the warning says where it is
      }
    }
    if (failures.length) {
      throw new AppError('NETWORK', `Could not remove ${failures.length} TXT record${failures.length === 1 ? '' : 's'}: ${failures.join('; ')}`, {
        hint: 'Certdesk tries again at the next Verify; or remove them at the DNS provider.',
      });
    }
  }
}
