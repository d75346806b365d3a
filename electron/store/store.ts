// The data directory: db.json (metadata) plus files beside it (certificates, chains, and private keys
// sealed by the Vault). A large db.json is not rewritten at every change: changes are appended to a journal beside
// it (db.json.journal, see journal.ts) and folded into db.json when the journal has grown (electron/store/README.md). Opening it takes the directory lock, runs the migrations, checks the records against the
// schema (a bad record is set aside, never dropped), then unlocks the Vault; every failure on the way is an
// AppError that says which file and what to do, and leaves the lock free.
// A data directory that does not exist yet (or has no db.json) is not created at open: the store lives in memory
// until the first write, so a command that fails validation or only reads leaves nothing behind (no folder, no
// db.json, no data key in the keychain).
import { constants } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  open as openFile,
  readdir,
  readFile as fsReadFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { isTempName, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tempNameFor, writeFileAtomic } from './atomic.ts';
import { createDraft, finishDraft } from './cow.ts';
import { cutTornTail, diffOps, JournalWriter, newJournalId, readJournal, replay, type JournalRead } from './journal.ts';
import { currentStamp, listingHeader, listingIsCurrent, LISTING_FILE } from './listing.ts';
import { acquireLock, LOCK_FILE, type Face, type StoreLock } from './lock.ts';
import { backupBeforeMigration, migrate } from './migrations.ts';
import { checkDataDir } from './paths.ts';
import { COLLECTION_NAMES, SCHEMA_VERSION, type CollectionName, type StoreData } from './schema.ts';
import { assertSavable, setAside, topLevelProblem, withSetAside, type Quarantine, type StoreProblem } from './validate.ts';
import { isSealed, Vault } from './vault.ts';

export type { StoreProblem } from './validate.ts';

export const DB_FILE = 'db.json';
/** The previous db.json, kept on every save (a hard link to the replaced file: no copying). */
export const DB_BACKUP_FILE = `${DB_FILE}.bak`;
/** A small sealed file that proves, at open time, that the keychain's data key is the one this directory uses. */
export const VAULT_CHECK_FILE = 'vault.check';
/** Changes saved since db.json was last written whole (see journal.ts). */
export const JOURNAL_FILE = `${DB_FILE}.journal`;
/**
 * Which records of a large db.json were found invalid when it was last written or checked, for the db.json of
 * that size, modification time and inode. While db.json is still that file, the other records need no check at
 * open (each was checked before it was saved); a db.json changed by hand is checked record by record again.
 */
export const CHECKED_FILE = `${DB_FILE}.checked`;
const VAULT_CHECK_TEXT = 'Certdesk vault check';

export interface OpenStoreOptions {
  dataDir: string;
  secrets: SecretStore;
  face: Face;
  logger?: Logger;
  /** When changes go to the journal instead of a whole rewrite of db.json (tests; defaults suit real use). */
  journal?: JournalOptions;
  /**
   * A listing derived from the data (db.json.list, listing.ts), rewritten at close() when db.json or its journal
   * changed since it was made: what `certdesk cert list` prints without opening the store (electron/cli/fast-list.ts).
   */
  listing?: ListingSpec;
}

export interface ListingSpec {
  /** Names the body's format and the build that wrote it; a reader refuses any other. */
  format: string;
  /** The body for `data`, or null when none can be made (the listing is then removed). */
  build(data: StoreData): string | null;
}

export interface JournalOptions {
  /** db.json is rewritten whole at each change while it is smaller than this (default 1 MiB). */
  minDbBytes?: number;
  /** The journal is folded into db.json once it is larger than this (default: db.json's size / 8, 256 KiB to 32 MiB). */
  maxBytes?: number;
  /** ... or holds more changes than this (default 5000). */
  maxEntries?: number;
}

const JOURNAL_DEFAULTS = { minDbBytes: 1024 * 1024, maxEntries: 5000 };

export interface Store {
  readonly dataDir: string;
  /**
   * The current data: only records that passed validation (see `problems` for the others). Deeply frozen at run
   * time (a stray assignment throws); change it only through update(). Typed shallow-readonly so that records can
   * be handed to code that takes plain StoreData types.
   */
  readonly data: Readonly<StoreData>;
  /**
   * Records of db.json that failed validation at open. They stay in the file, at their places, through every
   * save; services never see them.
   */
  readonly problems: readonly StoreProblem[];
  /** False while a new data directory exists only in memory (nothing written yet). */
  readonly materialized: boolean;
  /**
   * Runs `mutator` on a copy of the data and writes the result atomically; updates apply in call order (those
   * arriving during a write are written together, see makeStore). If the mutator throws, a record is invalid, or
   * the write fails, nothing of that update changes. A mutator may run more than once: keep it a plain function
   * of the draft (no side effects).
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

/** Parses db.json text; a BOM from an editor on Windows is not corruption. */
function parseDb(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new JsonParseError(err instanceof Error ? err.message : String(err));
  }
}

