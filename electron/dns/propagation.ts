// The check that runs before the CA is asked to validate dns-01: is the TXT value visible on EVERY
// authoritative name server of the zone? (Peers' most common dns-01 failure: the CA asked a secondary that
// had not caught up.) Used as it is by the automatic dns-01 solver and by the manual dns-01 pre-flight.
//
//   1. zone of the name: SOA walk (the name, then each parent) on the start servers;
//   2. a CNAME at the name (delegation, e.g. acme-dns) is read from the zone's own servers and followed,
//      and the walk starts again for the target;
//   3. the zone's name servers (NS) and their addresses (glue, else A/AAAA) from the start servers;
//   4. every (name server, address) is asked for the TXT without recursion until each one answers the
//      expected values; progress after every round; a timeout names the servers that never did.
//
// Start servers: the caller's list, else CERTDESK_DNS_SERVERS=host:port[,host:port], else the system's
// resolvers. Overrides let a test (or an unusual network) say where a zone's or a name server's answers
// really come from: `zoneServers` (zone → host:port list) or `nameServerAddresses` (NS host → host:port),
// the latter keeps the walk faithful: NS names still come from DNS, only their address is replaced.
import { getServers } from 'node:dns';
import { AppError } from '../../shared/ipc/errors.ts';
import {
  formatServer,
  parentNames,
  parseServer,
  parseServerList,
  query,
  rcodeName,
  recordsOf,
  sameName,
  txtValues,
  type QueryAnswer,
  type ServerAddress,
} from './wire.ts';
import type dnsPacket from 'dns-packet';

export const DNS_SERVERS_ENV = 'CERTDESK_DNS_SERVERS';

export interface PropagationOptions {
  /** Servers that start the walk (recursive resolvers in real life). Strings are `host[:port]`. */
  startServers?: (ServerAddress | string)[];
  /** Zone (no trailing dot) → its authoritative servers, `host:port`, instead of the NS lookup. */
  zoneServers?: Record<string, string[]>;
  /** Name server host name → `host:port` to reach it at, instead of its A/AAAA address and port 53. */
  nameServerAddresses?: Record<string, string>;
  /** Servers checked besides the zone's name servers (e.g. an RFC 2136 account's own server). */
  alsoCheck?: (ServerAddress | string)[];
  /** Port of authoritative servers found through NS records (53). */
  authoritativePort?: number;
  /** Per DNS query, ms (default 2000). */
  queryTimeoutMs?: number;
  /** Between polling rounds, ms (default 2000). */
  intervalMs?: number;
  /** Overall, ms (default 180000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: PropagationProgress) => void;
}

export interface AuthoritativeServer {
  /** The NS host name (or the override's address when the zone's servers were given). */
  nameServer: string;
  /** Where it is asked, `host:port`. */
  address: string;
}

export interface Authority {
  /** The name asked for. */
  name: string;
  /** Where the TXT really lives: `name`, or the end of its CNAME chain. */
  target: string;
  /** CNAMEs followed, in order (`a → b`). */
  cnames: string[];
  /** The zone that holds `target`. */
  zone: string;
  servers: AuthoritativeServer[];
}

export interface ServerState extends AuthoritativeServer {
  sees: boolean;
  /** What the server answered last ("2 TXT values, not ours", "timeout", "REFUSED"). */
  last: string;
}

export interface PropagationProgress {
  name: string;
  target: string;
  zone: string;
  seen: number;
  total: number;
  servers: ServerState[];
  /** "2 of 3 name servers see the record". */
  message: string;
  done: boolean;
}

export interface PropagationResult extends Authority {
  elapsedMs: number;
}

const MAX_CNAME_HOPS = 8;

function toAddress(s: ServerAddress | string, defaultPort = 53): ServerAddress {
  return typeof s === 'string' ? parseServer(s, defaultPort) : s;
}

/** The start servers: given, else CERTDESK_DNS_SERVERS, else the system's resolvers. */
export function defaultStartServers(env: NodeJS.ProcessEnv = process.env): ServerAddress[] {
  const fromEnv = env[DNS_SERVERS_ENV]?.trim();
  if (fromEnv) return parseServerList(fromEnv);
  return getServers().map((s) => parseServer(s));
}

