// Route 53 specifics, through the AWS SDK against the fake Route 53 API (which writes into the bed's BIND):
// hosted zones paged by marker, private zones skipped, INSYNC awaited (and its timeout), a given hosted
// zone ID, Test connection naming the missing IAM permission, secrets never in messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { parseConfig, Route53Provider, type Route53Settings } from '../../electron/dns/route53/provider.ts';
import { createProvider } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { digTxt, rejectsWith } from '../helpers/dns-tools.ts';
import { FakeRoute53, ROUTE53_PRIVATE_ZONE_ID, ROUTE53_USER, ROUTE53_ZONE_ID, startStandardRoute53 } from '../helpers/fakes/route53.ts';

const ZONE = bedEnv('BIND_ZONE');
const bind = `127.0.0.1:${bedEnv('BIND_PORT')}`;
const uniq = () => Math.random().toString(36).slice(2, 10);
const value = () => `v${uniq()}${uniq()}${uniq()}${uniq()}`.slice(0, 43);
const messages: string[] = [];

/** The AppError a call fails with; its message and hint are kept to be checked for secrets at the end. */
const failure = (p: Promise<unknown>): Promise<AppError> =>
  rejectsWith(p, (e) => {
    messages.push(`${e.message} ${e.hint ?? ''}`);
  });

