// Azure DNS provider specifics, through the real @azure/identity + @azure/arm-dns clients against the local fake
// of Entra ID and Resource Manager (test/helpers/fakes/azure.ts) whose bed zone is mirrored into BIND:
// the descriptor's contract, zone listing across pages, a role granted on the zone only, missing permissions
// named, Test connection, etag races (412) retried without losing anyone's value, other values and the TTL
// kept, every sign-in and Resource Manager refusal explained, and the secret in none of the messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import * as azureLoggerEsm from '@azure/logger';
import { AppError } from '../../shared/ipc/errors.ts';
import { parseConfig } from '../../electron/dns/azure/provider.ts';
import { createProvider, descriptors } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { digTxt, rejectsWith } from '../helpers/dns-tools.ts';
import { azureConfig, azureProvider, startBedAzureFake, type AzureFake } from '../helpers/fakes/azure.ts';

const ZONE = bedEnv('BIND_ZONE');
const bindServer = `127.0.0.1:${bedEnv('BIND_PORT')}`;
const uniq = () => Math.random().toString(36).slice(2, 10);
const value = () => Buffer.from(`${uniq()}${uniq()}${uniq()}${uniq()}`).toString('base64url').slice(0, 43).padEnd(43, 'A');

type Fake = Awaited<ReturnType<typeof startBedAzureFake>>;

const rejects = (p: Promise<unknown>): Promise<AppError> => rejectsWith(p);

/** Neither the message nor the hint nor anything else in the error carries the secret. */
function noSecret(e: AppError, fake: Fake): void {
  const all = JSON.stringify({ ...e.toInfo(), stack: e.stack });
  assert.ok(!all.includes(fake.account.clientSecret), 'the client secret is not in the error');
}

function armCalls(fake: AzureFake, method?: string) {
  return fake.requests.filter((r) => r.service === 'arm' && (!method || r.method === method));
}

