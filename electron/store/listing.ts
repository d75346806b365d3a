// db.json.list: a listing derived from the data (what `certdesk cert list` prints), stamped with the state of
// db.json and its journal it was computed from, so that a later process can answer from it without opening the
// store when nothing has changed since (electron/cli/fast-list.ts; electron/store/README.md, "Listing cache").
//
// File: one header line `{"format":"<what and which build>","stamp":<stamp>,"bytes":<body bytes>}`, then the body
// (the builder's own format, electron/repository/cert-listing.ts). A stamp is size, modification and change time
// (ns), inode and device of db.json and of db.json.journal (null when there is no journal). Every write of db.json
// (an atomic rename: new inode) and every append to the journal changes it; so do a hand edit, a restore, a copy
// and a migration. ctime cannot be set from user space, so even an edit that keeps size and mtime changes it.
//
// Only node:fs and node:path here: the CLI's fast path loads this module before (instead of) the big bundle.
import { closeSync, openSync, readFileSync, readSync, statSync, type BigIntStats } from 'node:fs';
import path from 'node:path';

export const LISTING_FILE = 'db.json.list';
const DB = 'db.json';
const JOURNAL = 'db.json.journal';

interface FileStamp {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
}

export interface ListingStamp {
  db: FileStamp;
  journal: FileStamp | null;
}

function fileStamp(file: string): FileStamp | null {
  let s: BigIntStats | undefined;
  try {
    s = statSync(file, { bigint: true, throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (s === undefined || !s.isFile()) return null;
  return { size: String(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs), ino: String(s.ino), dev: String(s.dev) };
}

/**
 * The stamp of the store's state on disk now; null when there is no db.json (nothing to list from) or the journal
 * is not a plain file. The journal is looked at first: a fold writes db.json and then removes the journal, so a
 * look in the other order could pair the old db.json with "no journal" (see fast-list.ts on why the lock makes
 * that harmless anyway).
 */
export function currentStamp(dataDir: string): ListingStamp | null {
  const journalPath = path.join(dataDir, JOURNAL);
  const journal = fileStamp(journalPath);
  if (journal === null) {
    try {
      if (statSync(journalPath, { throwIfNoEntry: false }) !== undefined) return null; // there, but not a file
    } catch {
      return null;
    }
  }
  const db = fileStamp(path.join(dataDir, DB));
  return db === null ? null : { db, journal };
}

function sameFile(a: FileStamp | null, b: unknown): boolean {
  if (a === null || b === null || typeof b !== 'object') return a === b;
  const o = b as Record<string, unknown>;
  return a.size === o.size && a.mtimeNs === o.mtimeNs && a.ctimeNs === o.ctimeNs && a.ino === o.ino && a.dev === o.dev;
}

export function sameStamp(a: ListingStamp, b: unknown): boolean {
  if (typeof b !== 'object' || b === null) return false;
  const o = b as Record<string, unknown>;
  return sameFile(a.db, o.db ?? null) && sameFile(a.journal, o.journal === undefined ? {} : o.journal);
}

/** The header line (with its newline) of a listing of `bodyBytes` bytes in `format`, computed at `stamp`. */
export function listingHeader(format: string, stamp: ListingStamp, bodyBytes: number): string {
  return JSON.stringify({ format, stamp, bytes: bodyBytes }) + '\n';
}

interface Header {
  format: unknown;
  stamp: unknown;
  bytes: unknown;
}

function parseHeader(text: string): Header | null {
  try {
    const h = JSON.parse(text) as Header;
    return typeof h === 'object' && h !== null ? h : null;
  } catch {
    return null;
  }
}

/**
 * True when the listing on disk is in `format` and was computed from the state `stamp` describes (only its header
 * is read). The store asks this at close, to skip rebuilding a listing that is still right.
 */
export function listingIsCurrent(dataDir: string, format: string, stamp: ListingStamp): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(dataDir, LISTING_FILE), 'r');
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl < 0) return false;
    const h = parseHeader(buf.subarray(0, nl).toString('utf8'));
    return h !== null && h.format === format && sameStamp(stamp, h.stamp);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The body of the listing when it is in `format`, whole, and computed from the state of db.json and its journal
 * as they are now; otherwise null (the caller then takes the normal path). Synchronous: it runs before anything
 * else in the CLI's process.
 */
export function readCurrentListing(dataDir: string, format: string): Buffer | null {
  // The stamp is taken before the listing is read: a listing written after that look carries a newer stamp and
  // is refused, never paired with an older look.
  const stamp = currentStamp(dataDir);
  if (stamp === null) return null;
  let file: Buffer;
  try {
    file = readFileSync(path.join(dataDir, LISTING_FILE));
  } catch {
    return null;
  }
  const nl = file.indexOf(10);
  if (nl < 0) return null;
  const h = parseHeader(file.subarray(0, nl).toString('utf8'));
  if (h === null || h.format !== format || !sameStamp(stamp, h.stamp)) return null;
  const body = file.subarray(nl + 1);
  return h.bytes === body.length ? body : null;
}