describe('Route 53 provider against the fake Route 53 API', () => {
  let fake: FakeRoute53;
  const provider = (extra: Partial<Route53Settings> = {}, config: Record<string, string> = {}) =>
    new Route53Provider({ ...parseConfig({ ...ROUTE53_USER, region: 'us-east-1', endpoint: fake.url, ...config }), ...extra });

  before(async () => {
    fake = await startStandardRoute53({
      users: [
        ROUTE53_USER,
        { accessKeyId: 'AKIANOCHANGE00000001', secretAccessKey: 'noChangeSecret0123456789', allow: ['route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:GetChange'] },
        { accessKeyId: 'AKIANOGETCHANGE00001', secretAccessKey: 'noGetChangeSecret0123456', allow: ['route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:ChangeResourceRecordSets'] },
        { accessKeyId: 'AKIANOLIST0000000001', secretAccessKey: 'noListSecret012345678901', allow: ['route53:ChangeResourceRecordSets'] },
      ],
    });
  });
  after(async () => {
    await fake?.stop();
    for (const m of messages) {
      for (const s of [ROUTE53_USER.secretAccessKey, 'noChangeSecret0123456789', 'noGetChangeSecret0123456', 'noListSecret012345678901']) {
        assert.ok(!m.includes(s), `a secret appears in a message: ${m}`);
      }
    }
  });

  it('finds the zone across pages of hosted zones (NextMarker) and skips a private zone of the same name', async () => {
    fake.requests.length = 0;
    const p = provider({ zonePageSize: 50 });
    const fqdn = `_acme-challenge.page-${uniq()}.${ZONE}`;
    const zone = await p.hostedZoneFor(fqdn);
    assert.deepEqual(zone, { id: ROUTE53_ZONE_ID, name: ZONE, privateZone: false });
    const lists = fake.requests.filter((r) => r.action === 'route53:ListHostedZones');
    assert.deepEqual(lists.map((r) => r.query.marker ?? null), [null, 'Z0FILLER0000000049', 'Z0FILLER0000000099'].map((m) => m));
    assert.ok(lists.every((r) => r.query.maxitems === '50'));
    const rec = { fqdn, value: value(), ttl: 60 };
    await p.present(rec);
    assert.deepEqual(fake.txt(ROUTE53_ZONE_ID, fqdn), [rec.value]);
    assert.deepEqual(fake.txt(ROUTE53_PRIVATE_ZONE_ID, fqdn), [], 'the private zone is left alone');
    await p.cleanUp(rec);
    // The default page size (100) needs two pages for 122 zones.
    fake.requests.length = 0;
    await provider().zoneFor(fqdn);
    assert.deepEqual(fake.requests.filter((r) => r.action === 'route53:ListHostedZones').map((r) => r.query.marker ?? null), [null, 'Z0FILLER0000000099']);
  });

  it('waits until the change is INSYNC: the record is on the name servers (BIND) when present returns', async () => {
    fake.insyncAfterMs = 1500;
    try {
      fake.requests.length = 0;
      const p = createProvider('route53', { ...ROUTE53_USER, region: 'us-east-1', endpoint: fake.url });
      const rec = { fqdn: `_acme-challenge.sync-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
      const t0 = Date.now();
      await p.present(rec);
      assert.ok(Date.now() - t0 >= 1400, `present returned after ${Date.now() - t0} ms, before INSYNC`);
      assert.deepEqual(await digTxt(bind, rec.fqdn), [rec.value], 'visible at the authoritative server once INSYNC');
      const polls = fake.requests.filter((r) => r.action === 'route53:GetChange');
      assert.ok(polls.length >= 3, `GetChange polled until INSYNC (${polls.length} times)`);
      await p.cleanUp(rec);
      assert.deepEqual(await digTxt(bind, rec.fqdn), [], 'cleanUp also waits for INSYNC');
    } finally {
      fake.insyncAfterMs = 200;
    }
  });

  it('a change that never gets INSYNC fails after the timeout, saying so', async () => {
    fake.insyncAfterMs = 60_000;
    try {
      const p = provider({ insyncTimeoutMs: 1000, pollDelaysMs: [200] });
      const e = await failure(p.present({ fqdn: `_acme-challenge.stuck-${uniq()}.${ZONE}`, value: value(), ttl: 60 }));
      assert.match(e.message, /^Route 53: the change C[0-9A-F]+ of _acme-challenge\.stuck-\w+\.example\.test was still PENDING after 1 s/);
    } finally {
      fake.insyncAfterMs = 200;
    }
  });

  it('with a hosted zone ID: reads that zone (GetHostedZone), refuses names outside it, names an unknown ID', async () => {
    fake.requests.length = 0;
    const p = provider({}, { hostedZoneId: `/hostedzone/${ROUTE53_ZONE_ID}` });
    const rec = { fqdn: `_acme-challenge.id-${uniq()}.${ZONE}`, value: value(), ttl: 60 };
    await p.present(rec);
    assert.deepEqual(await digTxt(bind, rec.fqdn), [rec.value]);
    await p.cleanUp(rec);
    assert.ok(!fake.requests.some((r) => r.action === 'route53:ListHostedZones'), 'no zone listing needed');
    const outside = await failure(p.present({ fqdn: '_acme-challenge.other.invalid', value: value(), ttl: 60 }));
    assert.match(outside.message, new RegExp(`not inside the hosted zone ${ROUTE53_ZONE_ID} \\(${ZONE.replace('.', '\\.')}\\)`));
    assert.equal(outside.field, 'hostedZoneId');
    const unknown = await failure(provider({}, { hostedZoneId: 'Z0DOESNOTEXIST' }).present(rec));
    assert.match(unknown.message, /the hosted zone Z0DOESNOTEXIST does not exist.*NoSuchHostedZone 404: No hosted zone found with ID: Z0DOESNOTEXIST/);
  });

  it('Test connection proves every permission and names the missing one', async () => {
    const ok = await provider().test(`*.${ZONE}`);
    assert.equal(ok.zone, ZONE);
    assert.match(ok.detail, /may read and change TXT records of _acme-challenge\.example\.test in the hosted zone example\.test \(Z0EXAMPLETEST00001\)/);
    assert.deepEqual(await digTxt(bind, `_acme-challenge.${ZONE}`), [], 'the test changed nothing');

    const cfg = (accessKeyId: string, secretAccessKey: string) => createProvider('route53', { accessKeyId, secretAccessKey, region: 'us-east-1', endpoint: fake.url });
    const noChange = await failure(cfg('AKIANOCHANGE00000001', 'noChangeSecret0123456789').test!(ZONE));
    assert.match(noChange.message, /the access key AKIANOCHANGE00000001 lacks the permission route53:ChangeResourceRecordSets.*AccessDenied 403: User: arn:aws:iam::123456789012:user\/certdesk is not authorized to perform: route53:ChangeResourceRecordSets/);
    assert.equal(noChange.code, 'FORBIDDEN');
    const noGet = await failure(cfg('AKIANOGETCHANGE00001', 'noGetChangeSecret0123456').test!(ZONE));
    assert.match(noGet.message, /lacks the permission route53:GetChange/);
    const noList = await failure(cfg('AKIANOLIST0000000001', 'noListSecret012345678901').test!(ZONE));
    assert.match(noList.message, /lacks the permission route53:ListHostedZones, needed to list the hosted zones/);
    const unknownKey = await failure(cfg('AKIAUNKNOWN000000001', 'whatever0123456789').test!(ZONE));
    assert.match(unknownKey.message, /^Route 53: AWS does not know the access key AKIAUNKNOWN000000001 \(InvalidClientTokenId 403: The security token included in the request is invalid\.\)/);
    const wrongSecret = await failure(cfg(ROUTE53_USER.accessKeyId, 'wrong0123456789').test!(ZONE));
    assert.match(wrongSecret.message, /rejected the signature made with the secret access key.*SignatureDoesNotMatch 403/);
    assert.match(wrongSecret.hint ?? '', /secret access key is wrong/);
  });

  it('an existing TXT value at the name (not ours) is kept through present and cleanUp', async () => {
    const p = provider();
    const fqdn = `_acme-challenge.keep-${uniq()}.${ZONE}`;
    const theirs = { fqdn, value: 'someone-elses-verification-token', ttl: 300 };
    await p.present(theirs);
    const ours = { fqdn, value: value(), ttl: 60 };
    await p.present(ours);
    assert.equal(fake.ttl(ROUTE53_ZONE_ID, fqdn), 300, 'the existing set keeps its TTL');
    await p.cleanUp(ours);
    assert.deepEqual(await digTxt(bind, fqdn), [theirs.value]);
    await p.cleanUp(theirs);
  });

  it('a set changed by someone else between read and write is read again, and nobody\'s value is lost', async () => {
    fake.requests.length = 0;
    const p = provider();
    const fqdn = `_acme-challenge.race-${uniq()}.${ZONE}`;
    fake.beforeNextChange = () => fake.setTxtBehindTheBack(ROUTE53_ZONE_ID, fqdn, 60, ['written-by-another-client']);
    const ours = { fqdn, value: value(), ttl: 60 };
    await p.present(ours);
    assert.deepEqual(fake.txt(ROUTE53_ZONE_ID, fqdn), [ours.value, 'written-by-another-client'].sort());
    const changes = fake.requests.filter((r) => r.action === 'route53:ChangeResourceRecordSets');
    assert.deepEqual(changes.map((r) => r.status), [400, 200], 'the first batch (CREATE) was refused as InvalidChangeBatch, the second applied');
    await p.cleanUp(ours);
    assert.deepEqual(fake.txt(ROUTE53_ZONE_ID, fqdn), ['written-by-another-client']);
  });

  it('checks its fields: required ones, the hosted zone ID, https endpoints only (http only to this computer)', () => {
    assert.throws(() => createProvider('route53', { accessKeyId: '', secretAccessKey: '' }), (e: AppError) => e.code === 'INVALID_INPUT' && /Access key ID is required\. Secret access key is required\./.test(e.message));
    assert.throws(() => createProvider('route53', { ...ROUTE53_USER, endpoint: 'http://route53.example.com' }), /Endpoint must use https:\/\//);
    assert.throws(() => createProvider('route53', { ...ROUTE53_USER, hostedZoneId: 'not a zone' }), /Hosted zone ID looks like/);
    assert.equal(parseConfig({ ...ROUTE53_USER }).region, 'us-east-1');
  });
});
