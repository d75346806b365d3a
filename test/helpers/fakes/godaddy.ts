// A local fake of GoDaddy's REST API v1 (the part dns-01 uses) on 127.0.0.1 over HTTP, for the provider
// tests. Faithful where the provider depends on it:
//   - `Authorization: sso-key KEY:SECRET`: a malformed header → 401 MALFORMED_CREDENTIALS, an unknown key or
//     a wrong secret → 401 UNABLE_TO_AUTHENTICATE, an account below GoDaddy's API threshold → 403
//     ACCESS_DENIED "Authenticated user is not allowed access" (GoDaddy's answer since May 2024);
//   - errors as `{ code, message, fields? }` JSON; 422 INVALID_BODY for a TTL under 600 or an empty PUT;
//     404 UNKNOWN_DOMAIN for a domain the account does not hold; 429 TOO_MANY_REQUESTS with retryAfterSec;
//   - GET /v1/domains paged by `limit` and `marker` (the last domain of the previous page);
//   - records of one type and name: GET, PUT (replaces them all), DELETE; names relative, `@` = apex.
// Every change inside the bed's zone is written into BIND before the answer, so `dig` and Pebble see it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BindSink } from './bind-sink.ts';
import { createProvider } from '../../../electron/dns/registry.ts';
import { bedEnv } from '../bed.ts';
import type { ConformanceTarget } from '../dns-conformance.ts';
import { digTxt } from '../dns-tools.ts';

export interface FakeGoDaddyAccount {
  apiKey: string;
  apiSecret: string;
  domains: string[];
  /** GoDaddy refuses API access to this account (fewer than 10 domains): every call → 403. */
  denied?: boolean;
}

export interface FakeGoDaddyOptions {
  accounts: FakeGoDaddyAccount[];
  mirror?: BindSink | null;
}

interface Record_ {
  data: string;
  ttl: number;
}

export interface GoDaddyLoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body?: unknown;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class FakeGoDaddy {
  readonly requests: GoDaddyLoggedRequest[] = [];
  url = '';
  /** The next this-many requests are answered 429 (GoDaddy's 60 requests a minute). */
  throttleNext = 0;
  private server: Server | null = null;
  private readonly accounts: FakeGoDaddyAccount[];
  private readonly mirror: BindSink | null;
  /** domain → "TYPE|name" → records */
  private readonly zones = new Map<string, Map<string, Record_[]>>();

  constructor(opts: FakeGoDaddyOptions) {
    this.accounts = opts.accounts.map((a) => ({ ...a, domains: a.domains.map((d) => d.toLowerCase()) }));
    this.mirror = opts.mirror === undefined ? new BindSink() : opts.mirror;
    for (const a of this.accounts) for (const d of a.domains) this.zones.set(d, new Map());
  }