describe('Azure DNS provider', () => {
  let fake: Fake;
  const rg = () => `/subscriptions/${fake.account.subscriptionId}/resourceGroups/${fake.account.resourceGroup}`;

  before(async () => {
    fake = await startBedAzureFake();
  });
  after(async () => {
    await fake?.stop();
  });

  it('descriptor: the issue\'s field ids, the seed\'s labels, one secret, endpoints under Advanced', () => {
    const d = descriptors().find((x) => x.id === 'azure');
    assert.ok(d, 'the registry lists azure');
    assert.equal(d.displayName, 'Azure DNS');
    assert.deepEqual(
      d.fields.map((f) => [f.id, f.label, f.secret, !!f.advanced]),
      [
        ['subscriptionId', 'Subscription ID', false, false],
        ['tenantId', 'Directory ID', false, false],
        ['clientId', 'Application ID', false, false],
        ['clientSecret', 'Application key', true, false],
        ['resourceGroup', 'Resource group', false, false],
        ['endpoint', 'Resource Manager endpoint', false, true],
        ['authorityHost', 'Sign-in authority', false, true],
      ],
    );
    assert.equal(d.fields.find((f) => f.id === 'endpoint')?.default, 'https://management.azure.com');
    assert.equal(d.fields.find((f) => f.id === 'authorityHost')?.default, 'https://login.microsoftonline.com');
    assert.ok(d.fields.every((f) => f.help.length > 10));
    assert.match(d.docsUrl, /^https:\/\/learn\.microsoft\.com\//);
  });

  it('form values are checked: every missing field named, endpoints must be https URLs', () => {
    let e = (() => {
      try {
        createProvider('azure', { subscriptionId: 's', endpoint: 'http://127.0.0.1:1' });
      } catch (err) {
        return err as AppError;
      }
      assert.fail('expected INVALID_INPUT');
    })();
    assert.equal(e.code, 'INVALID_INPUT');
    assert.deepEqual(e.issues?.map((i) => i.field), ['tenantId', 'clientId', 'clientSecret', 'resourceGroup', 'endpoint']);
    assert.match(e.message, /^Azure DNS: Directory ID is required\..*Resource Manager endpoint must be an https:\/\/ URL\./);
    e = (() => {
      try {
        createProvider('azure', { ...azureConfig(fake), authorityHost: 'login.microsoftonline.com' });
      } catch (err) {
        return err as AppError;
      }
      assert.fail('expected INVALID_INPUT');
    })();
    assert.equal(e.field, 'authorityHost');
    const s = parseConfig({ ...azureConfig(fake), endpoint: '', authorityHost: 'https://login.microsoftonline.us/' });
    assert.equal(s.endpoint, 'https://management.azure.com', 'the default endpoint');
    assert.equal(s.authorityHost, 'https://login.microsoftonline.us', 'no trailing slash');
  });

  it('finds the zone on a later page of the zone listing (nextLink, $skipToken), the longest match winning', async () => {
    const paged = await startBedAzureFake({ pageSize: 1, zones: ['a.example', 'contoso.example', 'sub.contoso.example', ZONE] });
    try {
      const p = azureProvider(paged);
      assert.equal(await p.zoneFor(`_acme-challenge.www.${ZONE}`), ZONE);
      const lists = armCalls(paged, 'GET').filter((r) => /\/dnszones$/i.test(r.path));
      assert.equal(lists.length, 4, 'one request per page');
      assert.ok(lists.slice(1).every((r) => /\$skipToken=/.test(r.query)), 'later pages follow nextLink');
      assert.equal(await azureProvider(paged).zoneFor('_acme-challenge.www.sub.contoso.example'), 'sub.contoso.example');
      assert.equal(await azureProvider(paged).zoneFor('_acme-challenge.contoso.example'), 'contoso.example');
    } finally {
      await paged.stop();
    }
  });

  it('a role on the zone only (no listing allowed): the zone is asked for by name and records still work', async () => {
    const zoneScope = `${rg()}/providers/Microsoft.Network/dnszones/${ZONE}`;
    const saved = fake.grants.splice(0, fake.grants.length, { scope: zoneScope, actions: ['Microsoft.Network/dnsZones/*'] });
    try {
      const p = azureProvider(fake);
      const rec = { fqdn: `_acme-challenge.zr-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
      await p.present(rec);
      assert.deepEqual(await digTxt(bindServer, rec.fqdn), [rec.value]);
      assert.ok(armCalls(fake).some((r) => /\/dnszones$/i.test(r.path) && r.status === 403), 'listing was refused');
      await p.cleanUp(rec);
      assert.deepEqual(await digTxt(bindServer, rec.fqdn), []);
    } finally {
      fake.grants.splice(0, fake.grants.length, ...saved);
    }
  });

  it('a missing permission is named, with the scope and the role to give', async () => {
    const saved = fake.grants.splice(0, fake.grants.length, {
      scope: rg(),
      actions: ['Microsoft.Network/dnsZones/read', 'Microsoft.Network/dnsZones/TXT/read'],
    });
    try {
      const p = azureProvider(fake);
      const fqdn = `_acme-challenge.np-${uniq()}.${ZONE}`;
      const e = await rejects(p.present({ fqdn, value: value(), ttl: 60 }));
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /^Azure DNS: the application \S+ lacks the permission Microsoft\.Network\/dnsZones\/TXT\/write on \/subscriptions\/.*\/dnszones\/example\.test\/TXT\/_acme-challenge\.np-/);
      assert.match(e.hint ?? '', /DNS Zone Contributor/);
      noSecret(e, fake);
      const t = await rejects(p.test!(`np-${uniq()}.${ZONE}`));
      assert.match(t.message, /lacks the permission Microsoft\.Network\/dnsZones\/TXT\/delete/);
      fake.grants.splice(0, fake.grants.length);
      const z = await rejects(azureProvider(fake).present({ fqdn, value: value(), ttl: 60 }));
      assert.equal(z.field, 'resourceGroup');
      assert.match(z.message, /may not list the zones of resource group "dns-rg" .*Microsoft\.Network\/dnsZones\/read.*nor read a zone named/);
    } finally {
      fake.grants.splice(0, fake.grants.length, ...saved);
    }
  });

  it('Test connection signs in, finds the zone, proves read and delete rights, and changes nothing', async () => {
    const name = `tc-${uniq()}.${ZONE}`;
    const kept = value();
    await fake.setTxt(ZONE, `_acme-challenge.${name.slice(0, -(ZONE.length + 1))}`, [kept]);
    const before = armCalls(fake).length;
    const r = await azureProvider(fake).test!(`*.${name}`);
    assert.equal(r.zone, ZONE);
    assert.match(r.detail, new RegExp(`Signed in as application ${fake.account.clientId}; zone ${ZONE} found in resource group "dns-rg".*may read and change the TXT records at _acme-challenge\\.${name.replace(/\./g, '\\.')} \\(1 value there now\\)`));
    const del = armCalls(fake, 'DELETE').slice(-1)[0]!;
    assert.ok(armCalls(fake).length > before);
    assert.equal(del.status, 412, 'the delete was authorised, then refused by its impossible etag');
    assert.deepEqual(await digTxt(bindServer, `_acme-challenge.${name}`), [kept], 'nothing changed');
    // On a name with no record set: still harmless.
    const r2 = await azureProvider(fake).test!(`empty-${uniq()}.${ZONE}`);
    assert.equal(r2.zone, ZONE);
  });

  it('a write by someone else between our read and our write (412) is retried; both values survive', async () => {
    const rel = `_acme-challenge.race-${uniq()}`;
    const fqdn = `${rel}.${ZONE}`;
    const theirs = value();
    const ours = value();
    const existing = value();
    await fake.setTxt(ZONE, rel, [existing]);
    fake.beforeNextWrite = () => fake.setTxt(ZONE, rel, [existing, theirs]);
    const p = azureProvider(fake);
    await p.present({ fqdn, value: ours, ttl: 60 });
    assert.deepEqual(fake.txt(ZONE, rel), [existing, theirs, ours].sort());
    assert.deepEqual(await digTxt(bindServer, fqdn), [existing, theirs, ours].sort());
    assert.ok(armCalls(fake, 'PUT').some((r) => r.status === 412), 'the first write was refused by its etag');
    // And the same on removal.
    const late = value();
    fake.beforeNextWrite = () => fake.setTxt(ZONE, rel, [existing, theirs, ours, late]);
    await p.cleanUp({ fqdn, value: ours, ttl: 60 });
    assert.deepEqual(await digTxt(bindServer, fqdn), [existing, theirs, late].sort());
    await fake.setTxt(ZONE, rel, null);
  });

  it('records, TTL and metadata of a record set someone else made are kept exactly; only our value goes', async () => {
    const rel = `_acme-challenge.keep-${uniq()}`;
    const fqdn = `${rel}.${ZONE}`;
    const other = value();
    // A record written as two strings (as long TXT values are): it must be written back split the same way.
    const split = ['v=spf1 include:spf.protection.outlook.com ', '-all'];
    await fake.setTxt(ZONE, rel, [other, split], 300, { owner: 'mail-team' });
    const theirs = { ttl: 300, records: [[other], split], metadata: { owner: 'mail-team' } };
    const p = azureProvider(fake);
    const ours = { fqdn, value: value(), ttl: 60 };
    await p.present(ours);
    await p.present(ours); // twice: still one value
    assert.deepEqual(fake.recordSet(ZONE, rel), { ...theirs, records: [...theirs.records, [ours.value]] });
    assert.deepEqual(await digTxt(bindServer, fqdn), [other, split.join(''), ours.value].sort());
    const put = armCalls(fake, 'PUT').slice(-1)[0]!;
    assert.ok(put.ifMatch, 'the write is conditional on the etag read');
    await p.cleanUp(ours);
    assert.deepEqual(fake.recordSet(ZONE, rel), theirs);
    assert.deepEqual(await digTxt(bindServer, fqdn), [other, split.join('')].sort());
    assert.equal(armCalls(fake, 'DELETE').filter((r) => r.path.endsWith(rel)).length, 0, 'the record set itself stays');
    await fake.setTxt(ZONE, rel, null);
  });

  it('a cancelled signal stops before any change, as a CANCELLED error naming the provider', async () => {
    const ac = new AbortController();
    ac.abort();
    const fqdn = `_acme-challenge.cx-${uniq()}.${ZONE}`;
    const e = await rejects(azureProvider(fake).present({ fqdn, value: value(), ttl: 60 }, { signal: ac.signal }));
    assert.equal(e.code, 'CANCELLED');
    assert.match(e.message, /^Azure DNS: /);
    assert.deepEqual(await digTxt(bindServer, fqdn), []);
  });

  it('every refusal names its cause and the field to fix, never the secret', async () => {
    const fqdn = `_acme-challenge.bad-${uniq()}.${ZONE}`;
    const rec = { fqdn, value: value(), ttl: 60 };
    const cases: Array<[Record<string, string>, RegExp, string, string]> = [
      [{ clientSecret: 'Qx8~wrong-secret-value.az' }, /refused to sign in the application .*AADSTS7000215: Invalid client secret provided/, 'clientSecret', 'FORBIDDEN'],
      [{ clientId: '00000000-0000-0000-0000-000000000001' }, /AADSTS700016: Application with identifier '00000000-0000-0000-0000-000000000001' was not found/, 'clientId', 'FORBIDDEN'],
      [{ tenantId: '00000000-0000-0000-0000-0000000000aa' }, /does not know the directory 00000000-0000-0000-0000-0000000000aa: AADSTS90002: Tenant/, 'tenantId', 'NOT_FOUND'],
      [{ subscriptionId: '00000000-0000-0000-0000-0000000000bb' }, /the subscription 00000000-0000-0000-0000-0000000000bb was not found/, 'subscriptionId', 'NOT_FOUND'],
      [{ authorityHost: 'https://127.0.0.1:1' }, /could not reach the sign-in authority https:\/\/127\.0\.0\.1:1: ECONNREFUSED/, 'authorityHost', 'NETWORK'],
      [{ endpoint: 'https://127.0.0.1:1' }, /AADSTS500011: The resource principal named https:\/\/127\.0\.0\.1:1 was not found/, 'endpoint', 'FORBIDDEN'],
    ];
    for (const [extra, message, field, code] of cases) {
      const e = await rejects(azureProvider(fake, extra).present(rec));
      assert.match(e.message, /^Azure DNS: /);
      assert.match(e.message, message);
      assert.equal(e.field, field, `${Object.keys(extra)[0]}: ${e.message}`);
      assert.equal(e.code, code);
      noSecret(e, fake);
    }
    // The fake's CA not trusted (the client is given no CA): a TLS error naming the sign-in authority.
    const { AzureDnsProvider } = await import('../../electron/dns/azure/provider.ts');
    const untrusted = new AzureDnsProvider(parseConfig(azureConfig(fake)), { retry: { maxRetries: 0 } });
    const t = await rejects(untrusted.present(rec));
    assert.equal(t.code, 'TLS');
    assert.match(t.message, /could not reach the sign-in authority https:\/\/127\.0\.0\.1:\d+: \S+ .*certificate/);
    noSecret(t, fake);
    assert.deepEqual(await digTxt(bindServer, fqdn), []);
  });

  it('a subscription in another directory than the app: Resource Manager refuses the token, and the message says so', async () => {
    const other = await startBedAzureFake({ subscriptionTenantId: '0b0b0b0b-0000-4000-8000-000000000000' });
    try {
      const e = await rejects(azureProvider(other).present({ fqdn: `_acme-challenge.tn-${uniq()}.${ZONE}`, value: value(), ttl: 60 }));
      assert.equal(e.code, 'FORBIDDEN');
      assert.equal(e.field, 'tenantId');
      assert.match(e.message, /^Azure DNS: Azure Resource Manager \(https:\/\/127\.0\.0\.1:\d+\) refused the access token while listing the DNS zones of resource group "dns-rg": InvalidAuthenticationTokenTenant — The access token is from the wrong issuer/);
      assert.match(e.hint ?? '', /Directory ID must be the directory of the subscription/);
    } finally {
      await other.stop();
    }
  });

  it('with the Azure SDKs\' verbose logging on, the secret and the access token appear in no log line', async () => {
    // @azure/arm-dns is loaded as CommonJS and @azure/identity as ESM: each has its own @azure/logger instance.
    const loggers = [azureLoggerEsm, createRequire(import.meta.url)('@azure/logger') as typeof azureLoggerEsm];
    const lines: string[] = [];
    const saved = loggers.map((l) => ({ log: l.AzureLogger.log, level: l.getLogLevel() }));
    for (const l of loggers) {
      l.AzureLogger.log = (...args: unknown[]) => lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a) ?? String(a))).join(' '));
      l.setLogLevel('verbose');
    }
    try {
      const p = azureProvider(fake);
      const rec = { fqdn: `_acme-challenge.log-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
      await p.present(rec);
      await p.cleanUp(rec);
      await rejects(azureProvider(fake, { clientSecret: `${fake.account.clientSecret}-old` }).present(rec));
    } finally {
      loggers.forEach((l, i) => {
        l.setLogLevel(saved[i]!.level);
        l.AzureLogger.log = saved[i]!.log;
      });
    }
    assert.ok(lines.some((l) => /token/i.test(l)) && lines.some((l) => /dnszones/i.test(l)), `the SDKs did log (${lines.length} lines)`);
    const all = lines.join('\n');
    assert.ok(!all.includes(fake.account.clientSecret), 'no client secret in the SDK logs');
    assert.ok(!/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.test(all), 'no access token in the SDK logs');
  });
});
