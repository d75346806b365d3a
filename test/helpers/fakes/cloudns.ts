// A local fake of the ClouDNS HTTP API (https://api.cloudns.net/dns/<method>.json), for the calls the DNS
// provider makes, answering as ClouDNS does: parameters by GET query or POST form; auth-id, sub-auth-id or
// sub-auth-user with auth-password; every refusal is HTTP 200 with {"status":"Failed","statusDescription":...}
// (wrong credentials: "Invalid authentication, incorrect auth-id or auth-password."); records.json is an
// object keyed by record id, or `[]` when there are none; list-zones pages with get-pages-count; TTLs only
// from ClouDNS's list. A sub-user sees only its zones. TXT changes in the BIND-backed zone are written into
// the test BIND with RFC 2136, so dig and Pebble see them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLOUDNS_TTLS } from '../../../electron/dns/cloudns/api.ts';
import { BindSink } from './bind-sink.ts';

export interface ClouDnsFakeUser {
  /** auth-id (main user) or sub-auth-id. */
  id?: string;
  /** sub-auth-user. */
  user?: string;
  password: string;
  /** Main users see every zone; a sub-user only these. */
  zones?: string[];
  sub?: boolean;
}

export interface ClouDnsFakeOptions {
  zones: Array<{ name: string; type?: string }>;
  bindZone: string;
  users: ClouDnsFakeUser[];
}

export interface ClouDnsFake {
  url: string;
  requests: Array<{ method: string; httpMethod: string; params: Record<string, string> }>;
  records(zone: string): Array<{ id: string; host: string; record: string; ttl: string }>;
  close(): Promise<void>;
}

interface Rec {
  id: string;
  type: string;
  host: string;
  record: string;
  failover: string;
  ttl: string;
  status: number;
}

const AUTH_FAILED = { status: 'Failed', statusDescription: 'Invalid authentication, incorrect auth-id or auth-password.' };
const ROWS = [10, 20, 30, 50, 100];

export async function startClouDnsFake(opts: ClouDnsFakeOptions): Promise<ClouDnsFake> {
  const zones = new Map(opts.zones.map((z) => [z.name.toLowerCase(), { name: z.name.toLowerCase(), type: z.type ?? 'master', records: new Map<string, Rec>() }]));
  const bind = new BindSink();
  const requests: ClouDnsFake['requests'] = [];
  let nextId = 400_000_000;

  function authenticate(p: URLSearchParams): ClouDnsFakeUser | null {
    const given = ['auth-id', 'sub-auth-id', 'sub-auth-user'].filter((k) => p.has(k));
    if (given.length !== 1) return null;
    const password = p.get('auth-password');
    const u = opts.users.find((x) =>
      given[0] === 'auth-id' ? !x.sub && x.id === p.get('auth-id') : given[0] === 'sub-auth-id' ? x.sub && x.id === p.get('sub-auth-id') : x.sub && x.user === p.get('sub-auth-user'),
    );
    return u && password === u.password ? u : null;
  }

  const failed = (statusDescription: string) => ({ status: 'Failed', statusDescription });

  async function handle(method: string, p: URLSearchParams): Promise<unknown> {
    const user = authenticate(p);
    if (!user) return AUTH_FAILED;
    const sees = (name: string) => !user.sub || (user.zones ?? []).includes(name);
    const zoneParam = () => {
      const name = (p.get('domain-name') ?? '').toLowerCase();
      if (!name) return { error: failed('Missing domain-name') };
      const z = zones.get(name);
      if (!z || !sees(name)) return { error: failed("Zone doesn't exist.") };
      return { zone: z };
    };
    switch (method) {
      case 'login':
        return { status: 'Success', statusDescription: 'Success login.' };
      case 'get-zone-info': {
        const r = zoneParam();
        if (r.error) return r.error;
        return { name: r.zone.name, type: r.zone.type, zone: 'domain', status: '1' };
      }
      case 'get-pages-count': {
        const rows = Number(p.get('rows-per-page'));
        if (!ROWS.includes(rows)) return failed('Invalid rows-per-page. Available values are 10, 20, 30, 50 and 100.');
        return Math.ceil([...zones.keys()].filter(sees).length / rows);
      }
      case 'list-zones': {
        const rows = Number(p.get('rows-per-page'));
        const page = Number(p.get('page'));
        if (!ROWS.includes(rows)) return failed('Invalid rows-per-page. Available values are 10, 20, 30, 50 and 100.');
        if (!Number.isInteger(page) || page < 1) return failed('Missing page');
        return [...zones.values()]
          .filter((z) => sees(z.name))
          .slice((page - 1) * rows, page * rows)
          .map((z) => ({ name: z.name, type: z.type, group: 'None', hasBulk: false, zone: 'domain', status: '1', serial: '2026120201', isUpdated: 1 }));
      }
      case 'records': {
        const r = zoneParam();
        if (r.error) return r.error;
        const host = p.get('host');
        const type = p.get('type');
        const list = [...r.zone.records.values()].filter((x) => (host === null || x.host === host) && (!type || x.type === type));
        // PHP: an empty list is [], not {}.
        return list.length ? Object.fromEntries(list.map((x) => [x.id, x])) : [];
      }
      case 'add-record': {
        const r = zoneParam();
        if (r.error) return r.error;
        if (r.zone.type !== 'master') return failed('You can not add records in slave zones.');
        const type = p.get('record-type');
        if (type !== 'TXT') return failed('Invalid record-type param.');
        const host = (p.get('host') ?? '').toLowerCase();
        const record = p.get('record') ?? '';
        if (!record) return failed('Missing record param.');
        const ttl = Number(p.get('ttl'));
        if (!CLOUDNS_TTLS.includes(ttl)) return failed('Invalid TTL. Choose from the list of the values we support.');
        if ([...r.zone.records.values()].some((x) => x.type === type && x.host === host && x.record === record)) return failed('The record already exists.');
        const id = String(++nextId);
        const fqdn = host ? `${host}.${r.zone.name}` : r.zone.name;
        if (r.zone.name === opts.bindZone) await bind.add(fqdn, record, ttl);
        r.zone.records.set(id, { id, type, host, record, failover: '0', ttl: String(ttl), status: 1 });
        return { status: 'Success', statusDescription: 'The record was added successfully.', data: { id: Number(id) } };
      }
      case 'delete-record': {
        const r = zoneParam();
        if (r.error) return r.error;
        const rec = r.zone.records.get(p.get('record-id') ?? '');
        if (!rec) return failed('Invalid record-id param.');
        r.zone.records.delete(rec.id);
        if (r.zone.name === opts.bindZone) await bind.remove(rec.host ? `${rec.host}.${r.zone.name}` : r.zone.name, rec.record);
        return { status: 'Success', statusDescription: 'The record was deleted successfully.' };
      }
      default:
        return failed('Invalid API method.');
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const m = /^\/dns\/([a-z-]+)\.json$/.exec(url.pathname);
      if (!m) {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>404 Not Found</h1>');
        return;
      }
      const params = new URLSearchParams(url.searchParams);
      if (req.method === 'POST' && /^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
        for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params.set(k, v);
      }
      const shown = Object.fromEntries([...params].map(([k, v]) => [k, k === 'auth-password' ? '***' : v]));
      requests.push({ method: m[1]!, httpMethod: req.method ?? 'GET', params: shown });
      handle(m[1]!, params).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake: ${(e as Error).message}`);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    records: (name) => [...(zones.get(name)?.records.values() ?? [])].map(({ id, host, record, ttl }) => ({ id, host, record, ttl })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
