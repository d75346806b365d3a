// Certificate requests end to end against a real Pebble: every key type, 100 names, wildcards over dns-01,
// manual http-01 (right and wrong), renewals with each key policy, revoke, delete, and bad input.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KeySpec } from '../../shared/model/request.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { filesBelow, findSecret, pebble, tempDir } from '../helpers/bed.ts';
import { exportPem, keyTypeOf, leafOf, sansOf, spkiOf } from '../helpers/certs.ts';
import { certStatus, issuedByPebble } from '../helpers/pebble-mgmt.ts';
import { Http01Server, publishTxt } from '../helpers/challenges.ts';

const P = pebble();
let t: TestApp;
let http: Http01Server;
let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

before(async () => {
  t = await startApp();
  http = await new Http01Server().start();
  await t.call('accounts:register', { name: 'Issuance', email: 'issue@example.test', directory: P.directory, caFile: P.caFile, agreeTos: true });
});
after(async () => {
  await http.stop();
  await t.close();
});

async function issueHttp(domains: string[], key: KeySpec, extra: Record<string, unknown> = {}) {
  const r = await t.call('requests:create', { domains, challengeType: 'http-01', key, ...extra });
  assert.equal(r.status, 'pending');
  http.serve(r);
  const v = await t.call('requests:verify', { id: r.id });
  assert.equal(v.status, 'available', JSON.stringify(v.error));
  return v;
}

async function pemOf(id: string) {
  return exportPem(t, id);
}

describe('issuance: key types', () => {
  for (const key of ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'] as KeySpec[]) {
    it(`issues a ${key} certificate whose SANs are the requested names and whose key is ours`, async () => {
      const names = [`${key}-${uniq()}.example.test`, `www.${key}-${uniq()}.example.test`];
      const v = await issueHttp(names, key);
      const pem = await pemOf(v.id);
      const leaf = leafOf(pem.cert);
      assert.deepEqual(sansOf(leaf), [...names].sort());
      assert.equal(keyTypeOf(leaf), key);
      assert.ok(spkiOf(pem.key).equals(spkiOf(leaf)), 'certificate public key = our private key');
      assert.match(leaf.subject, new RegExp(`CN=${names[0]!.replace(/\./g, '\\.')}`), 'first name is the common name');
      assert.equal(v.certificate?.keyType, key);
      assert.equal(v.certificate?.serial, leaf.serialNumber.toUpperCase());
      // The chain verifies up to Pebble's intermediate.
      const chainLeaf = leafOf(pem.chain);
      assert.ok(leaf.verify(chainLeaf.publicKey), 'leaf is signed by the first chain certificate');
      assert.equal(pem.fullchain, pem.cert + pem.chain);
    });
  }

  it('signs the CSR with the chosen signature algorithm (EC P-256 with SHA384withECDSA)', async () => {
    const r = await t.call('requests:create', {
      domains: [`sig-${uniq()}.example.test`],
      challengeType: 'http-01',
      key: 'ec-p256',
      signatureAlgorithm: 'SHA384withECDSA',
    });
    assert.equal(r.signatureAlgorithm, 'SHA384withECDSA');
    http.serve(r);
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available');
    const csrFile = filesBelow(t.dataDir).find((f) => f.includes(r.id) && f.endsWith('.csr'));
    assert.ok(csrFile, 'the CSR is kept');
    const { execFileSync } = await import('node:child_process');
    const text = execFileSync('openssl', ['req', '-in', csrFile!, '-noout', '-text'], { encoding: 'utf8' });
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/);
    assert.doesNotMatch(text, /Extended Key Usage/, 'no EKU in the CSR');
  });
});

