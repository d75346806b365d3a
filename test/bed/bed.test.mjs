// Smoke tests of the test bed itself: every service answers the way later tests rely on.
// Run via `node test/run.mjs bed` (the runner starts the bed and passes its env).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetchText } from './pebble.mjs';

// The app's keychain library (a dependency: `npm ci` installs it): proves what later code relies on works
// with the bed env.
const require = createRequire(import.meta.url);

const env = process.env;

/**
 * Each suite needs some bed variables. Missing under `node test/run.mjs --no-bed` (CERTDESK_NO_BED=1): the
 * suite is skipped. Missing otherwise: every test of the suite fails saying what is missing, so that a
 * run can never be green because nothing ran. (test/helpers/bed.ts has the same gate for TypeScript.)
 */
function bedGate(names) {
  const missing = [...(env.CERTDESK_BED ? [] : ['CERTDESK_BED']), ...names.filter((n) => !env[n])];
  if (!missing.length) return { skip: false, problem: null };
  const what = `needs the test bed (${missing.join(', ')} not set)`;
  if (env.CERTDESK_NO_BED === '1') return { skip: `${what}; skipped under --no-bed`, problem: null };
  return { skip: false, problem: `${what}: run through \`npm test\` or \`node test/run.mjs bed\`, or pass --no-bed to skip it on purpose` };
}

/** describe() that fails (or, under --no-bed, skips) when the bed variables it needs are missing. */
function bedSuite(name, vars, body) {
  const gate = bedGate(vars);
  describe(name, { skip: gate.skip }, () => {
    before(() => {
      if (gate.problem) throw new Error(gate.problem);
    });
    body();
  });
}

/** Run a command; resolves {code, stdout, stderr} (never rejects on non-zero exit). */
function sh(cmd, args, { input, timeout = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout, env }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? err.code : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) {
      child.stdin.on('error', () => undefined); // the tool may exit before reading (EPIPE): its exit code counts
      child.stdin.end(input);
    }
  });
}

let tmp;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'certdesk-bedtest-'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

bedSuite('pebble', ['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'PEBBLE_ROOTS_URL', 'PEBBLE_EAB_DIRECTORY'], () => {
  test('directory answers over HTTPS with PEBBLE_CA_FILE', async () => {
    const ca = await readFile(env.PEBBLE_CA_FILE, 'utf8');
    const res = await fetchText(env.PEBBLE_DIRECTORY, { ca });
    assert.equal(res.status, 200);
    const dir = JSON.parse(res.body);
    assert.match(dir.newAccount, /^https:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(dir.newOrder && dir.newNonce);
    assert.notEqual(dir.meta?.externalAccountRequired, true);
  });

  test('directory is not trusted without the bed CA', async () => {
    await assert.rejects(fetchText(env.PEBBLE_DIRECTORY), /self[- ]signed|unable to (verify|get)/i);
  });

  test('issuing root is served on the management port', async () => {
    const ca = await readFile(env.PEBBLE_CA_FILE, 'utf8');
    const res = await fetchText(env.PEBBLE_ROOTS_URL, { ca });
    assert.equal(res.status, 200);
    assert.match(res.body, /-----BEGIN CERTIFICATE-----/);
  });

  test('EAB Pebble requires external account binding', async () => {
    const ca = await readFile(env.PEBBLE_CA_FILE, 'utf8');
    const res = await fetchText(env.PEBBLE_EAB_DIRECTORY, { ca });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).meta.externalAccountRequired, true);
    assert.ok(env.PEBBLE_EAB_KID);
    assert.ok(Buffer.from(env.PEBBLE_EAB_HMAC, 'base64url').length >= 32);
  });
});

bedSuite('challtestsrv', ['CHALLTESTSRV_MGMT', 'CHALLTESTSRV_DNS_PORT'], () => {
  test('set-txt is visible over DNS, clear-txt removes it', async () => {
    const host = `_acme-challenge.bed-${randomBytes(4).toString('hex')}.test`;
    const value = randomBytes(16).toString('base64url');
    const r = new Resolver({ timeout: 1000, tries: 2 });
    r.setServers([`127.0.0.1:${env.CHALLTESTSRV_DNS_PORT}`]);
    const set = await fetchText(`${env.CHALLTESTSRV_MGMT}/set-txt`, {
      method: 'POST',
      body: JSON.stringify({ host: `${host}.`, value }),
    });
    assert.equal(set.status, 200);
    assert.deepEqual(await r.resolveTxt(host), [[value]]);
    const clear = await fetchText(`${env.CHALLTESTSRV_MGMT}/clear-txt`, { method: 'POST', body: JSON.stringify({ host: `${host}.` }) });
    assert.equal(clear.status, 200);
    await assert.rejects(r.resolveTxt(host), (e) => ['ENODATA', 'ENOTFOUND'].includes(e.code));
    assert.deepEqual(await r.resolve4(`www.${host.slice('_acme-challenge.'.length)}`), ['127.0.0.1']);
  });
});

