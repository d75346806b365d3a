// A local fake of the two Azure services the Azure DNS provider talks to, over HTTPS on 127.0.0.1 with a
// throwaway CA (trusted only by the client under test):
//   - Microsoft Entra ID (the "authority"): the OpenID configuration MSAL reads
//     (GET /{tenant}/v2.0/.well-known/openid-configuration) and the v2.0 token endpoint
//     (POST /{tenant}/oauth2/v2.0/token, grant_type=client_credentials, client_secret in the form), answering
//     errors the way Entra does ({"error":"invalid_client","error_description":"AADSTS7000215: ..."}, 401;
//     unknown application 400 AADSTS700016; unknown tenant 400 AADSTS90002);
//   - Azure Resource Manager for Microsoft.Network/dnszones (api-version 2018-05-01): bearer tokens checked
//     (signature, expiry, audience, tenant), role assignments checked per action and scope (403
//     AuthorizationFailed naming both), SubscriptionNotFound/ResourceGroupNotFound, zone listing in pages with an
//     absolute nextLink ($top and $skipToken), TXT record sets with etags, If-Match / If-None-Match (412), the
//     record-set 404 body without the "error" wrapper as the DNS resource provider sends it.
// Record sets of the BIND-backed zone are written into the test BIND by RFC 2136 (the bed's TSIG key) before
// the answer goes out, so dig and Pebble see exactly what "Azure" holds.
import { createHmac, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as x509 from '@peculiar/x509';
import { AzureDnsProvider, parseConfig } from '../../../electron/dns/azure/provider.ts';
import type { ProviderConfig } from '../../../electron/dns/types.ts';
import { bedEnv } from '../bed.ts';
import type { ConformanceTarget } from '../dns-conformance.ts';
import { digTxt } from '../dns-tools.ts';
import { BindSink, type TxtSet } from './bind-sink.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const API_VERSION = '2018-05-01';

export interface Grant {
  /** An ARM scope: `/subscriptions/S/resourceGroups/RG`, or a zone's or record set's id. */
  scope: string;
  /** Actions, `*` as a wildcard (DNS Zone Contributor: `Microsoft.Network/dnsZones/*`). */
  actions: string[];
}

export interface AzureFakeOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Zones in the resource group. */
  zones: string[];
  /** Where the record sets of the sink's zone (the bed's) are written. */
  bind?: BindSink;
  /** Zones per page of a listing (ARM's own default is 100). */
  pageSize?: number;
  /** Role assignments of the application; default: DNS Zone Contributor on the resource group. */
  grants?: Grant[];
  /** The directory the subscription belongs to (default: tenantId); another one makes ARM refuse the token. */
  subscriptionTenantId?: string;
}

export interface FakeRequest {
  service: 'login' | 'arm';
  method: string;
  path: string;
  /** The query string, `?` included (empty when none). */
  query: string;
  status: number;
  ifMatch?: string;
  ifNoneMatch?: string;
  authorization?: 'bearer' | 'none' | 'other';
}

interface StoredSet {
  etag: string;
  ttl: number;
  values: string[][];
  metadata?: Record<string, string>;
}

export interface AzureFake {
  /** `https://127.0.0.1:port` of the sign-in service. */
  authorityHost: string;
  /** `https://127.0.0.1:port` of Resource Manager. */
  endpoint: string;
  /** PEM of the throwaway CA that signed both servers' certificates. */
  ca: string;
  requests: FakeRequest[];
  grants: Grant[];
  /** Runs (once) between a client's read and its next write of a record set: a concurrent writer. */
  beforeNextWrite?: () => Promise<void>;
  /** TXT values at a record set as the fake holds them (joined chunks), sorted. */
  txt(zone: string, name: string): string[];
  /** A record set as the fake holds it: TTL, metadata, each record's strings (undefined when absent). */
  recordSet(zone: string, name: string): { ttl: number; records: string[][]; metadata?: Record<string, string> } | undefined;
  /** Changes a record set out of band (another client), BIND included; a value may be given as its strings. null deletes it. */
  setTxt(zone: string, name: string, values: Array<string | string[]> | null, ttl?: number, metadata?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** A throwaway CA and a certificate for 127.0.0.1 signed by it (EC P-256). */
export async function throwawayTls(): Promise<{ ca: string; cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const subtle = webcrypto.subtle;
  const caKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leafKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=Certdesk test Azure fake CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: 'CN=127.0.0.1',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', leafKeys.privateKey)).toString('base64');
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { ca: ca.toString('pem'), cert: leaf.toString('pem'), key };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': String(Buffer.byteLength(text)),
    'x-ms-request-id': randomUUID(),
    ...headers,
  });
  res.end(text);
}

