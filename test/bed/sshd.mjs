// OpenSSH server on 127.0.0.1 with its own host key, accepting one generated client key (deploy target).
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HOST, findExe, freePort, run, startAndWait, tcpProbe } from './util.mjs';

/** "SHA256:..." fingerprint of an OpenSSH public key line, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(pubLine) {
  const blob = Buffer.from(pubLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export async function startSshd({ workDir }) {
  const dir = path.join(workDir, 'sshd');
  await mkdir(dir, { recursive: true });
  const user = os.userInfo().username;
  const port = await freePort();
  const keygen = await findExe('ssh-keygen');
  const hostKeyFile = path.join(dir, 'ssh_host_ed25519_key');
  const clientKeyFile = path.join(dir, 'client_ed25519');
  await Promise.all([
    run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'certdesk-bed-host', '-f', hostKeyFile]),
    run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'certdesk-bed-client', '-f', clientKeyFile]),
  ]);
  const hostKeyPub = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKeyFile}.pub`, 'utf8'), { mode: 0o600 });
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
      'PasswordAuthentication no',
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
    { name: 'sshd', cmd: sshd, args: ['-D', '-e', '-f', cfg], cwd: dir, workDir, logFile: path.join(dir, 'sshd.log') },
    async () => (await tcpProbe(port, { wantData: true })).startsWith('SSH-2.0'),
    { what: `gave no SSH-2.0 banner on ${HOST}:${port}` },
  );
  return {
    port,
    host: HOST,
    user,
    clientKeyFile,
    hostKeyFile,
    hostKeyPub,
    hostKeySha256: sshFingerprint(hostKeyPub),
    pid: svc.pid,
    stop: () => svc.stop(),
  };
}
