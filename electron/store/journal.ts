// The change journal beside db.json (db.json.journal). A large database is not rewritten at every change: each
// saved change set is appended to the journal as one line, flushed to disk, and the journal is folded into
// db.json (one atomic rewrite, the previous db.json kept as db.json.bak) when it has grown past a threshold.
// Opening the store replays the journal onto db.json.
//
// Format: UTF-8, one JSON object per line, each `{"check":"<16 hex>","entry":<entry>}` where check is the start
// of the SHA-256 of the entry's exact text. The first entry is the header `{"journal":1,"id":"<id>"}`: `id` is
// the `journal` id db.json carries, so a journal is only ever replayed onto the db.json it was started from
// (a db.json restored from a backup does not get a later journal replayed onto it). Then one entry per change
// set: `{"seq":n,"at":"<ISO time>","ops":[...]}`, each op one top-level field of the data:
//   {"key":"settings","value":<the new value>}           the whole field
//   {"key":"certificates","runs":[[0,42],{"r":{...}},[43,9957]]}
//                                                         a list: kept runs [start, count] of the list before the
//                                                         change, and new or changed records {"r": record}
// The lists are db.json's own (records set aside at open stay at their places), so replaying needs no
// validation of what did not change.
//
// A crash while a line is appended leaves a torn last line: it is dropped at open (with a warning), the change
// it held was never confirmed to its caller. A damaged line with good lines after it is not a crash: the store
// refuses to open and says which file and line (AppError STORE_CORRUPT).
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, truncate } from 'node:fs/promises';
import { AppError } from '../../shared/ipc/errors.ts';
import { PRIVATE_FILE_MODE } from './atomic.ts';

export const JOURNAL_VERSION = 1;

type Json = Record<string, unknown>;

/** A kept run of the list before the change ([start, count]) or a record of the new list. */
export type Run = [number, number] | { r: unknown };
export type JournalOp = { key: string; value: unknown } | { key: string; runs: Run[] };

export interface JournalEntry {
  seq: number;
  at: string;
  ops: JournalOp[];
}

export interface JournalRead {
  id: string;
  entries: JournalEntry[];
  /** Bytes of the journal that hold whole, checked lines (a torn tail after them is not counted). */
  goodBytes: number;
  /** Bytes of a torn last line that was dropped (0: none). */
  tornBytes: number;
  /** Why the torn tail was dropped (for the log). */
  tornReason: string | null;
}

const PREFIX = '{"check":"';
const MIDDLE = '","entry":';

function checkOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** One journal line (with its newline) for an entry. */
export function journalLine(entry: unknown): string {
  const text = JSON.stringify(entry);
  return `${PREFIX}${checkOf(text)}${MIDDLE}${text}}\n`;
}

export function newJournalId(): string {
  return randomBytes(12).toString('hex');
}

function headerLine(id: string): string {
  return journalLine({ journal: JOURNAL_VERSION, id });
}

/** The entry of one line, or why it is not a good line. */
function parseLine(line: string): { entry: Json } | { bad: string } {
  if (!line.startsWith(PREFIX) || !line.endsWith('}') || line.slice(PREFIX.length + 16, PREFIX.length + 16 + MIDDLE.length) !== MIDDLE) {
    return { bad: 'it is not a journal line' };
  }
  const check = line.slice(PREFIX.length, PREFIX.length + 16);
  const text = line.slice(PREFIX.length + 16 + MIDDLE.length, -1);
  if (checkOf(text) !== check) return { bad: 'its checksum does not match its content' };
  try {
    const entry = JSON.parse(text) as unknown;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { bad: 'its entry is not an object' };
    return { entry: entry as Json };
  } catch (err) {
    return { bad: `its entry is not valid JSON (${(err as Error).message})` };
  }
}

function damaged(file: string, what: string): AppError {
  return new AppError('STORE_CORRUPT', `The Certdesk change journal ${file} is damaged: ${what}. Certdesk changed nothing.`, {
    hint:
      `Restore the data directory from a backup. Or move ${file} away to open db.json as it was when the journal ` +
      'was started: the changes saved after that are then lost.',
  });
}

/** Reads the journal, or null when there is none (or it is empty). Throws STORE_CORRUPT for damage before its end. */
export async function readJournal(file: string): Promise<JournalRead | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (buf.length === 0) return null;
  const entries: JournalEntry[] = [];
  let id: string | null = null;
  let pos = 0;
  let lineNo = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    lineNo++;
    const last = nl === -1 || nl === buf.length - 1;
    const end = nl === -1 ? buf.length : nl;
    const parsed = nl === -1 ? { bad: 'it has no end of line (the write was cut off)' } : parseLine(buf.toString('utf8', pos, end));
    if ('bad' in parsed) {
      if (last) {
        // A crash while appending: the change on that line was never confirmed. Only the tail may be torn.
        if (id === null) return null; // not even the header made it: the journal never held a change
        return { id, entries, goodBytes: pos, tornBytes: buf.length - pos, tornReason: `line ${lineNo}: ${parsed.bad}` };
      }
      throw damaged(file, `line ${lineNo} of ${buf.subarray(pos).toString('utf8').split('\n').length + lineNo - 1} is unreadable (${parsed.bad})`);
    }
    const e = parsed.entry;
    if (lineNo === 1) {
      if (e.journal !== JOURNAL_VERSION || typeof e.id !== 'string' || e.id === '') {
        throw damaged(file, `its first line is not a version ${JOURNAL_VERSION} journal header`);
      }
      id = e.id;
    } else {
      if (typeof e.seq !== 'number' || !Array.isArray(e.ops)) throw damaged(file, `line ${lineNo} is not a change entry`);
      const expected = entries.length === 0 ? e.seq : entries[entries.length - 1]!.seq + 1;
      if (e.seq !== expected) throw damaged(file, `line ${lineNo} has change number ${e.seq}, expected ${expected} (a change is missing)`);
      entries.push(e as unknown as JournalEntry);
    }
    pos = end + 1;
  }
  return { id: id!, entries, goodBytes: buf.length, tornBytes: 0, tornReason: null };
}