bedSuite('bind (RFC 2136)', ['BIND_PORT', 'BIND_ZONE', 'BIND_TSIG_FILE'], () => {
  const name = () => `_acme-challenge.www.${env.BIND_ZONE}`;
  const dig = async (type, n) =>
    (await sh('dig', ['@127.0.0.1', '-p', env.BIND_PORT, '+short', '+time=2', '+tries=1', type, n])).stdout.trim();
  const nsupdate = (lines, withKey = true) =>
    sh('nsupdate', [...(withKey ? ['-k', env.BIND_TSIG_FILE] : []), '-t', '5'], {
      input: [`server 127.0.0.1 ${env.BIND_PORT}`, `zone ${env.BIND_ZONE}`, ...lines, 'send', ''].join('\n'),
    });

  test('zone answers SOA and wildcard A', async () => {
    assert.match(await dig('SOA', env.BIND_ZONE), /^ns1\.example\.test\. /);
    assert.equal(await dig('A', `anything.${env.BIND_ZONE}`), '127.0.0.1');
  });

  test('TSIG-signed nsupdate adds and deletes a TXT record', async () => {
    const token = randomBytes(16).toString('base64url');
    const add = await nsupdate([`update add ${name()}. 60 TXT "${token}"`]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(await dig('TXT', name()), `"${token}"`);
    const del = await nsupdate([`update delete ${name()}. TXT "${token}"`]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(await dig('TXT', name()), '');
  });

  test('nsupdate without the key is REFUSED', async () => {
    const res = await nsupdate([`update add ${name()}. 60 TXT "nokey"`], false);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr + res.stdout, /REFUSED/);
    assert.equal(await dig('TXT', name()), '');
  });
});

bedSuite('sshd', ['SSHD_PORT', 'SSHD_USER', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_PUB'], () => {
  const sshArgs = (knownHosts, ...cmd) => [
    '-F', '/dev/null',
    '-i', env.SSHD_CLIENT_KEY,
    '-p', env.SSHD_PORT,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'ConnectTimeout=5',
    `${env.SSHD_USER}@127.0.0.1`,
    ...cmd,
  ];

  test('host key fingerprint matches ssh-keygen', async () => {
    const pub = path.join(tmp, 'host.pub');
    await writeFile(pub, `${env.SSHD_HOST_KEY_PUB}\n`);
    const { stdout } = await sh('ssh-keygen', ['-lf', pub]);
    assert.equal(stdout.split(' ')[1], env.SSHD_HOST_KEY_SHA256);
  });

  test('key login with the pinned host key runs a command', async () => {
    const kh = path.join(tmp, 'known_hosts');
    await writeFile(kh, `[127.0.0.1]:${env.SSHD_PORT} ${env.SSHD_HOST_KEY_PUB}\n`);
    const res = await sh('ssh', sshArgs(kh, 'echo ok'));
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'ok');
  });

  test('a different pinned host key is rejected', async () => {
    const kh = path.join(tmp, 'known_hosts_wrong');
    const clientPub = await readFile(`${env.SSHD_CLIENT_KEY}.pub`, 'utf8'); // an ed25519 key that is not the host's
    await writeFile(kh, `[127.0.0.1]:${env.SSHD_PORT} ${clientPub.trim()}\n`);
    const res = await sh('ssh', sshArgs(kh, 'echo ok'));
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /host key|verification failed/i);
  });
});

/** Logs in with ssh2 (the app's SSH library) by password and runs a command; resolves its stdout. */
function sshPasswordRun(user, password, command) {
  const { Client } = require('ssh2');
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('error', reject);
    c.on('ready', () =>
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d) => (out += d));
        stream.stderr.on('data', (d) => (out += d));
        stream.on('close', () => {
          c.end();
          resolve(out);
        });
      }),
    );
    c.connect({ host: '127.0.0.1', port: Number(env.SSHD_PORT), username: user, password, readyTimeout: 5000, hostVerifier: () => true });
  });
}