function cancelled(): AppError {
  return new AppError('CANCELLED', 'The DNS check was cancelled.');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const norm = (n: string) => n.replace(/\.$/, '').toLowerCase();

export class PropagationChecker {
  private readonly opts: PropagationOptions;
  private readonly start: ServerAddress[];

  constructor(opts: PropagationOptions = {}) {
    this.opts = opts;
    this.start = opts.startServers?.length ? opts.startServers.map((s) => toAddress(s)) : defaultStartServers();
    if (!this.start.length) {
      throw new AppError('INVALID_INPUT', 'No DNS servers to start the check from.', {
        hint: `Set DNS servers in Settings or ${DNS_SERVERS_ENV}=host:port[,host:port].`,
      });
    }
  }

  private qopts(recursion: boolean) {
    return {
      recursion,
      timeoutMs: this.opts.queryTimeoutMs ?? 2000,
      tries: 2,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    };
  }

  /**
   * Asks the start servers in turn until one gives a usable answer (NOERROR or NXDOMAIN); the others may
   * be down or (authoritative-only servers) refuse names they do not hold. Null when none did.
   */
  private async ask(name: string, type: dnsPacket.RecordType, notes: string[]): Promise<QueryAnswer | null> {
    for (const s of this.start) {
      try {
        const r = await query(s, name, type, this.qopts(true));
        if (r.rcode === 0 || r.rcode === 3) return r;
        notes.push(`${formatServer(s)}: ${type} ${name} → ${rcodeName(r.rcode)}`);
      } catch (e) {
        if (e instanceof AppError && e.code === 'CANCELLED') throw e;
        notes.push(`${formatServer(s)}: ${type} ${name} → ${(e as Error).message}`);
      }
    }
    return null;
  }

  /** The zone that holds `name`: SOA walk on the start servers. */
  async zoneOf(name: string): Promise<string> {
    const notes: string[] = [];
    for (const candidate of parentNames(name)) {
      const r = await this.ask(candidate, 'SOA', notes);
      if (!r) continue;
      // A CNAME cannot sit at a zone apex: an answer with a CNAME for `candidate` means keep walking up.
      const soa = (r.packet.answers ?? []).find((a) => a.type === 'SOA' && sameName(a.name, candidate));
      if (soa) return norm(candidate);
    }
    const list = this.start.map(formatServer).join(', ');
    throw new AppError('NOT_FOUND', `No DNS zone holds ${norm(name)}: none of ${list} answered SOA for it or a parent (${parentNames(name).join(', ')}).`, {
      hint: `Check that the domain's zone exists and is delegated, and which DNS servers Certdesk asks (Settings, ${DNS_SERVERS_ENV}).${notes.length ? ` Answers: ${notes.slice(0, 6).join('; ')}` : ''}`,
    });
  }

  /** The zone's authoritative servers: overrides, else NS records and their addresses. */
  async serversOf(zone: string): Promise<AuthoritativeServer[]> {
    const port = this.opts.authoritativePort ?? 53;
    const given = Object.entries(this.opts.zoneServers ?? {}).find(([z]) => sameName(z, zone))?.[1];
    if (given?.length) return given.map((a) => ({ nameServer: a, address: formatServer(parseServer(a, port)) }));
    const notes: string[] = [];
    const r = await this.ask(zone, 'NS', notes);
    const ns = recordsOf(r?.packet.answers, 'NS', zone).map((d) => norm(d as string));
    if (!ns.length) {
      throw new AppError('NOT_FOUND', `The zone ${zone} has no NS records that ${this.start.map(formatServer).join(', ')} could give.`, {
        hint: notes.length ? `Answers: ${notes.join('; ')}` : 'Check the zone\'s delegation.',
      });
    }
    const overrides = Object.fromEntries(Object.entries(this.opts.nameServerAddresses ?? {}).map(([k, v]) => [norm(k), v]));
    const out: AuthoritativeServer[] = [];
    for (const host of [...new Set(ns)].sort()) {
      const o = overrides[host];
      if (o) {
        out.push({ nameServer: host, address: formatServer(parseServer(o, port)) });
        continue;
      }
      const glue = [...recordsOf(r?.packet.additionals, 'A', host), ...recordsOf(r?.packet.additionals, 'AAAA', host)] as string[];
      let addrs = glue;
      if (!addrs.length) {
        const a = await this.ask(host, 'A', notes);
        addrs = recordsOf(a?.packet.answers, 'A', host) as string[];
      }
      if (!addrs.length) {
        const a = await this.ask(host, 'AAAA', notes);
        addrs = recordsOf(a?.packet.answers, 'AAAA', host) as string[];
      }
      if (!addrs.length) {
        throw new AppError('NOT_FOUND', `The name server ${host} of zone ${zone} has no address (A or AAAA) that ${this.start.map(formatServer).join(', ')} could give.`);
      }
      for (const ip of addrs) out.push({ nameServer: host, address: formatServer({ host: ip, port }) });
    }
    return out;
  }

  /** CNAME at `name` as the zone's own servers say (the first that answers), or null. */
  private async cnameAt(name: string, servers: AuthoritativeServer[]): Promise<string | null> {
    for (const s of servers) {
      try {
        const r = await query(parseServer(s.address), name, 'CNAME', this.qopts(false));
        if (r.rcode !== 0 && r.rcode !== 3) continue;
        const c = recordsOf(r.packet.answers, 'CNAME', name)[0];
        return c ? norm(c as string) : null;
      } catch (e) {
        if (e instanceof AppError && e.code === 'CANCELLED') throw e;
      }
    }
    return null;
  }

  /** Where the TXT for `name` lives and who is authoritative for it (CNAMEs followed). */
  async authority(name: string): Promise<Authority> {
    const cnames: string[] = [];
    let target = norm(name);
    for (let hop = 0; ; hop++) {
      const zone = await this.zoneOf(target);
      const servers = await this.serversOf(zone);
      const next = await this.cnameAt(target, servers);
      if (!next) {
        const extra = (this.opts.alsoCheck ?? []).map((s) => formatServer(toAddress(s)));
        for (const a of extra) if (!servers.some((s) => s.address === a)) servers.push({ nameServer: a, address: a });
        return { name: norm(name), target, cnames, zone, servers };
      }
      cnames.push(`${target} → ${next}`);
      if (hop + 1 >= MAX_CNAME_HOPS || cnames.filter((c) => c.endsWith(`→ ${next}`)).length > 1) {
        throw new AppError('INVALID_INPUT', `The CNAME chain from ${norm(name)} is too long or loops: ${cnames.join(', ')}.`);
      }
      target = next;
    }
  }

  /** One look at every server: does it answer all of `values` at `target`? */
  async checkOnce(authority: Authority, values: string[]): Promise<ServerState[]> {
    return Promise.all(authority.servers.map((s) => this.look(s, authority.target, values)));
  }

  private async look(s: AuthoritativeServer, target: string, values: string[]): Promise<ServerState> {
    try {
      const r = await query(parseServer(s.address), target, 'TXT', this.qopts(false));
      if (r.rcode !== 0 && r.rcode !== 3) return { ...s, sees: false, last: rcodeName(r.rcode) };
      // A server listed in NS that does not answer with authority (lame delegation) proves nothing.
      if (!r.aa) return { ...s, sees: false, last: 'answers without authority (not serving the zone)' };
      const got = recordsOf(r.packet.answers, 'TXT', target).map((d) => txtValues(d as dnsPacket.TxtData));
      const missing = values.filter((v) => !got.includes(v));
      if (!missing.length) return { ...s, sees: true, last: 'answers the value' };
      const what = r.rcode === 3 ? 'NXDOMAIN' : got.length ? `${got.length} other TXT value${got.length > 1 ? 's' : ''}` : 'no TXT value';
      return { ...s, sees: false, last: what };
    } catch (e) {
      if (e instanceof AppError && e.code === 'CANCELLED') throw e;
      return { ...s, sees: false, last: 'no answer' };
    }
  }

  /**
   * Waits until every authoritative server answers every value in `values` at `name` (after CNAMEs).
   * Progress after each round; a timeout throws an error naming the servers that never answered.
   */
  async waitForTxt(name: string, values: string | string[]): Promise<PropagationResult> {
    const started = Date.now();
    const want = Array.isArray(values) ? values : [values];
    const timeoutMs = this.opts.timeoutMs ?? 180_000;
    const interval = this.opts.intervalMs ?? 2000;
    const auth = await this.authority(name);
    const states = new Map<string, ServerState>(auth.servers.map((s) => [s.address + s.nameServer, { ...s, sees: false, last: 'not asked yet' }]));
    let lastSeen = -1;
    for (;;) {
      if (this.opts.signal?.aborted) throw cancelled();
      const pending = [...states.values()].filter((s) => !s.sees);
      const looked = await Promise.all(pending.map((s) => this.look(s, auth.target, want)));
      for (const l of looked) states.set(l.address + l.nameServer, l);
      const list = [...states.values()];
      const seen = list.filter((s) => s.sees).length;
      const done = seen === list.length;
      const progress: PropagationProgress = {
        name: auth.name,
        target: auth.target,
        zone: auth.zone,
        seen,
        total: list.length,
        servers: list.map((s) => ({ ...s })),
        message: `${seen} of ${list.length} ${list.length === 1 ? 'name server sees' : 'name servers see'} the record`,
        done,
      };
      if (seen !== lastSeen || done) this.opts.onProgress?.(progress);
      lastSeen = seen;
      if (done) return { ...auth, elapsedMs: Date.now() - started };
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) {
        const never = list.filter((s) => !s.sees);
        const names = never.map((s) => (s.nameServer === s.address ? s.address : `${s.nameServer} (${s.address})`) + `: ${s.last}`);
        const via = auth.cnames.length ? ` (via CNAME ${auth.cnames.join(', ')})` : '';
        throw new AppError(
          'NETWORK',
          `The TXT record ${auth.target}${via} did not reach every authoritative name server of ${auth.zone} within ${Math.round(timeoutMs / 1000)} s: ${seen} of ${list.length} see it; never answered it: ${names.join('; ')}.`,
          { hint: 'Secondary servers may be slow to pick up changes, or not receive them at all (NOTIFY, zone transfers): check those servers, then try again.' },
        );
      }
      await sleep(Math.min(interval, left), this.opts.signal);
    }
  }
}

/** One call for the solver and the manual pre-flight: wait until every authoritative server answers. */
export function waitForTxt(name: string, values: string | string[], opts: PropagationOptions = {}): Promise<PropagationResult> {
  return new PropagationChecker(opts).waitForTxt(name, values);
}
