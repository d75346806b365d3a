// The data directory: db.json (metadata, lowdb) plus files beside it (certificates, chains, and private keys
// sealed by the Vault). Opening it takes the directory lock, runs the migrations, then unlocks the Vault;
// every failure on the way is an AppError that says which file and what to do, and leaves the lock free.
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, open as openFile, readdir, readFile as fsReadFile, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { AppError } from '../../shared/ipc/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeFileAtomic } from './atomic.ts';
import { acquireLock, LOCK_FILE, type Face, type StoreLock } from './lock.ts';
import { backupBeforeMigration, migrate } from './migrations.ts';
import type { StoreData } from './schema.ts';
import { isSealed, Vault } from './vault.ts';

export const DB_FILE = 'db.json';
/** A small sealed file that proves, at open time, that the keychain's data key is the one this directory uses. */
export const VAULT_CHECK_FILE = 'vault.check';
const VAULT_CHECK_TEXT = 'Certdesk vault check';

export interface OpenStoreOptions {
  dataDir: string;
  secrets: SecretStore;
  face: Face;
  logger?: Logger;
}

export interface Store {
  readonly dataDir: string;
  /**
   * The current data. Deeply frozen at run time (a stray assignment throws); change it only through update().
   * Typed shallow-readonly so that records can be handed to code that takes plain StoreData types.
   */
  readonly data: Readonly<StoreData>;
  /**
   * Runs `mutator` on a copy of the data and writes the result atomically; updates run one at a time in call
   * order. If the mutator throws or the write fails, nothing changes.
   */
  update(mutator: (draft: StoreData) => void | Promise<void>): Promise<void>;
  /** Encrypts with the data key and writes atomically (0600). `rel` is relative to the data directory. */
  writeSecret(rel: string, plain: Buffer): Promise<void>;
  readSecret(rel: string): Promise<Buffer>;
  writeFile(rel: string, data: string | Uint8Array, mode?: number): Promise<void>;
  readFile(rel: string): Promise<Buffer>;
  /** Removes a file; a file that is already gone is fine. */
  removeFile(rel: string): Promise<void>;
  /** Removes a folder of the data directory and everything in it (a request's or certificate's files). */
  removeDir(rel: string): Promise<void>;
  exists(rel: string): Promise<boolean>;
  /** Absolute path of `rel` after validation (for tools that need a path, e.g. keytool). */
  resolve(rel: string): string;
  /** Waits for pending updates and releases the lock. Safe to call twice. */
  close(): Promise<void>;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

class JsonParseError extends Error {}

/** lowdb adapter: JSON in, atomic private writes out. */
class AtomicJsonFile<T> implements Adapter<T> {
  constructor(private readonly file: string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await fsReadFile(this.file, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text.replace(/^\uFEFF/, '')) as T; // a BOM from an editor on Windows is not corruption
    } catch (err) {
      throw new JsonParseError(err instanceof Error ? err.message : String(err));
    }
  }