/** db.json as text, or null when there is none. */
async function readDbText(dbPath: string): Promise<string | null> {
  try {
    return await fsReadFile(dbPath, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    if (errCode(err) === 'EISDIR') {
      throw new AppError('STORE_CORRUPT', `The Certdesk database ${dbPath} is a folder, not a file.`, {
        hint: 'Move that folder away, then restore db.json from a backup.',
      });
    }
    throw err;
  }
}

/** Keeps the current file as `<file>.bak` before it is replaced. Best effort: a failure here never stops a save. */
async function keepPrevious(file: string, logger: Logger): Promise<void> {
  const tmp = path.join(path.dirname(file), tempNameFor(`${path.basename(file)}.bak`));
  try {
    // A blank file (being replaced by a new database) is not worth keeping and must not replace a real backup.
    const size = await stat(file).then((s) => s.size, () => null);
    if (size === null) return;
    if (size <= 16 && ['', 'null'].includes((await fsReadFile(file, 'utf8')).replace(/^\uFEFF/, '').trim())) return;
    try {
      await link(file, tmp);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return; // nothing to keep yet
      // File systems without hard links: copy instead.
      await copyFile(file, tmp, constants.COPYFILE_EXCL);
      await chmod(tmp, PRIVATE_FILE_MODE);
    }
    await rename(tmp, `${file}.bak`);
  } catch (err) {
    logger.warn('could not keep the previous database as a backup', { file: `${file}.bak`, error: (err as Error).message });
  } finally {
    // Gone after the rename, except when .bak already was this very file (rename then does nothing).
    await unlink(tmp).catch(() => undefined);
  }
}

/** The journal fields of db.json: the id of the journal started from this db.json, and the one it folded in. */
interface JournalMeta {
  id: string;
  folded: string | null;
}

function journalMetaOf(v: unknown): JournalMeta | null {
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  return typeof m.id === 'string' && m.id !== '' ? { id: m.id, folded: typeof m.folded === 'string' ? m.folded : null } : null;
}

/**
 * db.json text: pretty-printed (people read and mend it), the journal fields after the store id. `meta` is asked
 * for once the size of the text is known (a large db.json gets journal fields, a small one is kept as it was).
 */
function dbText(data: StoreData, meta: (size: number) => JournalMeta | null): { text: string; meta: JournalMeta | null } {
  const { schemaVersion, storeId, ...rest } = data;
  const body = JSON.stringify(rest, null, 2);
  const m = meta(body.length);
  const head = [`  "schemaVersion": ${JSON.stringify(schemaVersion)}`, `  "storeId": ${JSON.stringify(storeId)}`];
  if (m !== null) head.push(`  "journal": ${JSON.stringify(m)}`);
  const text = body === '{}' ? `{\n${head.join(',\n')}\n}\n` : `{\n${head.join(',\n')},\n${body.slice(2)}\n`;
  return { text, meta: m };
}

interface PendingUpdate {
  mutator: (draft: StoreData) => void | Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
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

/**
 * Files under `dir` (db and lock files aside) that start like a sealed file, as paths relative to `dir`;
 * at most `limit` of them. The vault check file is not counted: it holds nothing.
 */
async function listSealedFiles(dir: string, limit = Infinity, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return [];
    throw err;
  }
  const found: string[] = [];
  for (const e of entries) {
    if (found.length >= limit) break;
    if (prefix === '' && isReserved(e.name)) continue;
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) {
      found.push(...(await listSealedFiles(dir, limit - found.length, rel)));
    } else if (e.isFile()) {
      const handle = await openFile(path.join(dir, rel), 'r');
      try {
        const head = Buffer.alloc(64);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        if (isSealed(head.subarray(0, bytesRead))) found.push(rel);
      } finally {
        await handle.close();
      }
    }
  }
  return found;
}

/**
 * Removes temp files that a process killed mid-write left in the data directory (only our own name pattern).
 * Runs with the directory lock held, so no live process is writing there. `deep`: every folder (8 levels down),
 * after a process died holding the lock; otherwise the top folder and the folders in it (with 10,000
 * certificates, visiting each certificate's and request's folder at every start would cost more than the rest of
 * the start).
 */
async function removeLeftoverTempFiles(dataDir: string, logger: Logger, deep = false): Promise<void> {
  const maxDepth = deep ? 8 : 1;
  const removed: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dataDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (depth < maxDepth) await walk(child, depth + 1);
      } else if (e.isFile() && isTempName(e.name)) {
        await unlink(path.join(dataDir, child)).then(
          () => removed.push(child),
          () => undefined,
        );
      }
    }
  };
  await walk('', 0);
  if (removed.length > 0) logger.info('removed temp files left by an interrupted write', { dataDir, files: removed });
}

