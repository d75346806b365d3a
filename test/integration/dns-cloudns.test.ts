// The ClouDNS provider against a local fake of the ClouDNS HTTP API whose records land in the bed's BIND: the
// shared conformance suite for a main API user (auth-id) and a sub-user (sub-auth-id), then what is ClouDNS's
// own: HTTP-200 "Failed" answers become errors, zones listed over several pages to say which zone is missing,
// slave zones, TTL rounding, credentials only in the POST body, the connection test, no secret in messages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { ClouDnsApi, ClouDnsFailure } from '../../electron/dns/cloudns/api.ts';
import { createProvider, descriptors } from '../../electron/dns/registry.ts';
import type { DnsProvider, ProviderConfig } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { dnsConformance } from '../helpers/dns-conformance.ts';
import { closedPort, digTxt, rejectsWith } from '../helpers/dns-tools.ts';
import { startClouDnsFake, type ClouDnsFake } from '../helpers/fakes/cloudns.ts';

const ZONE = bedEnv('BIND_ZONE');
const bindServer = `127.0.0.1:${bedEnv('BIND_PORT')}`;
const ZONE_RE = ZONE.replace(/\./g, '\\.');
const PASSWORD = randomBytes(12).toString('base64url');
const SUB_PASSWORD = randomBytes(12).toString('base64url');
const OTHER_PASSWORD = randomBytes(12).toString('base64url');
const WRONG = randomBytes(12).toString('base64url');
const SECRETS = [PASSWORD, SUB_PASSWORD, OTHER_PASSWORD, WRONG];
/** 250 other zones: with 100 per page the zone list takes three pages. */
const FILLERS = Array.from({ length: 250 }, (_, i) => ({ name: `zone-${String(i + 1).padStart(3, '0')}.invalid` }));

let fake: ClouDnsFake;
before(async () => {
  fake = await startClouDnsFake({
    zones: [...FILLERS, { name: 'secondary.invalid', type: 'slave' }, { name: ZONE }],
    bindZone: ZONE,
    users: [
      { id: '1234', password: PASSWORD },
      { id: '77', password: SUB_PASSWORD, sub: true, zones: [ZONE] },
      { user: 'other-sub', password: OTHER_PASSWORD, sub: true, zones: ['zone-001.invalid'] },
    ],
  });
});
after(async () => {
  await fake?.close();
});

const cd = (config: ProviderConfig): DnsProvider => createProvider('cloudns', { endpoint: fake.url, ...config });
const uniq = () => randomBytes(5).toString('hex');
const value = () => randomBytes(32).toString('base64url').slice(0, 43);

/** The AppError a call fails with; no secret anywhere in it. */
const failure = (p: Promise<unknown>): Promise<AppError> =>
  rejectsWith(p, (e) => {
    const all = JSON.stringify(e.toInfo());
    for (const s of SECRETS) assert.ok(!all.includes(s), `no secret in the error: ${all}`);
  });

const authFailed = /the API user \((Auth ID 1234|Sub auth ID 77)\) and password were not accepted while logging in: "Invalid authentication, incorrect auth-id or auth-password\."/;

dnsConformance({
  title: 'cloudns (main API user, auth-id) against a fake API writing into BIND',
  provider: () => cd({ authId: '1234', password: PASSWORD }),
  badCredentials: () => cd({ authId: '1234', password: WRONG }),
  badCredentialsCause: authFailed,
  zone: ZONE,
  outside: {
    fqdn: '_acme-challenge.www.elsewhere.invalid',
    message: /no zone for _acme-challenge\.www\.elsewhere\.invalid: none of www\.elsewhere\.invalid, elsewhere\.invalid is a zone in this ClouDNS account; Auth ID 1234 sees 252 zones: zone-001\.invalid/,
  },
  visible: (fqdn) => digTxt(bindServer, fqdn),
});

dnsConformance({
  title: 'cloudns (sub-user, sub-auth-id) against a fake API writing into BIND',
  provider: () => cd({ subAuthId: '77', password: SUB_PASSWORD }),
  badCredentials: () => cd({ subAuthId: '77', password: WRONG }),
  badCredentialsCause: authFailed,
  zone: ZONE,
  outside: {
    fqdn: '_acme-challenge.zone-002.invalid',
    message: new RegExp(`no zone for _acme-challenge\\.zone-002\\.invalid: none of zone-002\\.invalid is a zone in this ClouDNS account; Sub auth ID 77 sees 1 zone: ${ZONE_RE}\\.`),
  },
  visible: (fqdn) => digTxt(bindServer, fqdn),
});