describe('issuance: names', () => {
  it('issues 100 names in one certificate', async () => {
    const base = `hundred-${uniq()}`;
    const names = Array.from({ length: 100 }, (_, i) => `n${i}.${base}.example.test`);
    const started = Date.now();
    const v = await issueHttp(names, 'ec-p256');
    console.log(`100 names issued in ${Date.now() - started} ms`);
    const leaf = leafOf((await pemOf(v.id)).cert);
    assert.equal(sansOf(leaf).length, 100);
    assert.deepEqual(sansOf(leaf), [...names].sort());
  });

  it('rejects 101 names before anything is sent to the CA', async () => {
    const before = (await t.call('requests:list', {})).length;
    const names = Array.from({ length: 101 }, (_, i) => `n${i}.too-many.example.test`);
    const env = await t.raw('requests:create', { domains: names, challengeType: 'http-01', key: 'ec-p256' });
    assert.equal(env.ok, false);
    assert.equal(!env.ok && env.error.code, 'INVALID_INPUT');
    assert.match(!env.ok ? env.error.message : '', /101 names is too many.*at most 100/);
    assert.equal((await t.call('requests:list', {})).length, before, 'nothing created');
  });

  it('rejects a wildcard with http-01, naming the field', async () => {
    const env = await t.raw('requests:create', { domains: ['ok.example.test', '*.a.example.test'], challengeType: 'http-01', key: 'ec-p256' });
    assert.equal(!env.ok && env.error.field, 'domains.1');
    assert.match(!env.ok ? env.error.message : '', /wildcard names can only be validated with dns-01/);
  });

  it('issues a wildcard + apex certificate over dns-01 (two TXT values on one name)', async () => {
    const apex = `wild-${uniq()}.example.test`;
    const r = await t.call('requests:create', { domains: [apex, `*.${apex}`], challengeType: 'dns-01', key: 'ec-p384' });
    assert.equal(r.challenges.length, 2);
    const txtNames = r.challenges.map((c) => c.dnsName);
    assert.deepEqual(txtNames, [`_acme-challenge.${apex}`, `_acme-challenge.${apex}`], 'apex and wildcard share the TXT name');
    assert.notEqual(r.challenges[0]!.dnsValue, r.challenges[1]!.dnsValue);
    const clear = await publishTxt(r);
    try {
      const v = await t.call('requests:verify', { id: r.id });
      assert.equal(v.status, 'available', JSON.stringify(v.error));
      assert.deepEqual(sansOf(leafOf((await pemOf(v.id)).cert)), [`*.${apex}`, apex].sort());
    } finally {
      await clear();
    }
  });

  it('accepts an internationalised name, sends punycode, shows both forms', async () => {
    const label = `bücher-${uniq()}`;
    const v = await issueHttp([`${label}.example.test`], 'ec-p256');
    assert.match(v.names[0]!, /^xn--/);
    assert.equal(v.namesUnicode[0], `${label}.example.test`);
    assert.deepEqual(sansOf(leafOf((await pemOf(v.id)).cert)), [v.names[0]]);
  });
});

describe('manual http-01', () => {
  it('serves what `request show` prints: Verify → Available; a wrong file → Failed with the CA detail, New challenge → Available', async () => {
    const name = `manual-${uniq()}.example.test`;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'http-01', key: 'rsa-2048' });
    const c = r.challenges[0]!;
    assert.equal(c.httpPath, `/.well-known/acme-challenge/${c.token}`);
    assert.match(c.httpContent ?? '', new RegExp(`^${c.token}\\.[A-Za-z0-9_-]{43}$`));

    http.serve(r, 'this-is-not-the-key-authorization');
    const failed = await t.call('requests:verify', { id: r.id });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.challenges[0]!.status, 'invalid');
    assert.match(failed.challenges[0]!.error?.detail ?? '', /key authorization|Incorrect|expected/i, 'the CA detail per identifier');
    assert.match(failed.error?.message ?? '', /Validation failed for 1 name/);
    // Verifying a failed order again is refused with the way out.
    const again = await t.raw('requests:verify', { id: r.id });
    assert.match(!again.ok ? (again.error.hint ?? '') : '', /New challenge/);

    const fresh = await t.call('requests:new-challenge', { id: r.id });
    assert.equal(fresh.status, 'pending');
    assert.notEqual(fresh.challenges[0]!.token, c.token, 'a fresh order has fresh challenges');
    assert.equal(fresh.ordersCreated, 2);
    http.serve(fresh);
    const ok = await t.call('requests:verify', { id: r.id });
    assert.equal(ok.status, 'available');
  });
});