/** Cuts a torn tail off the journal, so that the next line is appended after the last good one. */
export async function cutTornTail(file: string, goodBytes: number): Promise<void> {
  await truncate(file, goodBytes);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Applies the change entries to parsed db.json content (in place: `raw` is the parse result, owned here). Returns
 * the lists that were written whole: their records are not known to have been checked one by one.
 */
export function replay(raw: Json, entries: readonly JournalEntry[], file: string): Set<unknown> {
  const wholeLists = new Set<unknown>();
  for (const entry of entries) {
    for (const op of entry.ops) {
      if (!isObject(op) || typeof op.key !== 'string') throw damaged(file, `change ${entry.seq} holds an unreadable operation`);
      if ('value' in op) {
        raw[op.key] = op.value;
        if (Array.isArray(op.value)) for (const r of op.value as unknown[]) wholeLists.add(r);
        continue;
      }
      const before = raw[op.key];
      if (!Array.isArray(before) || !Array.isArray(op.runs)) {
        throw damaged(file, `change ${entry.seq} edits "${op.key}" as a list, but db.json does not hold a list there`);
      }
      const after: unknown[] = [];
      for (const run of op.runs) {
        if (Array.isArray(run)) {
          const [start, count] = run as [number, number];
          if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > before.length) {
            throw damaged(file, `change ${entry.seq} keeps records ${start}..${start + count - 1} of "${op.key}", which has ${before.length}`);
          }
          for (let i = start; i < start + count; i++) after.push(before[i]);
        } else if (isObject(run) && 'r' in run) {
          after.push(run.r);
        } else {
          throw damaged(file, `change ${entry.seq} holds an unreadable record of "${op.key}"`);
        }
      }
      raw[op.key] = after;
    }
  }
  return wholeLists;
}

/**
 * The operations that turn `before` into `after` (the db.json content before and after a change), for the
 * top-level fields in `keys`. Lists of records become runs of kept records (by identity: an unchanged record is
 * the very same object) and the new or changed records; anything else is written whole.
 */
export function diffOps(before: Json, after: Json, keys: Iterable<string>): JournalOp[] {
  const ops: JournalOp[] = [];
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    if (a === b) continue;
    if (!Array.isArray(a) || !Array.isArray(b) || !a.every((x) => typeof x === 'object' && x !== null)) {
      ops.push({ key, value: b === undefined ? null : b });
      continue;
    }
    const index = new Map<unknown, number>();
    a.forEach((x, i) => index.set(x, i));
    const runs: Run[] = [];
    let current: [number, number] | null = null;
    for (const x of b) {
      const i = typeof x === 'object' && x !== null ? index.get(x) : undefined;
      if (i !== undefined && current !== null && current[0] + current[1] === i) {
        current[1]++;
      } else if (i !== undefined) {
        current = [i, 1];
        runs.push(current);
      } else {
        current = null;
        runs.push({ r: x });
      }
    }
    ops.push({ key, runs });
  }
  return ops;
}

/** An open journal file, appended to with one write + fsync per change set. */
export class JournalWriter {
  private constructor(
    readonly file: string,
    readonly id: string,
    private handle: Awaited<ReturnType<typeof open>>,
    public bytes: number,
    public nextSeq: number,
  ) {}

  /** Starts a new journal (replacing any file at `file`) for the db.json whose journal id is `id`. */
  static async create(file: string, id: string): Promise<JournalWriter> {
    const handle = await open(file, 'w', PRIVATE_FILE_MODE);
    try {
      await handle.chmod(PRIVATE_FILE_MODE);
      const head = headerLine(id);
      await handle.write(head);
      await handle.sync();
      return new JournalWriter(file, id, handle, Buffer.byteLength(head), 1);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  /** Continues a journal read at open (its torn tail already cut). */
  static async resume(file: string, read: JournalRead): Promise<JournalWriter> {
    const handle = await open(file, 'a', PRIVATE_FILE_MODE);
    const last = read.entries[read.entries.length - 1];
    return new JournalWriter(file, read.id, handle, read.goodBytes, last ? last.seq + 1 : 1);
  }

  async append(ops: JournalOp[], at: Date): Promise<void> {
    const line = journalLine({ seq: this.nextSeq, at: at.toISOString(), ops });
    try {
      await this.handle.write(line);
      await this.handle.sync();
    } catch (err) {
      // A short write (disk full) must not stay in front of the next line: cut it off, the change fails whole.
      await this.handle.truncate(this.bytes).catch(() => undefined);
      throw err;
    }
    this.bytes += Buffer.byteLength(line);
    this.nextSeq++;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