bedSuite('sshd password user', ['SSHD_PORT', 'SSHD_PASSWORD_USER', 'SSHD_PASSWORD_FILE'], () => {
  test('the password file is private and the password logs in', async () => {
    const { stat } = await import('node:fs/promises');
    assert.equal((await stat(env.SSHD_PASSWORD_FILE)).mode & 0o777, 0o600);
    const password = (await readFile(env.SSHD_PASSWORD_FILE, 'utf8')).trim();
    assert.equal((await sshPasswordRun(env.SSHD_PASSWORD_USER, password, 'id -un')).trim(), env.SSHD_PASSWORD_USER);
  });

  test('a wrong password is refused', async () => {
    await assert.rejects(sshPasswordRun(env.SSHD_PASSWORD_USER, 'not-the-password', 'true'), (e) => e.level === 'client-authentication');
  });
});

bedSuite('nginx', ['NGINX_HTTP_PORT', 'NGINX_HTTPS_PORT', 'NGINX_WEBROOT', 'NGINX_TLS_DIR', 'NGINX_RELOAD'], () => {
  test('HTTP serves files put into the webroot, under .well-known/acme-challenge too', async () => {
    const token = randomBytes(8).toString('hex');
    const file = path.join(env.NGINX_WEBROOT, '.well-known', 'acme-challenge', token);
    await writeFile(file, `${token}.thumb`);
    try {
      const res = await fetchText(`http://127.0.0.1:${env.NGINX_HTTP_PORT}/.well-known/acme-challenge/${token}`);
      assert.equal(res.status, 200);
      assert.equal(res.body, `${token}.thumb`);
    } finally {
      await rm(file, { force: true });
    }
    const gone = await fetchText(`http://127.0.0.1:${env.NGINX_HTTP_PORT}/.well-known/acme-challenge/${token}`);
    assert.equal(gone.status, 404);
  });

  test('TLS serves the certificate in NGINX_TLS_DIR', async () => {
    const tls = await import('node:tls');
    const served = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: Number(env.NGINX_HTTPS_PORT), servername: 'localhost', rejectUnauthorized: false }, () => {
        const c = s.getPeerX509Certificate();
        s.destroy();
        resolve(c);
      });
      s.once('error', reject);
    });
    const { stdout } = await sh('openssl', ['x509', '-noout', '-serial', '-in', path.join(env.NGINX_TLS_DIR, 'fullchain.pem')]);
    assert.equal(served.serialNumber.toUpperCase(), stdout.trim().replace(/^serial=/, '').toUpperCase());
  });

  test('NGINX_RELOAD reloads it', async () => {
    const [bin, ...args] = env.NGINX_RELOAD.split(' ');
    const res = await sh(bin, args);
    assert.equal(res.code, 0, res.stderr);
  });
});

/** A line-by-line SMTP conversation over a socket: send a command, await the final reply line. */
function smtpTalk(sock) {
  let buf = '';
  let waiting = null;
  const onData = (d) => {
    buf += d.toString('latin1');
    const lines = buf.split('\r\n');
    const done = lines.findIndex((l) => /^\d{3} /.test(l));
    if (done >= 0 && waiting) {
      const reply = lines.slice(0, done + 1).join('\n');
      buf = lines.slice(done + 1).join('\r\n');
      const w = waiting;
      waiting = null;
      w(reply);
    }
  };
  sock.on('data', onData);
  return {
    reply: () => new Promise((resolve) => {
      waiting = resolve;
      onData(Buffer.alloc(0));
    }),
    async cmd(line) {
      const p = this.reply();
      sock.write(`${line}\r\n`);
      return p;
    },
    detach: () => sock.off('data', onData),
  };
}

