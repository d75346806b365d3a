// The request and cert commands as a user runs them, and the exported keystores opened by the real tools
// (keytool, openssl) for an RSA and an EC certificate issued by Pebble.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findSecret, pebble, tempDir } from '../helpers/bed.ts';
import { leafOf, sansOf, spkiOf } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { certStatus } from '../helpers/pebble-mgmt.ts';
import { certdesk } from '../helpers/cli.ts';

const run = promisify(execFile);
const P = pebble();

async function json(dataDir: string, ...args: string[]) {
  const r = await certdesk(dataDir, '--json', ...args);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

async function tool(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { encoding: 'utf8', env: { ...process.env, JAVA_TOOL_OPTIONS: '-Xmx128m -XX:TieredStopAtLevel=1' } });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('certdesk CLI: requests, repository and exports', () => {
  let http: Http01Server;
  let d: string;
  const pwFile = join(tempDir('pw'), 'password');
  const password = 'correct horse battery';
  before(async () => {
    http = await new Http01Server().start();
    d = tempDir('cli-certs');
    writeFileSync(pwFile, password + '\n', { mode: 0o600 });
    await json(d, 'account', 'register', '--email', 'certs@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
  });
  after(() => http.stop());

  for (const key of ['rsa-2048', 'ec-p256'] as const) {
    it(`${key}: create → show → verify → save → export pfx, pfx-legacy, jks, pem → tools open them`, async () => {
      const names = [`cli-${key}-${Date.now()}.example.test`, `www.cli-${key}-${Date.now()}.example.test`];
      const created = await json(d, 'request', 'create', '--domains', names.join(','), '--challenge', 'http-01', '--key', key, '--keystore', 'jks', '--keystore-password-file', pwFile);
      assert.equal(created.status, 'pending');
      assert.equal(created.keystorePasswordStored, true);

      // `request show` prints, for every challenge, the URL path and the exact content; serve exactly that.
      const shown = await certdesk(d, 'request', 'show', created.id);
      assert.equal(shown.code, 0);
      for (const c of created.challenges) {
        assert.ok(shown.out.includes(`URL path  ${c.httpPath}`), 'path printed');
        assert.ok(shown.out.includes(`Content   ${c.httpContent}`), 'content printed');
      }
      http.serve(created);
      const verified = await certdesk(d, 'request', 'verify', created.id);
      assert.equal(verified.code, 0, verified.err + verified.out);
      assert.match(verified.out, /Status\s+Available/);

      const saved = await json(d, 'cert', 'save', created.id);
      assert.deepEqual([...saved.names].sort(), [...names].sort());
      const listed = await certdesk(d, 'cert', 'list');
      assert.match(listed.out, new RegExp(saved.id.slice(0, 8)));

      const out = tempDir('cli-export');
      // JKS with the request's stored keystore password (no --password-file needed).
      const jks = join(out, 'c.jks');
      await json(d, 'cert', 'export', saved.id, '--format', 'jks', '--out', jks);
      assert.equal(statSync(jks).mode & 0o777, 0o600);
      const kl = await tool('keytool', ['-list', '-v', '-keystore', jks, '-storepass', password]);
      assert.ok(kl.ok, kl.out);
      assert.match(kl.out, /Keystore type: JKS/i);
      assert.match(kl.out, /PrivateKeyEntry/);
      assert.match(kl.out, /Certificate chain length: 2/);
      const klBad = await tool('keytool', ['-list', '-keystore', jks, '-storepass', 'wrong-password']);
      assert.equal(klBad.ok, false);
      assert.match(klBad.out, /tampered with, or password was incorrect/);

      for (const [format, file] of [['pfx', 'c.pfx'], ['pfx-legacy', 'c-legacy.pfx']] as const) {
        const p = join(out, file);
        await json(d, 'cert', 'export', saved.id, '--format', format, '--out', p, '--password-file', pwFile);
        const info = await tool('openssl', ['pkcs12', '-info', '-noout', '-in', p, '-passin', `pass:${password}`]);
        assert.ok(info.ok, info.out);
        assert.match(info.out, format === 'pfx' ? /AES-256-CBC/ : /3DES|TripleDES/i);
        const bad = await tool('openssl', ['pkcs12', '-info', '-noout', '-in', p, '-passin', 'pass:nope']);
        assert.equal(bad.ok, false);
        const kp = await tool('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', p, '-storepass', password]);
        assert.ok(kp.ok, kp.out);
        assert.match(kp.out, /PrivateKeyEntry/);
        assert.match(kp.out, /Certificate chain length: 2/);
      }

      const pemDir = join(out, 'pem');
      await json(d, 'cert', 'export', saved.id, '--format', 'pem', '--out', pemDir);
      const cert = leafOf(readFileSync(join(pemDir, 'cert.pem'), 'utf8'));
      const keyPem = readFileSync(join(pemDir, 'privkey.pem'), 'utf8');
      assert.ok(spkiOf(cert).equals(spkiOf(keyPem)), 'PEM key matches the certificate');
      assert.equal(statSync(join(pemDir, 'privkey.pem')).mode & 0o777, 0o600);
      assert.deepEqual(sansOf(cert), [...names].sort());
      const encDir = join(out, 'pem-enc');
      await json(d, 'cert', 'export', saved.id, '--format', 'pem', '--out', encDir, '--encrypt-key', '--password-file', pwFile);
      const enc = readFileSync(join(encDir, 'privkey.pem'), 'utf8');
      assert.match(enc, /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.ok((await tool('openssl', ['pkey', '-in', join(encDir, 'privkey.pem'), '-passin', `pass:${password}`, '-noout'])).ok);
      assert.equal((await tool('openssl', ['pkey', '-in', join(encDir, 'privkey.pem'), '-passin', 'pass:wrong', '-noout'])).ok, false);

      // Neither the keystore password (kept in the keychain) nor the certificate key is in clear in the data
      // directory or its logs.
      assert.deepEqual(findSecret([d], password), []);
      assert.deepEqual(findSecret([d], keyPem), []);
    });
  }

  it('renew, revoke and delete from the CLI, with confirmations', async () => {
    const name = `cli-life-${Date.now()}.example.test`;
    const created = await json(d, 'request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256', '--key-policy', 'same');
    http.serve(created);
    await json(d, 'request', 'verify', created.id);
    const renewing = await json(d, 'cert', 'renew', created.id);
    assert.equal(renewing.status, 'pending');
    http.serve(renewing);
    const renewed = await certdesk(d, '--json', 'request', 'verify', created.id);
    assert.equal(renewed.code, 0, 'Renewed counts as issued');
    assert.equal(JSON.parse(renewed.out).status, 'renewed');

    const noYes = await certdesk(d, 'cert', 'revoke', created.id);
    assert.equal(noYes.code, 2);
    assert.match(noYes.err, /HTTPS breaks.*--yes/);
    const revoked = await json(d, 'cert', 'revoke', created.id, '--reason', 'superseded', '--yes');
    assert.equal(revoked.status, 'revoked');
    // The CA's view: the renewed certificate is revoked with the reason given on the command line.
    const atCa = await certStatus(revoked.certificate.serial);
    assert.equal(atCa.Status, 'Revoked');
    assert.equal(atCa.Reason, 4, `--reason superseded is RFC 5280 code 4: ${JSON.stringify(atCa)}`);
    assert.equal((await certStatus(JSON.parse(renewed.out).certificate.serial)).Status, 'Revoked', 'it is the renewal that was revoked');

    const delNo = await certdesk(d, 'cert', 'delete', created.id);
    assert.equal(delNo.code, 2);
    assert.match(delNo.err, /stays valid/);
    assert.equal((await json(d, 'cert', 'delete', created.id, '--yes')).deleted, true);
    const missing = await certdesk(d, 'request', 'show', created.id);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /No certificate request with id/);
  });

  it('request verify exits non-zero for a Failed request and prints the CA error', async () => {
    const created = await json(d, 'request', 'create', '--domains', `cli-fail-${Date.now()}.example.test`, '--challenge', 'http-01', '--key', 'ec-p256');
    http.serve(created, 'wrong-content');
    const r = await certdesk(d, 'request', 'verify', created.id);
    assert.equal(r.code, 1);
    assert.match(r.out, /Status\s+Failed/);
    assert.match(r.out, /Error\s+Validation failed for 1 name/);
    const again = await json(d, 'request', 'new-challenge', created.id);
    assert.equal(again.status, 'pending');
  });
});
