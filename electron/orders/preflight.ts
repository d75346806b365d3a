// The pre-flight check of manual challenges (issue 11 item 1; DESIGN.md §3: "Manual is a solver too: its
// check is the pre-flight the user sees"). Before anyone asks the CA, and without spending one of the CA's
// failed-validation allowances, it looks from this computer the way the CA will:
//   http-01: GET http://<name>/.well-known/acme-challenge/<token> (port 80, or CERTDESK_HTTP01_PREFLIGHT_ADDRESS
//            for split-horizon set-ups and the test bed, where the CA dials another port), redirects followed
//            like the CA does, the body trimmed and compared with the key authorization;
//   dns-01:  the TXT value at _acme-challenge.<name> on EVERY authoritative name server of the zone (CNAMEs
//            followed; electron/dns/propagation.ts), without recursion.
// Per name one verdict: ready / not found / wrong content (expected vs got) / not visible yet (some name
// servers have it) / unreachable (which address, which error). It never changes the request.
import { AppError } from '../../shared/ipc/errors.ts';
import { PREFLIGHT_LABELS, shorten, type PreflightItem, type PreflightResult, type PreflightServer } from '../../shared/model/preflight.ts';
import type { Challenge, Request } from '../../shared/model/request.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import { PropagationChecker, type Authority, type PropagationOptions } from '../dns/propagation.ts';
import { parseServer, query, recordsOf, txtValues } from '../dns/wire.ts';
import type dnsPacket from 'dns-packet';
import { NS_ADDRESSES_ENV } from './solvers/dns.ts';
import { fetchOnce, PREFLIGHT_ADDRESS_ENV } from './solvers/http.ts';

/** Redirects followed, as Let's Encrypt's validation does (it follows up to 10). */
const MAX_REDIRECTS = 10;
/** Names checked at once. */
const CONCURRENCY = 8;

export interface PreflightDeps {
  /** Start servers of the DNS walk (Settings → DNS servers); empty: CERTDESK_DNS_SERVERS, else the system's. */
  dnsServers: () => string[];
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
}

const NET_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'there is no route to the host',
  ENETUNREACH: 'the network is unreachable',
  EAI_AGAIN: 'the name could not be resolved right now (DNS failure)',
  EPROTO: 'the TLS connection failed',
};

function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

function cancelled(): AppError {
  return new AppError('CANCELLED', 'The check was cancelled.');
}

