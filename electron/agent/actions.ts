// What the agent does on its own machine, with the same semantics as the SSH TargetSession
// (electron/deploy/ssh/session.ts) so that Certdesk's http-01 solver and Deployer see no difference: challenge
// files written atomically under a webroot, certificate files installed with a backup beside each replaced file
// and put back on restore, shell commands with a timeout and the tail of their output.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, lstat, mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Receipt, RunResponse, ServedResponse } from './protocol.ts';

export const BACKUP_SUFFIX = '.certdesk-backup';
export const OUTPUT_MAX = 64 * 1024;
export const DEFAULT_RUN_TIMEOUT_MS = 120_000;
export const MAX_RUN_TIMEOUT_MS = 30 * 60_000;

/** `user`, `user:group` or `:group` (names or numeric ids). */
export const OWNER_RE = /^[a-z0-9_][a-z0-9_.-]*(:[a-z0-9_][a-z0-9_.-]*)?$|^:[a-z0-9_][a-z0-9_.-]*$/i;

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

function agentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** PERMISSION for a denied operation (naming the directory or file and the agent's account), else DEPLOY_FAILED. */
export function fsFailure(err: unknown, action: string, target: string, field?: string): AppError {
  if (err instanceof AppError) return err;
  const code = errno(err);
  const extra = field ? { field } : {};
  if (code && DENIED.has(code)) {
    return new AppError('PERMISSION', `The agent (running as ${agentUser()}) cannot ${action} ${target}: permission denied.`, {
      ...extra,
      hint: `Give the agent's account write access to ${target}, or run the agent as an account that has it.`,
    });
  }
  if (code === 'ENOENT') return new AppError('DEPLOY_FAILED', `Could not ${action} ${target}: no such file or directory.`, extra);
  return new AppError('DEPLOY_FAILED', `Could not ${action} ${target}: ${(err as Error)?.message ?? String(err)}.`, extra);
}

export function absolutePath(p: string, field: string): string {
  if (!p || p.includes('\0') || !isAbsolute(p)) {
    throw AppError.invalid(field, `"${p}" is not an absolute path on the agent's machine.`, process.platform === 'win32' ? 'Use a full path such as C:\\inetpub\\wwwroot.' : 'Use a full path such as /var/www/html.');
  }
  return resolve(p);
}

function tmpName(path: string): string {
  return join(dirname(path), `.${basename(path)}.certdesk-tmp-${randomBytes(6).toString('hex')}`);
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

/** mkdir -p (new folders 0755). */
async function mkdirs(dir: string, field?: string): Promise<void> {
  let st: Stats | null;
  try {
    st = await statOrNull(dir);
  } catch (err) {
    throw fsFailure(err, 'read', dir, field);
  }
  if (st) {
    if (!st.isDirectory()) throw new AppError('DEPLOY_FAILED', `${dir} is not a directory.`, field ? { field } : {});
    return;
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    // Name the deepest folder that exists (the one that refused the new entry).
    let parent = dirname(dir);
    while (parent !== dirname(parent) && !(await statOrNull(parent).catch(() => null))) parent = dirname(parent);
    throw fsFailure(err, 'create folders in', errno(err) === 'ENOTDIR' ? dir : parent, field);
  }
}

interface Ids {
  uid: number;
  gid: number;
}

function execText(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolveP, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolveP(stdout.trim())));
  });
}

/** Resolves `user`, `user:group` or `:group` to ids (-1: leave unchanged) with `id -u` and `getent group`. */
export async function resolveOwner(owner: string): Promise<Ids> {
  if (process.platform === 'win32') {
    throw AppError.invalid('owner', 'File owners cannot be set on a Windows agent.', 'Leave the owner empty: the files get the folder\'s permissions.');
  }
  if (!OWNER_RE.test(owner)) {
    throw AppError.invalid('owner', `The owner "${owner}" is not a user name, user:group or :group.`, 'Use e.g. www-data, root:ssl-cert or :www-data.');
  }
  const [user, group] = owner.split(':') as [string, string | undefined];
  let uid = -1;
  let gid = -1;
  if (user) {
    if (/^\d+$/.test(user)) uid = Number(user);
    else {
      const out = await execText('id', ['-u', '--', user]).catch(() => null);
      if (!out || !/^\d+$/.test(out)) {
        throw AppError.invalid('owner', `There is no user "${user}" on the agent's machine (id -u ${user} failed).`, 'Use an existing user name, or leave the owner empty.');
      }
      uid = Number(out);
    }
  }
  if (group) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const out = await execText('getent', ['group', '--', group]).catch(() => null);
      const id = out?.split('\n')[0]?.split(':')[2];
      if (!id || !/^\d+$/.test(id)) {
        throw AppError.invalid('owner', `There is no group "${group}" on the agent's machine (getent group ${group} found none, or getent is missing).`, 'Use an existing group name or a numeric gid, or leave the group out.');
      }
      gid = Number(id);
    }
  }
  return { uid, gid };
}

