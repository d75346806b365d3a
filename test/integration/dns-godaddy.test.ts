// GoDaddy specifics, through our REST client against the fake GoDaddy API (which writes into the bed's
// BIND): domains paged by marker, the 403 of accounts below GoDaddy's API threshold, TTL 600, 429 retried,
// relative record names, Test connection, field checks, secrets never in messages or URLs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { GoDaddyProvider, parseConfig, type GoDaddySettings } from '../../electron/dns/godaddy/provider.ts';
import { createProvider, descriptors } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { digTxt, rejectsWith } from '../helpers/dns-tools.ts';
import { GODADDY_ACCOUNT, startStandardGoDaddy, type FakeGoDaddy } from '../helpers/fakes/godaddy.ts';

const ZONE = bedEnv('BIND_ZONE');
const bind = `127.0.0.1:${bedEnv('BIND_PORT')}`;
const uniq = () => Math.random().toString(36).slice(2, 10);
const value = () => `v${uniq()}${uniq()}${uniq()}${uniq()}`.slice(0, 43);
const SMALL = { apiKey: 'smallAccountKey_000001', apiSecret: 'SmallAccountSecret000001', domains: ['small-shop.test'], denied: true };
const messages: string[] = [];

/** The AppError a call fails with; its message and hint are kept to be checked for secrets at the end. */
const failure = (p: Promise<unknown>): Promise<AppError> =>
  rejectsWith(p, (e) => {
    messages.push(`${e.message} ${e.hint ?? ''}`);
  });