/** Where a GET of `url` connects: the override for the challenge's own host, else the URL's host and port. */
function target(url: URL, identifier: string, override: string | null): string {
  if (override && url.hostname === identifier) return override;
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

export class PreflightChecker {
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: PreflightDeps) {
    this.env = deps.env ?? process.env;
    this.log = deps.logger.child('preflight');
    this.now = deps.clock ?? (() => new Date());
  }

  /** Checks every manual challenge of `request` that still waits; automatic and validated names are skipped. */
  async check(request: Request, op: Operation): Promise<PreflightResult> {
    if (request.status !== 'pending' && request.status !== 'processing' && request.status !== 'failed') {
      throw new AppError('CONFLICT', `This request is ${request.status}: there are no challenges to check.`);
    }
    const skipped: PreflightResult['skipped'] = [];
    const todo: Challenge[] = [];
    for (const c of request.challenges) {
      if (c.status === 'valid') skipped.push({ name: c.name, reason: 'already valid at the CA' });
      else if (c.automation) skipped.push({ name: c.name, reason: `automatic (${c.automation}): Verify publishes it` });
      else if ((c.type === 'http-01' && c.httpUrl && c.httpContent) || (c.type === 'dns-01' && c.dnsName && c.dnsValue)) todo.push(c);
      else skipped.push({ name: c.name, reason: 'nothing to publish' });
    }
    if (request.challenges.length === 0) {
      throw new AppError('CONFLICT', 'The order has no challenges yet: nothing to check.', { hint: 'Wait until the order is created, or use New challenge.' });
    }
    op.step('preflight', `Checking ${todo.length} name${todo.length === 1 ? '' : 's'} from this computer`);
    const authorities = new Map<string, Promise<Authority>>();
    const items: PreflightItem[] = new Array(todo.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const i = next++;
        const c = todo[i]!;
        op.check();
        const started = Date.now();
        const item = c.type === 'http-01' ? await this.checkHttp(c, op) : await this.checkDns(c, op, authorities);
        item.elapsedMs = Date.now() - started;
        items[i] = item;
        op.step(item.verdict === 'ready' ? 'ready' : 'not-ready', `${c.name}: ${PREFLIGHT_LABELS[item.verdict]}`, c.name);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
    op.check();
    const ready = items.every((i) => i.verdict === 'ready');
    this.log.info('pre-flight', { id: request.id, names: items.length, ready, verdicts: items.map((i) => `${i.name}=${i.verdict}`).join(' ') });
    return { requestId: request.id, checkedAt: this.now().toISOString(), ready, items, skipped };
  }

  // ---------------------------------------------------------------- http-01

  private async checkHttp(c: Challenge, op: Operation): Promise<PreflightItem> {
    const expected = c.httpContent!;
    const override = this.env[PREFLIGHT_ADDRESS_ENV]?.trim() || null;
    const base = { name: c.name, nameUnicode: c.nameUnicode, type: 'http-01' as const, servers: [], elapsedMs: 0, expected: null, got: null };
    let url = new URL(c.httpUrl!);
    op.step('fetch', `${c.name}: fetching ${url.href}${override ? ` (at ${override})` : ''}`, c.name);
    const seen: string[] = [];
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const addr = target(url, c.identifier, override);
      // The URL is in `where` (and on the card): the message says what happened, and where it connected.
      const at = addr === `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}` ? '' : ` (connected to ${addr})`;
      let res: { status: number; location: string | null; body: string };
      try {
        res = await fetchOnce(url, override && url.hostname === c.identifier ? override : null, op.signal);
      } catch (err) {
        if (op.signal.aborted) throw cancelled();
        const code = errCode(err);
        if (code === 'ENOTFOUND') {
          return {
            ...base,
            verdict: 'not-found',
            where: url.href,
            message: `${url.hostname} does not resolve from this computer (no A/AAAA record, NXDOMAIN): the CA cannot find it either. Create its DNS record.`,
          };
        }
        const why = (code && NET_WORDS[code]) ?? (err as Error).message;
        return { ...base, verdict: 'unreachable', where: url.href, message: `Could not fetch the file: ${why} (${addr}).` };
      }
      if (res.status >= 300 && res.status < 400 && res.location) {
        seen.push(url.href);
        let nextUrl: URL;
        try {
          nextUrl = new URL(res.location, url);
        } catch {
          return { ...base, verdict: 'wrong-content', where: url.href, message: `The server redirects to "${shorten(res.location, 60)}"${at}, which is not a URL the CA can follow.` };
        }
        if (nextUrl.protocol !== 'http:' && nextUrl.protocol !== 'https:') {
          return { ...base, verdict: 'wrong-content', where: url.href, message: `The server redirects to ${nextUrl.protocol}${at}: the CA follows only http and https.` };
        }
        url = nextUrl;
        op.step('fetch', `${c.name}: redirected to ${url.href}`, c.name);
        continue;
      }
      const via = seen.length ? ` after ${seen.length} redirect${seen.length === 1 ? '' : 's'} (to ${url.href})` : '';
      if (res.status === 404 || res.status === 410) {
        return {
          ...base,
          verdict: 'not-found',
          where: url.href,
          message: `Answered ${res.status} (not found)${via}${at}: the challenge file is not at this path yet.`,
        };
      }
      if (res.status !== 200) {
        return {
          ...base,
          verdict: 'wrong-content',
          where: url.href,
          expected: shorten(expected),
          got: `HTTP ${res.status}`,
          message: `Answered HTTP ${res.status} instead of the challenge file${via}${at}.`,
        };
      }
      const body = res.body.trim();
      if (body !== expected) {
        return {
          ...base,
          verdict: 'wrong-content',
          where: url.href,
          expected: shorten(expected),
          got: body === '' ? '(empty)' : shorten(body),
          message: `Serves other content than the file content shown here${via}${at}.`,
        };
      }
      return { ...base, verdict: 'ready', where: url.href, message: `Serves the challenge file with the right content${via}${at}.` };
    }
    return { ...base, verdict: 'unreachable', where: url.href, message: `More than ${MAX_REDIRECTS} redirects (the CA gives up too).` };
  }

  // ---------------------------------------------------------------- dns-01

  private propagationOptions(signal: AbortSignal): PropagationOptions {
    const servers = this.deps.dnsServers();
    const raw = this.env[NS_ADDRESSES_ENV]?.trim();
    const ns: Record<string, string> = {};
    for (const part of raw ? raw.split(',') : []) {
      const [host, addr] = part.split('=').map((s) => s.trim());
      if (host && addr) ns[host.replace(/\.$/, '').toLowerCase()] = addr;
    }
    return {
      ...(servers.length ? { startServers: servers } : {}),
      ...(Object.keys(ns).length ? { nameServerAddresses: ns } : {}),
      queryTimeoutMs: 2000,
      signal,
    };
  }

  private async checkDns(c: Challenge, op: Operation, authorities: Map<string, Promise<Authority>>): Promise<PreflightItem> {
    const fqdn = c.dnsName!;
    const value = c.dnsValue!;
    const base = { name: c.name, nameUnicode: c.nameUnicode, type: 'dns-01' as const, where: fqdn, elapsedMs: 0 };
    op.step('dns', `${c.name}: asking the authoritative name servers for ${fqdn}`, c.name);
    let checker: PropagationChecker;
    let auth: Authority;
    try {
      checker = new PropagationChecker(this.propagationOptions(op.signal));
      let pending = authorities.get(fqdn);
      if (!pending) {
        pending = checker.authority(fqdn);
        authorities.set(fqdn, pending);
      }
      auth = await pending;
    } catch (err) {
      if (op.signal.aborted || (err instanceof AppError && err.code === 'CANCELLED')) throw cancelled();
      const e = err as AppError;
      return {
        ...base,
        verdict: e.code === 'NOT_FOUND' ? 'not-found' : 'unreachable',
        message: `${e.message}${e.hint ? ` ${e.hint}` : ''}`,
        expected: null,
        got: null,
        servers: [],
      };
    }
    const states = await checker.checkOnce(auth, [value]);
    if (op.signal.aborted) throw cancelled();
    const servers: PreflightServer[] = states.map((s) => ({ nameServer: s.nameServer, address: s.address, sees: s.sees, answer: s.last }));
    const label = (s: PreflightServer) => (s.nameServer === s.address ? s.address : `${s.nameServer} (${s.address})`);
    const where = auth.target === fqdn ? fqdn : `${fqdn} → ${auth.target} (CNAME)`;
    const seen = servers.filter((s) => s.sees);
    const missing = servers.filter((s) => !s.sees);
    const item = { ...base, where, servers, expected: null as string | null, got: null as string | null };
    if (servers.length > 0 && missing.length === 0) {
      return { ...item, verdict: 'ready', message: `Every authoritative name server of ${auth.zone} (${servers.length}) answers the value at ${auth.target}.` };
    }
    if (seen.length > 0) {
      return {
        ...item,
        verdict: 'not-visible',
        message: `${seen.length} of ${servers.length} name servers of ${auth.zone} answer the value; not yet: ${missing.map((s) => `${label(s)}: ${s.answer}`).join('; ')}. Wait for the zone to reach them, then check again.`,
      };
    }
    const other = missing.find((s) => /other TXT value/.test(s.answer));
    if (other) {
      const got = await this.txtAt(other.address, auth.target, op.signal);
      return {
        ...item,
        verdict: 'wrong-content',
        expected: shorten(value),
        got: got.length ? got.map((g) => shorten(g)).join(', ') : other.answer,
        message: `${auth.target} has TXT ${got.length === 1 ? 'a value' : 'values'}, but not the one shown here (asked ${label(other)}).`,
      };
    }
    const absent = missing.filter((s) => s.answer === 'NXDOMAIN' || s.answer === 'no TXT value');
    if (absent.length > 0) {
      return {
        ...item,
        verdict: 'not-found',
        message: `No TXT record at ${auth.target}: ${absent.map((s) => `${label(s)} says ${s.answer === 'NXDOMAIN' ? 'NXDOMAIN (no such name)' : 'no TXT value'}`).join('; ')}.`,
      };
    }
    return {
      ...item,
      verdict: 'unreachable',
      message: servers.length
        ? `No authoritative name server of ${auth.zone} answered: ${missing.map((s) => `${label(s)}: ${s.answer}`).join('; ')}.`
        : `The zone ${auth.zone} has no name server to ask.`,
    };
  }

  /** The TXT values one server answers at `name` (for "expected vs got"). */
  private async txtAt(address: string, name: string, signal: AbortSignal): Promise<string[]> {
    try {
      const r = await query(parseServer(address), name, 'TXT', { recursion: false, timeoutMs: 2000, tries: 2, signal });
      return recordsOf(r.packet.answers, 'TXT', name).map((d) => txtValues(d as dnsPacket.TxtData));
    } catch {
      return [];
    }
  }
}