  async write(data: T): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/** Copies a corrupt db.json aside without ever overwriting an earlier copy. */
async function keepCorruptCopy(dbPath: string): Promise<string> {
  const base = `${dbPath}.corrupt-${timestamp()}`;
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}-${n}`;
    try {
      await copyFile(dbPath, candidate, constants.COPYFILE_EXCL);
      await chmod(candidate, PRIVATE_FILE_MODE).catch(() => undefined);
      return candidate;
    } catch (err) {
      if (errCode(err) !== 'EEXIST' || n >= 100) throw err;
    }
  }
}

function isReserved(top: string): boolean {
  return top === DB_FILE || top.startsWith(`${DB_FILE}.`) || top === LOCK_FILE || top.startsWith(`${LOCK_FILE}.`) || top === VAULT_CHECK_FILE;
}

/** Validates a path relative to the data directory and returns it absolute. */
export function resolveInside(dataDir: string, rel: string): string {
  const refuse = (why: string): never => {
    throw new AppError('INTERNAL', `Refusing the path ${JSON.stringify(rel)} in the data directory: ${why}.`);
  };
  if (typeof rel !== 'string' || rel === '') refuse('it is empty');
  if (rel.includes('\0')) refuse('it contains a NUL character');
  if (path.posix.isAbsolute(rel) || path.win32.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) refuse('it is absolute');
  // Backslash counts as a separator everywhere so that a path means the same on every platform.
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => p === '..')) refuse('it leaves the data directory (..)');
  if (parts.some((p) => p === '' || p === '.')) refuse('it has empty or "." segments');
  if (isReserved(parts[0]!)) refuse('that name is reserved for the store itself');
  const root = path.resolve(dataDir);
  const abs = path.join(root, ...parts);
  const back = path.relative(root, abs);
  if (back === '' || back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) refuse('it leaves the data directory');
  return abs;
}

/** The AAD of a sealed file: its path in the data directory, spelled the same on every platform. */
function aadOf(rel: string): string {
  return rel.split(/[\\/]/).join('/');
}

/** True if any file under `dir` (db and lock files aside) starts like a sealed file. */
async function containsSealedFiles(dir: string, top = true): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false;
    throw err;
  }
  for (const e of entries) {
    if (top && isReserved(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (await containsSealedFiles(p, false)) return true;
    } else if (e.isFile()) {
      const handle = await openFile(p, 'r');
      try {
        const head = Buffer.alloc(64);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        if (isSealed(head.subarray(0, bytesRead))) return true;
      } finally {
        await handle.close();
      }
    }
  }
  return false;
}

async function prepareDataDir(dataDir: string, logger: Logger): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (process.platform === 'win32') return; // ACLs there; the user profile folder is private already
  const s = await stat(dataDir);
  if (!s.isDirectory()) {
    throw new AppError('INVALID_INPUT', `The data directory ${dataDir} is not a directory.`, { field: 'dataDir' });
  }
  if ((s.mode & 0o077) !== 0) {
    await chmod(dataDir, PRIVATE_DIR_MODE);
    logger.info('restricted the data directory to its owner', { dataDir, was: (s.mode & 0o777).toString(8) });
  }
}

async function openVault(dataDir: string, data: StoreData, secrets: SecretStore, logger: Logger): Promise<Vault> {
  const checkPath = path.join(dataDir, VAULT_CHECK_FILE);
  const checkFile = await fsReadFile(checkPath).catch((err: unknown) => {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  });
  // Only real sealed files make a missing key fatal (the check file is skipped by the scan: it holds nothing).
  const vault = await Vault.open(secrets, data.storeId, logger, {
    hasSealedData: () => containsSealedFiles(dataDir),
    where: `the data directory ${dataDir}`,
  });
  if (checkFile !== null && !vault.created) {
    try {
      vault.open(checkFile, VAULT_CHECK_FILE);
    } catch {
      throw new AppError(
        'STORE_CORRUPT',
        `The data key in the keychain (${secrets.backend}, item "data-key/${data.storeId}") does not open the encrypted ` +
          `files of ${dataDir}: the keychain item was replaced, or ${checkPath} was damaged.`,
        { hint: 'Restore the keychain item (or the data directory) from a backup.' },
      );
    }
  } else {
    await writeFileAtomic(checkPath, vault.seal(Buffer.from(VAULT_CHECK_TEXT), VAULT_CHECK_FILE), { mode: PRIVATE_FILE_MODE });
  }
  return vault;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const dataDir = path.resolve(opts.dataDir);
  const logger = (opts.logger ?? createLogger({ level: 'error' })).child('store');
  const dbPath = path.join(dataDir, DB_FILE);

  try {
    await prepareDataDir(dataDir, logger);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INTERNAL', `Cannot create the data directory ${dataDir}: ${(err as Error).message}`, {
      hint: 'Check the permissions of its parent folder, or choose another one with --data-dir.',
    });
  }

  const lock: StoreLock = await acquireLock(dataDir, { face: opts.face, logger });
  try {
    const adapter = new AtomicJsonFile<StoreData>(dbPath);
    const low = new Low<StoreData | null>(adapter as Adapter<StoreData | null>, null);
    try {
      await low.read();
    } catch (err) {
      if (!(err instanceof JsonParseError)) throw err;
      const copy = await keepCorruptCopy(dbPath);
      logger.error('database is not valid JSON', { db: dbPath, copy, error: err.message });
      throw new AppError(
        'STORE_CORRUPT',
        `The Certdesk database ${dbPath} is not valid JSON (${err.message}). A copy was kept at ${copy}.`,
        { hint: 'Restore it from a backup or move it away to start with an empty database.' },
      );
    }

    const existed = low.data !== null;
    const result = migrate(low.data, dbPath);
    if (result.applied.length > 0) {
      if (existed) await backupBeforeMigration(dbPath, result.from, logger);
      low.data = result.data;
      await low.write();
      logger.info('database migrated', { db: dbPath, from: result.from, to: result.to, applied: result.applied });
    }
    let current: StoreData = deepFreeze(result.data);

    const vault = await openVault(dataDir, current, opts.secrets, logger);
    return makeStore(dataDir, low as Low<StoreData>, () => current, (d) => (current = d), vault, lock);
  } catch (err) {
    lock.release();
    if (err instanceof AppError) throw err;
    throw new AppError('INTERNAL', `Cannot open the Certdesk data directory ${dataDir}: ${(err as Error).message}`);
  }
}

function makeStore(
  dataDir: string,
  low: Low<StoreData>,
  getData: () => StoreData,
  setData: (d: StoreData) => void,
  vault: Vault,
  lock: StoreLock,
): Store {
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const ensureOpen = (): void => {
    if (closed) throw new AppError('INTERNAL', `The data directory ${dataDir} was closed; it can no longer be used.`);
  };
  const abs = (rel: string): string => {
    ensureOpen();
    return resolveInside(dataDir, rel);
  };
  const readRaw = async (rel: string): Promise<Buffer> => {
    const p = abs(rel);
    try {
      return await fsReadFile(p);
    } catch (err) {
      if (errCode(err) === 'ENOENT') {
        throw new AppError('NOT_FOUND', `The file ${rel} is missing from the data directory ${dataDir}.`);
      }
      throw err;
    }
  };
  const writeRaw = async (rel: string, data: string | Uint8Array, mode: number): Promise<void> => {
    const p = abs(rel);
    await mkdir(path.dirname(p), { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeFileAtomic(p, data, { mode });
  };

  return {
    dataDir,
    get data() {
      return getData();
    },
    update(mutator) {
      const run = async (): Promise<void> => {
        ensureOpen();
        const before = getData();
        const draft = structuredClone(before) as StoreData;
        await mutator(draft);
        if (draft.schemaVersion !== before.schemaVersion || draft.storeId !== before.storeId) {
          throw new AppError('INTERNAL', 'An update tried to change schemaVersion or storeId; only migrations may.');
        }
        low.data = draft;
        try {
          await low.write();
        } catch (err) {
          low.data = before;
          throw err;
        }
        setData(deepFreeze(draft));
      };
      const result = queue.then(run);
      queue = result.catch(() => undefined);
      return result;
    },
    async writeSecret(rel, plain) {
      abs(rel); // refuse a bad path before spending a seal on it
      await writeRaw(rel, vault.seal(plain, aadOf(rel)), PRIVATE_FILE_MODE);
    },
    async readSecret(rel) {
      return vault.open(await readRaw(rel), aadOf(rel));
    },
    writeFile: (rel, data, mode = PRIVATE_FILE_MODE) => writeRaw(rel, data, mode),
    readFile: (rel) => readRaw(rel),
    async removeFile(rel) {
      try {
        await unlink(abs(rel));
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw err;
      }
    },
    async removeDir(rel) {
      const dir = abs(rel);
      if (dir === path.resolve(dataDir)) throw new AppError('INTERNAL', 'Refusing to remove the data directory itself.');
      await rm(dir, { recursive: true, force: true });
    },
    async exists(rel) {
      try {
        await access(abs(rel));
        return true;
      } catch (err) {
        if (err instanceof AppError) throw err;
        return false;
      }
    },
    resolve: (rel) => abs(rel),
    async close() {
      if (closed) return;
      await queue;
      closed = true;
      lock.release();
    },
  };
}