const armError = (code: string, message: string) => ({ error: { code, message } });

function aadError(error: string, num: number, text: string) {
  const trace = randomUUID();
  const correlation = randomUUID();
  const ts = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${num}: ${text} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${ts}`,
    error_codes: [num],
    timestamp: ts,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${num}`,
  };
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

async function listen(server: https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startAzureFake(o: AzureFakeOptions): Promise<AzureFake> {
  const tls = await throwawayTls();
  const signingKey = randomBytes(32);
  const principalId = randomUUID();
  const requests: FakeRequest[] = [];
  const rgScope = `/subscriptions/${o.subscriptionId}/resourceGroups/${o.resourceGroup}`;
  const grants: Grant[] = o.grants ?? [{ scope: rgScope, actions: ['Microsoft.Network/dnsZones/*'] }];
  /** zone → relative name → TXT record set. */
  const store = new Map<string, Map<string, StoredSet>>(o.zones.map((z) => [z.toLowerCase(), new Map()]));
  const bind = o.bind;

  const loginServer = https.createServer({ cert: tls.cert, key: tls.key });
  const armServer = https.createServer({ cert: tls.cert, key: tls.key });
  const loginPort = await listen(loginServer);
  const armPort = await listen(armServer);
  const authorityHost = `https://127.0.0.1:${loginPort}`;
  const endpoint = `https://127.0.0.1:${armPort}`;

  const fake: AzureFake = {
    authorityHost,
    endpoint,
    ca: tls.ca,
    requests,
    grants,
    txt(zone, name) {
      return (store.get(zone.toLowerCase())?.get(name.toLowerCase())?.values ?? []).map((v) => v.join('')).sort();
    },
    recordSet(zone, name) {
      const set = store.get(zone.toLowerCase())?.get(name.toLowerCase());
      return set && { ttl: set.ttl, records: set.values.map((r) => [...r]), ...(set.metadata ? { metadata: { ...set.metadata } } : {}) };
    },
    async setTxt(zone, name, values, ttl = 60, metadata) {
      const z = store.get(zone.toLowerCase())!;
      const rel = name.toLowerCase();
      const before = z.get(rel);
      const after = values ? { etag: randomUUID(), ttl, values: values.map((v) => (Array.isArray(v) ? v : [v])), ...(metadata ? { metadata } : {}) } : undefined;
      await mirror(zone.toLowerCase(), rel, before, after);
      if (after) z.set(rel, after);
      else z.delete(rel);
    },
    async stop() {
      for (const s of [loginServer, armServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };

  /** Writes the difference between two states of a record set into BIND (when the zone is BIND's). */
  async function mirror(zone: string, rel: string, before: StoredSet | undefined, after: StoredSet | undefined): Promise<void> {
    if (!bind || zone !== bind.zone) return;
    const fqdn = rel === '@' ? zone : `${rel}.${zone}`;
    const txt = (set: StoredSet | undefined): TxtSet | null => (set ? { ttl: set.ttl, values: set.values.map((v) => v.join('')) } : null);
    await bind.write(fqdn, txt(before), txt(after));
  }

  // ---- Microsoft Entra ID ----
  const tenantOk = (t: string) => t.toLowerCase() === o.tenantId.toLowerCase();
  const metadata = (t: string) => ({
    token_endpoint: `${authorityHost}/${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authorityHost}/${t}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${authorityHost}/${t}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${authorityHost}/${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authorityHost}/${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authorityHost}/${t}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid', 'oid'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  });

  function token(scope: string): string {
    const now = Math.floor(Date.now() / 1000);
    const resource = scope.replace(/\/\.default$/, '');
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
    const payload = b64url(
      JSON.stringify({
        aud: `${resource}/`,
        iss: `https://sts.windows.net/${o.tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        appid: o.clientId,
        idtyp: 'app',
        oid: principalId,
        sub: principalId,
        tid: o.tenantId,
        ver: '1.0',
      }),
    );
    const sig = b64url(createHmac('sha256', signingKey).update(`${header}.${payload}`).digest());
    return `${header}.${payload}.${sig}`;
  }

  loginServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', authorityHost);
      const log = (status: number) => requests.push({ service: 'login', method: req.method ?? '', path: url.pathname, query: url.search, status });
      const body = await readBody(req);
      let m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const t = decodeURIComponent(m[1]!);
        if (!tenantOk(t)) {
          log(400);
          return send(res, 400, aadError('invalid_tenant', 90002, `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`));
        }
        log(200);
        return send(res, 200, metadata(t));
      }
      m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (m && req.method === 'POST') {
        const t = decodeURIComponent(m[1]!);
        const form = new URLSearchParams(body);
        const reply = (status: number, b: unknown) => {
          log(status);
          send(res, status, b, { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
        };
        if (!/application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
          return reply(400, aadError('invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'."));
        }
        if (!tenantOk(t)) return reply(400, aadError('invalid_tenant', 90002, `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
        if (form.get('grant_type') !== 'client_credentials') {
          return reply(400, aadError('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
        }
        if (form.get('client_id') !== o.clientId) {
          return reply(
            400,
            aadError('unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${o.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
          );
        }
        if (form.get('client_secret') !== o.clientSecret) {
          return reply(
            401,
            aadError('invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${o.clientId}'.`),
          );
        }
        const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default'));
        if (!scope || scope.replace(/\/\.default$/, '') !== endpoint) {
          return reply(400, aadError('invalid_resource', 500011, `The resource principal named ${scope?.replace(/\/\.default$/, '') ?? '(none)'} was not found in the tenant named ${o.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`));
        }
        return reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token(scope) });
      }
      log(404);
      send(res, 404, { error: 'not_found' });
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String(e) });
    });
  });

  // ---- Azure Resource Manager ----
  /** The token's claims when it is valid for this Resource Manager, else the 401 to send. */
  function checkToken(header: string | undefined): { claims: Record<string, unknown> } | { status: number; body: unknown; challenge: string } {
    const challenge = `Bearer authorization_uri="${authorityHost}/${o.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`;
    if (!header) return { status: 401, body: armError('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."), challenge };
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m) return { status: 401, body: armError('AuthenticationFailedInvalidHeader', "Authentication failed. The 'Authorization' header is provided in an invalid format."), challenge };
    const [h, p, s] = m[1]!.split('.');
    const good = h && p && s && b64url(createHmac('sha256', signingKey).update(`${h}.${p}`).digest()) === s;
    if (!good) return { status: 401, body: armError('InvalidAuthenticationToken', 'The access token is invalid.'), challenge };
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (Number(claims.exp) < Date.now() / 1000) {
      return { status: 401, body: armError('ExpiredAuthenticationToken', `The access token expiry UTC time '${new Date(Number(claims.exp) * 1000).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`), challenge };
    }
    if (claims.aud !== `${endpoint}/` && claims.aud !== endpoint) {
      return {
        status: 401,
        body: armError('InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${String(claims.aud)}'. It should exactly match with one of the allowed audiences '${endpoint}/','${endpoint}'.`),
        challenge,
      };
    }
    return { claims };
  }

  function allowed(action: string, scope: string): boolean {
    const s = scope.toLowerCase();
    return grants.some((g) => {
      const gs = g.scope.toLowerCase().replace(/\/$/, '');
      return (s === gs || s.startsWith(`${gs}/`)) && g.actions.some((a) => actionMatches(a, action));
    });
  }

  function zoneJson(z: string) {
    return {
      id: `${rgScope}/providers/Microsoft.Network/dnszones/${z}`,
      name: z,
      type: 'Microsoft.Network/dnszones',
      etag: '00000002-0000-0000-0000-000000000000',
      location: 'global',
      tags: {},
      properties: {
        maxNumberOfRecordSets: 10000,
        maxNumberOfRecordsPerRecordSet: 20,
        numberOfRecordSets: 2 + (store.get(z)?.size ?? 0),
        nameServers: ['ns1-01.azure-dns.com.', 'ns2-01.azure-dns.net.', 'ns3-01.azure-dns.org.', 'ns4-01.azure-dns.info.'],
        zoneType: 'Public',
      },
    };
  }

  function recordSetJson(z: string, rel: string, set: StoredSet) {
    return {
      id: `${rgScope}/providers/Microsoft.Network/dnszones/${z}/TXT/${rel}`,
      name: rel,
      type: 'Microsoft.Network/dnszones/TXT',
      etag: set.etag,
      properties: {
        ...(set.metadata ? { metadata: set.metadata } : {}),
        TTL: set.ttl,
        fqdn: rel === '@' ? `${z}.` : `${rel}.${z}.`,
        provisioningState: 'Succeeded',
        targetResource: {},
        TXTRecords: set.values.map((value) => ({ value })),
      },
    };
  }

  const etagMatches = (header: string, etag: string) => header.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).some((t) => t === '*' || t === etag);

  armServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', endpoint);
      const method = req.method ?? 'GET';
      const ifMatch = req.headers['if-match'] as string | undefined;
      const ifNoneMatch = req.headers['if-none-match'] as string | undefined;
      const auth = req.headers.authorization;
      const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        requests.push({
          service: 'arm',
          method,
          path: url.pathname,
          query: url.search,
          status,
          ...(ifMatch ? { ifMatch } : {}),
          ...(ifNoneMatch ? { ifNoneMatch } : {}),
          authorization: auth ? (auth.startsWith('Bearer ') ? 'bearer' : 'other') : 'none',
        });
        send(res, status, body, headers);
      };
      const body = await readBody(req);

      const t = checkToken(auth);
      if ('status' in t) return reply(t.status, t.body, { 'WWW-Authenticate': t.challenge });
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) return reply(400, armError('MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."));
      if (apiVersion !== API_VERSION) {
        return reply(400, armError('NoRegisteredProviderFound', `No registered resource provider found for location 'global' and API version '${apiVersion}' for type 'dnszones'. The supported api-versions are '2015-05-04-preview, 2016-04-01, 2017-09-01, 2017-10-01, 2018-03-01-preview, 2018-05-01'.`));
      }

      const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones(?:\/([^/]+)(?:\/([^/]+)\/([^/]+))?)?\/?$/i.exec(url.pathname);
      if (!m) return reply(404, armError('InvalidResourceType', `The resource type could not be found in the namespace for path '${url.pathname}'.`));
      const [, sub, rg, zoneRaw, typeRaw, relRaw] = m.map((x) => (x === undefined ? undefined : decodeURIComponent(x)));
      if (sub!.toLowerCase() !== o.subscriptionId.toLowerCase()) {
        return reply(404, armError('SubscriptionNotFound', `The subscription '${sub}' could not be found.`));
      }
      const subTenant = o.subscriptionTenantId ?? o.tenantId;
      if (String(t.claims.tid).toLowerCase() !== subTenant.toLowerCase()) {
        return reply(
          401,
          armError(
            'InvalidAuthenticationTokenTenant',
            `The access token is from the wrong issuer '${String(t.claims.iss)}'. It must match the tenant 'https://sts.windows.net/${subTenant}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${subTenant}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
          ),
          { 'WWW-Authenticate': `Bearer authorization_uri="https://login.windows.net/${subTenant}", error="invalid_token", error_description="The access token is from the wrong issuer."` },
        );
      }
      const zone = zoneRaw?.toLowerCase();
      const type = typeRaw?.toUpperCase();
      const rel = relRaw?.toLowerCase();
      const scope = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/dnszones${zone ? `/${zone}` : ''}${type ? `/${type}/${rel}` : ''}`;
      const action = type
        ? `Microsoft.Network/dnsZones/${type}/${method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'}`
        : `Microsoft.Network/dnsZones/${method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'}`;
      const authzScope = zone ? scope : `/subscriptions/${sub}/resourceGroups/${rg}`;
      if (!allowed(action, authzScope)) {
        return reply(
          403,
          armError(
            'AuthorizationFailed',
            `The client '${String(t.claims.appid)}' with object id '${String(t.claims.oid)}' does not have authorization to perform action '${action}' over scope '${zone ? scope : `${authzScope}/providers/Microsoft.Network`}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
          ),
        );
      }
      if (rg!.toLowerCase() !== o.resourceGroup.toLowerCase()) {
        return reply(404, armError('ResourceGroupNotFound', `Resource group '${rg}' could not be found.`));
      }

      // Zone listing, in pages.
      if (!zone) {
        if (method !== 'GET') return reply(405, armError('MethodNotAllowed', `The requested method '${method}' is not allowed.`));
        const all = [...store.keys()].sort();
        const top = Number(url.searchParams.get('$top')) || Infinity;
        const size = Math.min(top, o.pageSize ?? 100);
        const skip = Number(Buffer.from(url.searchParams.get('$skipToken') ?? '', 'base64url').toString('utf8')) || 0;
        const page = all.slice(skip, skip + size);
        const next = skip + size < all.length ? `${endpoint}${url.pathname}?api-version=${API_VERSION}${Number.isFinite(top) ? `&$top=${top}` : ''}&$skipToken=${b64url(String(skip + size))}` : undefined;
        return reply(200, { value: page.map(zoneJson), ...(next ? { nextLink: next } : {}) });
      }
      const zoneStore = store.get(zone);
      if (!type) {
        if (method !== 'GET') return reply(405, armError('MethodNotAllowed', `The fake serves GET on zones only, not ${method}.`));
        if (!zoneStore) {
          return reply(404, armError('ResourceNotFound', `The Resource 'Microsoft.Network/dnszones/${zoneRaw}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`));
        }
        return reply(200, zoneJson(zone));
      }
      if (!zoneStore) {
        return reply(404, armError('ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${zoneRaw}' not found.`));
      }
      if (type !== 'TXT') return reply(400, { code: 'BadRequest', message: `The fake serves TXT record sets only, not ${type}.` });
      const cur = zoneStore.get(rel!);
      const notFound = { code: 'NotFound', message: `The resource record '${relRaw}' does not exist in resource group '${rg}' of subscription '${sub}'.` };
      const preconditionFailed = (why: string) => reply(412, { code: 'PreconditionFailed', message: why });

      if (method === 'GET') {
        if (!cur) return reply(404, notFound);
        return reply(200, recordSetJson(zone, rel!, cur), { ETag: cur.etag });
      }
      const write = async (next: StoredSet | undefined) => {
        const hook = fake.beforeNextWrite;
        if (hook) {
          fake.beforeNextWrite = undefined;
          await hook();
        }
        // Preconditions are compared with the state after any concurrent writer ran.
        const now = zoneStore.get(rel!);
        if (ifMatch !== undefined && (!now || !etagMatches(ifMatch, now.etag))) {
          preconditionFailed(`The Record set ${relRaw} has been modified (etag mismatch).`);
          return false;
        }
        if (ifNoneMatch !== undefined && now && etagMatches(ifNoneMatch, now.etag)) {
          preconditionFailed(`The Record set ${relRaw} exists already and hence cannot be created again.`);
          return false;
        }
        await mirror(zone, rel!, now, next);
        if (next) zoneStore.set(rel!, next);
        else zoneStore.delete(rel!);
        return now;
      };
      if (method === 'DELETE') {
        const before = await write(undefined);
        if (before === false) return;
        return reply(before ? 200 : 204);
      }
      if (method === 'PUT') {
        let parsed: { properties?: { TTL?: unknown; TXTRecords?: Array<{ value?: unknown }>; metadata?: Record<string, string> } };
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          return reply(400, { code: 'BadRequest', message: 'The request body could not be parsed as JSON.' });
        }
        const p = parsed.properties ?? {};
        if (typeof p.TTL !== 'number' || !Number.isInteger(p.TTL) || p.TTL < 0) return reply(400, { code: 'BadRequest', message: 'The value for the record set TTL is invalid.' });
        const recs = p.TXTRecords ?? [];
        if (!recs.length) return reply(400, { code: 'BadRequest', message: 'The record set must contain at least one record.' });
        if (recs.length > 20) return reply(400, { code: 'BadRequest', message: 'The number of records in the record set exceeds the limit of 20.' });
        const values: string[][] = [];
        for (const r of recs) {
          if (!Array.isArray(r.value) || !r.value.length || !r.value.every((v) => typeof v === 'string' && v.length <= 255)) {
            return reply(400, { code: 'BadRequest', message: 'A TXT record value must be a list of strings of at most 255 characters each.' });
          }
          values.push(r.value as string[]);
        }
        const next: StoredSet = { etag: randomUUID(), ttl: p.TTL, values, ...(p.metadata ? { metadata: p.metadata } : {}) };
        const before = await write(next);
        if (before === false) return;
        return reply(before ? 200 : 201, recordSetJson(zone, rel!, next), { ETag: next.etag });
      }
      return reply(405, armError('MethodNotAllowed', `The fake serves GET, PUT and DELETE on record sets, not ${method}.`));
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, armError('InternalServerError', String(e)));
    });
  });

  return fake;
}

// ---- The fake on the test bed: its zone example.test mirrored into the bed's BIND ----

/** Account values the bed's fake accepts (the secret looks like a real one: `~` and dots included). */
export function azureAccount(): Pick<AzureFakeOptions, 'tenantId' | 'clientId' | 'clientSecret' | 'subscriptionId' | 'resourceGroup'> {
  return {
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: randomUUID(),
    clientSecret: `Qx8~${randomBytes(24).toString('base64url')}.az`,
    subscriptionId: randomUUID(),
    resourceGroup: 'dns-rg',
  };
}

/** A fake whose zones are `zones` (default: the bed's zone and some others), the bed's zone written into BIND. */
export async function startBedAzureFake(extra: Partial<AzureFakeOptions> = {}): Promise<AzureFake & { account: ReturnType<typeof azureAccount> }> {
  const zone = bedEnv('BIND_ZONE');
  const account = azureAccount();
  const fake = await startAzureFake({
    ...account,
    zones: ['contoso.example', 'fabrikam.example', zone, 'sub.contoso.example'],
    bind: new BindSink('Azure fake → BIND'),
    ...extra,
  });
  return Object.assign(fake, { account });
}

/** The provider's form values for a fake (both endpoints pointed at it). */
export function azureConfig(fake: AzureFake & { account: ReturnType<typeof azureAccount> }, extra: ProviderConfig = {}): ProviderConfig {
  return { ...fake.account, endpoint: fake.endpoint, authorityHost: fake.authorityHost, ...extra };
}

/** The real provider (real SDKs) talking to the fake, trusting the fake's CA in this client only. */
export function azureProvider(fake: AzureFake & { account: ReturnType<typeof azureAccount> }, extra: ProviderConfig = {}): AzureDnsProvider {
  return new AzureDnsProvider(parseConfig(azureConfig(fake, extra)), { ca: fake.ca, retry: { maxRetries: 0 } });
}

/** The shared conformance suite's target for Azure DNS (the suite starts and stops the fake). */
export function azureConformanceTarget(): ConformanceTarget {
  let fake: Awaited<ReturnType<typeof startBedAzureFake>>;
  return {
    title: 'azure (real @azure/arm-dns + @azure/identity) against a fake Azure writing into BIND',
    start: async () => {
      fake = await startBedAzureFake({ pageSize: 2 });
    },
    stop: async () => fake?.stop(),
    provider: () => azureProvider(fake),
    badCredentials: () => azureProvider(fake, { clientSecret: `Qx8~${randomBytes(24).toString('base64url')}.az` }),
    badCredentialsCause: /Microsoft Entra ID .* refused to sign in the application .*AADSTS7000215: Invalid client secret/,
    zone: bedEnv('BIND_ZONE'),
    outside: {
      fqdn: '_acme-challenge.www.elsewhere.invalid',
      message: /no DNS zone for _acme-challenge\.www\.elsewhere\.invalid in resource group "dns-rg" .*needs a zone named www\.elsewhere\.invalid, elsewhere\.invalid or invalid/,
    },
    visible: (fqdn) => digTxt(`127.0.0.1:${bedEnv('BIND_PORT')}`, fqdn),
  };
}
