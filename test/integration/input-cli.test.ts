// Input checks and IDs as a person meets them at the command line (issue 6, items 6 and 8): look-alike names
// need --allow-mixed-scripts, errors name the flag that was typed, every `cert` command takes the ID that
// `cert list` prints, `--version` prints the version, an unknown preferred chain is reported, and an
// export's key password never reaches the log in clear. Built CLI, real keychain, real Pebble.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../electron/app/version.ts';
import { findSecret, pebble, tempDir } from '../helpers/bed.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { Http01Server } from '../helpers/challenges.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const P = pebble();
const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function certdesk(dataDir: string | null, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...(dataDir ? ['--data-dir', dataDir] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function json(dataDir: string, ...args: string[]) {
  const r = await certdesk(dataDir, '--json', ...args);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

describe('certdesk --version', () => {
  for (const flag of ['--version', '-V']) {
    it(`${flag} prints the version, not the help`, async () => {
      const r = await certdesk(null, flag);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, `${VERSION}\n`);
    });
  }
});

describe('certdesk CLI: input checks and IDs (Pebble)', () => {
  let http: Http01Server;
  let d: string;
  before(async () => {
    http = await new Http01Server().start();
    d = tempDir('cli-input');
    await json(d, 'account', 'register', '--email', 'input@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
  });
  after(() => http?.stop());

  it('refuses a look-alike name (Cyrillic "а" in a Latin label) unless --allow-mixed-scripts confirms it', async () => {
    const name = `ex\u0430mple-${uniq()}.example.test`;
    const refused = await certdesk(d, '--json', 'request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256');
    assert.equal(refused.code, 2, refused.err);
    assert.equal(refused.err.trim().split('\n').filter((l) => l.startsWith('certdesk:')).length, 1, 'one-line error');
    assert.match(refused.err, /label "ex\u0430mple-[a-z0-9]+" mixes Latin and Cyrillic/);
    assert.match(refused.err, /U\+0430/);
    assert.match(refused.err, /--allow-mixed-scripts/);
    const info = JSON.parse(refused.out).error;
    assert.equal(info.code, 'CONFIRMATION_REQUIRED');
    assert.equal(info.flag, '--allow-mixed-scripts');
    assert.deepEqual(await json(d, 'request', 'list'), [], 'nothing was ordered');

    const created = await json(d, 'request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256', '--allow-mixed-scripts');
    assert.equal(created.status, 'pending');
    assert.deepEqual(created.namesUnicode, [name]);
    assert.match(created.names[0], /^xn--/);
    assert.equal((await json(d, 'request', 'show', created.id.slice(0, 8))).id, created.id);
  });

  it('names the flag the user typed in errors, not the request field behind it', async () => {
    const bad = await certdesk(d, '--json', 'request', 'create', '--domains', `flags-${uniq()}.example.test`, '--challenge', 'http-02', '--key', 'rsa-1024', '--keystore', 'p12');
    assert.equal(bad.code, 2);
    assert.equal(bad.err.trim().split('\n').length, 1, 'one-line error, before any progress');
    for (const flag of ['--key:', '--challenge:', '--keystore:']) assert.ok(bad.err.includes(flag), `${flag} missing in: ${bad.err}`);
    for (const field of ['challengeType', 'keystoreType', ' key:']) assert.ok(!bad.err.includes(field), `${field} in: ${bad.err}`);
    const issues = JSON.parse(bad.out).error.issues as { field: string; flag: string }[];
    assert.deepEqual(
      issues.map((i) => [i.field, i.flag]),
      [
        ['challengeType', '--challenge'],
        ['key', '--key'],
        ['keystoreType', '--keystore'],
      ],
    );

    const pw = join(tempDir('cli-input-pw'), 'short');
    writeFileSync(pw, 'short\n', { mode: 0o600 });
    const short = await certdesk(d, 'request', 'create', '--domains', `pw-${uniq()}.example.test`, '--challenge', 'http-01', '--key', 'ec-p256', '--keystore-password-file', pw);
    assert.equal(short.code, 2);
    assert.match(short.err, /too short.*--keystore-password-file/);
  });

  it('every cert command takes the ID that cert list prints (and the request ID still works)', async () => {
    const name = `ids-${uniq()}.example.test`;
    const created = await json(d, 'request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256', '--key-policy', 'same');
    http.serve(created);
    await json(d, 'request', 'verify', created.id);
    const saved = await json(d, 'cert', 'save', created.id.slice(0, 8));
    assert.notEqual(saved.id, created.id);
    const listed = await certdesk(d, 'cert', 'list');
    assert.equal(listed.code, 0, listed.err);
    const row = listed.out.split('\n').find((l) => l.includes(name));
    assert.ok(row, listed.out);
    const shownId = row.split(/\s+/)[0]!;
    assert.equal(shownId, saved.id.slice(0, 8));

    assert.equal((await json(d, 'cert', 'show', shownId)).id, saved.id);
    assert.equal((await json(d, 'cert', 'show', created.id)).id, saved.id, 'the request ID shows its saved certificate');
    const renewing = await json(d, 'cert', 'renew', shownId);
    assert.equal(renewing.id, created.id);
    assert.equal(renewing.status, 'pending');
    http.serve(renewing);
    assert.equal((await json(d, 'request', 'verify', created.id.slice(0, 8))).status, 'renewed');
    const noYes = await certdesk(d, 'cert', 'revoke', shownId);
    assert.equal(noYes.code, 2, noYes.err);
    const revoked = await json(d, 'cert', 'revoke', shownId, '--reason', 'superseded', '--yes');
    assert.equal(revoked.id, created.id);
    assert.equal(revoked.status, 'revoked');
    assert.equal((await json(d, 'cert', 'delete', shownId, '--yes')).deleted, true);
    const gone = await certdesk(d, 'cert', 'show', shownId);
    assert.equal(gone.code, 1);
    assert.match(gone.err, /No certificate or request with id/);
  });

  it('an ID shorter than 8 characters is refused with the rule, not matched', async () => {
    const r = await certdesk(d, 'cert', 'renew', 'abc');
    assert.equal(r.code, 1);
    assert.match(r.err, /No certificate or request with id "abc".*at least 8 characters/);
  });
});

describe('preferred chain and key password (services, Pebble)', () => {
  let http: Http01Server;
  let t: TestApp;
  before(async () => {
    http = await new Http01Server().start();
    t = await startApp();
    await t.call('accounts:register', { name: 'Input', email: 'chain@example.test', directory: P.directory, caFile: P.caFile, agreeTos: true });
  });
  after(async () => {
    await t?.close();
    await http?.stop();
  });

  it('a preferred chain that cannot be an issuer name is refused at request time, before anything is ordered', async () => {
    for (const preferredChain of ['   ', 'x'.repeat(65), 'Root\nCA']) {
      const r = await t.raw('requests:create', { domains: [`chain-${uniq()}.example.test`], challengeType: 'http-01', key: 'ec-p256', preferredChain });
      assert.equal(!r.ok && r.error.field, 'preferredChain', JSON.stringify(preferredChain));
    }
    assert.deepEqual((await t.call('requests:list', {})).filter((r) => r.names[0]!.startsWith('chain-')), []);
  });

  it('a preferred chain the CA does not offer is reported on the request, with the issuers offered', async () => {
    const created = await t.call('requests:create', { domains: [`chain-${uniq()}.example.test`], challengeType: 'http-01', key: 'ec-p256', preferredChain: 'No Such Root CA' });
    assert.equal(created.chainWarning, null);
    http.serve(created);
    const done = await t.call('requests:verify', { id: created.id });
    assert.equal(done.status, 'available', 'the certificate is still issued, with the default chain');
    assert.ok(done.chainWarning, 'the request says the preferred chain was not offered');
    assert.match(done.chainWarning, /"No Such Root CA" was not offered/);
    const root = new X509Certificate(await httpsGet(`${P.mgmt}/roots/0`, P.caPem));
    const rootCn = root.subject.split('\n').find((l) => l.startsWith('CN='))!.slice(3);
    assert.ok(done.chainWarning.endsWith(`Issuers offered: "${rootCn}".`), done.chainWarning);
  });

  it('the export key password is redacted in the log file like every other secret', async () => {
    const created = await t.call('requests:create', { domains: [`keypw-${uniq()}.example.test`], challengeType: 'http-01', key: 'ec-p256' });
    http.serve(created);
    await t.call('requests:verify', { id: created.id });
    const keyPassword = `key-pass-${uniq()}`;
    const out = join(tempDir('keypw-out'), 'pem');
    await t.call('certs:export', { id: created.id, format: 'pem', out, password: 'export-pass-1', keyPassword, encryptKey: true });
    assert.match(readFileSync(join(out, 'privkey.pem'), 'utf8'), /ENCRYPTED PRIVATE KEY/);
    // Whatever later mentions it (an error from a library, a message) is masked before it reaches the file.
    t.app.logger.warn(`export failed with ${keyPassword}`, { detail: `pass=${keyPassword}` });
    const log = readFileSync(join(t.dataDir, 'logs', 'certdesk.log'), 'utf8');
    assert.match(log, /export failed with \[redacted\]/);
    assert.deepEqual(findSecret([join(t.dataDir, 'logs')], keyPassword), []);
  });
});
