// A local fake of the Route 53 API (2013-04-01, REST-XML) for the provider tests, on 127.0.0.1 over plain
// HTTP (the SDK takes an http:// endpoint). What it keeps faithful, since that is what the provider relies on:
//   - SigV4: the Authorization header is checked against the canonical request, computed here independently
//     of the SDK; an unknown key id → 403 InvalidClientTokenId, a wrong secret → 403 SignatureDoesNotMatch,
//     both in Route 53's <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/> shape;
//   - IAM: each key may be limited to some actions → 403 AccessDenied "User: arn... is not authorized to
//     perform: route53:X on resource: ...";
//   - ListHostedZones paged by marker/maxitems (IsTruncated, NextMarker), private zones flagged in Config;
//   - ListResourceRecordSets ordered as Route 53 does (names with labels reversed, then type), from
//     name/type, paged by maxitems;
//   - ChangeResourceRecordSets: all-or-nothing batches, CREATE of an existing set, DELETE of a missing set or
//     one whose values differ → 400 InvalidChangeBatch; TXT values must be quoted; names outside the zone
//     refused;
//   - GetChange: PENDING until the change is on "all name servers" — here: written into the bed's BIND — and
//     only then INSYNC (`insyncAfterMs` holds it back, so a provider that does not wait would be caught).
import { createHash, createHmac, randomUUID, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BindSink, type TxtSet } from './bind-sink.ts';
import { createProvider } from '../../../electron/dns/registry.ts';
import { bedEnv } from '../bed.ts';
import type { ConformanceTarget } from '../dns-conformance.ts';
import { digTxt } from '../dns-tools.ts';

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface FakeIamUser {
  accessKeyId: string;
  secretAccessKey: string;
  /** e.g. arn:aws:iam::123456789012:user/certdesk */
  arn?: string;
  /** Allowed actions (`route53:ChangeResourceRecordSets`...); all when absent. */
  allow?: string[];
}

export interface FakeZone {
  id: string;
  name: string;
  privateZone?: boolean;
}

export interface FakeRoute53Options {
  users: FakeIamUser[];
  zones: FakeZone[];
  /** How long a change stays PENDING before it is written into BIND and becomes INSYNC. */
  insyncAfterMs?: number;
  /** Writes changes inside the bed's zone into BIND (default: on). */
  mirror?: BindSink | null;
}

