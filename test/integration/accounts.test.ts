// ACME accounts against a real Pebble (and a second Pebble that requires External Account Binding).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { lookupExistingAccount } from '../../electron/acme/existing.ts';
import { trustFor, withTransport } from '../../electron/acme/transport.ts';
import { closedPort, findSecret, pebble, pebbleEab, tempDir } from '../helpers/bed.ts';
import { startApp, type TestApp } from '../helpers/app.ts';

const P = pebble();

/** Runs acme-client calls of the test itself with Pebble's CA trusted for Pebble's origin (and only there). */
function asPebbleClient<T>(fn: () => Promise<T>): Promise<T> {
  return withTransport(undefined, trustFor(P.caPem, [P.directory]), fn);
}

function register(t: TestApp, extra: Record<string, unknown> = {}) {
  return t.call('accounts:register', {
    name: 'Pebble test',
    email: 'admin@example.test',
    directory: P.directory,
    caFile: P.caFile,
    agreeTos: true,
    ...extra,
  });
}

async function exportKey(t: TestApp, id: string): Promise<string> {
  const out = join(tempDir('export'), 'key.pem');
  const r = await t.call('accounts:export-key', { id, out });
  assert.equal(r.path, out);
  assert.equal(statSync(out).mode & 0o777, 0o600, 'exported key must be mode 0600');
  return readFileSync(out, 'utf8');
}

/** No account key and no EAB key may appear in clear anywhere in the data dir (db, logs, key files). */
function assertNoSecrets(t: TestApp, secrets: string[]): void {
  for (const s of secrets) {
    const hits = findSecret([t.dataDir], s);
    assert.deepEqual(hits, [], `secret found in clear in: ${hits.join(', ')}`);
  }
}

describe('ACME accounts against Pebble', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('registers, shows, updates the e-mail, rolls the key over and deactivates', async () => {
    const info = await t.call('accounts:directory-info', { directory: P.directory, caFile: P.caFile });
    assert.equal(info.kind, 'custom');
    assert.ok(info.termsOfServiceUrl, 'Pebble announces Terms of Service');

    const acct = await register(t);
    assert.equal(acct.status, 'valid');
    assert.match(acct.url, /^https:\/\/127\.0\.0\.1:\d+\/my-account\//);
    assert.equal(acct.keyAlgorithm, 'ec-p256');
    assert.equal(acct.caName !== null, true);
    const listed = await t.call('accounts:list', {});
    assert.deepEqual(listed.map((a) => a.id), [acct.id]);

    // One account per directory.
    const dup = await t.raw('accounts:register', { name: 'x', email: 'a@example.test', directory: P.directory, caFile: P.caFile, agreeTos: true });
    assert.equal(dup.ok, false);
    assert.equal(!dup.ok && dup.error.code, 'CONFLICT');

    const updated = await t.call('accounts:update', { id: acct.id, email: 'new-admin@example.test' });
    assert.equal(updated.email, 'new-admin@example.test');
    const refreshed = await t.call('accounts:refresh', { id: acct.id });
    assert.equal(refreshed.status, 'valid');

    const keyBefore = await exportKey(t, acct.id);
    const rolled = await t.call('accounts:rollover', { id: acct.id });
    assert.equal(rolled.url, acct.url, 'key rollover keeps the account URL');
    assert.notEqual(rolled.keyThumbprint, acct.keyThumbprint, 'key rollover changes the key');
    const keyAfter = await exportKey(t, acct.id);
    assert.notEqual(keyAfter, keyBefore);
    // The CA now knows the account by the new key only.
    const byNew = new acme.Client({ directoryUrl: P.directory, accountKey: keyAfter });
    assert.equal(await asPebbleClient(() => lookupExistingAccount(byNew)), acct.url);
    const byOld = new acme.Client({ directoryUrl: P.directory, accountKey: keyBefore });
    await assert.rejects(asPebbleClient(() => lookupExistingAccount(byOld)), /unable to find existing account|does not exist/i);
    // And Certdesk keeps working with it.
    assert.equal((await t.call('accounts:update', { id: acct.id, email: 'after-rollover@example.test' })).email, 'after-rollover@example.test');

    const deactivated = await t.call('accounts:deactivate', { id: acct.id, confirm: true });
    assert.equal(deactivated.status, 'deactivated');
    // The next order is refused by the CA.
    const client = new acme.Client({ directoryUrl: P.directory, accountKey: keyAfter, accountUrl: acct.url });
    await assert.rejects(
      asPebbleClient(() => client.createOrder({ identifiers: [{ type: 'dns', value: 'refused.example.test' }] })),
      /deactivated|not valid|unauthorized/i,
    );
    // Deactivating again is a clear conflict, not a second request.
    const again = await t.raw('accounts:deactivate', { id: acct.id, confirm: true });
    assert.equal(!again.ok && again.error.code, 'CONFLICT');

    assertNoSecrets(t, [keyBefore, keyAfter]);
  });

  it('deletes locally (the account stays valid at the CA) and imports it back by its key', async () => {
    const t2 = await startApp();
    try {
      const acct = await register(t2, { name: 'To delete' });
      const keyPem = await exportKey(t2, acct.id);
      const keyFile = join(tempDir('key'), 'account.pem');
      writeFileSync(keyFile, keyPem, { mode: 0o600 });

      const needsConfirm = await t2.raw('accounts:delete', { id: acct.id });
      assert.equal(needsConfirm.ok, false);
      assert.equal(!needsConfirm.ok && needsConfirm.error.field, 'confirm');
      await t2.call('accounts:delete', { id: acct.id, confirm: true });
      assert.deepEqual(await t2.call('accounts:list', {}), []);
      assert.deepEqual(readdirSync(join(t2.dataDir, 'accounts')), [], 'key and CA files removed with the account');

      const imported = await t2.call('accounts:import', { directory: P.directory, caFile: P.caFile, keyFile, name: 'Back again' });
      assert.equal(imported.url, acct.url, 'the same account comes back');
      assert.equal(imported.status, 'valid');
      assert.equal(imported.keyThumbprint, acct.keyThumbprint);
      assertNoSecrets(t2, [keyPem]);
    } finally {
      await t2.close();
    }
  });

  it('imports an account created by another client, and refuses a key the CA does not know', async () => {
    const t3 = await startApp();
    try {
      const foreignKey = (await acme.crypto.createPrivateRsaKey(2048)).toString();
      const other = new acme.Client({ directoryUrl: P.directory, accountKey: foreignKey });
      await asPebbleClient(() => other.createAccount({ termsOfServiceAgreed: true }));
      const unknownKey = (await acme.crypto.createPrivateEcdsaKey()).toString();

      const bad = await t3.raw('accounts:import', { directory: P.directory, caFile: P.caFile, keyPem: unknownKey });
      assert.equal(bad.ok, false);
      assert.equal(!bad.ok && bad.error.code, 'NOT_FOUND');
      assert.equal(!bad.ok && bad.error.field, 'keyPem');
      assert.deepEqual(await t3.call('accounts:list', {}), []);

      const imported = await t3.call('accounts:import', { directory: P.directory, caFile: P.caFile, keyPem: foreignKey });
      assert.equal(imported.url, other.getAccountUrl());
      assert.equal(imported.keyAlgorithm, 'rsa-2048');
      assertNoSecrets(t3, [foreignKey]);
    } finally {
      await t3.close();
    }
  });
});