  static async start(opts: FakeGoDaddyOptions): Promise<FakeGoDaddy> {
    const f = new FakeGoDaddy(opts);
    f.server = createServer((req, res) => void f.handle(req, res));
    await new Promise<void>((resolve) => f.server!.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Records the API holds (tests look behind the provider's back). */
  records(domain: string, type: string, name: string): Record_[] {
    return this.zones.get(domain.toLowerCase())?.get(`${type}|${name.toLowerCase()}`) ?? [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://x');
    const log: GoDaddyLoggedRequest = { method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), status: 200 };
    this.requests.push(log);
    const send = (status: number, body?: unknown) => {
      log.status = status;
      if (body === undefined) {
        res.writeHead(status);
        res.end();
        return;
      }
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (this.throttleNext > 0) {
        this.throttleNext--;
        throw new ApiError(429, 'TOO_MANY_REQUESTS', 'Too many requests', { retryAfterSec: 1 });
      }
      const account = this.authenticate(String(req.headers.authorization ?? ''));
      let body: unknown;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new ApiError(400, 'INVALID_BODY', 'Request body could not be parsed as JSON');
        }
        log.body = body;
      }
      const result = await this.route(account, req.method ?? '', u, body);
      send(result.status, result.body);
    } catch (e) {
      if (e instanceof ApiError) send(e.status, { code: e.code, message: e.message, ...e.extra });
      else send(500, { code: 'INTERNAL_SERVER_ERROR', message: String(e) });
    }
  }

  private authenticate(header: string): FakeGoDaddyAccount {
    const m = header.match(/^sso-key ([^:\s]+):(\S+)$/);
    if (!m) throw new ApiError(401, 'MALFORMED_CREDENTIALS', 'Unable to authenticate request: malformed credentials');
    const a = this.accounts.find((x) => x.apiKey === m[1]);
    if (!a || a.apiSecret !== m[2]) throw new ApiError(401, 'UNABLE_TO_AUTHENTICATE', 'Unable to authenticate request');
    if (a.denied) throw new ApiError(403, 'ACCESS_DENIED', 'Authenticated user is not allowed access');
    return a;
  }

  private async route(a: FakeGoDaddyAccount, method: string, u: URL, body: unknown): Promise<{ status: number; body?: unknown }> {
    if (method === 'GET' && u.pathname === '/v1/domains') {
      const limit = Math.min(Number(u.searchParams.get('limit') ?? 1000) || 1000, 1000);
      const marker = u.searchParams.get('marker')?.toLowerCase();
      const all = [...a.domains].sort().filter((d) => !marker || d > marker);
      return {
        status: 200,
        body: all.slice(0, limit).map((domain, i) => ({ domain, domainId: 1000 + i, status: 'ACTIVE', expires: '2027-06-01T00:00:00.000Z', renewAuto: true, privacy: false, locked: true })),
      };
    }
    const m = u.pathname.match(/^\/v1\/domains\/([^/]+)\/records\/([^/]+)\/([^/]+)$/);
    if (!m) throw new ApiError(404, 'NOT_FOUND', `No route for ${method} ${u.pathname}`);
    const domain = decodeURIComponent(m[1]!).toLowerCase();
    const type = decodeURIComponent(m[2]!).toUpperCase();
    const name = decodeURIComponent(m[3]!).toLowerCase();
    if (!a.domains.includes(domain)) throw new ApiError(404, 'UNKNOWN_DOMAIN', 'The given domain is not registered, or does not have a zone file');
    const zone = this.zones.get(domain)!;
    const key = `${type}|${name}`;
    const fqdn = name === '@' ? domain : `${name}.${domain}`;
    const before = zone.get(key) ?? [];
    if (method === 'GET') return { status: 200, body: before.map((r) => ({ data: r.data, name, ttl: r.ttl, type })) };
    if (method === 'PUT') {
      if (!Array.isArray(body)) throw new ApiError(422, 'INVALID_BODY', "Request body doesn't fulfill schema, see details in `fields`", { fields: [{ code: 'UNEXPECTED_TYPE', message: 'is not a array', path: 'records' }] });
      if (!body.length) throw new ApiError(422, 'INVALID_BODY', "Request body doesn't fulfill schema, see details in `fields`", { fields: [{ code: 'MINIMUM_ITEMS', message: 'must contain at least 1 item', path: 'records' }] });
      const fields: { code: string; message: string; path: string }[] = [];
      body.forEach((r: { data?: unknown; ttl?: unknown }, i) => {
        if (typeof r.data !== 'string' || !r.data) fields.push({ code: 'REQUIRED', message: 'is required', path: `records[${i}].data` });
        if (r.ttl !== undefined && (typeof r.ttl !== 'number' || r.ttl < 600)) fields.push({ code: 'MINIMUM', message: 'must be greater than or equal to 600', path: `records[${i}].ttl` });
      });
      if (fields.length) throw new ApiError(422, 'INVALID_BODY', "Request body doesn't fulfill schema, see details in `fields`", { fields });
      const after = (body as { data: string; ttl?: number }[]).map((r) => ({ data: r.data, ttl: r.ttl ?? 3600 }));
      zone.set(key, after);
      if (type === 'TXT') await this.mirror?.write(fqdn, { ttl: 600, values: before.map((r) => r.data) }, { ttl: 600, values: after.map((r) => r.data) });
      return { status: 200 };
    }
    if (method === 'DELETE') {
      if (!before.length) throw new ApiError(404, 'NOT_FOUND', `Record not found: ${type} ${name}`);
      zone.delete(key);
      if (type === 'TXT') await this.mirror?.write(fqdn, { ttl: 600, values: before.map((r) => r.data) }, null);
      return { status: 204 };
    }
    throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  }
}

export const GODADDY_ACCOUNT = { apiKey: 'dKfakeGoDaddyKey_0123456789', apiSecret: 'FakeGoDaddySecret0123456789' };

/** An account with 30 domains (so finding the bed's zone takes several pages at a small page size). */
export function startStandardGoDaddy(extra: FakeGoDaddyAccount[] = []): Promise<FakeGoDaddy> {
  const zone = new BindSink().zone;
  const fillers = Array.from({ length: 30 }, (_, i) => `filler-${String(i).padStart(2, '0')}.example.org`);
  return FakeGoDaddy.start({ accounts: [{ ...GODADDY_ACCOUNT, domains: [...fillers, zone] }, ...extra] });
}

/** The shared conformance suite's target: our client against this fake, `dig` at the bed's BIND as the witness. */
export function godaddyConformanceTarget(): ConformanceTarget {
  let fake: FakeGoDaddy;
  const start = async () => {
    fake = await startStandardGoDaddy();
  };
  const account = (apiSecret = GODADDY_ACCOUNT.apiSecret) => ({ apiKey: GODADDY_ACCOUNT.apiKey, apiSecret, endpoint: fake.url });
  return {
    start,
    stop: async () => fake?.stop(),
    title: 'godaddy (REST v1) against a fake GoDaddy API writing into BIND',
    provider: () => createProvider('godaddy', account()),
    badCredentials: () => createProvider('godaddy', account('WrongSecret0123456789')),
    badCredentialsCause: /rejected the key dKfakeGoDaddyKey_0123456789 and its secret \(401 UNABLE_TO_AUTHENTICATE/,
    zone: bedEnv('BIND_ZONE'),
    outside: { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /no domain in the GoDaddy account .* holds _acme-challenge\.www\.elsewhere\.invalid: looked for .*elsewhere\.invalid/ },
    visible: (fqdn) => digTxt(`127.0.0.1:${bedEnv('BIND_PORT')}`, fqdn),
  };
}
