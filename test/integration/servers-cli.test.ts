// `certdesk server ...` as a user runs it, against the test bed's real OpenSSH server (issue 8): the host key
// is shown and nothing stored without --accept-host-key; log-in by key and by password; a wrong password, a
// wrong key, an unreachable port and a wrong fingerprint each say what is wrong; map/unmap/show/list; the
// secrets stay out of the data directory, its logs and every answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { bedEnv, bedGate, closedPort, failWithoutBed, findSecret, tempDir } from '../helpers/bed.ts';
import { certdesk } from '../helpers/cli.ts';

const gate = bedGate(['SSHD_PORT', 'SSHD_USER', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_SHA256']);

describe('certdesk server: end servers over SSH through the CLI', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let d: string;
  let port: string;
  let user: string;
  let keyFile: string;
  let fp: string;
  const answers: string[] = [];
  const run = async (...args: string[]) => {
    const r = await certdesk(d, ...args);
    answers.push(r.out, r.err);
    return r;
  };
  const addArgs = (name: string, ...extra: string[]) => ['server', 'add', '--name', name, '--host', '127.0.0.1', '--port', port, '--user', user, ...extra];

  before(() => {
    d = tempDir('servers-cli');
    port = bedEnv('SSHD_PORT');
    user = bedEnv('SSHD_USER');
    keyFile = bedEnv('SSHD_CLIENT_KEY');
    fp = bedEnv('SSHD_HOST_KEY_SHA256');
  });

  it('server add without --accept-host-key prints the fingerprint the server has and the command to accept it, and stores nothing', async () => {
    const r = await run(...addArgs('web1', '--key-file', keyFile));
    assert.equal(r.code, 2, r.err);
    assert.ok(r.out.includes(fp), `the bed's fingerprint ${fp} is printed:\n${r.out}`);
    assert.ok(r.out.includes(`--accept-host-key ${fp}`), 'the exact command to re-run is printed');
    assert.match(r.out, /Nothing was stored/);
    const j = await run('--json', ...addArgs('web1', '--key-file', keyFile));
    assert.equal(j.code, 2);
    const parsed = JSON.parse(j.out) as { hostKey: { sha256: string; algorithm: string }; stored: boolean };
    assert.equal(parsed.stored, false);
    assert.equal(parsed.hostKey.sha256, fp);
    assert.equal(parsed.hostKey.algorithm, 'ssh-ed25519');
    const list = await run('--json', 'server', 'list');
    assert.deepEqual(JSON.parse(list.out), []);
  });

  it('a fingerprint the server does not have is refused, naming both, and nothing is stored', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const r = await run(...addArgs('web1', '--key-file', keyFile, '--accept-host-key', wrong));
    assert.equal(r.code, 1);
    assert.ok(r.err.includes(wrong) && r.err.includes(fp), `both fingerprints named:\n${r.err}`);
    assert.match(r.err, /refused/);
    assert.deepEqual(JSON.parse((await run('--json', 'server', 'list')).out), []);
  });

  it('a key the server does not accept, an unreachable port and a missing log-in each say what is wrong', async () => {
    const dir = tempDir('other-key');
    const other = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const bad = await run(...addArgs('web1', '--key-file', other, '--accept-host-key', fp));
    assert.equal(bad.code, 1);
    assert.match(bad.err, /refused the private key for user/);
    const pub = await run(...addArgs('web1', '--key-file', `${other}.pub`, '--accept-host-key', fp));
    assert.equal(pub.code, 2);
    assert.match(pub.err, /not a private key.*--key-file/);
    const closed = String(await closedPort());
    const unreachable = await run('server', 'add', '--name', 'web1', '--host', '127.0.0.1', '--port', closed, '--user', user, '--key-file', keyFile, '--accept-host-key', fp);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.err, new RegExp(`Could not connect to 127\\.0\\.0\\.1:${closed}: connection refused`));
    const none = await run(...addArgs('web1', '--accept-host-key', fp));
    assert.equal(none.code, 2);
    assert.match(none.err, /--password-file F or --key-file F/);
    assert.deepEqual(JSON.parse((await run('--json', 'server', 'list')).out), []);
  });

  it('adds a server by key, tests it, maps and unmaps domains, shows and lists it', async () => {
    const added = await run('--json', ...addArgs('web1', '--key-file', keyFile, '--accept-host-key', fp));
    assert.equal(added.code, 0, added.err);
    const s = JSON.parse(added.out) as { id: string; auth: string; hostKey: { sha256: string }; secrets: Record<string, boolean> };
    assert.equal(s.auth, 'key');
    assert.equal(s.hostKey.sha256, fp);
    assert.deepEqual(s.secrets, { password: false, privateKey: true, passphrase: false });
    const dup = await run(...addArgs('WEB1', '--key-file', keyFile, '--accept-host-key', fp));
    assert.equal(dup.code, 2);
    assert.match(dup.err, /A server named "web1" exists already.*--name/);

    const webroot = join(tempDir('webroot'), 'www');
    mkdirSync(webroot);
    const mapped = await run('server', 'map', 'web1', '--domains', 'Example.TEST,www.other.test', '--webroot', webroot);
    assert.equal(mapped.code, 0, mapped.err);
    assert.match(mapped.out, new RegExp(`example\\.test; webroot ${webroot}`));
    const wild = await run('server', 'map', 'web1', '--domains', '*.example.test', '--webroot', webroot);
    assert.equal(wild.code, 2);
    assert.match(wild.err, /leave out "\*\."/);
    const relative = await run('server', 'map', 'web1', '--domains', 'a.test', '--webroot', 'www');
    assert.equal(relative.code, 2);
    assert.match(relative.err, /not an absolute path.*--webroot/);
    const noKey = await run('server', 'map', 'web1', '--domains', 'a.test', '--deploy', 'pem', '--fullchain-path', '/etc/x/fullchain.pem');
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /--key-path/);

    const tested = await run('server', 'test', 'WEB1');
    assert.equal(tested.code, 0, tested.out + tested.err);
    assert.match(tested.out, /Connection test passed/);
    assert.ok(tested.out.includes(`${webroot} can be written`), tested.out);

    const shown = await run('server', 'show', s.id.slice(0, 8));
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /Private key\s+•••• \(stored in the keychain\)/);
    assert.match(shown.out, /Last test\s+passed/);
    assert.match(shown.out, /Mapping\s+example\.test; webroot/);
    assert.match(shown.out, /Mapping\s+www\.other\.test/);
    const listed = await run('server', 'list');
    assert.match(listed.out, new RegExp(`web1  ${user}@127\\.0\\.0\\.1:${port}  key  example\\.test,www\\.other\\.test  test passed`));

    const un = await run('server', 'unmap', 'web1', '--domains', 'www.other.test');
    assert.equal(un.code, 0, un.err);
    assert.match(un.out, /1 mapping removed/);
    const again = await run('server', 'unmap', 'web1', '--domains', 'www.other.test');
    assert.equal(again.code, 1);
    assert.match(again.err, /has no mapping for www\.other\.test/);
    const afterUnmap = JSON.parse((await run('--json', 'server', 'show', 'web1')).out) as { domains: string[] };
    assert.deepEqual(afterUnmap.domains, ['example.test']);

    // A webroot that cannot be written: the test fails and says which.
    const locked = join(tempDir('locked'), 'file-not-dir');
    writeFileSync(locked, 'x');
    await run('server', 'map', 'web1', '--domains', 'locked.test', '--webroot', locked);
    const failing = await run('server', 'test', 'web1');
    assert.equal(failing.code, 1);
    assert.ok(failing.out.includes(`FAIL webroot ${locked}`), failing.out);

    const del = await run('server', 'delete', 'web1');
    assert.equal(del.code, 2);
    assert.match(del.err, /--yes/);
    assert.equal((await run('server', 'delete', 'web1', '--yes')).code, 0);
    assert.deepEqual(JSON.parse((await run('--json', 'server', 'list')).out), []);
  });

  it('adds a server by password; a wrong password is refused with its own message', async () => {
    const pwUser = bedEnv('SSHD_PASSWORD_USER');
    const pwFile = bedEnv('SSHD_PASSWORD_FILE');
    const wrongFile = join(tempDir('pw'), 'wrong');
    writeFileSync(wrongFile, 'definitely-not-the-password-1234\n');
    const bad = await run('server', 'add', '--name', 'pw', '--host', '127.0.0.1', '--port', port, '--user', pwUser, '--password-file', wrongFile, '--accept-host-key', fp);
    assert.equal(bad.code, 1);
    assert.match(bad.err, new RegExp(`refused the password for user ${pwUser}`));
    const ok = await run('--json', 'server', 'add', '--name', 'pw', '--host', '127.0.0.1', '--port', port, '--user', pwUser, '--password-file', pwFile, '--accept-host-key', fp);
    assert.equal(ok.code, 0, ok.err);
    const s = JSON.parse(ok.out) as { auth: string; secrets: Record<string, boolean> };
    assert.equal(s.auth, 'password');
    assert.deepEqual(s.secrets, { password: true, privateKey: false, passphrase: false });
    const tested = await run('server', 'test', 'pw');
    assert.equal(tested.code, 0, tested.out + tested.err);
    const password = readFileSync(pwFile, 'utf8').trim();
    assert.ok(password.length >= 16, 'the bed password is long enough to search for');
    assert.deepEqual(findSecret([d], password), [], 'the password is nowhere in the data directory or its logs');
    for (const a of answers) assert.ok(!a.includes(password), 'the password is in no answer');
  });

  it('adds a server by a passphrase-protected key; a wrong passphrase is refused; key and passphrase stay out of the data directory', async () => {
    const encrypted = join(tempDir('enc-key'), 'id_ed25519');
    copyFileSync(keyFile, encrypted);
    chmodSync(encrypted, 0o600);
    const passphrase = `pass-${randomBytes(12).toString('hex')}`;
    execFileSync('ssh-keygen', ['-q', '-p', '-f', encrypted, '-P', '', '-N', passphrase]);
    const passFile = join(tempDir('enc-pass'), 'passphrase');
    writeFileSync(passFile, `${passphrase}\n`);
    const wrongFile = join(tempDir('enc-wrong'), 'passphrase');
    writeFileSync(wrongFile, 'not-the-passphrase-5678\n');
    const bad = await run('--json', ...addArgs('enc', '--key-file', encrypted, '--passphrase-file', wrongFile, '--accept-host-key', fp));
    assert.equal(bad.code, 1);
    assert.equal((JSON.parse(bad.out) as { error: { field?: string } }).error.field, 'passphrase', bad.out + bad.err);
    const ok = await run('--json', ...addArgs('enc', '--key-file', encrypted, '--passphrase-file', passFile, '--accept-host-key', fp));
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual((JSON.parse(ok.out) as { secrets: Record<string, boolean> }).secrets, { password: false, privateKey: true, passphrase: true });
    assert.equal((await run('server', 'test', 'enc')).code, 0);
    assert.deepEqual(findSecret([d], passphrase), [], 'the passphrase is nowhere in the data directory or its logs');
    assert.deepEqual(findSecret([d], readFileSync(encrypted, 'utf8')), [], 'nor the encrypted key file');
    for (const a of answers) assert.ok(!a.includes(passphrase), 'the passphrase is in no answer');
    assert.equal((await run('server', 'delete', 'enc', '--yes')).code, 0);
  });

  it('the private key is absent in clear from the data directory, its logs and every answer', () => {
    const key = readFileSync(keyFile, 'utf8');
    assert.ok(existsSync(join(d, 'db.json')));
    assert.deepEqual(findSecret([d], key), []);
    const body = key.match(/-----BEGIN [^-]+-----([\s\S]+?)-----END/)![1]!.replace(/\s+/g, '');
    for (const a of answers) assert.ok(!a.includes(body.slice(0, 64)), 'the key is in no answer');
  });
});
