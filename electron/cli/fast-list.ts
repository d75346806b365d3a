// The fast path of `certdesk cert list` (and `--json`): run by out/cli/certdesk.cjs (entry.ts) before the CLI
// proper is loaded. When the store's listing (db.json.list, electron/store/listing.ts) was computed from db.json
// and its journal exactly as they are now, and no process owns the data directory, it prints the listing and the
// process ends: no services, no store, no keychain, no zod. With 10,000 certificates that is the difference
// between opening a 54 MB database and reading the ~10 MB listing.
//
// Any doubt takes the normal path (which prints the same and, at its close, writes a fresh listing):
// - arguments other than `cert list` with --json, --quiet/-q, --data-dir (or CERTDESK_LIST_CACHE=off);
// - a lock file in the data directory: a live owner is writing right now (the normal path then says
//   STORE_LOCKED, as before), a dead one's lock is the normal path's to take over and clean up after;
// - a data directory that cannot be written to (the normal path refuses it and says why);
// - no listing, a listing of another format or Certdesk version, or one whose stamp differs from db.json's and
//   the journal's now: a change by any Certdesk, a hand edit, a restore, a migration, a fold;
// - a listing that does not read back whole.
// What the fast path does not do: check the keychain and the data key (vault.check) as a full open does; listing
// saved certificates needs neither.
//
// Why the lock look comes first: a process that takes the lock after it changes db.json or the journal only then,
// after this process started, and its changes change the stamp. So a listing whose stamp matches what is on disk
// describes a state that was current when this process looked: answering from it is answering before that process.
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { VERSION } from '../app/version.ts';
import { certListingFormat, renderCertListing } from '../repository/cert-listing.ts';
import { readCurrentListing } from '../store/listing.ts';
import { LOCK_FILE } from '../store/lock.ts';
import { resolveDataDir } from '../store/paths.ts';

/** The arguments of a `cert list` the fast path may answer: its options, or null for anything else. */
export function fastListArgs(argv: readonly string[]): { json: boolean; dataDir: string | undefined } | null {
  const words: string[] = [];
  let json = false;
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--quiet' || a === '-q') continue;
    else if (a === '--data-dir') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) return null;
      dataDir = v;
    } else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length);
    else if (a.startsWith('-')) return null;
    else words.push(a);
  }
  return words.length === 2 && words[0] === 'cert' && words[1] === 'list' ? { json, dataDir } : null;
}

/** What `certdesk <argv>` prints on stdout, when the fast path can answer; null: take the normal path. */
export function fastCertList(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, now = new Date()): Buffer | null {
  if (env.CERTDESK_LIST_CACHE === 'off') return null;
  const args = fastListArgs(argv);
  if (args === null) return null;
  const dataDir = resolveDataDir({ flag: args.dataDir, env });
  if (existsSync(path.join(dataDir, LOCK_FILE))) return null;
  try {
    accessSync(dataDir, constants.W_OK);
  } catch {
    return null;
  }
  const body = readCurrentListing(dataDir, certListingFormat(VERSION));
  return body === null ? null : renderCertListing(body, args.json, now);
}
