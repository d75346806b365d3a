// An SMTP server on 127.0.0.1 (Debian python3-aiosmtpd): STARTTLS with a certificate made at start (its CA file
// exported), AUTH PLAIN/LOGIN against a generated user and password (password file 0600), every message saved as
// a file in SMTP_MAILDIR/new (<n>.eml + <n>.json with the envelope). A recipient named "refused@..." is refused.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST, findExe, freePort, run, startAndWait, tcpProbe } from './util.mjs';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'smtp.py');

export async function startSmtp({ workDir }) {
  const dir = path.join(workDir, 'smtp');
  const maildir = path.join(dir, 'maildir');
  await mkdir(path.join(maildir, 'new'), { recursive: true });
  // A self-signed certificate for localhost and 127.0.0.1: it is its own CA (SMTP_CA_FILE).
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run(await findExe('openssl'), [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=Certdesk bed SMTP',
    '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const user = `bed-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const port = await freePort();
  // The Debian package installs aiosmtpd for the system's python3, not for one a version manager put first on PATH.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : await findExe('python3');
  const svc = await startAndWait(
    { name: 'smtp', cmd: python, args: [SCRIPT, String(port), cert, key, maildir, user, passwordFile], cwd: dir, workDir, logFile: path.join(dir, 'smtp.log') },
    async () => (await tcpProbe(port, { wantData: true })).startsWith('220'),
    { what: `did not greet on ${HOST}:${port}` },
  );
  return {
    host: HOST,
    port,
    user,
    passwordFile,
    caFile: cert,
    maildir,
    pid: svc.pid,
    stop: () => svc.stop(),
    env: { SMTP_HOST: HOST, SMTP_PORT: String(port), SMTP_USER: user, SMTP_PASSWORD_FILE: passwordFile, SMTP_CA_FILE: cert, SMTP_MAILDIR: maildir },
  };
}
