// The Cloudflare provider through the official SDK against a local fake of Cloudflare's API v4 whose records
// land in the bed's BIND: the shared conformance suite with an API token and with the e-mail + Global API key,
// then what is Cloudflare's own: zones over several pages, token vs global key headers, the permission a
// token lacks, the connection test, and no secret in any message.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { createProvider, descriptors } from '../../electron/dns/registry.ts';
import type { DnsProvider, ProviderConfig } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { dnsConformance } from '../helpers/dns-conformance.ts';
import { closedPort, digTxt, rejectsWith } from '../helpers/dns-tools.ts';
import { startCloudflareFake, type CloudflareFake } from '../helpers/fakes/cloudflare.ts';

const ZONE = bedEnv('BIND_ZONE');
const bindServer = `127.0.0.1:${bedEnv('BIND_PORT')}`;
const token = () => randomBytes(30).toString('base64url'); // 40 characters, like Cloudflare's
const TOKEN = token();
const SCOPED = token(); // sees only zone-001.invalid
const READ_ONLY = token(); // sees example.test, no DNS Edit
const UNKNOWN = token();
const EMAIL = 'admin@example.test';
const GLOBAL_KEY = randomBytes(19).toString('hex').slice(0, 37);
const WRONG_KEY = randomBytes(19).toString('hex').slice(0, 37);
const SECRETS = [TOKEN, SCOPED, READ_ONLY, UNKNOWN, GLOBAL_KEY, WRONG_KEY];
/** 120 other zones first, so the zone of example.test is on the third page of 50. */
const FILLERS = Array.from({ length: 120 }, (_, i) => `zone-${String(i + 1).padStart(3, '0')}.invalid`);

let fake: CloudflareFake;
before(async () => {
  fake = await startCloudflareFake({
    zones: [...FILLERS, ZONE],
    bindZone: ZONE,
    tokens: { [TOKEN]: { zones: '*' }, [SCOPED]: { zones: ['zone-001.invalid'] }, [READ_ONLY]: { zones: [ZONE], dnsEdit: false } },
    globalKeys: { [EMAIL]: GLOBAL_KEY },
  });
});
after(async () => {
  await fake?.close();
});

const cf = (config: ProviderConfig): DnsProvider => createProvider('cloudflare', { endpoint: fake.url, ...config });
const uniq = () => randomBytes(5).toString('hex');
const value = () => randomBytes(32).toString('base64url').slice(0, 43);

/** The AppError a call fails with; no secret anywhere in it. */
const failure = (p: Promise<unknown>): Promise<AppError> =>
  rejectsWith(p, (e) => {
    const all = JSON.stringify(e.toInfo());
    for (const s of SECRETS) assert.ok(!all.includes(s), `no secret in the error: ${all}`);
  });

const outside = { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /no zone for _acme-challenge\.www\.elsewhere\.invalid: none of www\.elsewhere\.invalid, elsewhere\.invalid is a zone/ };

dnsConformance({
  title: 'cloudflare (API token) against a fake API writing into BIND',
  provider: () => cf({ apiToken: TOKEN }),
  badCredentials: () => cf({ apiToken: UNKNOWN }),
  badCredentialsCause: /the API token was not accepted .*Invalid API Token \(1000\)/,
  zone: ZONE,
  outside,
  visible: (fqdn) => digTxt(bindServer, fqdn),
});

dnsConformance({
  title: 'cloudflare (e-mail + Global API key) against a fake API writing into BIND',
  provider: () => cf({ email: EMAIL, apiKey: GLOBAL_KEY }),
  badCredentials: () => cf({ email: EMAIL, apiKey: WRONG_KEY }),
  badCredentialsCause: /the e-mail address and Global API key were not accepted .*Unknown X-Auth-Key or X-Auth-Email \(9103\)/,
  zone: ZONE,
  outside,
  visible: (fqdn) => digTxt(bindServer, fqdn),
});

