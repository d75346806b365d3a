// A local fake of Cloudflare's API v4 (https://api.cloudflare.com/client/v4), for the calls the DNS provider
// makes, answering as Cloudflare documents and does: the envelope {success, errors[{code,message,
// error_chain}], messages, result, result_info}; API tokens in `Authorization: Bearer` (40 characters of
// [A-Za-z0-9_-], else 400/6003+6111; unknown → 401/1000 "Invalid API Token"), or `X-Auth-Email` + `X-Auth-Key`
// (wrong → 403/9103 "Unknown X-Auth-Key or X-Auth-Email"; none at all → 400/9106); page/per_page pagination
// (an empty page past the end); a token sees only its zones, and without DNS Edit gets 403/10000
// "Authentication error"; an identical record → 400/81058, a missing record → 404/81044.
// TXT changes in the BIND-backed zone are written into the test BIND with RFC 2136, so dig and Pebble see them.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BindSink } from './bind-sink.ts';

export interface FakeToken {
  /** Zone names the token may see ('*' = all). */
  zones: string[] | '*';
  /** Zone → DNS → Edit (default true). */
  dnsEdit?: boolean;
}

export interface CloudflareFakeOptions {
  /** Zone names of the account; `bindZone` among them is backed by the test BIND. */
  zones: string[];
  bindZone: string;
  tokens?: Record<string, FakeToken>;
  /** e-mail → Global API key. */
  globalKeys?: Record<string, string>;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: 'token' | 'key' | 'none';
}

export interface CloudflareFake {
  /** Base URL to give as the provider's `endpoint`. */
  url: string;
  requests: SeenRequest[];
  zoneId(name: string): string;
  /** Adds a TXT record as another tool would have (not written into BIND). */
  seed(zone: string, name: string, content: string): void;
  /** TXT records held for a zone. */
  records(zone: string): Array<{ id: string; name: string; content: string; ttl: number }>;
  close(): Promise<void>;
}

interface Zone {
  id: string;
  name: string;
  records: Map<string, { id: string; name: string; type: string; content: string; ttl: number; created_on: string }>;
}

const hex = (n: number) => randomBytes(n).toString('hex');