/** Writes to a temp name beside `path`, sets mode (and owner), renames it over `path`. */
async function writeAtomic(path: string, content: Buffer, mode: number, owner: Ids | null, field?: string): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, content, { mode, flag: 'wx' });
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsFailure(err, 'write files in', dirname(path), field);
  }
  try {
    await chmod(tmp, mode); // the umask may have narrowed the create mode
    if (owner) {
      try {
        await chown(tmp, owner.uid, owner.gid);
      } catch (err) {
        throw new AppError('PERMISSION', `The agent (running as ${agentUser()}) cannot set the owner of ${path}: ${(err as Error).message}.`, {
          field: 'owner',
          hint: 'Changing the owner to another user needs root: run the agent as root or leave the owner empty.',
        });
      }
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsFailure(err, 'replace', path, field);
  }
}

export async function putFile(path: string, content: Buffer, mode: number): Promise<void> {
  const file = absolutePath(path, 'path');
  await mkdirs(dirname(file), 'webroot');
  await writeAtomic(file, content, mode, null, 'webroot');
}

export async function removeFile(path: string): Promise<boolean> {
  const file = absolutePath(path, 'path');
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw fsFailure(err, 'remove', file);
  }
}

export async function checkWritable(dir: string): Promise<void> {
  const d = absolutePath(dir, 'dir');
  await mkdirs(d, 'webroot');
  const probe = join(d, `.certdesk-probe-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(probe, 'certdesk write check\n', { mode: 0o644, flag: 'wx' });
  } catch (err) {
    throw fsFailure(err, 'write files in', d, 'webroot');
  }
  await unlink(probe).catch((err: unknown) => {
    throw fsFailure(err, 'remove a file in', d, 'webroot');
  });
}

export interface InstallFile {
  path: string;
  content: Buffer;
  mode: number;
  owner?: string | null | undefined;
}

/** Copies a file with its mode (and owner where allowed) to `to`, atomically. */
async function copyKeeping(from: string, to: string, st: Stats): Promise<void> {
  const tmp = tmpName(to);
  try {
    await copyFile(from, tmp);
    await chmod(tmp, st.mode & 0o7777);
    if (process.platform !== 'win32') await chown(tmp, st.uid, st.gid).catch(() => undefined); // not root: keeps ours
    await rename(tmp, to);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsFailure(err, 'back up to', to);
  }
}

async function restoreEntries(receipt: Receipt): Promise<void> {
  const failures: string[] = [];
  for (const e of [...receipt.entries].reverse()) {
    try {
      if (e.backup) await rename(e.backup, e.path);
      else await unlink(e.path).catch((err: unknown) => {
        if (errno(err) !== 'ENOENT') throw err;
      });
    } catch (err) {
      failures.push(`${e.path}: ${fsFailure(err, 'restore', e.path).message}`);
    }
  }
  if (failures.length) {
    throw new AppError('DEPLOY_FAILED', `Could not restore every previous file: ${failures.join('; ')}`, {
      hint: `The backups are the ${BACKUP_SUFFIX} files beside them; put them back by hand.`,
    });
  }
}

/**
 * Installs files one by one: the existing file is copied to `<path>.certdesk-backup`, the new content written to a
 * temp name with mode and owner and renamed into place. On an error part way, what was replaced is put back.
 */
export async function install(files: InstallFile[]): Promise<Receipt> {
  const plan = files.map((f, i) => ({ ...f, path: absolutePath(f.path, `files.${i}.path`) }));
  const owners = new Map<string, Ids>();
  for (const f of plan) if (f.owner && !owners.has(f.owner)) owners.set(f.owner, await resolveOwner(f.owner));
  const receipt: Receipt = { entries: [] };
  try {
    for (const f of plan) {
      await mkdirs(dirname(f.path));
      let before: Stats | null;
      try {
        before = await statOrNull(f.path);
      } catch (err) {
        throw fsFailure(err, 'read', f.path);
      }
      if (before && !before.isFile()) throw new AppError('DEPLOY_FAILED', `${f.path} exists and is not a regular file.`);
      let backup: string | null = null;
      if (before) {
        backup = `${f.path}${BACKUP_SUFFIX}`;
        await copyKeeping(f.path, backup, before);
      }
      await writeAtomic(f.path, f.content, f.mode, f.owner ? owners.get(f.owner)! : null);
      receipt.entries.push({ path: f.path, backup });
    }
  } catch (err) {
    if (receipt.entries.length) await restoreEntries(receipt).catch(() => undefined);
    throw err;
  }
  return receipt;
}

/** Puts the backed-up files back and removes files that did not exist before. */
export async function restore(receipt: Receipt): Promise<void> {
  const entries = receipt.entries.map((e, i) => {
    const path = absolutePath(e.path, `receipt.entries.${i}.path`);
    if (e.backup !== null && resolve(e.backup) !== `${path}${BACKUP_SUFFIX}`) {
      throw AppError.invalid(`receipt.entries.${i}.backup`, `The backup of ${path} must be ${path}${BACKUP_SUFFIX}.`, 'Send the receipt exactly as install returned it.');
    }
    return { path, backup: e.backup === null ? null : `${path}${BACKUP_SUFFIX}` };
  });
  for (const e of entries) {
    if (e.backup && !(await lstat(e.backup).catch(() => null))) {
      throw new AppError('NOT_FOUND', `The backup ${e.backup} is gone: nothing to restore ${e.path} from.`, { hint: 'Restore that file by hand.' });
    }
  }
  await restoreEntries({ entries });
}

/** Runs a shell command (sh -c on POSIX, cmd.exe on Windows); never throws for a non-zero exit. */
export function run(command: string, timeoutMs = DEFAULT_RUN_TIMEOUT_MS): Promise<RunResponse> {
  return new Promise((resolveP, reject) => {
    const posix = process.platform !== 'win32';
    const child = spawn(command, { shell: true, detached: posix, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let out = Buffer.alloc(0);
    const add = (b: Buffer): void => {
      out = Buffer.concat([out, b]);
      if (out.length > OUTPUT_MAX * 2) out = out.subarray(out.length - OUTPUT_MAX);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    let timedOut = false;
    let settled = false;
    // The whole tree: the shell's process group on POSIX, taskkill /T on Windows (cmd.exe alone would leave its children).
    const kill = (): void => {
      try {
        if (posix && child.pid) process.kill(-child.pid, 'SIGKILL');
        else if (child.pid) spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => child.kill());
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const settle = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      let text = out.subarray(Math.max(0, out.length - OUTPUT_MAX)).toString('utf8');
      if (timedOut) text += `${text && !text.endsWith('\n') ? '\n' : ''}[the agent stopped the command after ${Math.round(timeoutMs / 1000)} s]\n`;
      resolveP({ exitCode: timedOut ? null : code, output: text });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
      settle(null);
    }, timeoutMs);
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new AppError('DEPLOY_FAILED', `The agent could not start the command: ${err.message}.`));
    });
    child.on('close', (code) => settle(code));
  });
}

/** host:port → parts (IPv6 as [::1]:443). */
export function splitAddress(address: string, field: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address) ?? /^([^:\s]+):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 0 || port > 65535) throw AppError.invalid(field, `"${address}" is not host:port.`, 'Use e.g. 127.0.0.1:443 or [::1]:443.');
  return { host: m[1]!, port };
}

/** The serial (upper-case hex) of the leaf a TLS server serves for `sni`, or the error text. */
export function servedSerial(address: string, sni: string, timeoutMs = 10_000): Promise<ServedResponse> {
  const { host, port } = splitAddress(address, 'address');
  return new Promise((resolveP) => {
    let done = false;
    const finish = (r: ServedResponse): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolveP(r);
    };
    const socket = connect({ host, port, rejectUnauthorized: false, ...(sni && !isIP(sni) ? { servername: sni } : {}) }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      if (!cert?.serialNumber) finish({ serial: null, error: `${address} sent no certificate.` });
      else finish({ serial: cert.serialNumber.toUpperCase(), error: null });
    });
    socket.setTimeout(timeoutMs, () => finish({ serial: null, error: `${address} did not complete a TLS handshake within ${Math.round(timeoutMs / 1000)} s.` }));
    socket.on('error', (err) => finish({ serial: null, error: `${address}: ${err.message}` }));
  });
}