interface RRSet {
  name: string;
  type: string;
  ttl: number;
  values: string[];
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  action: string;
  accessKeyId?: string;
  status: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const unesc = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const tag = (xml: string, name: string) => {
  const m = xml.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`));
  return m ? m[1]! : undefined;
};
const tags = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);
const norm = (n: string) => unesc(n).replace(/\\052/g, '*').replace(/\.$/, '').toLowerCase();
const inZone = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);
const reversed = (name: string) => name.split('.').reverse().join('.');
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Unquoted TXT value from Route 53's `"a" "b"` form. */
export function txtOf(v: string): string {
  return [...v.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1')).join('');
}

export class FakeRoute53 {
  readonly requests: LoggedRequest[] = [];
  url = '';
  private server: Server | null = null;
  private readonly users: FakeIamUser[];
  private readonly zones: FakeZone[];
  private readonly records = new Map<string, Map<string, RRSet>>();
  private readonly changes = new Map<string, { status: 'PENDING' | 'INSYNC'; submittedAt: string }>();
  private readonly mirror: BindSink | null;
  insyncAfterMs: number;
  /** Runs once before the next ChangeResourceRecordSets is looked at (tests: another writer gets there first). */
  beforeNextChange: (() => void) | null = null;

  constructor(opts: FakeRoute53Options) {
    this.users = opts.users;
    this.zones = opts.zones.map((z) => ({ ...z, name: norm(z.name) }));
    this.mirror = opts.mirror === undefined ? new BindSink() : opts.mirror;
    this.insyncAfterMs = opts.insyncAfterMs ?? 200;
    for (const z of this.zones) {
      const sets = new Map<string, RRSet>();
      sets.set(`${z.name}|NS`, { name: z.name, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-01.com.', 'ns-2.awsdns-02.net.'] });
      sets.set(`${z.name}|SOA`, { name: z.name, type: 'SOA', ttl: 900, values: ['ns-1.awsdns-01.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'] });
      this.records.set(z.id, sets);
    }
  }

  static async start(opts: FakeRoute53Options): Promise<FakeRoute53> {
    const f = new FakeRoute53(opts);
    f.server = createServer((req, res) => void f.handle(req, res));
    await new Promise<void>((resolve) => f.server!.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The TXT values the API holds at `name` (unquoted, sorted). */
  txt(zoneId: string, name: string): string[] {
    return (this.records.get(zoneId)?.get(`${norm(name)}|TXT`)?.values ?? []).map(txtOf).sort();
  }

  ttl(zoneId: string, name: string): number | undefined {
    return this.records.get(zoneId)?.get(`${norm(name)}|TXT`)?.ttl;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(u.searchParams);
    const log: LoggedRequest = { method: req.method ?? '', path: u.pathname, query, action: '', status: 200 };
    this.requests.push(log);
    const send = (status: number, xml: string) => {
      log.status = status;
      const requestId = randomUUID();
      res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
      res.end(`<?xml version="1.0"?>\n${xml.replace('{RID}', requestId)}`);
    };
    try {
      const user = this.authenticate(req, u, body);
      log.accessKeyId = user.accessKeyId;
      const route = this.route(req.method ?? '', u.pathname);
      log.action = route.action;
      if (user.allow && !user.allow.includes(route.action)) {
        const arn = user.arn ?? 'arn:aws:iam::123456789012:user/certdesk';
        throw new ApiError(403, 'AccessDenied', `User: ${arn} is not authorized to perform: ${route.action} on resource: ${route.resource} because no identity-based policy allows the ${route.action} action`);
      }
      send(200, await route.run(query, body.toString('utf8')));
    } catch (e) {
      if (!(e instanceof ApiError)) {
        send(500, `<ErrorResponse xmlns="${NS}"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>${esc(String(e))}</Message></Error><RequestId>{RID}</RequestId></ErrorResponse>`);
        return;
      }
      send(e.status, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${esc(e.message)}</Message></Error><RequestId>{RID}</RequestId></ErrorResponse>`);
    }
  }

  /** SigV4 (AWS4-HMAC-SHA256), checked as AWS does; throws the error AWS would answer. */
  private authenticate(req: IncomingMessage, u: URL, body: Buffer): FakeIamUser {
    const auth = String(req.headers.authorization ?? '');
    if (!auth) throw new ApiError(403, 'MissingAuthenticationToken', 'Missing Authentication Token');
    const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/);
    if (!m) throw new ApiError(400, 'IncompleteSignature', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${auth.split(' ')[0]}`);
    const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
    const user = this.users.find((x) => x.accessKeyId === keyId);
    if (!user) throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (service !== 'route53') throw new ApiError(403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: 'route53'.`);
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const names = signedHeaders!.split(';');
    if (!names.includes('host') || !amzDate.startsWith(date!)) throw new ApiError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
    const canonicalUri = u.pathname.split('/').map((s) => rfc3986(s)).join('/');
    const canonicalQuery = [...u.searchParams.entries()]
      .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
      .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const canonicalHeaders = names.map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(body));
    const canonical = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${user.secretAccessKey}`, date!), region!), service!), 'aws4_request');
    if (createHmac('sha256', key).update(toSign).digest('hex') !== signature) {
      throw new ApiError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
    }
    return user;
  }

  private zone(id: string): FakeZone {
    const z = this.zones.find((x) => x.id === id);
    if (!z) throw new ApiError(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
    return z;
  }

  private zoneXml(z: FakeZone): string {
    return `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${z.name}.</Name><CallerReference>certdesk-fake-${z.id}</CallerReference><Config><Comment></Comment><PrivateZone>${z.privateZone ? 'true' : 'false'}</PrivateZone></Config><ResourceRecordSetCount>${this.records.get(z.id)?.size ?? 0}</ResourceRecordSetCount></HostedZone>`;
  }

  private route(method: string, path: string): { action: string; resource: string; run: (q: Record<string, string>, body: string) => Promise<string> | string } {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/2013-04-01/hostedzone') return { action: 'route53:ListHostedZones', resource: '*', run: (q) => this.listZones(q) };
    if (method === 'GET' && (m = path.match(/^\/2013-04-01\/hostedzone\/([^/]+)$/))) {
      const id = m[1]!;
      return {
        action: 'route53:GetHostedZone',
        resource: `arn:aws:route53:::hostedzone/${id}`,
        run: () => `<GetHostedZoneResponse xmlns="${NS}">${this.zoneXml(this.zone(id))}<DelegationSet><NameServers><NameServer>ns-1.awsdns-01.com</NameServer><NameServer>ns-2.awsdns-02.net</NameServer></NameServers></DelegationSet></GetHostedZoneResponse>`,
      };
    }
    if ((m = path.match(/^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/))) {
      const id = m[1]!;
      if (method === 'GET') return { action: 'route53:ListResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${id}`, run: (q) => this.listSets(id, q) };
      if (method === 'POST') return { action: 'route53:ChangeResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${id}`, run: (_q, b) => this.change(id, b) };
    }
    if (method === 'GET' && (m = path.match(/^\/2013-04-01\/change\/([^/]+)$/))) {
      const id = m[1]!;
      return { action: 'route53:GetChange', resource: `arn:aws:route53:::change/${id}`, run: () => this.getChange(id) };
    }
    throw new ApiError(404, 'UnknownOperationException', `No operation for ${method} ${path}`);
  }

  private listZones(q: Record<string, string>): string {
    const max = Math.min(Number(q.maxitems ?? 100) || 100, 100);
    let start = 0;
    if (q.marker) {
      start = this.zones.findIndex((z) => z.id === q.marker);
      if (start < 0) throw new ApiError(400, 'InvalidInput', `Invalid marker: ${q.marker}`);
    }
    const page = this.zones.slice(start, start + max);
    const next = this.zones[start + max];
    return (
      `<ListHostedZonesResponse xmlns="${NS}"><HostedZones>${page.map((z) => this.zoneXml(z)).join('')}</HostedZones>` +
      `${q.marker ? `<Marker>${q.marker}</Marker>` : ''}<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `<NextMarker>${next.id}</NextMarker>` : ''}<MaxItems>${max}</MaxItems></ListHostedZonesResponse>`
    );
  }

  private sorted(id: string): RRSet[] {
    return [...(this.records.get(id)?.values() ?? [])].sort((a, b) => {
      const ra = reversed(a.name);
      const rb = reversed(b.name);
      if (ra !== rb) return ra < rb ? -1 : 1;
      return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
    });
  }

  private setXml(s: RRSet): string {
    return `<ResourceRecordSet><Name>${s.name.replace(/\*/g, '\\052')}.</Name><Type>${s.type}</Type><TTL>${s.ttl}</TTL><ResourceRecords>${s.values.map((v) => `<ResourceRecord><Value>${esc(v)}</Value></ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet>`;
  }

  private listSets(id: string, q: Record<string, string>): string {
    this.zone(id);
    if (q.type && !q.name) throw new ApiError(400, 'InvalidInput', 'The input is not valid: StartRecordType requires StartRecordName.');
    const max = Math.min(Number(q.maxitems ?? 300) || 300, 300);
    const all = this.sorted(id);
    const startName = q.name ? reversed(norm(q.name)) : '';
    const startType = q.type ?? '';
    const from = all.findIndex((s) => reversed(s.name) > startName || (reversed(s.name) === startName && s.type >= startType));
    const rest = from < 0 ? [] : all.slice(from);
    const page = rest.slice(0, max);
    const next = rest[max];
    return (
      `<ListResourceRecordSetsResponse xmlns="${NS}"><ResourceRecordSets>${page.map((s) => this.setXml(s)).join('')}</ResourceRecordSets>` +
      `<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `<NextRecordName>${next.name}.</NextRecordName><NextRecordType>${next.type}</NextRecordType>` : ''}<MaxItems>${max}</MaxItems></ListResourceRecordSetsResponse>`
    );
  }

  /** Sets a TXT set directly, as another client of the account would (not mirrored into BIND). */
  setTxtBehindTheBack(zoneId: string, name: string, ttl: number, values: string[]): void {
    const n = norm(name);
    this.records.get(zoneId)!.set(`${n}|TXT`, { name: n, type: 'TXT', ttl, values: values.map((v) => `"${v}"`) });
  }

  private change(id: string, xml: string): string {
    const hook = this.beforeNextChange;
    this.beforeNextChange = null;
    hook?.();
    const zone = this.zone(id);
    const sets = this.records.get(id)!;
    const work = new Map(sets);
    const problems: string[] = [];
    const touched = new Map<string, TxtSet | null>(); // name → TXT set before the batch
    const changes = tags(xml, 'Change');
    if (!changes.length) throw new ApiError(400, 'InvalidInput', 'Invalid XML ; cvc-complex-type.2.4.b: The content of element \'Changes\' is not complete.');
    for (const c of changes) {
      const action = tag(c, 'Action') ?? '';
      const rr = tag(c, 'ResourceRecordSet') ?? '';
      const name = norm(tag(rr, 'Name') ?? '');
      const type = tag(rr, 'Type') ?? '';
      const ttl = Number(tag(rr, 'TTL'));
      const values = tags(rr, 'Value').map(unesc);
      const key = `${name}|${type}`;
      const label = `[name='${name}.', type='${type}']`;
      if (!inZone(name, zone.name)) {
        problems.push(`RRSet with DNS name ${name}. is not permitted in zone ${zone.name}.`);
        continue;
      }
      if (type === 'TXT') {
        const bad = values.find((v) => !/^\s*"/.test(v) || !/"\s*$/.test(v));
        if (bad !== undefined) {
          problems.push(`Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${bad}''`);
          continue;
        }
      }
      if (type === 'TXT' && !touched.has(name)) {
        const b = sets.get(key);
        touched.set(name, b ? { ttl: b.ttl, values: b.values.map(txtOf) } : null);
      }
      const current = work.get(key);
      if (action === 'CREATE') {
        if (current) problems.push(`Tried to create resource record set ${label} but it already exists`);
        else work.set(key, { name, type, ttl, values });
      } else if (action === 'DELETE') {
        if (!current) problems.push(`Tried to delete resource record set ${label} but it was not found`);
        else if (current.ttl !== ttl || [...current.values].sort().join('\n') !== [...values].sort().join('\n')) {
          problems.push(`Tried to delete resource record set ${label} but the values provided do not match the current values`);
        } else work.delete(key);
      } else if (action === 'UPSERT') {
        work.set(key, { name, type, ttl, values });
      } else {
        problems.push(`Invalid action ${action}`);
      }
    }
    if (problems.length) throw new ApiError(400, 'InvalidChangeBatch', `[${problems.join(', ')}]`);
    this.records.set(id, work);
    const changeId = `C${randomBytes(10).toString('hex').toUpperCase().slice(0, 19)}`;
    const submittedAt = new Date().toISOString();
    this.changes.set(changeId, { status: 'PENDING', submittedAt });
    const writes = [...touched].map(([name, before]) => {
      const a = work.get(`${name}|TXT`);
      return { name, before, after: a ? { ttl: a.ttl, values: a.values.map(txtOf) } : null };
    });
    // On "all name servers" (BIND) only after insyncAfterMs; INSYNC only once written there.
    const timer = setTimeout(() => {
      void Promise.all(writes.map((w) => this.mirror?.write(w.name, w.before, w.after)))
        .then(() => this.changes.set(changeId, { status: 'INSYNC', submittedAt }))
        .catch((e: unknown) => console.error('fake Route 53: BIND write failed', e));
    }, this.insyncAfterMs);
    timer.unref();
    return `<ChangeResourceRecordSetsResponse xmlns="${NS}"><ChangeInfo><Id>/change/${changeId}</Id><Status>PENDING</Status><SubmittedAt>${submittedAt}</SubmittedAt><Comment>${esc(unesc(tag(xml, 'Comment') ?? ''))}</Comment></ChangeInfo></ChangeResourceRecordSetsResponse>`;
  }

  private getChange(id: string): string {
    const c = this.changes.get(id);
    if (!c) throw new ApiError(404, 'NoSuchChange', `A change with the specified change ID does not exist.`);
    return `<GetChangeResponse xmlns="${NS}"><ChangeInfo><Id>/change/${id}</Id><Status>${c.status}</Status><SubmittedAt>${c.submittedAt}</SubmittedAt></ChangeInfo></GetChangeResponse>`;
  }
}

/** Zone ids of the standard set-up: fillers enough that finding the bed's zone needs a second page. */
export const ROUTE53_ZONE_ID = 'Z0EXAMPLETEST00001';
export const ROUTE53_PRIVATE_ZONE_ID = 'Z0PRIVATEEXAMPLE01';
export const ROUTE53_USER = { accessKeyId: 'AKIAFAKECERTDESK0001', secretAccessKey: 'fAkE/Secret+Key0123456789abcdefghijKLMNOP' };

/** A fake with 120 public filler zones, a private zone of the same name first, then the bed's zone. */
export function startStandardRoute53(opts: Partial<FakeRoute53Options> = {}): Promise<FakeRoute53> {
  const zone = new BindSink().zone;
  const fillers = Array.from({ length: 120 }, (_, i) => ({ id: `Z0FILLER${String(i).padStart(10, '0')}`, name: `filler-${i}.example.org` }));
  return FakeRoute53.start({
    users: [ROUTE53_USER],
    zones: [...fillers.slice(0, 5), { id: ROUTE53_PRIVATE_ZONE_ID, name: zone, privateZone: true }, ...fillers.slice(5), { id: ROUTE53_ZONE_ID, name: zone }],
    ...opts,
  });
}

/** The shared conformance suite's target: our client against this fake, `dig` at the bed's BIND as the witness. */
export function route53ConformanceTarget(): ConformanceTarget {
  let fake: FakeRoute53;
  const start = async () => {
    fake = await startStandardRoute53();
  };
  const account = (secretAccessKey = ROUTE53_USER.secretAccessKey) => ({
    accessKeyId: ROUTE53_USER.accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    endpoint: fake.url,
  });
  return {
    start,
    stop: async () => fake?.stop(),
    title: 'route53 (AWS SDK) against a fake Route 53 API writing into BIND',
    provider: () => createProvider('route53', account()),
    badCredentials: () => createProvider('route53', account('wrong/Secret+Key0123456789abcdefghijKLMNOP')),
    badCredentialsCause: /SignatureDoesNotMatch.*secret access key is wrong|rejected the signature made with the secret access key.*SignatureDoesNotMatch/,
    zone: bedEnv('BIND_ZONE'),
    outside: { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /no public hosted zone for _acme-challenge\.www\.elsewhere\.invalid.*looked for .*elsewhere\.invalid/ },
    visible: (fqdn) => digTxt(`127.0.0.1:${bedEnv('BIND_PORT')}`, fqdn),
  };
}
