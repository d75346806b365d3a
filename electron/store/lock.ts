// One process owns a data directory at a time (the window, the browser bridge or a CLI command), so two of
// them never renew the same certificate or overwrite each other's database. The owner is recorded in a lock
// file created exclusively; a lock whose process has died is taken over.
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, stat, unlink, link } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Logger } from '../core/logger.ts';
import { PRIVATE_FILE_MODE } from './atomic.ts';

export const LOCK_FILE = 'certdesk.lock';

export type Face = 'electron' | 'bridge' | 'cli';

export interface LockInfo {
  pid: number;
  face: Face;
  hostname: string;
  startedAt: string;
}

export interface StoreLock {
  readonly path: string;
  readonly info: LockInfo;
  /**
   * True when the lock was taken over from a process that died holding it (killed, crashed): that process may
   * have left half-written temp files behind.
   */
  readonly tookOver: boolean;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

export interface AcquireLockOptions {
  face: Face;
  logger?: Logger;
}

/** A lock file that cannot be parsed and is older than this was left by a process that died mid-write. */
const UNREADABLE_GRACE_MS = 2000;
const MAX_ATTEMPTS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errCode(err) === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.hostname !== 'string' || typeof v.startedAt !== 'string') return null;
    const face = v.face === 'electron' || v.face === 'bridge' || v.face === 'cli' ? v.face : ('cli' as Face);
    return { pid: v.pid, face, hostname: v.hostname, startedAt: v.startedAt };
  } catch {
    return null;
  }
}

function lockedError(dataDir: string, lockPath: string, holder: LockInfo, otherHost: boolean): AppError {
  const where = otherHost ? ` on host ${holder.hostname}` : '';
  return new AppError(
    'STORE_LOCKED',
    `The data directory ${dataDir} is in use by Certdesk ${holder.face}${where} ` +
      `(PID ${holder.pid}, since ${holder.startedAt}).`,
    {
      hint:
        'Close that Certdesk window or command first, or use another --data-dir. ' +
        `If no Certdesk is running ${otherHost ? `on ${holder.hostname}` : 'any more'}, delete ${lockPath}.`,
    },
  );
}

/** Reads the current lock holder, if any (for diagnostics). */
export async function readLock(dataDir: string): Promise<LockInfo | null> {
  try {
    return parseLock(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'));
  } catch {
    return null;
  }
}

async function tryCreate(lockPath: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    return true;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw err;
  }
}

/**
 * Moves a stale lock out of the way. Another process may have taken it over between our read and the rename;
 * the moved file is compared with what was judged stale and put back if it is someone's fresh lock.
 */
async function removeStale(lockPath: string, staleText: string, logger?: Logger): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return; // someone else removed it already
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => null);
  if (moved !== null && moved !== staleText) {
    await link(aside, lockPath).catch(() => undefined); // fails only if yet another lock exists: fine
  } else {
    logger?.info('took over a stale data directory lock', { lock: staleText });
  }
  await unlink(aside).catch(() => undefined);
}

export async function acquireLock(dataDir: string, opts: AcquireLockOptions): Promise<StoreLock> {
  const lockPath = path.join(dataDir, LOCK_FILE);
  const hostname = os.hostname();
  const info: LockInfo = { pid: process.pid, face: opts.face, hostname, startedAt: new Date().toISOString() };
  const content = JSON.stringify(info);
  let tookOver = false;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await tryCreate(lockPath, content)) return makeLock(lockPath, info, content, tookOver);

    let text: string;
    try {
      text = await readFile(lockPath, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue; // released between our create and our read
      throw err;
    }
    const holder = parseLock(text);
    if (holder === null) {
      // Either a holder is writing it right now, or one died between creating and writing it.
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs).catch(() => 0);
      if (age < UNREADABLE_GRACE_MS) {
        await sleep(50);
        continue;
      }
      await removeStale(lockPath, text, opts.logger);
      tookOver = true;
      continue;
    }
    if (holder.hostname !== hostname) throw lockedError(dataDir, lockPath, holder, true);
    if (isProcessAlive(holder.pid)) throw lockedError(dataDir, lockPath, holder, false);
    await removeStale(lockPath, text, opts.logger);
    tookOver = true;
  }
  throw new AppError('STORE_LOCKED', `Could not take the lock ${lockPath}: it keeps changing.`, {
    hint: 'Another Certdesk is starting at the same moment; close it or use another --data-dir.',
  });
}

function makeLock(lockPath: string, info: LockInfo, content: string, tookOver: boolean): StoreLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Sync on purpose: this also runs from the 'exit' event, where nothing asynchronous happens any more.
    try {
      if (readFileSync(lockPath, 'utf8') === content) unlinkSync(lockPath);
    } catch {
      // Already gone, or never readable: nothing of ours to remove.
    }
  };
  process.on('exit', release);
  return { path: lockPath, info, tookOver, release };
}