describe('renewal, key policies, repository', () => {
  it('same-key renewal keeps the public key; saving replaces the repository entry and keeps history', async () => {
    const v = await issueHttp([`same-${uniq()}.example.test`], 'ec-p256', { keyPolicy: 'same' });
    const saved = await t.call('certs:save', { requestId: v.id });
    assert.equal(saved.serial, v.certificate?.serial);
    const firstKey = (await pemOf(v.id)).key;

    const renewing = await t.call('requests:renew', { id: v.id });
    assert.equal(renewing.status, 'pending');
    http.serve(renewing);
    const renewed = await t.call('requests:verify', { id: v.id });
    assert.equal(renewed.status, 'renewed');
    assert.notEqual(renewed.certificate?.serial, v.certificate?.serial);
    assert.equal(renewed.unsaved, true, 'a renewal must be saved to reach the repository');
    const renewedPem = await pemOf(v.id);
    assert.ok(spkiOf(renewedPem.key).equals(spkiOf(firstKey)), 'same key');
    assert.ok(spkiOf(leafOf(renewedPem.cert)).equals(spkiOf(firstKey)));

    // Before saving, the repository still has the old version.
    assert.equal((await t.call('certs:get', { id: saved.id })).serial, v.certificate?.serial);
    const replaced = await t.call('certs:save', { requestId: v.id });
    assert.equal(replaced.id, saved.id, 'the same repository entry');
    assert.equal(replaced.serial, renewed.certificate?.serial);
    assert.deepEqual(replaced.history.map((h) => h.serial), [v.certificate?.serial]);
    assert.equal((await t.call('requests:get', { id: v.id })).unsaved, false);
  });

  it('new-key renewal changes the public key', async () => {
    const v = await issueHttp([`newkey-${uniq()}.example.test`], 'rsa-2048', { keyPolicy: 'new' });
    const before = (await pemOf(v.id)).key;
    const renewing = await t.call('requests:renew', { id: v.id });
    http.serve(renewing);
    const renewed = await t.call('requests:verify', { id: v.id });
    assert.equal(renewed.status, 'renewed');
    const after = await pemOf(v.id);
    assert.ok(!spkiOf(after.key).equals(spkiOf(before)), 'a new key');
    assert.ok(spkiOf(leafOf(after.cert)).equals(spkiOf(after.key)));
  });

  for (const spec of ['rsa-2048', 'ec-p256'] as const) {
    it(`import-key (${spec}) uses the imported key for issuance and renewal`, async () => {
      const { privateKey } =
        spec === 'rsa-2048'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const keyPem = privateKey.export({ format: 'pem', type: spec === 'rsa-2048' ? 'pkcs1' : 'sec1' }).toString();
      const keyFile = join(tempDir('import'), 'key.pem');
      writeFileSync(keyFile, keyPem, { mode: 0o600 });
      const v = await issueHttp([`import-${uniq()}.example.test`], spec, { keyPolicy: 'import', importKeyFile: keyFile });
      const first = leafOf((await pemOf(v.id)).cert);
      assert.ok(spkiOf(first).equals(spkiOf(keyPem)), 'certificate carries the imported key');
      assert.ok(await issuedByPebble(first), 'the first certificate was issued by Pebble');
      const renewing = await t.call('requests:renew', { id: v.id });
      assert.equal(renewing.status, 'pending');
      http.serve(renewing);
      const renewed = await t.call('requests:verify', { id: v.id });
      // The renewal must really have been issued: a new certificate from the CA, not the old one still there.
      assert.equal(renewed.status, 'renewed', JSON.stringify(renewed.error));
      assert.equal(renewed.ordersCreated, 2, 'the renewal placed its own order');
      const second = leafOf((await pemOf(v.id)).cert);
      assert.notEqual(second.serialNumber, first.serialNumber, 'a new serial');
      assert.equal(renewed.certificate?.serial, second.serialNumber.toUpperCase(), 'the exported certificate is the renewal');
      assert.ok(await issuedByPebble(second), 'the renewal was issued by Pebble');
      assert.equal((await certStatus(second.serialNumber)).Status, 'Valid', 'the CA knows the renewal');
      assert.ok(spkiOf(second).equals(spkiOf(keyPem)), 'renewal keeps the imported key');
      assert.deepEqual(findSecret([t.dataDir], keyPem), [], 'the imported key is not stored in clear');
    });
  }
});