describe('Cloudflare specifics', () => {
  it('is listed in the registry with the field ids of the CLI contract and the seed\'s labels', () => {
    const d = descriptors().find((x) => x.id === 'cloudflare');
    assert.ok(d);
    assert.equal(d.displayName, 'Cloudflare');
    assert.deepEqual(
      d.fields.map((f) => [f.id, f.label, f.secret, Boolean(f.advanced)]),
      [
        ['apiToken', 'API token', true, false],
        ['email', 'E-mail address', false, false],
        ['apiKey', 'Global API key', true, false],
        ['endpoint', 'Endpoint', false, true],
      ],
    );
    assert.match(d.fields[0]!.help, /Recommended/);
    assert.match(d.docsUrl, /^https:\/\/developers\.cloudflare\.com\//);
  });

  it('finds the zone on the third page of zones (per_page 50) and reads every page', async () => {
    const from = fake.requests.length;
    assert.equal(await cf({ apiToken: TOKEN }).zoneFor!(`_acme-challenge.a.b.${ZONE}`), ZONE);
    const pages = fake.requests.slice(from).filter((r) => r.path === '/zones').map((r) => `${r.query.page ?? '1'}/${r.query.per_page}`);
    assert.deepEqual(pages, ['1/50', '2/50', '3/50', '4/50'], 'pages until an empty one');
  });

  it('an API token goes in Authorization: Bearer only; the Global API key in X-Auth-Email + X-Auth-Key only', async () => {
    const rec = { fqdn: `_acme-challenge.auth-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
    let from = fake.requests.length;
    await cf({ apiToken: TOKEN, email: EMAIL, apiKey: GLOBAL_KEY }).present(rec); // the token wins when both are given
    assert.ok(fake.requests.slice(from).every((r) => r.auth === 'token'));
    from = fake.requests.length;
    await cf({ email: EMAIL, apiKey: GLOBAL_KEY }).cleanUp(rec);
    assert.ok(fake.requests.slice(from).every((r) => r.auth === 'key'));
    assert.deepEqual(await digTxt(bindServer, rec.fqdn), []);
  });

  it('a Global API key pasted as the API token: Cloudflare\'s header error and a hint to use the right fields', async () => {
    const e = await failure(cf({ apiToken: GLOBAL_KEY }).present({ fqdn: `_acme-challenge.${ZONE}`, value: value(), ttl: 60 }));
    assert.match(e.message, /^Cloudflare: the API token was not accepted while listing the zones: Invalid request headers \(6003\); Invalid format for Authorization header \(6111\)/);
    assert.match(e.hint ?? '', /looks like a Global API key.*Global API key.*e-mail address/);
    assert.equal(e.field, 'apiToken');
  });

  it('a token without DNS Edit → says which permission and zone; the connection test says the same', async () => {
    const rec = { fqdn: `_acme-challenge.ro-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
    const e = await failure(cf({ apiToken: READ_ONLY }).present(rec));
    assert.match(e.message, new RegExp(`^Cloudflare: the API token may not do this in zone ${ZONE.replace('.', '\\.')} \\(adding the TXT record .*\\): Authentication error \\(10000\\)`));
    assert.match(e.hint ?? '', new RegExp(`Zone → DNS → Edit, with ${ZONE.replace('.', '\\.')} among its zone resources`));
    const t = await failure(cf({ apiToken: READ_ONLY }).test!(ZONE));
    assert.match(t.message, /may not do this in zone .*Authentication error \(10000\)/);
    assert.deepEqual(await digTxt(bindServer, rec.fqdn), []);
  });

  it('a token scoped to other zones → the zone that is missing, and the zones it does see', async () => {
    const e = await failure(cf({ apiToken: SCOPED }).test!(`www.${ZONE}`));
    assert.match(e.message, new RegExp(`no zone for _acme-challenge\\.www\\.${ZONE.replace('.', '\\.')}: none of www\\.${ZONE.replace('.', '\\.')}, ${ZONE.replace('.', '\\.')} is a zone this account can see \\(the API token sees 1 zone: zone-001\\.invalid\\)`));
    assert.match(e.hint ?? '', /token's zone resources/);
  });

  it('test() with good credentials: zone found, a probe record added and removed, nothing left', async () => {
    for (const p of [cf({ apiToken: TOKEN }), cf({ email: EMAIL, apiKey: GLOBAL_KEY })]) {
      const r = await p.test!(`*.${ZONE}`);
      assert.equal(r.zone, ZONE);
      assert.match(r.detail, new RegExp(`accepted; zone ${ZONE.replace('.', '\\.')} found; a TXT record at _acme-challenge\\.${ZONE.replace('.', '\\.')} was added and removed again`));
    }
    assert.deepEqual(fake.records(ZONE).filter((r) => r.content.startsWith('certdesk-connection-test-')), []);
    assert.deepEqual(await digTxt(bindServer, `_acme-challenge.${ZONE}`), []);
  });

  it('a value already there (also in quotes, as other tools write it) is not added twice and is removed', async () => {
    const fqdn = `_acme-challenge.q-${uniq()}.${ZONE}`;
    const v = value();
    const p = cf({ apiToken: TOKEN });
    await p.present({ fqdn, value: v, ttl: 60 });
    await p.present({ fqdn, value: v, ttl: 60 });
    assert.equal(fake.records(ZONE).filter((r) => r.name === fqdn).length, 1);
    await p.cleanUp({ fqdn, value: v, ttl: 60 });
    assert.equal(fake.records(ZONE).filter((r) => r.name === fqdn).length, 0);
    const quoted = value();
    fake.seed(ZONE, fqdn, `"${quoted}"`);
    await p.present({ fqdn, value: quoted, ttl: 60 });
    assert.deepEqual(fake.records(ZONE).filter((r) => r.name === fqdn).map((r) => r.content), [`"${quoted}"`]);
    await p.cleanUp({ fqdn, value: quoted, ttl: 60 });
    assert.equal(fake.records(ZONE).filter((r) => r.name === fqdn).length, 0);
  });

  it('the SDK logs nothing (so no credential can reach a log), even with CLOUDFLARE_LOG=debug', async () => {
    const seen: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const saved = methods.map((m) => console[m]);
    const env = process.env.CLOUDFLARE_LOG;
    process.env.CLOUDFLARE_LOG = 'debug';
    for (const m of methods) console[m] = (...args: unknown[]) => void seen.push(args.map(String).join(' '));
    try {
      const rec = { fqdn: `_acme-challenge.log-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
      const p = cf({ apiToken: TOKEN });
      await p.present(rec);
      await p.cleanUp(rec);
      await failure(cf({ email: EMAIL, apiKey: WRONG_KEY }).present(rec));
    } finally {
      methods.forEach((m, i) => (console[m] = saved[i]!));
      if (env === undefined) delete process.env.CLOUDFLARE_LOG;
      else process.env.CLOUDFLARE_LOG = env;
    }
    assert.deepEqual(seen, []);
  });

  it('unreachable API → a network error naming Cloudflare and the endpoint; wrong fields → INVALID_INPUT', async () => {
    const e = await failure(createProvider('cloudflare', { apiToken: TOKEN, endpoint: `http://127.0.0.1:${await closedPort()}/client/v4` }).present({ fqdn: `_acme-challenge.${ZONE}`, value: value(), ttl: 60 }));
    assert.equal(e.code, 'NETWORK');
    assert.match(e.message, /^Cloudflare: could not reach http:\/\/127\.0\.0\.1:\d+\/client\/v4 while listing the zones: Connection error \(ECONNREFUSED\)/);
    assert.throws(() => createProvider('cloudflare', {}), (x: AppError) => x.code === 'INVALID_INPUT' && /API token \(recommended\), or the e-mail address with the Global API key/.test(x.message));
    assert.throws(() => createProvider('cloudflare', { apiKey: GLOBAL_KEY }), (x: AppError) => x.field === 'email');
    // A token with a space would make fetch throw a message quoting the header value: refused before any call.
    const spaced = `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`;
    assert.throws(
      () => createProvider('cloudflare', { apiToken: spaced }),
      (x: AppError) => x.field === 'apiToken' && !JSON.stringify(x.toInfo()).includes(TOKEN.slice(0, 20)),
    );
  });
});
