// E-mail through the bed's SMTP server (STARTTLS, AUTH): the test mail, a failure mail for a failed renewal
// result, the weekly digest once a week, and a Pebble-issued certificate mailed as pfx, jks and pem (CLI and
// channel) — each attachment opened with openssl/keytool and the keystore password, which is never in the mail.
// The errors name what to fix (AUTH names the user, TLS the CA setting, a refused connection, a refused
// recipient), and the SMTP password is in neither the data directory nor its logs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { RenewalPlan, RenewalResult } from '../../shared/model/renewal.ts';
import { bedGate, closedPort, failWithoutBed, findSecret, tempDir } from '../helpers/bed.ts';
import { leafOf, spkiOf } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { startApp } from '../helpers/app.ts';
import { certdesk } from '../helpers/cli.ts';

const run = promisify(execFile);
const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD_FILE', 'SMTP_CA_FILE', 'SMTP_MAILDIR', 'DBUS_SESSION_BUS_ADDRESS']);
const env = process.env as Record<string, string>;

async function json(dataDir: string, ...args: string[]) {
  const r = await certdesk(dataDir, '--json', ...args);
  assert.equal(r.code, 0, r.err + r.out);
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

interface Received {
  file: string;
  raw: string;
  subject: string;
  to: string[];
  text: string;
  attachments: { filename: string; contentType: string; data: Buffer }[];
}

/** A MIME message as nodemailer writes it: headers, a text part, base64 attachments. */
function parseMail(file: string): Received {
  const raw = readFileSync(file, 'latin1');
  const meta = JSON.parse(readFileSync(file.replace(/\.eml$/, '.json'), 'utf8')) as { to: string[] };
  const split = (s: string): [Record<string, string>, string] => {
    const at = s.indexOf('\r\n\r\n');
    const head = (at < 0 ? s : s.slice(0, at)).replace(/\r\n[ \t]+/g, ' ');
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    return [headers, at < 0 ? '' : s.slice(at + 4)];
  };
  const decode = (h: Record<string, string>, body: string): Buffer =>
    /base64/i.test(h['content-transfer-encoding'] ?? '')
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : /quoted-printable/i.test(h['content-transfer-encoding'] ?? '')
        ? Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, x: string) => String.fromCharCode(parseInt(x, 16))), 'latin1')
        : Buffer.from(body, 'latin1');
  const [headers, body] = split(raw);
  const out: Received = { file, raw, subject: headers.subject ?? '', to: meta.to, text: '', attachments: [] };
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const part of parts) {
    const [h, b] = boundary ? split(part.replace(/^\r\n/, '')) : [headers, body];
    const data = decode(h, b.replace(/\r\n$/, ''));
    const filename = /filename="?([^";]+)"?/i.exec(h['content-disposition'] ?? '')?.[1];
    if (filename) out.attachments.push({ filename, contentType: (h['content-type'] ?? '').split(';')[0]!, data });
    else out.text += data.toString('utf8');
  }
  return out;
}

const inbox = () => join(env.SMTP_MAILDIR!, 'new');
const seen = new Set<string>();