describe('revoke and delete', () => {
  // Each reason is checked at the CA: a reason dropped or mapped to the wrong RFC 5280 code must fail here.
  for (const [reason, code] of [
    ['superseded', 4],
    ['keyCompromise', 1],
  ] as const) {
    it(`revokes (${reason}): Pebble reports the serial Revoked with reason ${code}; the saved certificate is marked`, async () => {
      const v = await issueHttp([`revoke-${reason.toLowerCase()}-${uniq()}.example.test`], 'ec-p256');
      await t.call('certs:save', { requestId: v.id });
      assert.equal((await certStatus(v.certificate!.serial)).Status, 'Valid', 'valid at the CA before');
      const noConfirm = await t.raw('requests:revoke', { id: v.id, reason });
      assert.equal(!noConfirm.ok && noConfirm.error.field, 'confirm');
      assert.equal((await certStatus(v.certificate!.serial)).Status, 'Valid', 'nothing sent without confirmation');

      const before = Date.now();
      const revoked = await t.call('requests:revoke', { id: v.id, reason, confirm: true });
      assert.equal(revoked.status, 'revoked');
      const status = await certStatus(v.certificate!.serial);
      assert.equal(status.Status, 'Revoked', JSON.stringify(status));
      assert.equal(status.Reason, code, `the CA recorded reason ${code} (${reason}): ${JSON.stringify(status)}`);
      // Pebble prints RevokedAt as Go's time.String(): "2026-01-02 15:04:05.999999999 +0000 UTC".
      const revokedAt = Date.parse(`${(status.RevokedAt ?? '').slice(0, 19).replace(' ', 'T')}Z`);
      assert.ok(revokedAt >= Math.floor(before / 1000) * 1000 - 60_000, `revoked just now: ${status.RevokedAt}`);
      assert.equal(leafOf(status.Certificate ?? '').serialNumber.toUpperCase(), v.certificate!.serial, 'the CA revoked this very certificate');
      assert.equal((await t.call('certs:list', {})).find((c) => c.requestId === v.id)?.revoked, true);
      // A second revoke is refused locally, not sent again.
      const again = await t.raw('requests:revoke', { id: v.id, reason: 'unspecified', confirm: true });
      assert.equal(!again.ok && again.error.code, 'CONFLICT');
      assert.equal((await certStatus(v.certificate!.serial)).Reason, code, 'the reason at the CA is unchanged');
    });
  }

  it('deletes from Certdesk only: gone from the repository, files of other certificates untouched', async () => {
    const keep = await issueHttp([`keep-${uniq()}.example.test`], 'ec-p256');
    const keepCert = await t.call('certs:save', { requestId: keep.id });
    const gone = await issueHttp([`gone-${uniq()}.example.test`], 'ec-p256');
    const goneCert = await t.call('certs:save', { requestId: gone.id });
    const snapshot = (dir: string) => Object.fromEntries(filesBelow(dir).filter((f) => f.includes(keep.id) || f.includes(keepCert.id)).map((f) => [f, readFileSync(f).toString('base64')]));
    const beforeFiles = snapshot(t.dataDir);
    assert.ok(Object.keys(beforeFiles).length >= 4, 'the kept certificate has files');

    const noConfirm = await t.raw('certs:delete', { id: goneCert.id });
    assert.equal(!noConfirm.ok && noConfirm.error.field, 'confirm');
    await t.call('certs:delete', { id: goneCert.id, confirm: true });
    assert.equal((await t.call('certs:list', {})).some((c) => c.id === goneCert.id), false);
    assert.equal((await t.call('requests:list', {})).some((r) => r.id === gone.id), false);
    assert.deepEqual(filesBelow(t.dataDir).filter((f) => f.includes(gone.id) || f.includes(goneCert.id)), [], 'its files are gone');
    assert.deepEqual(snapshot(t.dataDir), beforeFiles, 'the other certificate is untouched');
    // Still valid at the CA: deleting is not revoking.
    assert.equal((await certStatus(gone.certificate!.serial)).Status, 'Valid');
  });
});

