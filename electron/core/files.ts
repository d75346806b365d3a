// Files the user names: the one way Certdesk reads them (intake) and writes them (exports).
//
// Intake: a path from the CLI or from a native open dialog is opened with O_NONBLOCK, so a FIFO or a device
// never parks one of libuv's four file threads (four such reads used to hang the whole main process); the
// opened descriptor is checked with fstat (a regular file, not too large) and read from, so what was checked
// is what is read.
//
// Output: an export never silently replaces a file (only with `force`: the CLI's --force, or the native save
// dialog that already asked), never lands in the data directory (db.json, sealed keys), and is written to a
// temporary file created 0600 beside the target, flushed, then moved into place: a crash leaves the old file
// or the new one, and no partly written key.
import { randomBytes } from 'node:crypto';
import { constants as FS, type Stats } from 'node:fs';
import { chmod, link, lstat, mkdir, open, realpath, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';
import { syncDir } from '../store/atomic.ts';

/** PEM certificates and keys are a few KiB; a 4096-bit RSA key with a long chain stays far below this. */
export const MAX_PEM_BYTES = 1024 * 1024;
/** Password and HMAC-key files. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface IntakeOptions {
  /** The request field (`caFile`, `keyFile`, ...) errors name. */
  field: string;
  /** What the file is, for messages: "CA file", "Key file". */
  label: string;
  /** Size limit in bytes (default MAX_PEM_BYTES). */
  maxBytes?: number;
  /** What to do when the file is unusable. */
  hint?: string;
}

function errCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'error';
}

