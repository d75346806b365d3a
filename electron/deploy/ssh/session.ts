// TargetSession over SSH + SFTP: challenge files, certificate installs with backups, and commands. Every
// operation honours its AbortSignal: cancelling closes the connection and rejects with CANCELLED.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Client, ClientChannel, SFTPWrapper, Stats } from 'ssh2';
import { AppError } from '../../../shared/ipc/errors.ts';
import type { CommandResult, DeployTarget, InstallReceipt, RemoteFile, SshEndpoint, TargetSession } from '../types.ts';
import { cancelled, connectEndpoint } from './connect.ts';

const OUTPUT_MAX = 64 * 1024;
const DEFAULT_RUN_TIMEOUT_MS = 120_000;
export const BACKUP_SUFFIX = '.certdesk-backup';

/** `user`, `user:group` or `:group` (POSIX-ish names). */
export const OWNER_RE = /^[a-z_][a-z0-9_.-]*(:[a-z_][a-z0-9_.-]*)?$|^:[a-z_][a-z0-9_.-]*$/i;

/** Single-quotes a word for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// SFTP status codes (draft-ietf-secsh-filexfer): ssh2 puts them on err.code.
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

interface SftpError extends Error {
  code?: number | string;
}

const isCode = (e: unknown, code: number): boolean => (e as SftpError | null)?.code === code;

function cb<T = void>(fn: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

function tmpName(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.certdesk-tmp-${randomBytes(6).toString('hex')}`);
}

export interface SshSessionOptions {
  timeoutMs?: number;
}

class SshSession implements TargetSession {
  readonly description: string;
  private sftpP: Promise<SFTPWrapper> | null = null;
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly ep: SshEndpoint & { description: string },
  ) {
    this.description = ep.description;
    client.on('error', () => undefined); // errors after set-up surface through the operation that hit them
    client.on('close', () => {
      this.closed = true;
    });
  }

  /** Runs `op`; an abort closes the connection and rejects with CANCELLED. */
  private async guard<T>(signal: AbortSignal, op: () => Promise<T>): Promise<T> {
    if (signal.aborted) throw cancelled();
    if (this.closed) throw new AppError('NETWORK', `The connection to ${this.description} was closed.`);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        this.close();
        reject(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([op(), aborted]);
    } catch (err) {
      if (signal.aborted) throw cancelled();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort!);
      aborted.catch(() => undefined);
    }
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= cb<SFTPWrapper>((done) => this.client.sftp((err, s) => done(err, s))).catch((err: Error) => {
      this.sftpP = null;
      throw new AppError('NETWORK', `${this.description} did not open SFTP: ${err.message}.`, {
        hint: 'Enable the SFTP subsystem in sshd_config (Subsystem sftp internal-sftp).',
      });
    });
    return this.sftpP;
  }

  private denied(action: string, path: string, field?: string): AppError {
    return new AppError('PERMISSION', `user ${this.ep.user} cannot ${action} ${path}: permission denied (on ${this.description}).`, {
      ...(field ? { field } : {}),
      hint: `Give ${this.ep.user} write access to ${path} on the server (e.g. chown or a group with write permission), or use another user.`,
    });
  }

  /** Maps an SFTP failure: permission → PERMISSION; anything else → DEPLOY_FAILED naming the action. */
  private sftpFailure(err: unknown, action: string, path: string, field?: string): AppError {
    if (err instanceof AppError) return err;
    if (isCode(err, PERMISSION_DENIED)) return this.denied(action, path, field);
    const msg = err instanceof Error ? err.message : String(err);
    if (isCode(err, NO_SUCH_FILE)) {
      return new AppError('DEPLOY_FAILED', `Could not ${action} ${path} on ${this.description}: no such file or directory.`, field ? { field } : {});
    }
    return new AppError('DEPLOY_FAILED', `Could not ${action} ${path} on ${this.description}: ${msg}.`, field ? { field } : {});
  }

  private async stat(sftp: SFTPWrapper, path: string): Promise<Stats | null> {
    try {
      return await cb<Stats>((done) => sftp.stat(path, done));
    } catch (err) {
      if (isCode(err, NO_SUCH_FILE)) return null;
      throw err;
    }
  }

  /** mkdir -p with mode 0755. */
  private async mkdirs(sftp: SFTPWrapper, dir: string, field?: string): Promise<void> {
    const abs = posix.resolve('/', dir);
    const st = await this.stat(sftp, abs).catch((e: unknown) => {
      throw this.sftpFailure(e, 'read', abs, field);
    });
    if (st) {
      if (!st.isDirectory()) throw new AppError('DEPLOY_FAILED', `${abs} on ${this.description} is not a directory.`, field ? { field } : {});
      return;
    }
    const parent = posix.dirname(abs);
    if (parent !== abs) await this.mkdirs(sftp, parent, field);
    try {
      await cb((done) => sftp.mkdir(abs, { mode: 0o755 }, done));
    } catch (err) {
      const again = await this.stat(sftp, abs).catch(() => null); // made by someone else meanwhile
      if (again?.isDirectory()) return;
      throw this.sftpFailure(err, 'create the directory', abs, field);
    }
  }

  private async unlinkQuiet(sftp: SFTPWrapper, path: string): Promise<void> {
    await cb((done) => sftp.unlink(path, done)).catch(() => undefined);
  }

  /** posix-rename (atomic replace); falls back to unlink + rename on servers without the extension. */
  private async renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    try {
      await cb((done) => sftp.ext_openssh_rename(from, to, done));
    } catch (err) {
      if (!/not supported|unsupported/i.test((err as Error).message ?? '')) throw err;
      await this.unlinkQuiet(sftp, to);
      await cb((done) => sftp.rename(from, to, done));
    }
  }

  /** Writes content to a temp name beside `path` (mode `mode`), optionally chowns it, renames it over `path`. */
  private async writeAtomic(sftp: SFTPWrapper, path: string, content: Buffer, mode: number, owner: string | null, field?: string): Promise<void> {
    const tmp = tmpName(path);
    try {
      await cb((done) => sftp.writeFile(tmp, content, { mode }, done));
    } catch (err) {
      await this.unlinkQuiet(sftp, tmp);
      throw this.sftpFailure(err, 'write', posix.dirname(path), field);
    }
    try {
      await cb((done) => sftp.chmod(tmp, mode, done)); // the umask may have narrowed the create mode
      if (owner) await this.chown(tmp, owner, path);
      await this.renameOver(sftp, tmp, path);
    } catch (err) {
      await this.unlinkQuiet(sftp, tmp);
      throw this.sftpFailure(err, 'replace', path, field);
    }
  }

  private async chown(file: string, owner: string, shownPath: string): Promise<void> {
    if (!OWNER_RE.test(owner)) {
      throw AppError.invalid('owner', `The owner "${owner}" is not a user name, user:group or :group.`, 'Use e.g. www-data, root:ssl-cert or :www-data.');
    }
    const res = await this.exec(`chown -- ${shellQuote(owner)} ${shellQuote(file)}`, DEFAULT_RUN_TIMEOUT_MS, null);
    if (res.exitCode !== 0) {
      const why = res.output.trim().split('\n').pop() ?? '';
      throw new AppError('PERMISSION', `user ${this.ep.user} cannot set the owner of ${shownPath} to ${owner} on ${this.description}: ${why || `chown exited with ${res.exitCode}`}.`, {
        field: 'owner',
        hint: 'Changing the owner to another user needs root; connect as root or leave the owner empty.',
      });
    }
  }

  putFile(path: string, content: string | Buffer, mode: number, signal: AbortSignal): Promise<void> {
    return this.guard(signal, async () => {
      const sftp = await this.sftp();
      await this.mkdirs(sftp, posix.dirname(path), 'webroot');
      await this.writeAtomic(sftp, path, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), mode, null, 'webroot');
    });
  }

  removeFile(path: string, signal: AbortSignal): Promise<boolean> {
    return this.guard(signal, async () => {
      const sftp = await this.sftp();
      try {
        await cb((done) => sftp.unlink(path, done));
        return true;
      } catch (err) {
        if (isCode(err, NO_SUCH_FILE)) return false;
        throw this.sftpFailure(err, 'remove', path);
      }
    });
  }

  checkWritable(dir: string, signal: AbortSignal): Promise<void> {
    return this.guard(signal, async () => {
      const sftp = await this.sftp();
      await this.mkdirs(sftp, dir, 'webroot');
      const probe = posix.join(dir, `.certdesk-probe-${randomBytes(6).toString('hex')}`);
      try {
        await cb((done) => sftp.writeFile(probe, Buffer.from('certdesk write check\n'), { mode: 0o644 }, done));
      } catch (err) {
        throw this.sftpFailure(err, 'write', dir, 'webroot');
      }
      await cb((done) => sftp.unlink(probe, done)).catch((err: unknown) => {
        throw this.sftpFailure(err, 'remove a file in', dir, 'webroot');
      });
    });
  }

  install(files: RemoteFile[], signal: AbortSignal): Promise<InstallReceipt> {
    return this.guard(signal, async () => {
      const sftp = await this.sftp();
      const receipt: InstallReceipt = { entries: [] };
      try {
        for (const f of files) {
          if (signal.aborted) throw cancelled();
          await this.mkdirs(sftp, posix.dirname(f.path));
          const before = await this.stat(sftp, f.path).catch((e: unknown) => {
            throw this.sftpFailure(e, 'read', f.path);
          });
          let backup: string | null = null;
          if (before) {
            backup = `${f.path}${BACKUP_SUFFIX}`;
            await this.copy(sftp, f.path, backup, before);
          }
          await this.writeAtomic(sftp, f.path, f.content, f.mode, f.owner ?? null);
          receipt.entries.push({ path: f.path, backup });
        }
      } catch (err) {
        if (receipt.entries.length) await this.restoreEntries(sftp, receipt).catch(() => undefined);
        throw err;
      }
      return receipt;
    });
  }

  /** Copies a file with its mode (and owner, where the SSH user may set it). */
  private async copy(sftp: SFTPWrapper, from: string, to: string, st: Stats): Promise<void> {
    let data: Buffer;
    try {
      data = await cb<Buffer>((done) => sftp.readFile(from, done));
    } catch (err) {
      throw this.sftpFailure(err, 'read', from);
    }
    const mode = st.mode & 0o7777;
    const tmp = tmpName(to);
    try {
      await cb((done) => sftp.writeFile(tmp, data, { mode }, done));
      await cb((done) => sftp.chmod(tmp, mode, done));
      await cb((done) => sftp.chown(tmp, st.uid, st.gid, done)).catch(() => undefined); // not root: keeps ours
      await this.renameOver(sftp, tmp, to);
    } catch (err) {
      await this.unlinkQuiet(sftp, tmp);
      throw this.sftpFailure(err, 'back up to', to);
    }
  }

  private async restoreEntries(sftp: SFTPWrapper, receipt: InstallReceipt): Promise<void> {
    const failures: string[] = [];
    for (const e of [...receipt.entries].reverse()) {
      try {
        if (e.backup) await this.renameOver(sftp, e.backup, e.path);
        else {
          try {
            await cb((done) => sftp.unlink(e.path, done));
          } catch (err) {
            if (!isCode(err, NO_SUCH_FILE)) throw err;
          }
        }
      } catch (err) {
        failures.push(`${e.path}: ${this.sftpFailure(err, 'restore', e.path).message}`);
      }
    }
    if (failures.length) {
      throw new AppError('DEPLOY_FAILED', `Could not restore every previous file on ${this.description}: ${failures.join('; ')}`, {
        hint: `The backups are the ${BACKUP_SUFFIX} files beside them; put them back by hand.`,
      });
    }
  }

  restore(receipt: InstallReceipt, signal: AbortSignal): Promise<void> {
    return this.guard(signal, async () => this.restoreEntries(await this.sftp(), receipt));
  }

  run(command: string, signal: AbortSignal, opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    return this.guard(signal, () => this.exec(command, opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, signal));
  }

  private exec(command: string, timeoutMs: number, signal: AbortSignal | null): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      this.client.exec(command, (err: Error | undefined, stream: ClientChannel) => {
        if (err) {
          reject(new AppError('DEPLOY_FAILED', `${this.description} did not run the command: ${err.message}.`));
          return;
        }
        let out = Buffer.alloc(0);
        const add = (b: Buffer): void => {
          out = Buffer.concat([out, b]);
          if (out.length > OUTPUT_MAX * 2) out = out.subarray(out.length - OUTPUT_MAX);
        };
        stream.on('data', add);
        stream.stderr.on('data', add);
        let timedOut = false;
        let settled = false;
        const settle = (code: number | null | undefined): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          let text = out.subarray(Math.max(0, out.length - OUTPUT_MAX)).toString('utf8');
          if (timedOut) text += `${text && !text.endsWith('\n') ? '\n' : ''}[Certdesk stopped the command after ${Math.round(timeoutMs / 1000)} s]\n`;
          resolve({ exitCode: timedOut || typeof code !== 'number' ? null : code, output: text });
        };
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            stream.signal('KILL');
          } catch {
            /* the server may not support signals: closing the channel is enough for us */
          }
          stream.close();
          settle(null); // do not wait for the server to confirm: it may keep the channel until the command ends
        }, timeoutMs);
        const onAbort = (): void => {
          try {
            stream.signal('KILL');
          } catch {
            /* see above */
          }
          stream.close();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        stream.on('close', (code: number | null | undefined) => settle(code));
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
    this.client.destroy();
  }
}

/** Connects (pinned host key, then authentication) and returns a TargetSession over SSH + SFTP. */
export async function openSshSession(endpoint: SshEndpoint & { description: string }, signal: AbortSignal, opts: SshSessionOptions = {}): Promise<TargetSession> {
  const client = await connectEndpoint(endpoint, signal, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
  return new SshSession(client, endpoint);
}

/** A Linux end server reached over SSH; `endpoint()` reads the secrets from the keychain at open time. */
export class SshTarget implements DeployTarget {
  readonly kind = 'ssh' as const;

  constructor(
    readonly id: string,
    readonly name: string,
    private readonly endpoint: () => Promise<SshEndpoint>,
    private readonly opts: SshSessionOptions = {},
  ) {}

  async open(signal: AbortSignal): Promise<TargetSession> {
    const ep = await this.endpoint();
    const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
    return openSshSession({ ...ep, description: `${this.name} (${ep.user}@${host}:${ep.port})` }, signal, this.opts);
  }
}
