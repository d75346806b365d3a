// The `certdesk` CLI as a user runs it: the built bundle, real keychain, real Pebble.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findSecret, pebble, pebbleEab, tempDir } from '../helpers/bed.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const P = pebble();

function certdesk(dataDir: string, ...args: string[]) {
  return certdeskEnv(process.env, dataDir, ...args);
}

function certdeskEnv(env: NodeJS.ProcessEnv, dataDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: { code: number | null; stdout: string; stderr: string }) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('certdesk CLI: account commands', () => {
  it('is built', () => assert.ok(existsSync(CLI), 'run `npm run build` first (npm test does)'));

  it('register → show → update → rollover → export-key → deactivate → delete, with --json results', () => {
    const d = tempDir('cli');
    const reg = json(certdesk(d, '--json', 'account', 'register', '--email', 'cli@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos', '--name', 'CLI account'));
    assert.equal(reg.status, 'valid');
    assert.equal(reg.name, 'CLI account');
    assert.match(reg.url, /my-account/);

    const shown = json(certdesk(d, 'account', 'show', '--json'));
    assert.equal(shown.url, reg.url);
    const human = certdesk(d, 'account', 'show');
    assert.equal(human.code, 0);
    assert.match(human.stdout, /Account URL\s+https:\/\/127\.0\.0\.1/);

    assert.equal(json(certdesk(d, '--json', 'account', 'update', '--email', 'cli2@example.test')).email, 'cli2@example.test');
    const rolled = json(certdesk(d, '--json', 'account', 'rollover'));
    assert.equal(rolled.url, reg.url);
    assert.notEqual(rolled.keyThumbprint, reg.keyThumbprint);

    const keyOut = join(tempDir('cli-key'), 'acct.pem');
    assert.equal(json(certdesk(d, '--json', 'account', 'export-key', '--out', keyOut)).path, keyOut);
    assert.equal(statSync(keyOut).mode & 0o777, 0o600);
    const keyPem = readFileSync(keyOut, 'utf8');
    assert.match(keyPem, /BEGIN PRIVATE KEY/);
    assert.deepEqual(findSecret([d], keyPem), [], 'the account key is not in clear in the data dir');

    const noYes = certdesk(d, 'account', 'deactivate');
    assert.notEqual(noYes.code, 0);
    assert.match(noYes.stderr, /cannot be undone.*--yes/);
    assert.equal(noYes.stderr.trim().split('\n').length, 1, 'one-line error');
    assert.equal(json(certdesk(d, '--json', 'account', 'deactivate', '--yes')).status, 'deactivated');
    assert.equal(json(certdesk(d, '--json', 'account', 'delete', '--yes')).deleted, true);
    assert.deepEqual(json(certdesk(d, '--json', 'account', 'show')), []);

    // A deactivated account cannot be added back (seed, Step 1): the import says so.
    const imp = certdesk(d, '--json', 'account', 'import', '--key-file', keyOut, '--directory', P.directory, '--ca-file', P.caFile);
    assert.equal(imp.code, 1);
    assert.match(imp.stderr, /deactivated at the CA, so it cannot be added back/);
    assert.deepEqual(json(certdesk(d, '--json', 'account', 'show')), []);
  });

  it('registers with EAB from a key file', () => {
    const E = pebbleEab();
    const d = tempDir('cli-eab');
    const f = join(tempDir('cli-eab-key'), 'hmac');
    writeFileSync(f, E.hmacKey + '\n', { mode: 0o600 });
    const r = json(certdesk(d, '--json', 'account', 'register', '--email', 'e@example.test', '--directory', E.directory, '--ca-file', E.caFile, '--agree-tos', '--eab-kid', E.kid, '--eab-hmac-key-file', f));
    assert.equal(r.eabKid, E.kid);
    assert.deepEqual(findSecret([d], E.hmacKey), []);
  });

  it('fails with a one-line error, a non-zero exit code and the error object under --json', () => {
    const d = tempDir('cli-bad');
    const r = certdesk(d, '--json', 'account', 'register', '--email', 'bad', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /E-mail is not a valid address/);
    assert.equal(JSON.parse(r.stdout).error.field, 'email');

    const noTos = certdesk(d, 'account', 'register', '--email', 'a@example.test', '--directory', P.directory, '--ca-file', P.caFile);
    assert.notEqual(noTos.code, 0);
    assert.match(noTos.stderr, /Terms of Service.*--agree-tos/);

    const unknown = certdesk(d, 'account', 'register', '--bogus');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--bogus'.*Usage: certdesk account register/);
    assert.deepEqual(json(certdesk(d, '--json', 'account', 'show')), [], 'nothing stored');
  });

  it('refuses to start without a keychain, saying what is missing, and creates nothing', () => {
    const d = join(tempDir('cli-nokeychain'), 'data');
    const r = certdeskEnv({ ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }, d, 'account', 'show');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /keychain/i);
    assert.match(r.stderr, /D-Bus|Secret Service/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(join(d, 'db.json')), false, 'no plaintext fallback store was created');
  });
});
