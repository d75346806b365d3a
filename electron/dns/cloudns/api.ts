// ClouDNS HTTP API client (https://api.cloudns.net/dns/*.json) for what dns-01 needs: log in, zone info,
// list/add/delete TXT records, list zones page by page. ClouDNS answers HTTP 200 also when it refuses; the
// refusal is in the body, {"status":"Failed","statusDescription":"..."}, and becomes a ClouDnsFailure here.
// Credentials go in a POST form body (ClouDNS accepts GET or POST), never in the URL, so no URL that could
// end up in a message or log carries the password.
import { DEFAULT_ENDPOINT } from './descriptor.ts';

export type ClouDnsAuth = { param: 'auth-id' | 'sub-auth-id' | 'sub-auth-user'; value: string; password: string };

export interface ClouDnsApiOptions {
  auth: ClouDnsAuth;
  /** API base URL, default https://api.cloudns.net. */
  endpoint?: string;
  /** Per request, ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ClouDnsZone {
  name: string;
  /** master, slave, parked, geodns, ... */
  type: string;
  zone?: string;
  status?: string;
}

export interface ClouDnsRecord {
  id: string;
  type: string;
  host: string;
  record: string;
  ttl: string;
}

/** ClouDNS said "Failed" (HTTP 200), answered with an HTTP error, or could not be reached. */
export class ClouDnsFailure extends Error {
  constructor(
    readonly kind: 'failed' | 'http' | 'network' | 'cancelled',
    /** ClouDNS's statusDescription, the HTTP status, or the network failure. */
    readonly detail: string,
    readonly method: string,
  ) {
    super(`${method}: ${detail}`);
    this.name = 'ClouDnsFailure';
  }

  /** ClouDNS's words for "these credentials are wrong". */
  get isAuth(): boolean {
    return this.kind === 'failed' && /invalid authentication|auth-id|auth-password|sub-auth/i.test(this.detail);
  }
}

/** The TTLs ClouDNS accepts, in seconds. */
export const CLOUDNS_TTLS = [60, 300, 900, 1800, 3600, 21600, 43200, 86400, 172800, 259200, 604800, 1209600, 2592000];

/** The smallest accepted TTL not below `ttl` (lego's ttlRounder). */
export function roundTtl(ttl: number): number {
  return CLOUDNS_TTLS.find((t) => t >= ttl) ?? CLOUDNS_TTLS.at(-1)!;
}

export class ClouDnsApi {
  readonly endpoint: string;
  private readonly auth: ClouDnsAuth;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: ClouDnsApiOptions) {
    this.auth = opts.auth;
    this.endpoint = (opts.endpoint || DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** One call: POST form to /dns/<method>.json; returns the parsed JSON or throws ClouDnsFailure. */
  async call<T>(method: string, params: Record<string, string | number>, signal?: AbortSignal): Promise<T> {
    const body = new URLSearchParams();
    body.set(this.auth.param, this.auth.value);
    body.set('auth-password', this.auth.password);
    for (const [k, v] of Object.entries(params)) body.set(k, String(v));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchFn(`${this.endpoint}/dns/${method}.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw new ClouDnsFailure('cancelled', 'cancelled', method);
      const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const why = timeout.aborted ? `no answer within ${Math.round(this.timeoutMs / 1000)} s` : (err.cause?.code ?? err.cause?.message ?? err.message ?? String(e));
      throw new ClouDnsFailure('network', why, method);
    }
    const text = await res.text();
    if (!res.ok) throw new ClouDnsFailure('http', `HTTP ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`, method);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ClouDnsFailure('http', `an answer that is not JSON (${text.slice(0, 80)})`, method);
    }
    const o = json as { status?: unknown; statusDescription?: unknown };
    if (o && typeof o === 'object' && !Array.isArray(o) && o.status === 'Failed') {
      throw new ClouDnsFailure('failed', typeof o.statusDescription === 'string' ? o.statusDescription : 'Failed', method);
    }
    return json as T;
  }

  /** Checks the credentials (login.json). */
  async login(signal?: AbortSignal): Promise<string> {
    const r = await this.call<{ statusDescription?: string }>('login', {}, signal);
    return r.statusDescription ?? 'Success login.';
  }

  /** The zone named exactly `name`, or null when this account has no such zone. */
  async zoneInfo(name: string, signal?: AbortSignal): Promise<ClouDnsZone | null> {
    try {
      const z = await this.call<Partial<ClouDnsZone>>('get-zone-info', { 'domain-name': name }, signal);
      return z && typeof z === 'object' && z.type ? { name: (z.name ?? name).toLowerCase(), type: z.type, zone: z.zone, status: z.status } : null;
    } catch (e) {
      if (e instanceof ClouDnsFailure && e.kind === 'failed' && !e.isAuth) return null;
      throw e;
    }
  }

  /** Every zone of the account (list-zones.json, 100 per page, as many pages as get-pages-count says). */
  async listZones(signal?: AbortSignal): Promise<ClouDnsZone[]> {
    const pages = Number(await this.call<number | string>('get-pages-count', { 'rows-per-page': 100 }, signal)) || 0;
    const out: ClouDnsZone[] = [];
    for (let page = 1; page <= pages; page++) {
      const rows = await this.call<Array<Partial<ClouDnsZone>>>('list-zones', { page, 'rows-per-page': 100 }, signal);
      for (const z of Array.isArray(rows) ? rows : []) if (z.name) out.push({ name: z.name.toLowerCase(), type: z.type ?? '', zone: z.zone, status: z.status });
    }
    return out;
  }

  /** TXT records at `host` (relative to the zone, '' for the apex). ClouDNS answers `[]` when there are none. */
  async listTxt(zone: string, host: string, signal?: AbortSignal): Promise<ClouDnsRecord[]> {
    const r = await this.call<Record<string, ClouDnsRecord> | unknown[]>('records', { 'domain-name': zone, host, type: 'TXT' }, signal);
    if (Array.isArray(r) || !r || typeof r !== 'object') return [];
    return Object.values(r).filter((x) => x && x.type === 'TXT' && x.host === host);
  }

  async addTxt(zone: string, host: string, value: string, ttl: number, signal?: AbortSignal): Promise<string> {
    const r = await this.call<{ data?: { id?: number | string } }>(
      'add-record',
      { 'domain-name': zone, 'record-type': 'TXT', host, record: value, ttl: roundTtl(ttl) },
      signal,
    );
    return String(r.data?.id ?? '');
  }

  async deleteRecord(zone: string, id: string, signal?: AbortSignal): Promise<void> {
    await this.call('delete-record', { 'domain-name': zone, 'record-id': id }, signal);
  }
}
