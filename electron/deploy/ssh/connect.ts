// Opening SSH connections (ssh2, loaded lazily so CLI start-up does not pay for it): host-key probing and
// pinning, and the translation of ssh2's failures into specific AppErrors. No secret ever enters a message.
import { createHash } from 'node:crypto';
import type { Client, ConnectConfig } from 'ssh2';
import { AppError } from '../../../shared/ipc/errors.ts';
import type { HostKey } from '../../../shared/model/server.ts';
import type { SshEndpoint } from '../types.ts';

type Ssh2 = typeof import('ssh2');

let ssh2Promise: Promise<Ssh2> | null = null;

/** ssh2, imported on first use (a CommonJS package: its exports may sit on `default`). */
export function loadSsh2(): Promise<Ssh2> {
  ssh2Promise ??= import('ssh2').then((m) => ((m as { default?: Ssh2 }).default ?? m) as Ssh2);
  return ssh2Promise;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** `SHA256:<base64 without padding>` of a host key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (uint32 length + string), e.g. `ssh-ed25519`. */
export function algorithmOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function hostKeyOf(blob: Buffer): HostKey {
  return { algorithm: algorithmOf(blob), sha256: fingerprintOf(blob) };
}

export function cancelled(): AppError {
  return new AppError('CANCELLED', 'Cancelled.');
}

const where = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

interface SocketishError extends Error {
  level?: string;
  code?: string | number;
  errno?: number;
  syscall?: string;
}

/** A network-level failure (refused, unreachable, DNS, timeout) as a NETWORK error naming host:port and the cause. */
export function networkError(host: string, port: number, err: SocketishError | null, timeoutMs?: number): AppError {
  const hp = where(host, port);
  const code = typeof err?.code === 'string' ? err.code : '';
  let cause: string;
  let field: string | undefined;
  if (!err || err.level === 'client-timeout' || code === 'ETIMEDOUT') {
    cause = `no SSH answer within ${Math.round((timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`;
  } else if (code === 'ECONNREFUSED') {
    cause = 'connection refused (nothing listens on that port)';
    field = 'port';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    cause = `the name ${host} could not be resolved (${code})`;
    field = 'host';
  } else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    cause = `the host is unreachable (${code})`;
    field = 'host';
  } else if (code === 'ECONNRESET' || /closed|reset/i.test(err.message)) {
    cause = 'the connection was closed before SSH was set up (is it an SSH server?)';
    field = 'port';
  } else {
    cause = code ? `${code}: ${err.message}` : err.message;
  }
  return new AppError('NETWORK', `Could not connect to ${hp}: ${cause}.`, {
    ...(field ? { field } : {}),
    hint: 'Check the host name and port, that the SSH server runs, and that no firewall blocks the connection.',
  });
}

function hostKeyChanged(host: string, port: number, pinned: HostKey, offered: HostKey): AppError {
  const hp = where(host, port);
  return new AppError(
    'HOST_KEY',
    `The host key of ${hp} changed: pinned ${pinned.sha256} (${pinned.algorithm}), offered ${offered.sha256} (${offered.algorithm}). ` +
      'Certdesk refused to connect; nothing was sent.',
    {
      field: 'hostKey',
      hint:
        `Ask the server's administrator whether its host key was replaced (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${offered.algorithm.replace(/^ssh-/, '')}_key.pub). ` +
        'Only if the new fingerprint is the expected one, test the connection again and accept the new key; otherwise someone may be intercepting the connection.',
    },
  );
}

/**
 * Validates the private key (and passphrase) before connecting, so the error names the right field:
 * not a key → INVALID_INPUT privateKey; encrypted without / with a wrong passphrase → AUTH passphrase.
 */
export function checkPrivateKey(ssh2: Ssh2, key: string, passphrase: string | undefined): void {
  const parsed = ssh2.utils.parseKey(key, passphrase);
  const err = Array.isArray(parsed) ? null : parsed instanceof Error ? parsed : null;
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (err) {
    const m = err.message;
    if (/passphrase/i.test(m) || /bad decrypt|decrypt/i.test(m)) {
      const none = !passphrase;
      throw new AppError(
        'AUTH',
        none
          ? 'The private key is encrypted and no passphrase was given.'
          : 'The passphrase does not decrypt the private key (wrong passphrase).',
        { field: 'passphrase', hint: 'Enter the passphrase the key was encrypted with.' },
      );
    }
    throw AppError.invalid(
      'privateKey',
      `The private key file is not a private key Certdesk can use (${m}).`,
      'Choose an OpenSSH or PEM private key (e.g. ~/.ssh/id_ed25519), not the .pub file or a certificate.',
    );
  }
  if (!first || first instanceof Error || typeof (first as { isPrivateKey?: () => boolean }).isPrivateKey !== 'function' || !(first as { isPrivateKey(): boolean }).isPrivateKey()) {
    throw AppError.invalid('privateKey', 'The key file holds a public key, not a private key.', 'Choose the private key file (without .pub).');
  }
}