export async function startCloudflareFake(opts: CloudflareFakeOptions): Promise<CloudflareFake> {
  const zones = opts.zones.map<Zone>((name) => ({ id: hex(16), name: name.toLowerCase(), records: new Map() }));
  const tokens = opts.tokens ?? {};
  const keys = opts.globalKeys ?? {};
  const bind = new BindSink();
  const requests: SeenRequest[] = [];

  const envelope = (result: unknown, extra: Record<string, unknown> = {}) => ({ result, success: true, errors: [], messages: [], ...extra });
  const failure = (errors: Array<{ code: number; message: string; error_chain?: Array<{ code: number; message: string }> }>) => ({
    success: false,
    errors,
    messages: [],
    result: null,
  });

  type Who = { kind: 'token'; token: FakeToken } | { kind: 'key'; email: string };
  function authenticate(req: http.IncomingMessage): Who | { status: number; body: unknown } {
    const authz = req.headers.authorization;
    const email = req.headers['x-auth-email'];
    const key = req.headers['x-auth-key'];
    if (typeof authz === 'string') {
      const m = /^Bearer ([A-Za-z0-9_-]{40})$/.exec(authz);
      if (!m) return { status: 400, body: failure([{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }]) };
      const t = tokens[m[1]!];
      if (!t) return { status: 401, body: failure([{ code: 1000, message: 'Invalid API Token' }]) };
      return { kind: 'token', token: t };
    }
    if (typeof email === 'string' || typeof key === 'string') {
      const chain: Array<{ code: number; message: string }> = [];
      if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) chain.push({ code: 6102, message: 'Invalid format for X-Auth-Email header' });
      if (typeof key !== 'string' || !/^[0-9a-f]{37}$/i.test(key)) chain.push({ code: 6103, message: 'Invalid format for X-Auth-Key header' });
      if (chain.length) return { status: 400, body: failure([{ code: 6003, message: 'Invalid request headers', error_chain: chain }]) };
      if (keys[email as string] !== key) return { status: 403, body: failure([{ code: 9103, message: 'Unknown X-Auth-Key or X-Auth-Email' }]) };
      return { kind: 'key', email: email as string };
    }
    return { status: 400, body: failure([{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }]) };
  }

  const visible = (who: Who, z: Zone) => who.kind === 'key' || who.token.zones === '*' || who.token.zones.includes(z.name);
  const zoneJson = (z: Zone) => ({
    id: z.id,
    name: z.name,
    status: 'active',
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: ['ns1.example.test', 'ns2.example.test'],
    account: { id: 'acc0000000000000000000000000000', name: 'Test account' },
  });
  const recordJson = (z: Zone, r: { id: string; name: string; type: string; content: string; ttl: number; created_on: string }) => ({
    id: r.id,
    zone_id: z.id,
    zone_name: z.name,
    name: r.name,
    type: r.type,
    content: r.content,
    proxiable: false,
    proxied: false,
    ttl: r.ttl,
    settings: {},
    meta: {},
    comment: null,
    tags: [],
    created_on: r.created_on,
    modified_on: r.created_on,
  });
  /** Cloudflare's page/per_page: 1-based pages, per_page clamped to [min, max]; past the end, an empty page. */
  function page<T>(items: T[], q: URLSearchParams, def: number, min: number, max: number) {
    const perPage = Math.min(max, Math.max(min, Number(q.get('per_page')) || def));
    const p = Math.max(1, Number(q.get('page')) || 1);
    const slice = items.slice((p - 1) * perPage, p * perPage);
    return envelope(slice, {
      result_info: { page: p, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.ceil(items.length / perPage) },
    });
  }

  async function readJson(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : {};
  }

  async function handle(req: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/client\/v4/, '');
    const method = req.method ?? 'GET';
    const who = authenticate(req);
    requests.push({ method, path, query: Object.fromEntries(url.searchParams), auth: 'kind' in who ? who.kind : 'none' });
    if (!('kind' in who)) return who;
    const q = url.searchParams;
    const notRoute = { status: 400, body: failure([{ code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` }]) };

    if (method === 'GET' && path === '/user/tokens/verify') {
      if (who.kind !== 'token') return { status: 400, body: failure([{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }]) };
      return { status: 200, body: envelope({ id: hex(16), status: 'active' }, { messages: [{ code: 10000, message: 'This API Token is valid and active', type: null }] }) };
    }
    if (method === 'GET' && path === '/user') {
      if (who.kind !== 'key') return { status: 403, body: failure([{ code: 9109, message: 'Unauthorized to access requested resource' }]) };
      return { status: 200, body: envelope({ id: hex(16), email: who.email }) };
    }
    if (method === 'GET' && path === '/zones') {
      let list = zones.filter((z) => visible(who, z));
      const name = q.get('name');
      if (name) list = list.filter((z) => z.name === name.toLowerCase());
      return { status: 200, body: page(list.map(zoneJson), q, 20, 5, 50) };
    }
    const m = /^\/zones\/([0-9a-f]{32})\/dns_records(?:\/([0-9a-f]{32}))?$/.exec(path);
    if (!m) return notRoute;
    const zone = zones.find((z) => z.id === m[1]);
    if (!zone) return notRoute;
    if (!visible(who, zone)) return { status: 403, body: failure([{ code: 10000, message: 'Authentication error' }]) };
    const rid = m[2];

    if (method === 'GET' && !rid) {
      let list = [...zone.records.values()];
      const type = q.get('type');
      if (type) list = list.filter((r) => r.type === type);
      const exact = q.get('name.exact') ?? q.get('name');
      if (exact) list = list.filter((r) => r.name === exact.toLowerCase());
      const content = q.get('content.exact') ?? q.get('content');
      if (content) list = list.filter((r) => r.content === content);
      return { status: 200, body: page(list.map((r) => recordJson(zone, r)), q, 100, 5, 5000) };
    }
    const canEdit = who.kind === 'key' || who.token.dnsEdit !== false;
    if (method === 'POST' && !rid) {
      if (!canEdit) return { status: 403, body: failure([{ code: 10000, message: 'Authentication error' }]) };
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return { status: 415, body: failure([{ code: 6007, message: 'Malformed JSON in request body' }]) };
      const body = (await readJson(req)) as { type?: string; name?: string; content?: string; ttl?: number };
      if (body.type !== 'TXT') return { status: 400, body: failure([{ code: 9004, message: 'This record type is not supported by the fake.' }]) };
      let name = String(body.name ?? '').toLowerCase().replace(/\.$/, '');
      if (name === '@') name = zone.name;
      else if (name !== zone.name && !name.endsWith(`.${zone.name}`)) name = `${name}.${zone.name}`;
      if (!body.content) return { status: 400, body: failure([{ code: 9005, message: 'Content for TXT record is invalid. Must not be empty.' }]) };
      const ttl = Number(body.ttl ?? 1);
      if (!(ttl === 1 || (ttl >= 60 && ttl <= 86400))) return { status: 400, body: failure([{ code: 9021, message: 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.' }]) };
      if ([...zone.records.values()].some((r) => r.type === 'TXT' && r.name === name && r.content === body.content)) {
        return { status: 400, body: failure([{ code: 81058, message: 'An identical record already exists.' }]) };
      }
      const rec = { id: hex(16), name, type: 'TXT', content: body.content, ttl, created_on: new Date().toISOString() };
      if (zone.name === opts.bindZone) await bind.add(name, rec.content, ttl === 1 ? 300 : ttl);
      zone.records.set(rec.id, rec);
      return { status: 200, body: envelope(recordJson(zone, rec)) };
    }
    if (method === 'DELETE' && rid) {
      if (!canEdit) return { status: 403, body: failure([{ code: 10000, message: 'Authentication error' }]) };
      const rec = zone.records.get(rid);
      if (!rec) return { status: 404, body: failure([{ code: 81044, message: 'Record does not exist.' }]) };
      zone.records.delete(rid);
      if (zone.name === opts.bindZone) await bind.remove(rec.name, rec.content);
      return { status: 200, body: envelope({ id: rid }) };
    }
    return { status: 405, body: failure([{ code: 7000, message: 'No route for that URI' }]) };
  }

  const server = http.createServer((req, res) => {
    handle(req).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(failure([{ code: 10001, message: `fake: ${(e as Error).message}` }])));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    requests,
    seed: (zone, name, content) => {
      const z = zones.find((x) => x.name === zone)!;
      const id = hex(16);
      z.records.set(id, { id, name, type: 'TXT', content, ttl: 1, created_on: new Date().toISOString() });
    },
    zoneId: (name) => zones.find((z) => z.name === name)!.id,
    records: (name) => [...(zones.find((z) => z.name === name)?.records.values() ?? [])].map(({ id, name: n, content, ttl }) => ({ id, name: n, content, ttl })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
