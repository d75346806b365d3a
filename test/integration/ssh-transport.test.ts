// The SSH transport against the bed's real sshd and nginx: host-key pinning (a changed key is refused before
// anything is sent), the specific AUTH / INVALID_INPUT / NETWORK / PERMISSION errors, challenge files,
// installs with modes, owner, backups and restore, commands with exit codes and time-outs, cancelling, and
// the TLS check before and after a certificate is deployed to nginx and reloaded over SSH.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { SshTarget, fingerprintOf, openSshSession, probeHostKey } from '../../electron/deploy/ssh/index.ts';
import { parseHostPort, servedCertificate } from '../../electron/deploy/tls-check.ts';
import type { SshEndpoint, TargetSession } from '../../electron/deploy/types.ts';
import { bedEnv, bedGate, closedPort, failWithoutBed, tempDir } from '../helpers/bed.ts';
import { startExtraSshd, type ExtraSshd } from '../helpers/ssh-bed.ts';
import { rejectsWith } from '../helpers/assert.ts';

const gate = bedGate(['SSHD_PORT', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_SHA256', 'SSHD_PASSWORD_USER', 'SSHD_PASSWORD_FILE', 'NGINX_HTTP_PORT', 'NGINX_HTTPS_PORT', 'NGINX_WEBROOT', 'NGINX_TLS_DIR', 'NGINX_RELOAD']);

const never = new AbortController().signal;

function keyEndpoint(over: Partial<SshEndpoint> = {}): SshEndpoint & { description: string } {
  return {
    host: '127.0.0.1',
    port: Number(bedEnv('SSHD_PORT')),
    user: bedEnv('SSHD_USER'),
    auth: 'key',
    privateKey: readFileSync(bedEnv('SSHD_CLIENT_KEY'), 'utf8'),
    hostKey: { algorithm: 'ssh-ed25519', sha256: bedEnv('SSHD_HOST_KEY_SHA256') },
    description: 'bed',
    ...over,
  };
}

function passwordEndpoint(over: Partial<SshEndpoint> = {}): SshEndpoint & { description: string } {
  return keyEndpoint({
    user: bedEnv('SSHD_PASSWORD_USER'),
    auth: 'password',
    privateKey: undefined,
    password: readFileSync(bedEnv('SSHD_PASSWORD_FILE'), 'utf8').trim(),
    ...over,
  });
}

/** Asserts that `p` rejects with an AppError of `code` (and `field`); returns it for more checks. */
function sshKeygen(file: string, passphrase: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'certdesk-test', '-f', file]);
}

function opensslSerial(file: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-serial', '-in', file], { encoding: 'utf8' }).trim().replace(/^serial=/, '').toUpperCase();
}