/** Connects a raw ssh2 Client; resolves once it is `ready`, or rejects with an AppError. */
function connectClient(
  ssh2: Ssh2,
  cfg: ConnectConfig,
  host: string,
  port: number,
  signal: AbortSignal,
  timeoutMs: number,
  verify: (blob: Buffer) => AppError | null,
  authError: () => AppError,
): Promise<Client> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let verifyFailure: AppError | null = null;
    let verified = false;
    let settled = false;
    const finish = (err: AppError | null): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) {
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        client.destroy();
        reject(err);
      } else resolve(client);
    };
    const onAbort = (): void => finish(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => finish(null));
    client.on('error', (e: SocketishError) => {
      if (verifyFailure) return finish(verifyFailure);
      if (e.level === 'client-authentication') return finish(authError());
      if (verified && e.level !== 'client-socket' && e.level !== 'client-timeout') {
        return finish(new AppError('NETWORK', `SSH with ${where(host, port)} failed: ${e.message}.`));
      }
      finish(networkError(host, port, e, timeoutMs));
    });
    client.on('close', () => finish(verifyFailure ?? networkError(host, port, Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }), timeoutMs)));
    client.connect({
      ...cfg,
      host,
      port,
      readyTimeout: timeoutMs,
      keepaliveInterval: 0,
      hostVerifier: (key: Buffer) => {
        verifyFailure = verify(Buffer.from(key));
        verified = verifyFailure === null;
        return verified;
      },
    });
  });
}

export interface ProbeOptions {
  timeoutMs?: number;
}

/** Connects to host:port, reads the offered host key, never logs in, closes. */
export async function probeHostKey(host: string, port: number, signal: AbortSignal, opts: ProbeOptions = {}): Promise<HostKey> {
  const ssh2 = await loadSsh2();
  let offered: HostKey | null = null;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stop = new AppError('INTERNAL', 'probe done');
  try {
    const client = await connectClient(
      ssh2,
      { username: 'certdesk-probe' },
      host,
      port,
      signal,
      timeoutMs,
      (blob) => {
        offered = hostKeyOf(blob);
        return stop; // refuse: the probe never authenticates
      },
      () => stop,
    );
    client.end();
  } catch (err) {
    if (err !== stop) throw err;
  }
  if (!offered) throw networkError(host, port, null, timeoutMs);
  return offered;
}

export interface ConnectOptions {
  timeoutMs?: number;
}

/** Connects and authenticates to a pinned endpoint. A different host key is refused before any authentication. */
export async function connectEndpoint(ep: SshEndpoint, signal: AbortSignal, opts: ConnectOptions = {}): Promise<Client> {
  const ssh2 = await loadSsh2();
  const cfg: ConnectConfig = { username: ep.user, tryKeyboard: false };
  if (ep.auth === 'password') {
    if (!ep.password) throw AppError.invalid('password', `No password is stored for ${ep.user}@${where(ep.host, ep.port)}.`, 'Enter the SSH password.');
    cfg.password = ep.password;
  } else {
    if (!ep.privateKey) throw AppError.invalid('privateKey', `No private key is stored for ${ep.user}@${where(ep.host, ep.port)}.`, 'Choose the private key file.');
    checkPrivateKey(ssh2, ep.privateKey, ep.passphrase || undefined);
    cfg.privateKey = ep.privateKey;
    if (ep.passphrase) cfg.passphrase = ep.passphrase;
  }
  const hp = where(ep.host, ep.port);
  return connectClient(
    ssh2,
    cfg,
    ep.host,
    ep.port,
    signal,
    opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    (blob) => {
      const offered = hostKeyOf(blob);
      return offered.sha256 === ep.hostKey.sha256 ? null : hostKeyChanged(ep.host, ep.port, ep.hostKey, offered);
    },
    () =>
      ep.auth === 'password'
        ? new AppError('AUTH', `${hp} refused the password for user ${ep.user}.`, {
            field: 'password',
            hint: 'Check the user name and password, and that the server allows password log-in (PasswordAuthentication yes).',
          })
        : new AppError('AUTH', `${hp} refused the private key for user ${ep.user}.`, {
            field: 'privateKey',
            hint: `Check that the key's public half is in ~${ep.user}/.ssh/authorized_keys on the server and that the user name is right.`,
          }),
  );
}
