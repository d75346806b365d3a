// Crash-safe file writes: a reader sees either the old content or the new one, never a torn file.
// The data goes to a temp file in the same directory (rename is only atomic within one file system),
// is flushed to disk, renamed over the target, and then the directory entry itself is flushed.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface WriteAtomicOptions {
  /** File mode of the result. Everything Certdesk writes is private to the user unless said otherwise. */
  mode?: number;
}

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

// Directory fsync is refused on some platforms: Windows cannot open a directory (EISDIR) or flush it (EPERM),
// and some network/FUSE file systems answer EINVAL. The rename itself has happened by then.
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EACCES']);
// On Windows a rename over a file that a virus scanner or indexer briefly holds fails; it succeeds a moment later.
const RENAME_RETRYABLE = new Set(['EPERM', 'EACCES', 'EBUSY']);

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      if (process.platform !== 'win32' || attempt >= 10 || !RENAME_RETRYABLE.has(errCode(err) ?? '')) throw err;
      await sleep(10 * (attempt + 1));
    }
  }
}

export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has(errCode(err) ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/** The name of the temp file writeFileAtomic writes `base` through: `.<base>.<pid>.<12 hex>.tmp`. */
export function tempNameFor(base: string): string {
  return `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** True for names made by tempNameFor (left behind only when a process was killed mid-write). */
export function isTempName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  opts: WriteAtomicOptions = {},
): Promise<void> {
  const mode = opts.mode ?? PRIVATE_FILE_MODE;
  const dir = path.dirname(target);
  const tmp = path.join(dir, tempNameFor(path.basename(target)));
  // 'wx': never follow or reuse something already sitting at the temp name.
  const handle = await open(tmp, 'wx', mode);
  try {
    try {
      // The mode given to open() is filtered by the umask; set it exactly.
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameWithRetry(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}