describe('External Account Binding (Pebble with EAB required)', () => {
  const E = pebbleEab();
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('says EAB is required, rejects a wrong HMAC key, accepts the right one', async () => {
    const info = await t.call('accounts:directory-info', { directory: E.directory, caFile: E.caFile });
    assert.equal(info.externalAccountRequired, true);

    const base = { name: 'EAB', email: 'eab@example.test', directory: E.directory, caFile: E.caFile, agreeTos: true };
    const missing = await t.raw('accounts:register', base);
    assert.equal(!missing.ok && missing.error.field, 'eab');
    assert.match(!missing.ok ? missing.error.message : '', /External Account Binding is required/);

    const wrongKey = Buffer.alloc(32, 7).toString('base64url');
    const wrong = await t.raw('accounts:register', { ...base, eab: { kid: E.kid, hmacKey: wrongKey } });
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.error.field, 'eab.hmacKey');
    assert.deepEqual(await t.call('accounts:list', {}), [], 'nothing stored after a refused registration');

    const ok = await t.call('accounts:register', { ...base, eab: { kid: E.kid, hmacKey: E.hmacKey } });
    assert.equal(ok.status, 'valid');
    assert.equal(ok.eabKid, E.kid);
    const key = await exportKey(t, ok.id);
    assertNoSecrets(t, [key, E.hmacKey, wrongKey]);
  });
});

describe('bad input: specific errors, nothing stored', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const base = () => ({ name: 'Bad', email: 'admin@example.test', directory: P.directory, caFile: P.caFile, agreeTos: true });

  async function expectError(req: Record<string, unknown>, code: string, field: string, message: RegExp): Promise<void> {
    const env = await t.raw('accounts:register', req);
    assert.equal(env.ok, false, 'must fail');
    if (env.ok) return;
    assert.equal(env.error.code, code, env.error.message);
    assert.equal(env.error.field, field, env.error.message);
    assert.match(env.error.message, message);
    assert.deepEqual(await t.call('accounts:list', {}), [], 'nothing stored');
    const accountsDir = join(t.dataDir, 'accounts');
    assert.deepEqual(existsSync(accountsDir) ? readdirSync(accountsDir) : [], [], 'no key file left behind');
  }

  it('invalid e-mail', () => expectError({ ...base(), email: 'not-an-address' }, 'INVALID_INPUT', 'email', /E-mail is not a valid address/));
  it('empty e-mail', () => expectError({ ...base(), email: '  ' }, 'INVALID_INPUT', 'email', /E-mail is required/));
  it('non-HTTPS directory URL', () =>
    expectError({ ...base(), directory: P.directory.replace('https:', 'http:') }, 'INVALID_INPUT', 'directory', /must use HTTPS/));
  it('not a URL', () => expectError({ ...base(), directory: 'pebble' }, 'INVALID_INPUT', 'directory', /neither "production", "staging" nor a URL/));
  it('unreachable directory URL', async () =>
    expectError({ ...base(), directory: `https://127.0.0.1:${await closedPort()}/dir` }, 'NETWORK', 'directory', /could not be reached/));
  it('Terms of Service not accepted', () => expectError({ ...base(), agreeTos: false }, 'INVALID_INPUT', 'agreeTos', /Terms of Service/));
  it('unreadable CA file', () =>
    expectError({ ...base(), caFile: '/nonexistent/ca.pem' }, 'INVALID_INPUT', 'caFile', /cannot be read \(no such file\)/));
  it('CA file that is not a certificate', () => {
    const f = join(tempDir('ca'), 'bogus.pem');
    writeFileSync(f, 'hello');
    return expectError({ ...base(), caFile: f }, 'INVALID_INPUT', 'caFile', /no PEM certificate/);
  });
  it('directory whose TLS certificate is not trusted (no CA file): the CA file is the field to fix', () =>
    expectError({ ...base(), caFile: undefined }, 'TLS', 'caFile', /not trusted/));
  it('malformed EAB key', () =>
    expectError({ ...base(), eab: { kid: 'k', hmacKey: 'not base64!' } }, 'INVALID_INPUT', 'eab.hmacKey', /base64url/));
});