describe('GoDaddy provider against the fake GoDaddy API', () => {
  let fake: FakeGoDaddy;
  const provider = (extra: Partial<GoDaddySettings> = {}, config: Record<string, string> = {}) =>
    new GoDaddyProvider({ ...parseConfig({ ...GODADDY_ACCOUNT, endpoint: fake.url, ...config }), ...extra });

  before(async () => {
    fake = await startStandardGoDaddy([SMALL]);
  });
  after(async () => {
    await fake?.stop();
    for (const m of messages) for (const s of [GODADDY_ACCOUNT.apiSecret, SMALL.apiSecret]) assert.ok(!m.includes(s), `a secret appears in a message: ${m}`);
    for (const r of fake?.requests ?? []) assert.ok(!`${r.path}?${JSON.stringify(r.query)}`.includes(GODADDY_ACCOUNT.apiSecret), 'the secret is only ever in the header');
  });

  it('finds the domain across pages of /v1/domains (limit + marker)', async () => {
    fake.requests.length = 0;
    const p = provider({ domainPageSize: 10 });
    assert.equal(await p.zoneFor(`_acme-challenge.www.${ZONE}`), ZONE);
    const pages = fake.requests.filter((r) => r.path === '/v1/domains');
    assert.deepEqual(
      pages.map((r) => [r.query.limit, r.query.marker ?? null]),
      [['10', null], ['10', 'filler-08.example.org'], ['10', 'filler-18.example.org'], ['10', 'filler-28.example.org']],
    );
  });

  it('sub-domain names are sent relative to the domain; TTLs are raised to GoDaddy\'s minimum of 600 s', async () => {
    const p = createProvider('godaddy', { ...GODADDY_ACCOUNT, endpoint: fake.url });
    const fqdn = `_acme-challenge.rel-${uniq()}.${ZONE}`;
    const rel = fqdn.slice(0, -(ZONE.length + 1));
    const rec = { fqdn, value: value(), ttl: 60 };
    await p.present(rec);
    assert.deepEqual(fake.records(ZONE, 'TXT', rel), [{ data: rec.value, ttl: 600 }]);
    assert.deepEqual(await digTxt(bind, fqdn), [rec.value]);
    await p.cleanUp(rec);
    assert.deepEqual(fake.records(ZONE, 'TXT', rel), []);
  });

  it('an existing TXT value at the name (not ours) keeps its TTL and stays after cleanUp', async () => {
    const p = provider();
    const fqdn = `_acme-challenge.keep-${uniq()}.${ZONE}`;
    const rel = fqdn.slice(0, -(ZONE.length + 1));
    const theirs = { fqdn, value: 'someone-elses-verification-token', ttl: 3600 };
    await p.present(theirs);
    const ours = { fqdn, value: value(), ttl: 60 };
    await p.present(ours);
    assert.deepEqual(fake.records(ZONE, 'TXT', rel), [{ data: theirs.value, ttl: 3600 }, { data: ours.value, ttl: 600 }]);
    await p.cleanUp(ours);
    assert.deepEqual(fake.records(ZONE, 'TXT', rel), [{ data: theirs.value, ttl: 3600 }]);
    assert.deepEqual(await digTxt(bind, fqdn), [theirs.value]);
    await p.cleanUp(theirs);
  });

  it('403 from an account below GoDaddy\'s API threshold → says GoDaddy limits API access to larger accounts', async () => {
    const p = createProvider('godaddy', { apiKey: SMALL.apiKey, apiSecret: SMALL.apiSecret, endpoint: fake.url });
    const e = await failure(p.test!('small-shop.test'));
    assert.equal(e.code, 'FORBIDDEN');
    assert.match(e.message, /^GoDaddy: access denied to list the account's domains \(403 ACCESS_DENIED: Authenticated user is not allowed access\)\. GoDaddy limits API access to larger accounts/);
    assert.match(e.message, /10 or more domains/);
    const e2 = await failure(p.present({ fqdn: '_acme-challenge.small-shop.test', value: value(), ttl: 60 }));
    assert.match(e2.message, /GoDaddy limits API access to larger accounts/);
    const form = descriptors().find((d) => d.id === 'godaddy');
    assert.match(form?.note ?? '', /GoDaddy limits API access to larger accounts/, 'the form says it too');
  });

  it('429 TOO_MANY_REQUESTS is retried after retryAfterSec; persistent throttling becomes an error', async () => {
    const p = provider();
    const rec = { fqdn: `_acme-challenge.slow-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
    await p.zoneFor(rec.fqdn);
    fake.throttleNext = 1;
    await p.present(rec);
    assert.deepEqual(await digTxt(bind, rec.fqdn), [rec.value]);
    fake.throttleNext = 3;
    const e = await failure(p.cleanUp(rec));
    assert.match(e.message, /^GoDaddy: GoDaddy is limiting requests \(429 TOO_MANY_REQUESTS: Too many requests\)/);
    fake.throttleNext = 0;
    await p.cleanUp(rec);
    assert.deepEqual(await digTxt(bind, rec.fqdn), []);
  });

  it('Test connection finds the domain and reads its records; bad secrets and foreign domains are named', async () => {
    const ok = await provider().test(`*.${ZONE}`);
    assert.equal(ok.zone, ZONE);
    assert.match(ok.detail, /GoDaddy accepted the key dKfakeGoDaddyKey_0123456789; the account holds example\.test/);
    const bad = await failure(provider({}, { apiSecret: 'NotTheSecret' }).test(ZONE));
    assert.match(bad.message, /rejected the key dKfakeGoDaddyKey_0123456789 and its secret \(401 UNABLE_TO_AUTHENTICATE: Unable to authenticate request\)/);
    const foreign = await failure(provider().test('small-shop.test'));
    assert.match(foreign.message, /no domain in the GoDaddy account of key dKfakeGoDaddyKey_0123456789 holds _acme-challenge\.small-shop\.test: looked for small-shop\.test, test; the account has example\.test, filler-00\.example\.org, .* and 11 more/);
  });

  it('cleanUp of a value that is not there sends no change', async () => {
    const p = provider();
    const rec = { fqdn: `_acme-challenge.gone-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
    await p.cleanUp(rec);
    assert.ok(!fake.requests.some((r) => r.method === 'DELETE' && r.path.includes('gone-')), 'nothing to delete, nothing sent');
  });

  it('checks its fields: required ones, a key without the secret glued on, https endpoints only', () => {
    assert.throws(() => createProvider('godaddy', {}), (e: AppError) => e.code === 'INVALID_INPUT' && /Key is required\. Secret is required\./.test(e.message));
    assert.throws(() => createProvider('godaddy', { apiKey: 'key:secret', apiSecret: 'x' }), /Key must not contain spaces or ":"/);
    assert.throws(() => createProvider('godaddy', { ...GODADDY_ACCOUNT, endpoint: 'http://api.godaddy.com' }), /Endpoint must use https:\/\//);
    assert.equal(parseConfig(GODADDY_ACCOUNT).endpoint, 'https://api.godaddy.com');
  });
});