describe('bad input: field-level messages, nothing half-created', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['empty names', { domains: [] }, 'domains.0', /enter at least one name/],
    ['blank name', { domains: ['ok.example.test', '  '] }, 'domains.1', /is empty/],
    ['64-character label', { domains: [`${'a'.repeat(64)}.example.test`] }, 'domains.0', /label of 64 characters.*at most 63/],
    ['*.a.b with http-01', { domains: ['*.a.b'] }, 'domains.0', /wildcard/],
    ['duplicate after normalisation', { domains: ['A.example.test', 'a.example.test.'] }, 'domains.1', /repeats name 1/],
    ['IP address', { domains: ['192.0.2.1'] }, 'domains.0', /IP address/],
    ['EC key with an RSA signature', { domains: ['x.example.test'], key: 'ec-p256', signatureAlgorithm: 'SHA256withRSA' }, 'signatureAlgorithm', /does not fit a ec-p256 key/],
    ['weak keystore password', { domains: ['x.example.test'], keystorePassword: 'abc' }, 'keystorePassword', /too short/],
    ['import policy without a key', { domains: ['x.example.test'], keyPolicy: 'import' }, 'importKeyPem', /needs the key/],
    ['unknown key type', { domains: ['x.example.test'], key: 'dsa-1024' }, 'key', /key/],
  ];
  for (const [label, req, field, message] of cases) {
    it(label, async () => {
      const before = await t.call('requests:list', {});
      const env = await t.raw('requests:create', { challengeType: 'http-01', key: 'ec-p256', ...req });
      assert.equal(env.ok, false);
      if (env.ok) return;
      assert.equal(env.error.field, field, env.error.message);
      assert.match(env.error.message, message);
      assert.equal((await t.call('requests:list', {})).length, before.length, 'nothing created');
    });
  }

  it('unknown request id', async () => {
    for (const channel of ['requests:get', 'requests:verify', 'requests:renew'] as const) {
      const env = await t.raw(channel, { id: 'no-such-request' });
      assert.equal(!env.ok && env.error.code, 'NOT_FOUND', channel);
      assert.equal(!env.ok && env.error.field, 'id');
    }
  });

  it('no key file or sealed key leaks in clear in the data directory', async () => {
    // Issues what it checks (it must not depend on the tests above having run), then checks those and
    // whatever else the data directory holds by now.
    const own = [await issueHttp([`leak-rsa-${uniq()}.example.test`], 'rsa-2048'), await issueHttp([`leak-ec-${uniq()}.example.test`], 'ec-p384')];
    const reqs = await t.call('requests:list', {});
    for (const o of own) assert.ok(reqs.some((r) => r.id === o.id));
    const issued = reqs.filter((x) => x.certificate && x.status !== 'revoked');
    for (const r of [...own, ...issued.filter((x) => !own.some((o) => o.id === x.id)).slice(0, 3)]) {
      const { key } = await pemOf(r.id);
      assert.deepEqual(findSecret([t.dataDir], key), []);
    }
    assert.ok(existsSync(join(t.dataDir, 'db.json')));
    assert.ok(readdirSync(join(t.dataDir, 'requests')).length > 0);
  });
});
