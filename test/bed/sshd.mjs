// OpenSSH server on 127.0.0.1 with its own host key (deploy target). Two users: the key user (the current user,
// root in CI) with one generated client key, and — when running as root — a password user `certdesk-pw`
// whose random password is made once per machine (see ensurePasswordUser).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HOST, findExe, freePort, run, startAndWait, tcpProbe } from './util.mjs';

export const PASSWORD_USER = 'certdesk-pw';

/** "SHA256:..." fingerprint of an OpenSSH public key line, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(pubLine) {
  const blob = Buffer.from(pubLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A fresh ed25519 host key at `file` (replacing any); returns its public line. */
export async function makeHostKey(file, type = 'ed25519') {
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await run(await findExe('ssh-keygen'), ['-q', '-t', type, '-N', '', '-C', 'certdesk-bed-host', '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/** Creates the password user if missing and gives it a new random password. Root only; null otherwise. */
async function ensurePasswordUser(dir) {
  if (process.getuid?.() !== 0) return null;
  try {
    await run('id', ['-u', PASSWORD_USER]);
  } catch {
    await run(await findExe('useradd'), ['-m', '-s', '/bin/bash', PASSWORD_USER]);
  }
  // One password per machine, kept root-only: beds that run side by side (several checkouts, helpers, CI on a
  // developer machine) share the system user, so each start must not give it a new password under the others.
  const shared = '/var/lib/certdesk-test-bed';
  await mkdir(shared, { recursive: true, mode: 0o700 });
  const sharedFile = path.join(shared, `${PASSWORD_USER}.password`);
  let password = randomBytes(12).toString('base64url');
  try {
    await writeFile(sharedFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (err?.code !== 'EEXIST') throw err;
    password = (await readFile(sharedFile, 'utf8')).trim();
  }
  await run(await findExe('chpasswd'), [], { input: `${PASSWORD_USER}:${password}\n` });
  const passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  return { user: PASSWORD_USER, password, passwordFile };
}

/**
 * One sshd process: `port` (fixed or free), host key file (made when `newHostKey` or missing), accepting the
 * keys in `authorizedKeys` and passwords. `name` separates its files and pid entry from other instances.
 */
export async function startSshdInstance({ workDir, name = 'sshd', port, hostKeyFile, authorizedKeys, newHostKey = false }) {
  const dir = path.join(workDir, name);
  await mkdir(dir, { recursive: true });
  port ??= await freePort();
  hostKeyFile ??= path.join(dir, 'ssh_host_ed25519_key');
  let hostKeyPub;
  if (newHostKey) hostKeyPub = await makeHostKey(hostKeyFile);
  else {
    try {
      hostKeyPub = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
    } catch {
      hostKeyPub = await makeHostKey(hostKeyFile);
    }
  }
  const cfg = path.join(dir, 'sshd_config');
  await writeFile(
    cfg,
    [
      `ListenAddress ${HOST}`,
      `Port ${port}`,
      `HostKey ${hostKeyFile}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'PermitEmptyPasswords no',
      'KbdInteractiveAuthentication no',
      'PrintMotd no',
      'PrintLastLog no',
      'UseDNS no',
      'LogLevel INFO',
      'MaxStartups 50:30:100',
      'MaxSessions 50',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  try {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  } catch {
    /* not root: sshd will say what it misses */
  }
  const sshd = await findExe('sshd');
  await run(sshd, ['-t', '-f', cfg]);
  const svc = await startAndWait(
    { name, cmd: sshd, args: ['-D', '-e', '-f', cfg], cwd: dir, workDir, logFile: path.join(dir, 'sshd.log') },
    async () => (await tcpProbe(port, { wantData: true })).startsWith('SSH-2.0'),
    { what: `gave no SSH-2.0 banner on ${HOST}:${port}` },
  );
  return {
    port,
    host: HOST,
    hostKeyFile,
    hostKeyPub,
    hostKeyAlgorithm: hostKeyPub.split(/\s+/)[0],
    hostKeySha256: sshFingerprint(hostKeyPub),
    pid: svc.pid,
    stop: () => svc.stop(),
  };
}

export async function startSshd({ workDir }) {
  const dir = path.join(workDir, 'sshd');
  await mkdir(dir, { recursive: true });
  const user = os.userInfo().username;
  const clientKeyFile = path.join(dir, 'client_ed25519');
  await rm(clientKeyFile, { force: true });
  await rm(`${clientKeyFile}.pub`, { force: true });
  const [, pwUser] = await Promise.all([
    run(await findExe('ssh-keygen'), ['-q', '-t', 'ed25519', '-N', '', '-C', 'certdesk-bed-client', '-f', clientKeyFile]),
    ensurePasswordUser(dir),
  ]);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKeyFile}.pub`, 'utf8'), { mode: 0o600 });
  const inst = await startSshdInstance({ workDir, name: 'sshd', authorizedKeys, newHostKey: true });
  if (!pwUser) {
    console.error(`test bed: sshd: not running as root, so the password user ${PASSWORD_USER} is not there (SSHD_PASSWORD_USER unset); tests that need it fail or skip.`);
  }
  return {
    ...inst,
    user,
    clientKeyFile,
    authorizedKeys,
    passwordUser: pwUser?.user ?? null,
    passwordFile: pwUser?.passwordFile ?? null,
  };
}