describe('SSH transport', () => {
  failWithoutBed(gate);
  const tmp = tempDir('ssh-transport');
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('host keys', () => {
    let extra: ExtraSshd;
    before(async () => {
      extra = await startExtraSshd();
    });
    after(async () => {
      await extra?.stop();
    });

    it('probeHostKey reads the offered key as ssh-keygen -lf prints it, without logging in', async () => {
      const key = await probeHostKey('127.0.0.1', Number(bedEnv('SSHD_PORT')), never);
      assert.equal(key.sha256, bedEnv('SSHD_HOST_KEY_SHA256'));
      assert.equal(key.algorithm, 'ssh-ed25519');
      const pubFile = join(tmp, 'host.pub');
      writeFileSync(pubFile, `${bedEnv('SSHD_HOST_KEY_PUB')}\n`);
      assert.equal(execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1], key.sha256);
      assert.equal(fingerprintOf(Buffer.from(bedEnv('SSHD_HOST_KEY_PUB').split(' ')[1]!, 'base64')), key.sha256);
    });

    it('a host key changed between two connections is refused before anything is sent', async () => {
      const pinned = await probeHostKey(extra.host, extra.port, never);
      assert.equal(pinned.sha256, extra.hostKeySha256);
      const ep = keyEndpoint({ port: extra.port, hostKey: pinned });
      const target = join(tmp, `hostkey-${Date.now()}.txt`);
      const first = await openSshSession(ep, never);
      first.close();

      const offered = await extra.restartWithNewHostKey();
      assert.notEqual(offered, pinned.sha256);
      const err = await rejectsWith(
        (async () => {
          const s = await openSshSession(ep, never);
          try {
            await s.putFile(target, 'must never arrive', 0o644, never);
          } finally {
            s.close();
          }
        })(),
        'HOST_KEY',
      );
      assert.ok(err.message.includes(pinned.sha256), err.message);
      assert.ok(err.message.includes(offered), err.message);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${extra.port}`));
      assert.match(err.message, /nothing was sent/);
      assert.ok(err.hint && /accept/i.test(err.hint));
      assert.equal(existsSync(target), false, 'the file must not have been uploaded');
      // The pinned key stays refused: nothing auto-accepts the new one.
      await rejectsWith(openSshSession(ep, never), 'HOST_KEY');
      // With the new key pinned, it connects.
      const ok = await openSshSession({ ...ep, hostKey: { algorithm: 'ssh-ed25519', sha256: offered } }, never);
      ok.close();
    });
  });

  describe('credentials and reachability', () => {
    it('a wrong password is AUTH on field password, naming the user, not the password', async () => {
      const err = await rejectsWith(openSshSession(passwordEndpoint({ password: 'wrong-password-123' }), never), 'AUTH', 'password');
      assert.match(err.message, new RegExp(`refused the password for user ${bedEnv('SSHD_PASSWORD_USER')}`));
      assert.ok(!err.message.includes('wrong-password-123'));
    });

    it('the right password logs in', async () => {
      const s = await openSshSession(passwordEndpoint(), never);
      try {
        const r = await s.run('id -un', never);
        assert.equal(r.exitCode, 0);
        assert.equal(r.output.trim(), bedEnv('SSHD_PASSWORD_USER'));
      } finally {
        s.close();
      }
    });

    it('a key the server does not know is AUTH on field privateKey', async () => {
      const file = join(tmp, 'unknown_ed25519');
      sshKeygen(file, '');
      await rejectsWith(openSshSession(keyEndpoint({ privateKey: readFileSync(file, 'utf8') }), never), 'AUTH', 'privateKey');
    });

    it('an encrypted key with a wrong or without a passphrase is AUTH on field passphrase', async () => {
      const file = join(tmp, 'encrypted_ed25519');
      sshKeygen(file, 'right-passphrase');
      const privateKey = readFileSync(file, 'utf8');
      const wrong = await rejectsWith(openSshSession(keyEndpoint({ privateKey, passphrase: 'wrong-passphrase' }), never), 'AUTH', 'passphrase');
      assert.match(wrong.message, /passphrase/);
      assert.ok(!wrong.message.includes('wrong-passphrase'));
      await rejectsWith(openSshSession(keyEndpoint({ privateKey }), never), 'AUTH', 'passphrase');
      // The right passphrase decrypts it; the server does not know this key, so it is the key that is refused.
      await rejectsWith(openSshSession(keyEndpoint({ privateKey, passphrase: 'right-passphrase' }), never), 'AUTH', 'privateKey');
    });

    it('a file that is not a private key is INVALID_INPUT on field privateKey', async () => {
      await rejectsWith(openSshSession(keyEndpoint({ privateKey: readFileSync(`${bedEnv('SSHD_CLIENT_KEY')}.pub`, 'utf8') }), never), 'INVALID_INPUT', 'privateKey');
      await rejectsWith(openSshSession(keyEndpoint({ privateKey: 'hello, not a key' }), never), 'INVALID_INPUT', 'privateKey');
    });

    it('a closed port is NETWORK naming host:port and the cause', async () => {
      const port = await closedPort();
      const err = await rejectsWith(openSshSession(keyEndpoint({ port }), never), 'NETWORK', 'port');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(err.message, /refused/);
      await rejectsWith(probeHostKey('127.0.0.1', port, never), 'NETWORK', 'port');
    });

    it('an unknown host name is NETWORK on field host', async () => {
      await rejectsWith(openSshSession(keyEndpoint({ host: 'no-such-host.invalid' }), never), 'NETWORK', 'host');
    });
  });

  describe('files and commands', () => {
    let root: TargetSession;
    before(async () => {
      root = await new SshTarget('t1', 'bed', async () => keyEndpoint()).open(never);
      assert.match(root.description, /^bed \(.+@127\.0\.0\.1:\d+\)$/);
    });
    after(() => root?.close());

    it('putFile places a challenge file nginx serves; removeFile removes it and says when it was gone', async () => {
      const token = `tok-${Date.now()}`;
      const path = join(bedEnv('NGINX_WEBROOT'), '.well-known', 'acme-challenge', token);
      await root.putFile(path, `${token}.thumbprint`, 0o644, never);
      assert.equal(statSync(path).mode & 0o777, 0o644);
      const res = await fetch(`http://127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}/.well-known/acme-challenge/${token}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), `${token}.thumbprint`);
      assert.equal(await root.removeFile(path, never), true);
      assert.equal(existsSync(path), false);
      assert.equal(await root.removeFile(path, never), false);
    });

    it('putFile creates missing directories; checkWritable passes and leaves nothing behind', async () => {
      const dir = join(tmp, 'deep', 'er', 'webroot');
      await root.checkWritable(dir, never);
      assert.equal(statSync(dir).isDirectory(), true);
      await root.putFile(join(dir, '.well-known', 'acme-challenge', 'x'), Buffer.from('y'), 0o640, never);
      assert.equal(readFileSync(join(dir, '.well-known', 'acme-challenge', 'x'), 'utf8'), 'y');
      assert.equal(statSync(join(dir, '.well-known', 'acme-challenge', 'x')).mode & 0o777, 0o640);
    });

    it('a webroot the SSH user cannot write is PERMISSION naming the user and the path', async () => {
      const dir = join(tmp, 'root-owned');
      mkdirSync(dir, { mode: 0o755 });
      chmodSync(tmp, 0o755);
      assert.equal(statSync(dir).uid, 0, 'the bed runs as root: this directory is root-owned');
      const pw = await openSshSession(passwordEndpoint(), never);
      try {
        const user = bedEnv('SSHD_PASSWORD_USER');
        const err = await rejectsWith(pw.checkWritable(dir, never), 'PERMISSION', 'webroot');
        assert.match(err.message, new RegExp(`user ${user} cannot write ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: permission denied`));
        const put = await rejectsWith(pw.putFile(join(dir, '.well-known', 'acme-challenge', 'tok'), 'x', 0o644, never), 'PERMISSION', 'webroot');
        assert.match(put.message, new RegExp(`user ${user} cannot`));
        assert.equal(existsSync(join(dir, '.well-known')), false);
      } finally {
        pw.close();
      }
    });

    it('install sets modes and owner, keeps backups; restore puts the old bytes back', async () => {
      const dir = join(tmp, 'install');
      mkdirSync(dir);
      const key = join(dir, 'privkey.pem');
      const cert = join(dir, 'cert.pem');
      const fresh = join(dir, 'chain.pem');
      writeFileSync(key, 'old key', { mode: 0o644 });
      writeFileSync(cert, 'old cert', { mode: 0o600 });
      const owner = bedEnv('SSHD_PASSWORD_USER');
      const uid = Number(execFileSync('id', ['-u', owner], { encoding: 'utf8' }).trim());
      const receipt = await root.install(
        [
          { path: key, content: Buffer.from('new key'), mode: 0o600, owner },
          { path: cert, content: Buffer.from('new cert'), mode: 0o644, owner: null },
          { path: fresh, content: Buffer.from('new chain'), mode: 0o644 },
        ],
        never,
      );
      assert.equal(readFileSync(key, 'utf8'), 'new key');
      assert.equal(statSync(key).mode & 0o777, 0o600);
      assert.equal(statSync(key).uid, uid);
      assert.equal(readFileSync(cert, 'utf8'), 'new cert');
      assert.equal(statSync(cert).mode & 0o777, 0o644);
      assert.equal(statSync(cert).uid, userInfo().uid);
      assert.deepEqual(receipt.entries, [
        { path: key, backup: `${key}.certdesk-backup` },
        { path: cert, backup: `${cert}.certdesk-backup` },
        { path: fresh, backup: null },
      ]);
      assert.equal(readFileSync(`${key}.certdesk-backup`, 'utf8'), 'old key');
      assert.equal(statSync(`${key}.certdesk-backup`).mode & 0o777, 0o644);
      assert.equal(readFileSync(`${cert}.certdesk-backup`, 'utf8'), 'old cert');

      await root.restore(receipt, never);
      assert.equal(readFileSync(key, 'utf8'), 'old key');
      assert.equal(statSync(key).mode & 0o777, 0o644);
      assert.equal(readFileSync(cert, 'utf8'), 'old cert');
      assert.equal(statSync(cert).mode & 0o777, 0o600);
      assert.equal(existsSync(fresh), false, 'a file that did not exist before is removed');
    });

    it('an install failing part way restores what it already replaced', async () => {
      const dir = join(tmp, 'partial');
      mkdirSync(dir);
      const a = join(dir, 'a.pem');
      const b = join(dir, 'b.pem');
      writeFileSync(a, 'old a');
      writeFileSync(b, 'old b');
      const err = await rejectsWith(
        root.install(
          [
            { path: a, content: Buffer.from('new a'), mode: 0o644 },
            { path: b, content: Buffer.from('new b'), mode: 0o644, owner: "x'; touch /tmp/pwned; '" },
          ],
          never,
        ),
        'INVALID_INPUT',
        'owner',
      );
      assert.match(err.message, /owner/);
      assert.equal(readFileSync(a, 'utf8'), 'old a');
      assert.equal(readFileSync(b, 'utf8'), 'old b');
      assert.equal(existsSync('/tmp/pwned'), false);
      const err2 = await rejectsWith(root.install([{ path: a, content: Buffer.from('new a'), mode: 0o644, owner: 'no-such-user-xyz' }], never), 'PERMISSION', 'owner');
      assert.match(err2.message, /no-such-user-xyz/);
      assert.equal(readFileSync(a, 'utf8'), 'old a');
    });

    it('run returns the exit code and stdout + stderr', async () => {
      const r = await root.run('echo to-out; echo to-err >&2; exit 3', never);
      assert.equal(r.exitCode, 3);
      assert.match(r.output, /to-out/);
      assert.match(r.output, /to-err/);
      const ok = await root.run('true', never);
      assert.equal(ok.exitCode, 0);
    });

    it('run keeps only the last 64 KiB of output', async () => {
      const r = await root.run("head -c 200000 /dev/zero | tr '\\0' a; echo END", never);
      assert.equal(r.exitCode, 0);
      assert.ok(r.output.length <= 64 * 1024, String(r.output.length));
      assert.match(r.output, /END\n$/);
    });

    it('a command that outlives its timeout ends with exitCode null', async () => {
      const t0 = Date.now();
      const r = await root.run('echo started; sleep 30', never, { timeoutMs: 3000 });
      assert.equal(r.exitCode, null);
      assert.match(r.output, /started/);
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
      // The session is still usable.
      assert.equal((await root.run('echo again', never)).output.trim(), 'again');
    });

    it('aborting stops an operation with CANCELLED and closes the connection', async () => {
      const s = await openSshSession(keyEndpoint(), never);
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(), 300);
      await rejectsWith(s.run('sleep 30', ac.signal), 'CANCELLED');
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
      await assert.rejects(s.run('true', never), (e: unknown) => e instanceof AppError && e.code === 'NETWORK');
      s.close();
      const pre = new AbortController();
      pre.abort();
      await rejectsWith(openSshSession(keyEndpoint(), pre.signal), 'CANCELLED');
      await rejectsWith(root.putFile(join(tmp, 'never'), 'x', 0o644, pre.signal), 'CANCELLED');
      assert.equal(existsSync(join(tmp, 'never')), false);
    });
  });

  describe('TLS check', () => {
    it('parseHostPort accepts host:port and [v6]:port and says what is wrong otherwise', () => {
      assert.deepEqual(parseHostPort('[::1]:443', 'check'), { host: '::1', port: 443 });
      assert.deepEqual(parseHostPort('www.example.com:8443', 'check'), { host: 'www.example.com', port: 8443 });
      for (const bad of ['www.example.com', '::1:443', 'host:0', 'host:70000', 'host:https', ':443']) {
        assert.throws(() => parseHostPort(bad, 'check'), (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === 'check', bad);
      }
    });

    it('a closed port is NETWORK', async () => {
      const err = await rejectsWith(servedCertificate(`127.0.0.1:${await closedPort()}`, 'localhost', never), 'NETWORK');
      assert.match(err.message, /refused/);
    });

    it('servedCertificate returns the serial nginx serves, and the new one after an install and reload over SSH', async () => {
      const tlsDir = bedEnv('NGINX_TLS_DIR');
      const address = `127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`;
      const before = await servedCertificate(address, 'localhost', never);
      assert.equal(before.serial, opensslSerial(join(tlsDir, 'fullchain.pem')));
      // Other suites may have deployed to the bed's nginx before this one: compare with what its files hold now.
      const current = new X509Certificate(readFileSync(join(tlsDir, 'fullchain.pem')));
      const currentNames = (current.subjectAltName ?? '').split(', ').map((n) => n.replace(/^DNS:/, '')).filter(Boolean);
      assert.deepEqual(before.names, currentNames);
      assert.match(before.sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

      const gen = join(tmp, 'newcert');
      mkdirSync(gen);
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(gen, 'privkey.pem'), '-out', join(gen, 'fullchain.pem'), '-days', '2',
        '-subj', '/CN=deployed.test', '-addext', 'subjectAltName=DNS:deployed.test,DNS:localhost',
      ], { stdio: 'ignore' });
      const want = opensslSerial(join(gen, 'fullchain.pem'));
      assert.notEqual(want, before.serial);

      const s = await openSshSession(keyEndpoint(), never);
      try {
        const receipt = await s.install(
          [
            { path: join(tlsDir, 'privkey.pem'), content: readFileSync(join(gen, 'privkey.pem')), mode: 0o600 },
            { path: join(tlsDir, 'fullchain.pem'), content: readFileSync(join(gen, 'fullchain.pem')), mode: 0o644 },
          ],
          never,
        );
        try {
          const r = await s.run(bedEnv('NGINX_RELOAD'), never, { timeoutMs: 15_000 });
          assert.equal(r.exitCode, 0, r.output);
          let now = await servedCertificate(address, 'deployed.test', never);
          for (let i = 0; i < 50 && now.serial !== want; i++) {
            await new Promise((r2) => setTimeout(r2, 100));
            now = await servedCertificate(address, 'deployed.test', never);
          }
          assert.equal(now.serial, want);
          assert.deepEqual(now.names, ['deployed.test', 'localhost']);
        } finally {
          // Leave the bed as it was for other suites.
          await s.restore(receipt, never);
          await s.run(bedEnv('NGINX_RELOAD'), never, { timeoutMs: 15_000 });
        }
      } finally {
        s.close();
      }
      assert.equal(opensslSerial(join(tlsDir, 'fullchain.pem')), before.serial);
    });
  });
});