bedSuite('smtp', ['SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD_FILE', 'SMTP_CA_FILE', 'SMTP_MAILDIR'], () => {
  test('STARTTLS with SMTP_CA_FILE, AUTH only after it and only with the password, the message lands in SMTP_MAILDIR', async () => {
    const net = await import('node:net');
    const tls = await import('node:tls');
    const { readdir } = await import('node:fs/promises');
    const password = (await readFile(env.SMTP_PASSWORD_FILE, 'utf8')).trim();
    const { statSync } = await import('node:fs');
    assert.equal(statSync(env.SMTP_PASSWORD_FILE).mode & 0o777, 0o600);
    const raw = net.connect({ host: '127.0.0.1', port: Number(env.SMTP_PORT) });
    await new Promise((r, j) => raw.once('connect', r).once('error', j));
    let t = smtpTalk(raw);
    assert.match(await t.reply(), /^220/);
    assert.match(await t.cmd('EHLO bedtest'), /STARTTLS/);
    const plain = (pw) => `AUTH PLAIN ${Buffer.from(`\0${env.SMTP_USER}\0${pw}`).toString('base64')}`;
    assert.match(await t.cmd(plain(password)), /^5\d\d/, 'no AUTH before STARTTLS');
    assert.match(await t.cmd('STARTTLS'), /^220/);
    t.detach();
    const sock = tls.connect({ socket: raw, servername: 'localhost', ca: [await readFile(env.SMTP_CA_FILE, 'utf8')] });
    await new Promise((r, j) => sock.once('secureConnect', r).once('error', j));
    assert.equal(sock.authorized, true, 'the server certificate verifies with SMTP_CA_FILE');
    t = smtpTalk(sock);
    assert.match(await t.cmd('EHLO bedtest'), /AUTH/);
    assert.match(await t.cmd(plain('wrong')), /^535/);
    assert.match(await t.cmd(plain(password)), /^235/);
    const before = new Set(await readdir(path.join(env.SMTP_MAILDIR, 'new')));
    assert.match(await t.cmd('MAIL FROM:<bed@example.test>'), /^250/);
    assert.match(await t.cmd('RCPT TO:<refused@example.test>'), /^550/);
    assert.match(await t.cmd('RCPT TO:<someone@example.test>'), /^250/);
    assert.match(await t.cmd('DATA'), /^354/);
    const marker = randomBytes(6).toString('hex');
    assert.match(await t.cmd(`Subject: bed ${marker}\r\n\r\nhello\r\n.`), /^250/);
    await t.cmd('QUIT');
    sock.destroy();
    const added = (await readdir(path.join(env.SMTP_MAILDIR, 'new'))).filter((f) => !before.has(f));
    const eml = added.find((f) => f.endsWith('.eml'));
    assert.ok(eml, `a message file: ${added.join(', ')}`);
    assert.match(await readFile(path.join(env.SMTP_MAILDIR, 'new', eml), 'utf8'), new RegExp(`Subject: bed ${marker}`));
    const meta = JSON.parse(await readFile(path.join(env.SMTP_MAILDIR, 'new', eml.replace(/\.eml$/, '.json')), 'utf8'));
    assert.deepEqual(meta.to, ['someone@example.test']);
  });
});

bedSuite('keyring', ['DBUS_SESSION_BUS_ADDRESS', 'BED_WORK_DIR'], () => {
  test('secret-tool store/lookup/clear round trip on the private bus', async () => {
    assert.ok(env.DBUS_SESSION_BUS_ADDRESS.includes(env.BED_WORK_DIR) || env.DBUS_SESSION_BUS_ADDRESS.includes('certdesk-kr-'));
    const attr = `bedtest-${randomBytes(4).toString('hex')}`;
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const store = await sh('secret-tool', ['store', '--label=certdesk bed test', 'certdesk-test', attr], { input: secret });
    assert.equal(store.code, 0, store.stderr);
    const look = await sh('secret-tool', ['lookup', 'certdesk-test', attr]);
    assert.equal(look.code, 0, look.stderr);
    assert.equal(look.stdout, secret);
    const clear = await sh('secret-tool', ['clear', 'certdesk-test', attr]);
    assert.equal(clear.code, 0, clear.stderr);
    const gone = await sh('secret-tool', ['lookup', 'certdesk-test', attr]);
    assert.equal(gone.stdout, '');
  });

  test('@napi-rs/keyring set/get/delete through the bed env', () => {
    const napiKeyring = require('@napi-rs/keyring');
    const entry = new napiKeyring.Entry('certdesk-bed-test', `acct-${randomBytes(4).toString('hex')}`);
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    entry.setPassword(secret);
    assert.equal(entry.getPassword(), secret);
    assert.equal(entry.deletePassword(), true);
    assert.equal(entry.getPassword(), null);
  });
});