/** Where a backup of db.json is, said as the end of "Restore db.json from a backup...", or ''. */
async function backupAdvice(dbPath: string): Promise<string> {
  const bak = `${dbPath}.bak`;
  try {
    const raw = parseDb(await fsReadFile(bak, 'utf8')) as { storeId?: unknown } | null;
    if (raw !== null && typeof raw === 'object' && typeof raw.storeId === 'string') {
      const when = (await stat(bak)).mtime.toISOString();
      return ` (${bak}, saved ${when}, is the version before the last time db.json was written whole: copy it to ${dbPath})`;
    }
  } catch {
    // no usable backup beside it
  }
  return '';
}

type DbLoss = 'missing' | 'empty' | 'null' | 'no-store-id';

async function dbLostError(dataDir: string, dbPath: string, loss: DbLoss, sealed: string[]): Promise<AppError> {
  const what: Record<DbLoss, string> = {
    missing: 'is missing',
    empty: 'is empty',
    null: 'holds no data (null)',
    'no-store-id': 'has no store id ("storeId")',
  };
  const n = sealed.length;
  const sample = sealed.slice(0, 3).join(', ') + (n > 3 ? ', ...' : '');
  return new AppError(
    'STORE_CORRUPT',
    `The Certdesk database ${dbPath} ${what[loss]}, but the data directory ${dataDir} holds ${n} encrypted key file${n === 1 ? '' : 's'} ` +
      `(${sample}). They belong to that database, so Certdesk does not start a new, empty one there. Nothing was changed.`,
    {
      hint:
        `Restore db.json from a backup${await backupAdvice(dbPath)}. Do not delete or move this folder: its keys open only ` +
        'with the data key in the keychain that db.json names.',
    },
  );
}