/** Waits for the next message (not seen before) that `match` accepts. */
async function nextMail(match: (m: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of readdirSync(inbox()).filter((x) => x.endsWith('.eml')).sort()) {
      if (seen.has(f)) continue;
      const m = parseMail(join(inbox(), f));
      if (match(m)) {
        seen.add(f);
        return m;
      }
    }
    if (Date.now() > deadline) throw new Error('no such mail arrived');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('e-mail through a real SMTP server', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let http: Http01Server;
  let d: string;
  let certId: string;
  let commonName: string;
  const keystorePassword = 'mail-keystore-Pa55word';
  const dir = tempDir('email-files');
  const pwFile = join(dir, 'keystore-password');
  const wrongFile = join(dir, 'wrong-smtp-password');
  const smtpPassword = () => readFileSync(env.SMTP_PASSWORD_FILE!, 'utf8').trim();
  const OPS = 'ops@example.test';

  before(async () => {
    for (const f of readdirSync(inbox())) seen.add(f);
    writeFileSync(pwFile, keystorePassword + '\n', { mode: 0o600 });
    writeFileSync(wrongFile, 'not-the-password-xyz\n', { mode: 0o600 });
    http = await new Http01Server().start();
    d = tempDir('email');
    await json(d, 'account', 'register', '--email', 'mail@example.test', '--directory', env.PEBBLE_DIRECTORY!, '--ca-file', env.PEBBLE_CA_FILE!, '--agree-tos');
    commonName = `mail-${Date.now()}.example.test`;
    const created = await json(d, 'request', 'create', '--domains', commonName, '--challenge', 'http-01', '--key', 'ec-p256', '--keystore', 'jks', '--keystore-password-file', pwFile);
    http.serve(created);
    const done = await json(d, 'request', 'verify', created.id);
    assert.equal(done.status, 'available', JSON.stringify(done.error));
    certId = (await json(d, 'cert', 'save', created.id)).id;
    const set = await certdesk(d, 'settings', 'set', '--email-host', '127.0.0.1', '--email-port', env.SMTP_PORT!, '--email-security', 'starttls', '--email-user', env.SMTP_USER!, '--email-password-file', env.SMTP_PASSWORD_FILE!, '--email-from', 'certdesk@example.test', '--email-to', OPS, '--email-ca-file', env.SMTP_CA_FILE!, '--email-enabled', 'true', '--notify-thresholds', '30,7,1', '--notify-success', 'false');
    assert.equal(set.code, 0, set.err);
    assert.match(set.out, /E-mail\s+on; 127\.0\.0\.1:\d+ \(starttls\); user bed-\w+ \(password in keychain\)/);
    assert.match(set.out, /thresholds 30, 7, 1 days; on success no/);
  });
  after(async () => {
    await http?.stop();
  });

  it('email test (CLI): the test mail arrives for the settings\' recipient, and for --to', async () => {
    const r = await certdesk(d, 'email', 'test');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Test mail sent to ops@example\.test through 127\.0\.0\.1:/);
    const m = await nextMail((x) => x.subject === 'Certdesk test mail');
    assert.deepEqual(m.to, [OPS]);
    assert.match(m.text, /This is a test mail from Certdesk/);
    const r2 = await json(d, 'email', 'test', '--to', 'a@example.test,b@example.test');
    assert.deepEqual(r2.to, ['a@example.test', 'b@example.test']);
    assert.deepEqual((await nextMail((x) => x.subject === 'Certdesk test mail')).to, ['a@example.test', 'b@example.test']);
  });

  it('cert email (CLI): pfx and jks attachments open with openssl/keytool and the keystore password; the password is not in the mail', async () => {
    for (const format of ['pfx', 'jks'] as const) {
      const r = await json(d, 'cert', 'email', certId.slice(0, 8), '--to', 'admin@example.test', '--format', format);
      assert.deepEqual(r.to, ['admin@example.test']);
      const m = await nextMail((x) => x.subject === `Certificate for ${commonName}` && x.attachments.some((a) => a.filename.endsWith(`.${format}`)));
      assert.equal(m.attachments.length, 1);
      const a = m.attachments[0]!;
      assert.equal(r.attachment, a.filename);
      assert.match(m.text, /The password is not in this mail/);
      assert.ok(!m.raw.includes(keystorePassword), 'the keystore password is not in the mail');
      assert.ok(!m.raw.includes(Buffer.from(keystorePassword).toString('base64').slice(0, 16)), 'nor in base64');
      const file = join(dir, a.filename);
      writeFileSync(file, a.data);
      if (format === 'pfx') {
        assert.equal(a.contentType, 'application/x-pkcs12');
        const info = await tool('openssl', ['pkcs12', '-info', '-noout', '-in', file, '-passin', `pass:${keystorePassword}`]);
        assert.ok(info.ok, info.out);
        const certOut = await tool('openssl', ['pkcs12', '-in', file, '-passin', `pass:${keystorePassword}`, '-nokeys', '-clcerts']);
        assert.ok(leafOf(certOut.out).subject.includes(commonName));
        assert.equal((await tool('openssl', ['pkcs12', '-info', '-noout', '-in', file, '-passin', 'pass:wrong'])).ok, false);
      } else {
        const kl = await tool('keytool', ['-list', '-v', '-keystore', file, '-storepass', keystorePassword]);
        assert.ok(kl.ok, kl.out);
        assert.match(kl.out, /Keystore type: JKS/i);
        assert.match(kl.out, /PrivateKeyEntry/);
        assert.ok(kl.out.includes(commonName));
      }
    }
  });

  it('through the channels: certs:email as pem (four files, the key encrypted with the keystore password), failure mail once per attempt, weekly digest once a week', async () => {
    const t = await startApp({ dataDir: d });
    try {
      const steps: string[] = [];
      t.app.events.on((event, payload) => {
        if (event === 'ops:progress' && (payload as { opId: string }).opId === 'mail-pem') steps.push((payload as { step: string }).step);
      });
      const r = await t.call('certs:email', { id: certId, format: 'pem', to: ['pem@example.test'], opId: 'mail-pem' });
      assert.deepEqual(steps, ['keystore', 'send', 'done'], 'progress steps of the long operation');
      assert.equal(r.attachment, 'cert.pem, chain.pem, fullchain.pem, privkey.pem');
      const m = await nextMail((x) => x.to.includes('pem@example.test'));
      const files = new Map(m.attachments.map((a) => [a.filename, a.data.toString('utf8')]));
      assert.deepEqual([...files.keys()], ['cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem']);
      assert.match(files.get('privkey.pem')!, /BEGIN ENCRYPTED PRIVATE KEY/);
      const keyFile = join(dir, 'privkey.pem');
      writeFileSync(keyFile, files.get('privkey.pem')!);
      const dec = await tool('openssl', ['pkey', '-in', keyFile, '-passin', `pass:${keystorePassword}`]);
      assert.ok(dec.ok, dec.out);
      assert.ok(spkiOf(leafOf(files.get('cert.pem')!)).equals(spkiOf(dec.out)), 'the mailed key is the certificate\'s');
      assert.ok(!m.raw.includes(keystorePassword));

      // pfx through the channel too (the CLI above sent pfx and jks).
      const viaChannel = await t.call('certs:email', { id: certId, format: 'pfx', to: ['pfx@example.test'] });
      const pm = await nextMail((x) => x.to.includes('pfx@example.test'));
      assert.equal(pm.attachments[0]?.filename, viaChannel.attachment);
      const pfxFile = join(dir, `channel-${viaChannel.attachment}`);
      writeFileSync(pfxFile, pm.attachments[0]!.data);
      const kp = await tool('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', pfxFile, '-storepass', keystorePassword]);
      assert.ok(kp.ok, kp.out);
      assert.match(kp.out, /PrivateKeyEntry/);

      // A failed renewal result, as the renewal engine hands it to every observer.
      const cert = t.app.services.repository.list().find((c) => c.id === certId)!;
      const result: RenewalResult = { certificateId: certId, requestId: cert.requestId, commonName, ok: false, serial: null, message: 'The DNS provider refused the update (403).', replaced: false, deployments: [] };
      const plan: RenewalPlan = { certificateId: certId, requestId: cert.requestId, commonName, names: [commonName], notAfter: cert.notAfter, policyOverride: null, policy: 'lifetime', days: null, dueAt: null, reason: 'retry', window: null, state: 'retrying', automated: true, automation: 'DNS account Test', failures: 1, nextAttemptAt: '2030-01-01T00:10:00.000Z', lastAttempt: { at: '2030-01-01T00:00:00.000Z', ok: false, message: result.message } };
      for (let i = 0; i < 2; i++) for (const o of t.app.notifications.observers) await o.renewalFinished(result, plan);
      const fail = await nextMail((x) => x.subject === `Renewal failed: ${commonName}`);
      assert.deepEqual(fail.to, [OPS]);
      assert.match(fail.text, /refused the update \(403\)/);
      assert.match(fail.text, /Next attempt: 2030-01-01T00:10:00/);
      await assert.rejects(nextMail((x) => x.subject === `Renewal failed: ${commonName}`, 1500), /no such mail/, 'one mail per attempt');

      // The digest lists what expires within 30 days: ten days before this certificate's end.
      const at = new Date(Date.parse(cert.notAfter) - 10 * 86_400_000);
      await t.app.notifications.mailer.digestTick(at);
      await t.app.notifications.mailer.digestTick(new Date(at.getTime() + 3600_000));
      const digest = await nextMail((x) => /expire.* within 30 days/.test(x.subject));
      assert.match(digest.text, new RegExp(`${commonName.replace(/\./g, '\\.')}: expires in 10 days`));
      await assert.rejects(nextMail((x) => /within 30 days/.test(x.subject), 1500), /no such mail/, 'once per week');
    } finally {
      await t.close();
    }
  });

  it('errors say what to fix: wrong password (AUTH, names the user), TLS without the CA, refused connection, refused recipient', async () => {
    const wrong = await certdesk(d, 'settings', 'set', '--email-password-file', wrongFile);
    assert.equal(wrong.code, 0, wrong.err);
    const auth = await certdesk(d, '--json', 'email', 'test');
    assert.notEqual(auth.code, 0);
    const authErr = JSON.parse(auth.out).error;
    assert.equal(authErr.code, 'AUTH');
    assert.ok(authErr.message.includes(`user "${env.SMTP_USER}"`), authErr.message);
    assert.ok(!auth.out.includes('not-the-password-xyz') && !auth.err.includes('not-the-password-xyz'), 'the password is not echoed');
    assert.equal((await certdesk(d, 'settings', 'set', '--email-password-file', env.SMTP_PASSWORD_FILE!)).code, 0);

    const t = await startApp({ dataDir: d });
    try {
      await t.call('settings:set', { emailCaPem: '' });
      const tls = await t.raw('email:test', {});
      assert.equal(tls.ok, false);
      if (!tls.ok) {
        assert.equal(tls.error.code, 'TLS');
        assert.equal(tls.error.field, 'emailCaPem');
        assert.match(tls.error.hint ?? '', /no extra CA is set in Settings → E-mail/);
        assert.match(tls.error.hint ?? '', /--email-ca-file/);
      }
      await t.call('settings:set', { emailCaPem: readFileSync(env.SMTP_CA_FILE!, 'utf8') });

      const refusedTo = await t.raw('email:test', { to: ['refused@example.test'] });
      assert.equal(refusedTo.ok, false);
      if (!refusedTo.ok) {
        assert.equal(refusedTo.error.field, 'to');
        assert.match(refusedTo.error.message, /refused refused@example\.test/);
      }

      const port = await closedPort();
      await t.call('settings:set', { email: { port } });
      const conn = await t.raw('email:test', {});
      assert.equal(conn.ok, false);
      if (!conn.ok) {
        assert.equal(conn.error.code, 'NETWORK');
        assert.match(conn.error.message, new RegExp(`Connection refused by 127\\.0\\.0\\.1:${port}`));
        assert.equal(conn.error.field, 'email.port');
      }
      await t.call('settings:set', { email: { port: Number(env.SMTP_PORT) } });
      const ok = await t.call('email:test', {});
      assert.equal(ok.sent, true);
      await nextMail((x) => x.subject === 'Certdesk test mail');
    } finally {
      await t.close();
    }
  });

  it('settings set (CLI): a wrong e-mail or notification option names its flag and changes nothing', async () => {
    const before = await json(d, 'settings', 'show');
    for (const [args, flag] of [
      [['--email-to', 'ops@example.test,not-an-address'], '--email-to'],
      [['--email-port', 'abc'], '--email-port'],
      [['--email-port', '70000'], '--email-port'],
      [['--email-security', 'ssl3'], '--email-security'],
      [['--notify-thresholds', '30,x'], '--notify-thresholds'],
      [['--notify-success', 'maybe'], '--notify-success'],
    ] as const) {
      const r = await certdesk(d, '--json', 'settings', 'set', ...args);
      assert.notEqual(r.code, 0, args.join(' '));
      const err = JSON.parse(r.out).error;
      assert.equal(err.flag, flag, `${args.join(' ')}: ${JSON.stringify(err)}`);
    }
    assert.deepEqual(await json(d, 'settings', 'show'), before, 'nothing changed');
  });

  it('alerts:list and alerts:dismiss through the channels: a request waiting for its challenges, dismissed until its state changes', async () => {
    const pending = await json(d, 'request', 'create', '--domains', `wait-${Date.now()}.example.test`, '--challenge', 'http-01', '--key', 'ec-p256');
    const t = await startApp({ dataDir: d });
    try {
      const id = `challenge-waiting:${pending.id}`;
      const a = (await t.call('alerts:list', {})).find((x) => x.id === id);
      assert.equal(a?.kind, 'challenge-waiting');
      assert.deepEqual(a?.action, { kind: 'open-request', label: 'Open request', requestId: pending.id, certificateId: null });
      assert.equal(a?.dismissed, false);
      assert.deepEqual(await t.call('alerts:dismiss', { id }), { dismissed: true });
      assert.equal((await t.call('alerts:list', {})).find((x) => x.id === id)?.dismissed, true);
      const gone = await t.raw('alerts:dismiss', { id: 'challenge-waiting:nope' });
      assert.equal(gone.ok, false);
      if (!gone.ok) assert.equal(gone.error.code, 'NOT_FOUND');
      // A new order for it is a new state: the alert is back.
      await t.call('requests:new-challenge', { id: pending.id });
      assert.equal((await t.call('alerts:list', {})).find((x) => x.id === id)?.dismissed, false);
    } finally {
      await t.close();
    }
  });

  it('the SMTP password is in neither the data directory nor its logs; the settings never carry it', async () => {
    const s = await json(d, 'settings', 'show');
    assert.equal(s.email.hasPassword, true);
    assert.ok(!JSON.stringify(s).includes(smtpPassword()));
    assert.deepEqual(findSecret([d], smtpPassword()), []);
    assert.deepEqual(findSecret([d], 'not-the-password-xyz'), []);
    assert.deepEqual(findSecret([d], keystorePassword), []);
  });
});