describe('ClouDNS specifics', () => {
  it('is listed in the registry with the field ids of the CLI contract and the seed\'s labels', () => {
    const d = descriptors().find((x) => x.id === 'cloudns');
    assert.ok(d);
    assert.equal(d.displayName, 'ClouDNS');
    assert.deepEqual(
      d.fields.map((f) => [f.id, f.label, f.secret, Boolean(f.advanced)]),
      [
        ['authId', 'Auth ID', false, false],
        ['subAuthId', 'Sub auth ID', false, false],
        ['subAuthUser', 'Sub auth user', false, false],
        ['password', 'Auth password', true, false],
        ['endpoint', 'Endpoint', false, true],
      ],
    );
  });

  it('an HTTP-200 "Failed" answer is an error with ClouDNS\'s own words', async () => {
    const api = new ClouDnsApi({ auth: { param: 'auth-id', value: '1234', password: PASSWORD }, endpoint: fake.url });
    await assert.rejects(
      api.call('add-record', { 'domain-name': ZONE, 'record-type': 'TXT', host: 'x', record: 'y', ttl: 61 }),
      (e: ClouDnsFailure) => e.kind === 'failed' && e.detail === 'Invalid TTL. Choose from the list of the values we support.',
    );
    await assert.rejects(api.call('delete-record', { 'domain-name': ZONE, 'record-id': '1' }), (e: ClouDnsFailure) => e.detail === 'Invalid record-id param.');
    const e = await failure(cd({ authId: '1234', password: PASSWORD }).present({ fqdn: '_acme-challenge.secondary.invalid', value: value(), ttl: 60 }));
    assert.match(e.message, /^ClouDNS: zone secondary\.invalid is a slave zone at ClouDNS; only master zones accept record changes\./);
  });

  it('a sub-user limited to other zones → the zone that is missing, with the zones it sees', async () => {
    const from = fake.requests.length;
    const e = await failure(cd({ subAuthUser: 'other-sub', password: OTHER_PASSWORD }).test!(`www.${ZONE}`));
    assert.match(e.message, new RegExp(`^ClouDNS: no zone for _acme-challenge\\.www\\.${ZONE_RE}: none of www\\.${ZONE_RE}, ${ZONE_RE} is a zone in this ClouDNS account; Sub auth user other-sub sees 1 zone: zone-001\\.invalid\\.`));
    assert.match(e.hint ?? '', /give this sub-user access to it/);
    assert.ok(fake.requests.slice(from).every((r) => r.params['sub-auth-user'] === 'other-sub'));
  });

  it('reads every page of zones (get-pages-count, then list-zones page by page)', async () => {
    const from = fake.requests.length;
    await failure(cd({ authId: '1234', password: PASSWORD }).present({ fqdn: '_acme-challenge.nowhere.invalid', value: value(), ttl: 60 }));
    const calls = fake.requests.slice(from).filter((r) => r.method.endsWith('zones') || r.method === 'get-pages-count');
    assert.deepEqual(calls.map((r) => `${r.method}${r.params.page ? `#${r.params.page}` : ''}`), ['get-pages-count', 'list-zones#1', 'list-zones#2', 'list-zones#3']);
  });

  it('credentials travel in the POST body only; TTLs are rounded up to one ClouDNS accepts; apex host is ""', async () => {
    const p = cd({ authId: '1234', password: PASSWORD });
    const fqdn = `_acme-challenge.ttl-${uniq()}.${ZONE}`;
    const v = value();
    const from = fake.requests.length;
    await p.present({ fqdn, value: v, ttl: 120 });
    assert.deepEqual(fake.records(ZONE).filter((r) => r.record === v).map((r) => r.ttl), ['300']);
    await p.cleanUp({ fqdn, value: v, ttl: 120 });
    assert.ok(fake.requests.slice(from).every((r) => r.httpMethod === 'POST' && r.params['auth-password'] === '***'));
    const apex = value();
    await p.present({ fqdn: ZONE, value: apex, ttl: 60 });
    assert.deepEqual(fake.records(ZONE).filter((r) => r.record === apex).map((r) => r.host), ['']);
    assert.ok((await digTxt(bindServer, ZONE)).includes(apex));
    await p.cleanUp({ fqdn: ZONE, value: apex, ttl: 60 });
    assert.ok(!(await digTxt(bindServer, ZONE)).includes(apex));
  });

  it('test() with good credentials: logged in, zone found, a probe record added and removed, nothing left', async () => {
    const r = await cd({ subAuthId: '77', password: SUB_PASSWORD }).test!(`*.${ZONE}`);
    assert.equal(r.zone, ZONE);
    assert.match(r.detail, new RegExp(`^Sub auth ID 77 logged in; master zone ${ZONE_RE} found; a TXT record at _acme-challenge\\.${ZONE_RE} was added and removed again\\.`));
    assert.deepEqual(fake.records(ZONE), []);
    const bad = await failure(cd({ authId: '1234', password: WRONG }).test!(ZONE));
    assert.match(bad.message, /^ClouDNS: the API user \(Auth ID 1234\) and password were not accepted while logging in: "Invalid authentication/);
  });

  it('a wrong endpoint or no server → errors naming ClouDNS; bad fields → INVALID_INPUT', async () => {
    const rec = { fqdn: `_acme-challenge.${ZONE}`, value: value(), ttl: 60 };
    const http = await failure(cd({ authId: '1234', password: PASSWORD, endpoint: `${fake.url}/wrong` }).present(rec));
    assert.match(http.message, /^ClouDNS: the API answered HTTP 404/);
    const net = await failure(cd({ authId: '1234', password: PASSWORD, endpoint: `http://127.0.0.1:${await closedPort()}` }).present(rec));
    assert.equal(net.code, 'NETWORK');
    assert.match(net.message, /^ClouDNS: could not reach http:\/\/127\.0\.0\.1:\d+ while logging in: ECONNREFUSED/);
    assert.throws(() => createProvider('cloudns', { password: PASSWORD }), (x: AppError) => x.code === 'INVALID_INPUT' && x.field === 'authId');
    assert.throws(() => createProvider('cloudns', { authId: '1', subAuthUser: 'u', password: PASSWORD }), (x: AppError) => /only one of/.test(x.message));
    assert.throws(() => createProvider('cloudns', { authId: '1' }), (x: AppError) => x.issues?.some((i) => i.field === 'password') === true);
  });
});