/** Creates the data directory if needed (0700) and tightens its mode; returns the first folder it created. */
async function prepareDataDir(dataDir: string, logger: Logger): Promise<string | undefined> {
  let created: string | undefined;
  try {
    created = await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (err) {
    throw new AppError('INVALID_INPUT', `The data directory ${dataDir} cannot be created: ${(err as Error).message}`, {
      field: 'dataDir',
      hint: 'Check the permissions of its parent folder, or choose another one with --data-dir.',
    });
  }
  const s = await stat(dataDir);
  if (!s.isDirectory()) {
    throw new AppError('INVALID_INPUT', `The data directory ${dataDir} is a file, not a folder.`, { field: 'dataDir' });
  }
  if (process.platform === 'win32') return created; // ACLs there; the user profile folder is private already
  if ((s.mode & 0o077) !== 0) {
    await chmod(dataDir, PRIVATE_DIR_MODE);
    logger.info('restricted the data directory to its owner', { dataDir, was: (s.mode & 0o777).toString(8) });
  }
  return created;
}

/** Removes the folders prepareDataDir created, as long as they are still empty (after a failed first write). */
async function removeCreatedDirs(dataDir: string, created: string | undefined): Promise<void> {
  if (created === undefined) return;
  for (let dir = dataDir; ; dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === created || path.dirname(dir) === dir) return;
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
    hasSealedData: async () => (await listSealedFiles(dataDir, 1)).length > 0,
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

interface StoreContext {
  dataDir: string;
  dbPath: string;
  journalPath: string;
  secrets: SecretStore;
  face: Face;
  logger: Logger;
  journalOptions: JournalOptions;
  disk: DiskState;
  listing: ListingSpec | null;
}

/** What is on disk: db.json and the journal that continues it. */
interface DiskState {
  /** Size of db.json (characters) as last read or written. */
  dbSize: number;
  /** db.json's journal fields (null: it has none; it is then rewritten whole at each change). */
  meta: JournalMeta | null;
  /** The journal of db.json: as read at open (not opened for writing yet), or being written. */
  journal: { read: JournalRead } | { writer: JournalWriter } | null;
  /**
   * A write of db.json or the journal failed part way: what is on disk may differ from the data in memory, so
   * no listing is made from the data (the next open reads what the disk holds).
   */
  doubt: boolean;
}

function journalIdOf(j: NonNullable<DiskState['journal']>): string {
  return 'read' in j ? j.read.id : j.writer.id;
}

/**
 * Writes db.json whole (atomically, the previous one kept as db.json.bak) with `full` (every record, the set-aside
 * ones included). A journal is folded in by it and removed. A large db.json gets a new journal id, for the
 * journal that will continue it.
 */
async function writeWhole(ctx: StoreContext, full: StoreData, quarantine: Quarantine): Promise<void> {
  const { disk } = ctx;
  const folded = disk.journal !== null ? journalIdOf(disk.journal) : null;
  const minDb = ctx.journalOptions.minDbBytes ?? JOURNAL_DEFAULTS.minDbBytes;
  const { text, meta } = dbText(full, (size) => (folded !== null || disk.meta !== null || size >= minDb ? { id: newJournalId(), folded } : null));
  await keepPrevious(ctx.dbPath, ctx.logger);
  await writeFileAtomic(ctx.dbPath, text, { mode: PRIVATE_FILE_MODE });
  disk.dbSize = text.length;
  disk.meta = meta;
  // Every record written was checked (or is set aside): a large db.json's next open need not check them again.
  if (meta !== null) await writeChecked(ctx, badIndices(full, quarantine));
  else await unlink(path.join(ctx.dataDir, CHECKED_FILE)).catch(() => undefined);
  if (disk.journal !== null) {
    if ('writer' in disk.journal) await disk.journal.writer.close();
    disk.journal = null;
    await unlink(ctx.journalPath).catch((err: unknown) => {
      if (errCode(err) !== 'ENOENT') throw err;
    });
  }
}

type BadIndices = Partial<Record<CollectionName, number[]>>;

/**
 * Rewrites db.json.list from the data when db.json or its journal changed since it was made (listing.ts). Best
 * effort, like db.json.checked: a listing that cannot be written is removed, and `cert list` takes the normal path.
 * None is kept while records are set aside (the normal path warns about them) or after a failed write.
 */
async function saveListing(ctx: StoreContext, state: StoreState): Promise<void> {
  const spec = ctx.listing;
  if (spec === null) return;
  const file = path.join(ctx.dataDir, LISTING_FILE);
  const drop = (): Promise<void> => unlink(file).catch(() => undefined);
  try {
    const stamp = state.problems.length === 0 && !ctx.disk.doubt ? currentStamp(ctx.dataDir) : null;
    if (stamp === null) return await drop();
    if (listingIsCurrent(ctx.dataDir, spec.format, stamp)) return;
    const body = spec.build(state.data);
    if (body === null) return await drop();
    await writeFileAtomic(file, listingHeader(spec.format, stamp, Buffer.byteLength(body)) + body, { mode: PRIVATE_FILE_MODE });
  } catch (err) {
    ctx.logger.warn('could not write the listing cache', { file, error: (err as Error).message });
    await drop();
  }
}

async function dbIdentity(dbPath: string): Promise<{ size: string; mtimeNs: string; ino: string }> {
  const s = await stat(dbPath, { bigint: true });
  return { size: String(s.size), mtimeNs: String(s.mtimeNs), ino: String(s.ino) };
}

/** Notes which records of db.json (as it is on disk now) are invalid; the others are valid. Best effort. */
async function writeChecked(ctx: StoreContext, bad: BadIndices): Promise<void> {
  const file = path.join(ctx.dataDir, CHECKED_FILE);
  try {
    await writeFileAtomic(file, JSON.stringify({ v: 1, ...(await dbIdentity(ctx.dbPath)), bad }) + '\n', { mode: PRIVATE_FILE_MODE });
  } catch (err) {
    ctx.logger.warn('could not note which database records were checked', { file, error: (err as Error).message });
    await unlink(file).catch(() => undefined);
  }
}

/** The invalid records' places noted for db.json as it is now, or null (no note, or db.json changed since). */
async function readChecked(ctx: StoreContext): Promise<Map<string, Set<number>> | null> {
  try {
    const info = JSON.parse(await fsReadFile(path.join(ctx.dataDir, CHECKED_FILE), 'utf8')) as Record<string, unknown>;
    const now = await dbIdentity(ctx.dbPath);
    if (info.v !== 1 || info.size !== now.size || info.mtimeNs !== now.mtimeNs || info.ino !== now.ino) return null;
    const out = new Map<string, Set<number>>();
    for (const [collection, indices] of Object.entries((info.bad ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(indices)) return null;
      out.set(collection, new Set(indices as number[]));
    }
    return out;
  } catch {
    return null;
  }
}

/** Where the set-aside records are in `full` (db.json's lists). */
function badIndices(full: StoreData, quarantine: Quarantine): BadIndices {
  const bad: BadIndices = {};
  for (const c of COLLECTION_NAMES) {
    if (quarantine[c].length === 0) continue;
    const records = new Set(quarantine[c].map((q) => q.record));
    const list = full[c] as unknown[];
    bad[c] = list.flatMap((r, i) => (records.has(r) ? [i] : []));
  }
  return bad;
}

/** True when changes go to the journal (db.json is large, or a journal continues it already). */
function journaling(ctx: StoreContext): boolean {
  const { disk } = ctx;
  return disk.journal !== null || (disk.meta !== null && disk.dbSize >= (ctx.journalOptions.minDbBytes ?? JOURNAL_DEFAULTS.minDbBytes));
}

/** True when the journal has grown enough to be folded into db.json. */
function journalFull(ctx: StoreContext, writer: JournalWriter): boolean {
  const o = ctx.journalOptions;
  const maxBytes = o.maxBytes ?? Math.min(32 * 1024 * 1024, Math.max(256 * 1024, Math.floor(ctx.disk.dbSize / 8)));
  return writer.bytes > maxBytes || writer.nextSeq - 1 > (o.maxEntries ?? JOURNAL_DEFAULTS.maxEntries);
}

/**
 * Applies the journal at open: replays it onto `raw` (parsed db.json, journal fields taken out) when it continues
 * this db.json; removes one db.json already folded in; sets aside one that belongs to another db.json.
 */
async function loadJournal(
  ctx: StoreContext,
  raw: Record<string, unknown>,
  meta: JournalMeta | null,
): Promise<{ journal: DiskState['journal']; torn: boolean; unchecked: Set<unknown> }> {
  const { journalPath, logger } = ctx;
  const read = await readJournal(journalPath);
  if (read === null) {
    await unlink(journalPath).catch(() => undefined); // empty, or not even its header was written: nothing in it
    return { journal: null, torn: false, unchecked: new Set() };
  }
  if (meta !== null && read.id === meta.id) {
    const unchecked = replay(raw, read.entries, journalPath);
    if (read.tornBytes > 0) {
      logger.warn('the last change in the journal was cut off (the process ended while writing it) and is dropped', {
        journal: journalPath,
        bytes: read.tornBytes,
        reason: read.tornReason,
      });
      await cutTornTail(journalPath, read.goodBytes);
    }
    return { journal: { read }, torn: read.tornBytes > 0, unchecked };
  }
  if (meta !== null && meta.folded === read.id) {
    // The process ended after db.json was written with the journal folded in, before the journal was removed.
    await unlink(journalPath).catch(() => undefined);
    logger.info('removed a journal already folded into db.json', { journal: journalPath });
    return { journal: null, torn: false, unchecked: new Set() };
  }
  const aside = `${journalPath}.orphan-${timestamp()}`;
  await rename(journalPath, aside);
  logger.warn('the change journal does not continue this db.json (was db.json restored from a backup?): it was set aside, not replayed', {
    journal: aside,
    changes: read.entries.length,
  });
  return { journal: null, torn: false, unchecked: new Set() };
}

interface StoreState {
  /** What services see (valid records only), deeply frozen. */
  data: StoreData;
  quarantine: Quarantine;
  problems: readonly StoreProblem[];
  /** Both null while the store lives in memory only. */
  lock: StoreLock | null;
  vault: Vault | null;
}

function hasStoreId(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && typeof (raw as { storeId?: unknown }).storeId === 'string' && (raw as { storeId: string }).storeId !== '';
}

function noProblems(): Quarantine {
  return { accounts: [], requests: [], certificates: [], dnsAccounts: [], dnsMappings: [], servers: [], agents: [], serverMappings: [], deployments: [], renewals: [], notices: [], dismissals: [] };
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  try {
    return await openStoreIn(opts);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INTERNAL', `Cannot open the Certdesk data directory ${path.resolve(opts.dataDir)}: ${(err as Error).message}`);
  }
}

async function openStoreIn(opts: OpenStoreOptions): Promise<Store> {
  const dataDir = path.resolve(opts.dataDir);
  const logger = (opts.logger ?? createLogger({ level: 'error' })).child('store');
  const dbPath = path.join(dataDir, DB_FILE);
  const ctx: StoreContext = {
    dataDir,
    dbPath,
    journalPath: path.join(dataDir, JOURNAL_FILE),
    secrets: opts.secrets,
    face: opts.face,
    logger,
    journalOptions: opts.journal ?? {},
    disk: { dbSize: 0, meta: null, journal: null, doubt: false },
    listing: opts.listing ?? null,
  };
  await checkDataDir(dataDir);

  /** A new store, in memory until its first write; refused beside sealed files that belong to a lost db.json. */
  const fresh = async (loss: DbLoss): Promise<Store> => {
    const sealed = await listSealedFiles(dataDir);
    if (sealed.length > 0) {
      const err = await dbLostError(dataDir, dbPath, loss, sealed);
      logger.error('database lost beside encrypted keys', { db: dbPath, loss, sealed: sealed.length });
      throw err;
    }
    const data = deepFreeze(migrate(null, dbPath).data);
    // The window and the bridge run for long: they own the directory from the start (a second window on it is
    // refused at once), so they create the folder and its lock now. A CLI command takes both at its first write.
    let lock: StoreLock | null = null;
    if (opts.face !== 'cli') {
      await prepareDataDir(dataDir, logger);
      lock = await acquireLock(dataDir, { face: opts.face, logger });
    }
    return makeStore(ctx, { data, quarantine: noProblems(), problems: [], lock, vault: null });
  };

  if (!(await lstat(dbPath).then(() => true, () => false))) return fresh('missing');

  await prepareDataDir(dataDir, logger);
  const lock: StoreLock = await acquireLock(dataDir, { face: opts.face, logger }).catch((err: unknown) => {
    if (err instanceof AppError) throw err;
    throw new AppError('INVALID_INPUT', `The data directory ${dataDir} cannot be written to: ${(err as Error).message}`, {
      field: 'dataDir',
      hint: 'Give your user write access to it, or choose another one with --data-dir.',
    });
  });
  try {
    const text = await readDbText(dbPath);
    if (text === null) {
      lock.release(); // removed between the look and the lock: a new store after all (or the loss diagnosed)
      return await fresh('missing');
    }
    let raw: unknown = null;
    let loss: DbLoss | null = null;
    if (text.replace(/^\uFEFF/, '').trim() === '') {
      loss = 'empty';
    } else {
      try {
        raw = parseDb(text);
      } catch (err) {
        if (!(err instanceof JsonParseError)) throw err;
        const copy = await keepCorruptCopy(dbPath);
        logger.error('database is not valid JSON', { db: dbPath, copy, error: err.message });
        throw new AppError(
          'STORE_CORRUPT',
          `The Certdesk database ${dbPath} is not valid JSON (${err.message}). A copy was kept at ${copy}.`,
          { hint: `Restore it from a backup${await backupAdvice(dbPath)} or move it away to start with an empty database.` },
        );
      }
      if (raw === null) loss = 'null';
      else if (typeof raw === 'object' && !Array.isArray(raw) && !hasStoreId(raw)) loss = 'no-store-id';
    }
    if (loss !== null) {
      // A new store id would not name the data key of the sealed files that are there: diagnose, never replace.
      const sealed = await listSealedFiles(dataDir);
      if (sealed.length > 0) {
        logger.error('database lost beside encrypted keys', { db: dbPath, loss, sealed: sealed.length });
        throw await dbLostError(dataDir, dbPath, loss, sealed);
      }
    }
    ctx.disk.dbSize = text.length;
    let torn = false;
    /** Records that need no check (see CHECKED_FILE); null: check them all. */
    let trusted: ((c: CollectionName, r: unknown) => boolean) | null = null;
    if (loss === null && typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      // The journal fields are the store's own, not data: services never see them.
      const obj = raw as Record<string, unknown>;
      const meta = 'journal' in obj ? journalMetaOf(obj.journal) : null;
      delete obj.journal;
      ctx.disk.meta = meta;
      const checked = meta !== null && obj.schemaVersion === SCHEMA_VERSION ? await readChecked(ctx) : null;
      const bad = new Set<unknown>();
      if (checked !== null) {
        for (const [c, indices] of checked) {
          const list = obj[c];
          if (Array.isArray(list)) for (const i of indices) bad.add(list[i]);
        }
      }
      const loaded = await loadJournal(ctx, obj, meta);
      ctx.disk.journal = loaded.journal;
      torn = loaded.torn;
      // Records saved by this store since are in the journal, checked before they were saved.
      if (checked !== null) trusted = (_c, r) => typeof r === 'object' && r !== null && !bad.has(r) && !loaded.unchecked.has(r);
    }

    // Migrations run in memory first (a database from a newer Certdesk is refused there). The content as found is
    // judged too: a migration must never turn a damaged list into an empty one.
    const result = migrate(raw, dbPath);
    const before = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? topLevelProblem(raw as Record<string, unknown>, false) : null;
    const shape = before ?? topLevelProblem(result.data as unknown as Record<string, unknown>, true);
    if (shape !== null) {
      logger.error('database is damaged', { db: dbPath, problem: shape });
      throw new AppError('STORE_CORRUPT', `The Certdesk database ${dbPath} is damaged: ${shape}. Certdesk changed nothing.`, {
        hint: `Correct that field in the file by hand, or restore db.json from a backup${await backupAdvice(dbPath)}.`,
      });
    }
    const { data, quarantine, problems } = setAside(result.data, result.applied.length === 0 && trusted !== null ? trusted : undefined);
    for (const p of problems) logger.warn('database record set aside: it is kept in db.json but not used', { db: dbPath, problem: p.message });

    if (result.applied.length > 0) {
      if (raw !== null) await backupBeforeMigration(dbPath, result.from, logger);
      await writeWhole(ctx, result.data, quarantine); // every record, the set-aside ones included
      logger.info('database migrated', { db: dbPath, from: result.from, to: result.to, applied: result.applied });
    } else if (trusted === null && ctx.disk.meta !== null && ctx.disk.journal === null) {
      // A large db.json checked record by record: note the result, so that the next open need not do it again.
      const bad: BadIndices = {};
      for (const p of problems) (bad[p.collection] ??= []).push(p.index);
      await writeChecked(ctx, bad);
    }
    // A process that died holding the lock (or mid-append) may have left temp files anywhere: look everywhere then.
    await removeLeftoverTempFiles(dataDir, logger, lock.tookOver || torn);

    const frozen = deepFreeze(data);
    const vault = await openVault(dataDir, frozen, opts.secrets, logger);
    return makeStore(ctx, { data: frozen, quarantine, problems: Object.freeze([...problems]), lock, vault });
  } catch (err) {
    lock.release();
    if (err instanceof AppError) throw err;
    throw new AppError('INTERNAL', `Cannot open the Certdesk data directory ${dataDir}: ${(err as Error).message}`);
  }
}

function makeStore(ctx: StoreContext, state: StoreState): Store {
  const { dataDir, dbPath, logger } = ctx;
  let closed = false;
  let queue: Promise<void> = Promise.resolve();
  let materializing: Promise<void> | null = null;

  const ensureOpen = (): void => {
    if (closed) throw new AppError('INTERNAL', `The data directory ${dataDir} was closed; it can no longer be used.`);
  };
  const abs = (rel: string): string => {
    ensureOpen();
    return resolveInside(dataDir, rel);
  };

  /** First write of a new store: the folder, the lock, the data key, the check file, then db.json. */
  const materialize = async (): Promise<void> => {
    let lock = state.lock;
    const lockedHere = lock === null;
    let created: string | undefined;
    if (lock === null) {
      created = await prepareDataDir(dataDir, logger);
      try {
        lock = await acquireLock(dataDir, { face: ctx.face, logger });
      } catch (err) {
        await removeCreatedDirs(dataDir, created);
        throw err;
      }
    }
    try {
      if (await lstat(dbPath).then(() => true, () => false)) {
        throw new AppError('STORE_LOCKED', `Another Certdesk set up the data directory ${dataDir} while this one was running, so this one cannot save there.`, {
          hint: 'Run the command again (or restart Certdesk).',
        });
      }
      await removeLeftoverTempFiles(dataDir, logger);
      const vault = await openVault(dataDir, state.data, ctx.secrets, logger);
      await writeWhole(ctx, withSetAside(state.data, state.quarantine), state.quarantine);
      state.lock = lock;
      state.vault = vault;
      logger.info('created the data directory', { dataDir });
    } catch (err) {
      if (lockedHere) {
        lock.release();
        await removeCreatedDirs(dataDir, created); // e.g. the keychain refused the data key: leave nothing behind
      }
      throw err;
    }
  };
  const ensureMaterialized = (): Promise<void> => {
    if (state.vault !== null) return Promise.resolve();
    materializing ??= materialize().catch((err: unknown) => {
      materializing = null;
      throw err;
    });
    return materializing;
  };

  const readRaw = async (rel: string): Promise<Buffer> => {
    const p = abs(rel);
    try {
      return await fsReadFile(p);
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') {
        throw new AppError('NOT_FOUND', `The file ${rel} is missing from the data directory ${dataDir}.`);
      }
      throw err;
    }
  };
  const writeRaw = async (rel: string, data: string | Uint8Array, mode: number): Promise<void> => {
    const p = abs(rel);
    await ensureMaterialized();
    await mkdir(path.dirname(p), { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeFileAtomic(p, data, { mode });
  };

  // Group commit: updates that arrive while a write is under way are applied together, in call order, to one
  // copy and written once (validation, the .bak link and the fsyncs are per write, not per update). Each update
  // stays all-or-nothing: when one of a batch throws or leaves an invalid record, the batch is redone one update
  // at a time, so only that one fails. Mutators are plain functions of the draft, so running one again is safe.
  let pending: PendingUpdate[] = [];
  let flushQueued = false;
  // Each write: the mutators change a copy-on-write draft (cow.ts: only what they change is copied), the changed
  // records are checked, then db.json is rewritten whole (a small one) or the change is appended to the journal.
  let foldPending = false;
  const applyAndWrite = async (mutators: PendingUpdate['mutator'][]): Promise<void> => {
    ensureOpen();
    const before = state.data;
    const draft = createDraft(before);
    for (const m of mutators) {
      await m(draft);
      if (draft.schemaVersion !== before.schemaVersion || draft.storeId !== before.storeId) {
        throw new AppError('INTERNAL', 'An update tried to change schemaVersion or storeId; only migrations may.');
      }
    }
    const { data: after, changed } = finishDraft(draft);
    assertSavable(after, changed, before);
    const firstWrite = state.vault === null;
    await ensureMaterialized();
    if (changed.size === 0 && !firstWrite) return; // nothing to save
    const fullAfter = withSetAside(after, state.quarantine);
    try {
      await writeChange(before, after, fullAfter, changed);
    } catch (err) {
      ctx.disk.doubt = true;
      throw err;
    }
    state.data = deepFreeze(after);
  };
  const writeChange = async (before: StoreData, after: StoreData, fullAfter: StoreData, changed: ReturnType<typeof finishDraft>['changed']): Promise<void> => {
    if (!journaling(ctx)) {
      await writeWhole(ctx, fullAfter, state.quarantine);
    } else {
      const disk = ctx.disk;
      if (disk.journal === null) disk.journal = { writer: await JournalWriter.create(ctx.journalPath, disk.meta!.id) };
      else if ('read' in disk.journal) disk.journal = { writer: await JournalWriter.resume(ctx.journalPath, disk.journal.read) };
      const writer = disk.journal.writer;
      await writer.append(diffOps(withSetAside(before, state.quarantine) as never, fullAfter as never, changed), new Date());
      // Folded next in the queue, before any update that arrives after this one's caller has its answer.
      if (journalFull(ctx, writer) && !foldPending) {
        foldPending = true;
        queue = queue.then(fold);
      }
    }
  };
  /** Folds the journal into db.json (a whole rewrite). A failure leaves the journal as it is: nothing is lost. */
  const fold = async (): Promise<void> => {
    foldPending = false;
    if (ctx.disk.journal === null || closed) return;
    try {
      await writeWhole(ctx, withSetAside(state.data, state.quarantine), state.quarantine);
      logger.info('folded the change journal into db.json', { db: dbPath });
    } catch (err) {
      ctx.disk.doubt = true;
      logger.warn('could not fold the change journal into db.json; changes stay in the journal', { db: dbPath, error: (err as Error).message });
    }
  };
  const flush = async (): Promise<void> => {
    flushQueued = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    await flushBatch(batch);
  };
  const flushBatch = async (batch: PendingUpdate[]): Promise<void> => {
    try {
      await applyAndWrite(batch.map((p) => p.mutator));
      for (const p of batch) p.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
    }
    for (const p of batch) {
      try {
        await applyAndWrite([p.mutator]);
        p.resolve();
      } catch (err) {
        p.reject(err);
      }
    }
  };

  return {
    dataDir,
    get data() {
      return state.data;
    },
    get problems() {
      return state.problems;
    },
    get materialized() {
      return state.vault !== null;
    },
    update(mutator) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ mutator, resolve, reject });
        if (!flushQueued) {
          flushQueued = true;
          queue = queue.then(flush).catch(() => undefined);
        }
      });
    },
    async writeSecret(rel, plain) {
      abs(rel); // refuse a bad path before spending a seal on it
      await ensureMaterialized();
      await writeRaw(rel, state.vault!.seal(plain, aadOf(rel)), PRIVATE_FILE_MODE);
    },
    async readSecret(rel) {
      const sealed = await readRaw(rel);
      if (state.vault === null) {
        throw new AppError('NOT_FOUND', `The file ${rel} does not belong to the data directory ${dataDir}: it has no data key yet.`);
      }
      return state.vault.open(sealed, aadOf(rel));
    },
    writeFile: (rel, data, mode = PRIVATE_FILE_MODE) => writeRaw(rel, data, mode),
    readFile: (rel) => readRaw(rel),
    async removeFile(rel) {
      try {
        await unlink(abs(rel));
      } catch (err) {
        if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') throw err;
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
      // A fold may be queued behind the last write while we wait: wait until the queue stays the same.
      for (let q = queue; ; q = queue) {
        await q;
        if (q === queue) break;
      }
      await materializing?.catch(() => undefined);
      // The window and the bridge fold the journal when they end; a CLI command leaves it for the next one (a
      // large db.json's rewrite would cost each command more than the command itself).
      const journal = ctx.disk.journal;
      if (journal !== null && ctx.face !== 'cli' && ('writer' in journal ? journal.writer.nextSeq > 1 : journal.read.entries.length > 0)) await fold();
      closed = true;
      if (ctx.disk.journal !== null && 'writer' in ctx.disk.journal) await ctx.disk.journal.writer.close();
      // With the lock still held: nobody changes db.json or the journal between their look and the listing.
      if (state.lock !== null && state.vault !== null) await saveListing(ctx, state);
      state.lock?.release();
    },
  };
}