/** Human words for the errno codes a user can cause by naming a file. */
function openFailure(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENXIO':
      return 'a socket or device without a reader';
    default:
      return code;
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

// O_NONBLOCK and O_NOCTTY do not exist on Windows, where a FIFO cannot be named by a path anyway.
const READ_FLAGS = FS.O_RDONLY | (FS.O_NONBLOCK ?? 0) | (FS.O_NOCTTY ?? 0);

/**
 * Reads a user-named file: a regular file of at most `maxBytes`, or a clear AppError naming the field. Never
 * blocks on a FIFO or a device.
 */
export async function readUserFile(filePath: string, opts: IntakeOptions): Promise<Buffer> {
  const max = opts.maxBytes ?? MAX_PEM_BYTES;
  const hint = opts.hint ?? `Choose a regular file (at most ${formatBytes(max)}).`;
  const fail = (why: string): AppError => AppError.invalid(opts.field, `${opts.label} ${filePath} ${why}`, hint);
  let handle;
  try {
    handle = await open(filePath, READ_FLAGS);
  } catch (err) {
    throw fail(`cannot be read (${openFailure(errCode(err))}).`);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw fail(`is not a regular file: it is ${kindOf(s)}.`);
    if (s.size > max) throw fail(`is too large: ${formatBytes(s.size)}, the limit is ${formatBytes(max)}.`);
    // Read at most max + 1 bytes: a file that grows after fstat is still caught.
    // (Some files report size 0 and still have content, e.g. under /proc: the buffer grows as needed.)
    let buf = Buffer.alloc(Math.min(max + 1, Math.max(s.size + 1, 4096)));
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        if (buf.length > max) break;
        const bigger = Buffer.alloc(Math.min(max + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > max) throw fail(`is too large: more than ${formatBytes(max)}, the limit.`);
    return buf.subarray(0, filled);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw fail(`cannot be read (${openFailure(errCode(err))}).`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readUserFile as UTF-8 text. */
export async function readUserText(filePath: string, opts: IntakeOptions): Promise<string> {
  return (await readUserFile(filePath, opts)).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------------
// Output

export interface OutputOptions {
  /** Replace an existing file (CLI --force; the native save dialog already asked the user). */
  force: boolean;
  /** The data directory: nothing is ever written inside it. */
  dataDir: string;
  /** The request field errors name (`out`). */
  field: string;
  /** How the user names the target, for messages: "--out" on the CLI; absent when a dialog chose it. */
  flag?: string;
  /** Tests only: runs after the temporary file is written and flushed, before it is moved into place. */
  beforePlace?: (tmp: string) => Promise<void>;
}

export interface OutputFile {
  /** File name inside the folder (folder outputs) — ignored for single-file outputs. */
  name: string;
  data: string | Uint8Array;
  /** Final POSIX mode (0o600 for anything with a private key). */
  mode: number;
}

const CASE_INSENSITIVE = process.platform === 'darwin' || process.platform === 'win32';

function samePathOrInside(candidate: string, root: string): boolean {
  const c = CASE_INSENSITIVE ? candidate.toLowerCase() : candidate;
  const r = CASE_INSENSITIVE ? root.toLowerCase() : root;
  if (c === r) return true;
  const rel = path.relative(r, c);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The real location `p` names: the nearest existing ancestor with every symbolic link resolved, plus the
 * parts that do not exist yet. The last part itself is not resolved (a link there is replaced, not followed).
 */
async function realLocation(p: string): Promise<string> {
  const abs = path.resolve(p);
  const base = path.basename(abs);
  let dir = path.dirname(abs);
  const missing: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(dir), ...missing, base);
    } catch (err) {
      if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') throw err;
      const up = path.dirname(dir);
      if (up === dir) return abs;
      missing.unshift(path.basename(dir));
      dir = up;
    }
  }
}

async function realDataDir(dataDir: string): Promise<string> {
  return realpath(dataDir).catch(() => path.resolve(dataDir));
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
}

function insideDataDirError(target: string, opts: OutputOptions): AppError {
  return AppError.invalid(
    opts.field,
    `${target} is inside Certdesk's data directory (${opts.dataDir}): exports are never written there, so that db.json and the sealed keys cannot be overwritten.`,
    `Choose a path outside the data directory${opts.flag ? ` for ${opts.flag}` : ''}.`,
  );
}

function existsError(target: string, opts: OutputOptions, what = 'file'): AppError {
  return new AppError('CONFLICT', `${target} already exists: Certdesk does not overwrite a ${what} unless told to.`, {
    field: opts.field,
    hint: `Choose another path${opts.flag ? ` for ${opts.flag}` : ''}, or add --force to replace it.`,
  });
}

function writeError(target: string, err: unknown, opts: OutputOptions): AppError {
  const code = errCode(err);
  const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
  return AppError.invalid(opts.field, `Cannot write ${target}: ${why}.`, `Choose a folder you can write to${opts.flag ? ` (${opts.flag})` : ''}.`);
}

/** Writes `data` to a fresh 0600 temp file beside `target` and flushes it; returns the temp path. */
async function writeTemp(target: string, data: string | Uint8Array, mode: number): Promise<string> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // O_CREAT|O_EXCL with 0600: nobody else can open it, and nothing already there is reused or followed.
  const handle = await open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, 0o600);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (mode !== 0o600) await chmod(tmp, mode);
    return tmp;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Moves the temp file into place: over the target with `force`, else only if the target is still absent. */
async function place(tmp: string, target: string, force: boolean, opts: OutputOptions): Promise<void> {
  try {
    if (force) {
      await rename(tmp, target);
    } else {
      // link() fails with EEXIST if something appeared meanwhile: no window in which a file is clobbered.
      try {
        await link(tmp, target);
      } catch (err) {
        if (errCode(err) === 'EEXIST') throw existsError(target, opts);
        // File systems without hard links (FAT, some network shares): check, then rename.
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS'].includes(errCode(err))) throw err;
        if (await lstatOrNull(target)) throw existsError(target, opts);
        await rename(tmp, target);
        return;
      }
      await unlink(tmp);
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Checks a target file: not inside the data directory, not a folder, not existing unless `force`. */
async function checkTargetFile(real: string, shown: string, opts: OutputOptions): Promise<void> {
  if (samePathOrInside(real, await realDataDir(opts.dataDir))) throw insideDataDirError(shown, opts);
  const s = await lstatOrNull(real);
  if (s?.isDirectory()) {
    throw AppError.invalid(opts.field, `${shown} is a folder: name the file to write.`, `Add a file name${opts.flag ? ` to ${opts.flag}` : ''}.`);
  }
  if (s && !opts.force) throw existsError(shown, opts);
}

/**
 * Writes one file the user named (an export). Refuses a target inside the data directory, and an existing
 * one unless `force`. Returns the path as given (absolute).
 */
export async function writeUserFile(target: string, data: string | Uint8Array, mode: number, opts: OutputOptions): Promise<string> {
  const shown = path.resolve(target);
  let real: string;
  try {
    real = await realLocation(shown);
  } catch (err) {
    throw writeError(shown, err, opts);
  }
  await checkTargetFile(real, shown, opts);
  const parent = await lstatOrNull(path.dirname(real)).catch(() => null);
  if (!parent?.isDirectory()) {
    throw AppError.invalid(opts.field, `Cannot write ${shown}: the folder ${path.dirname(shown)} does not exist.`, 'Create the folder first, or choose another path.');
  }
  let tmp: string;
  try {
    tmp = await writeTemp(real, data, mode);
  } catch (err) {
    throw writeError(shown, err, opts);
  }
  try {
    await opts.beforePlace?.(tmp);
    await place(tmp, real, opts.force, opts);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw writeError(shown, err, opts);
  }
  await syncDir(path.dirname(real)).catch(() => undefined);
  return shown;
}

/**
 * Writes several files into a folder the user named (the PEM export). The folder is created (0700) when
 * missing; when it exists, none of the files may exist unless `force`. Never inside the data directory.
 */
export async function writeUserFolder(folder: string, files: OutputFile[], opts: OutputOptions): Promise<string[]> {
  const shown = path.resolve(folder);
  let real: string;
  try {
    real = await realLocation(shown);
  } catch (err) {
    throw writeError(shown, err, opts);
  }
  const dataDir = await realDataDir(opts.dataDir);
  // Refused both when the folder is in the data directory and when the data directory is inside it.
  if (samePathOrInside(real, dataDir)) throw insideDataDirError(shown, opts);
  const s = await lstatOrNull(real);
  let folderReal = real;
  if (s) {
    // An existing folder (or a link to one): resolve it and check again where it really is.
    folderReal = await realpath(real).catch(() => real);
    const target = await lstatOrNull(folderReal);
    if (!target?.isDirectory()) {
      throw AppError.invalid(opts.field, `${shown} exists and is not a folder: the PEM export writes a folder of four files.`, `Choose a folder path${opts.flag ? ` for ${opts.flag}` : ''}.`);
    }
    if (samePathOrInside(folderReal, dataDir)) throw insideDataDirError(shown, opts);
    // Every target is checked before the first is written: a refused export leaves the folder as it was.
    const present: string[] = [];
    for (const f of files) {
      const s = await lstatOrNull(path.join(folderReal, path.basename(f.name)));
      if (s?.isDirectory()) throw AppError.invalid(opts.field, `${path.join(shown, f.name)} is a folder: the PEM export cannot write its ${f.name} there.`, 'Choose another folder.');
      if (s) present.push(f.name);
    }
    if (!opts.force) {
      if (present.length > 0) {
        throw new AppError('CONFLICT', `${shown} already holds ${present.join(', ')}: Certdesk does not overwrite them unless told to.`, {
          field: opts.field,
          hint: `Choose another folder${opts.flag ? ` for ${opts.flag}` : ''}, or add --force to replace them.`,
        });
      }
    }
  } else {
    try {
      await mkdir(real, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw writeError(shown, err, opts);
    }
  }
  const written: string[] = [];
  for (const f of files) {
    const name = path.basename(f.name);
    written.push(await writeUserFile(path.join(folderReal, name), f.data, f.mode, opts).then(() => path.join(shown, name)));
  }
  return written;
}

// ---------------------------------------------------------------------------------------------------------
// Files picked in a window

interface Picked {
  purpose: string;
  name: string;
  text: string;
  at: number;
}

/**
 * What the native open dialog (`files:open`) read for a window, kept in the main process: the window holds
 * only an opaque handle, so a private key it picked never enters the renderer. Handles expire after
 * `ttlMs` and only the newest `max` are kept.
 */
export class PickedFiles {
  private readonly files = new Map<string, Picked>();
  constructor(
    private readonly ttlMs = 30 * 60_000,
    private readonly max = 16,
    private readonly now: () => number = Date.now,
  ) {}

  add(purpose: string, name: string, text: string): string {
    this.prune();
    const handle = randomBytes(16).toString('hex');
    this.files.set(handle, { purpose, name, text, at: this.now() });
    while (this.files.size > this.max) {
      const oldest = this.files.keys().next().value;
      if (oldest === undefined) break;
      this.files.delete(oldest);
    }
    return handle;
  }

  /** The content behind `handle`, if it was picked for `purpose`; a clear error naming `field` otherwise. */
  get(handle: string, purpose: string, field: string): string {
    this.prune();
    const hit = this.files.get(handle);
    if (!hit) {
      throw AppError.invalid(field, 'The file you picked is no longer available (it was picked too long ago, or Certdesk restarted).', 'Choose the file again.');
    }
    if (hit.purpose !== purpose) throw AppError.invalid(field, `The file ${hit.name} was picked for something else (${hit.purpose}).`, 'Choose the file again here.');
    return hit.text;
  }

  private prune(): void {
    const limit = this.now() - this.ttlMs;
    for (const [handle, f] of this.files) if (f.at < limit) this.files.delete(handle);
  }
}
