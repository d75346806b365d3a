// The listing cache of `certdesk cert list` (issue 11, Scale): db.json.list written by the store at close
// (electron/store/listing.ts + electron/repository/cert-listing.ts) and the CLI's fast path that prints from it
// (electron/cli/fast-list.ts). Asserted: the fast path's output is the normal path's, byte for byte (the --json
// output is a contract), daysLeft follows the clock, and every kind of doubt takes the normal path (null here):
// a change by another store, a hand edit (same size and mtime), a restore, a lock file, a damaged listing, set-aside
// records, other arguments. test/integration/cli-list-cache.test.ts runs the same through the built CLI.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile, copyFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Certificate } from '../../shared/model/request.ts';
import { VERSION } from '../../electron/app/version.ts';
import { fastCertList, fastListArgs } from '../../electron/cli/fast-list.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { buildCertListing, certificateView, certListingFormat, certListRow, certListText, renderCertListing } from '../../electron/repository/cert-listing.ts';
import { LISTING_FILE } from '../../electron/store/listing.ts';
import { LOCK_FILE } from '../../electron/store/lock.ts';
import type { StoreData } from '../../electron/store/schema.ts';
import { DB_FILE, openStore, type OpenStoreOptions } from '../../electron/store/store.ts';
import { makeScaleData } from '../helpers/scale-data.ts';

const tmpRoots: string[] = [];
after(async () => {
  for (const d of tmpRoots) await rm(d, { recursive: true, force: true });
});

const listing = { format: certListingFormat(VERSION), build: buildCertListing };

/** What the normal path prints for `cert list` (json: `--json`): the contract's parse of the views, as dispatch does. */
function normalOutput(data: Pick<StoreData, 'certificates'>, json: boolean, now: Date): string {
  const list = data.certificates.map((c) => Certificate.parse(certificateView(c, now)));
  return (json ? JSON.stringify(list, null, 2) : certListText(list.map(certListRow))) + '\n';
}

async function estate(n: number, extra: Partial<OpenStoreOptions> = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'certdesk-listing-test-'));
  tmpRoots.push(root);
  const dataDir = path.join(root, 'data');
  const scale = await makeScaleData(dataDir, n, { files: false });
  const logger = createMemoryLogger();
  const open = (more: Partial<OpenStoreOptions> = {}) => openStore({ dataDir, secrets: scale.secrets, face: 'cli', logger, listing, ...extra, ...more });
  // A store opened and closed with the listing spec writes the listing (the scale data was made without one).
  await (await open()).close();
  const env = { CERTDESK_DATA_DIR: dataDir } as NodeJS.ProcessEnv;
  const fast = (args: string[], now = new Date()) => fastCertList(args, env, now)?.toString('utf8') ?? null;
  return { dataDir, scale, open, fast, logger, listPath: path.join(dataDir, LISTING_FILE), dbPath: path.join(dataDir, DB_FILE) };
}

describe('cert list listing cache', () => {
  test('the fast path prints what the normal path prints, table and --json, non-ASCII names included', async () => {
    const e = await estate(60);
    // Names beyond ASCII move every byte offset after them: the daysLeft cuts must still land right.
    const s = await e.open();
    await s.update((d) => {
      d.certificates[3]!.namesUnicode = ['bücher-ü.example.test', ...d.certificates[3]!.namesUnicode.slice(1)];
      d.certificates[4]!.summary.issuer = 'Émetteur 😀';
    });
    await s.close();
    assert.ok(existsSync(e.listPath), 'the store wrote db.json.list at close');
    const check = await e.open();
    const data = check.data;
    await check.close();
    const now = new Date();
    for (const json of [false, true]) {
      const args = json ? ['--json', 'cert', 'list'] : ['cert', 'list'];
      assert.equal(e.fast(args, now), normalOutput(data, json, now), `cert list${json ? ' --json' : ''}`);
    }
    assert.match(e.fast(['cert', 'list'], now)!, /Émetteur 😀/);
    // The flags may stand anywhere, as the CLI takes them.
    assert.equal(e.fast(['cert', '--json', 'list', '-q'], now), normalOutput(data, true, now));
    assert.equal(fastCertList(['--data-dir', e.dataDir, 'cert', 'list'], {}, now)?.toString(), normalOutput(data, false, now));
    assert.equal(fastCertList([`--data-dir=${e.dataDir}`, 'cert', 'list'], {}, now)?.toString(), normalOutput(data, false, now));
  });

  test('daysLeft is computed when printed, not when the listing was written', async () => {
    const e = await estate(20);
    const s = await e.open();
    const data = s.data;
    await s.close();
    for (const days of [0, 7, 45, 400]) {
      const later = new Date(Date.now() + days * 86_400_000 + 3_600_000);
      assert.equal(e.fast(['--json', 'cert', 'list'], later), normalOutput(data, true, later), `${days} days later`);
      assert.equal(e.fast(['cert', 'list'], later), normalOutput(data, false, later), `${days} days later (table)`);
    }
  });

  test('an empty repository: the same message and [] as the normal path', async () => {
    const e = await estate(0);
    assert.equal(e.fast(['cert', 'list']), normalOutput({ certificates: [] }, false, new Date()));
    assert.equal(e.fast(['--json', 'cert', 'list']), '[]\n');
  });

  test('a change by a store that keeps no listing (another version, a crash) makes it stale: normal path', async () => {
    const e = await estate(250); // db.json over 1 MiB: changes go to the journal
    assert.notEqual(e.fast(['cert', 'list']), null);
    const other = await e.open({ listing: undefined as never });
    await other.update((d) => {
      d.certificates[0]!.revoked = true;
    });
    await other.close();
    assert.ok(existsSync(path.join(e.dataDir, 'db.json.journal')), 'the change went to the journal');
    assert.equal(e.fast(['cert', 'list']), null, 'journal changed');
    // The next store that closes with the spec (the normal path of `cert list`) refreshes it.
    const s = await e.open();
    const data = s.data;
    await s.close();
    assert.equal(e.fast(['--json', 'cert', 'list']), normalOutput(data, true, new Date()));
    assert.equal(JSON.parse(e.fast(['--json', 'cert', 'list'])!)[0].revoked, true);
  });

  test('a hand edit of db.json that keeps its size, mtime and inode, and a restored db.json: normal path', async () => {
    const e = await estate(10);
    // A whole-second mtime (utimes cannot set nanoseconds exactly), then a listing for that db.json.
    const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(e.dbPath, second, second);
    await (await e.open()).close();
    assert.notEqual(e.fast(['cert', 'list']), null);
    const text = await readFile(e.dbPath, 'utf8');
    const before = await stat(e.dbPath, { bigint: true });
    const edited = text.replace('"revoked": false', '"revoked": true ');
    assert.equal(edited.length, text.length);
    await writeFile(e.dbPath, edited); // in place: same inode
    await utimes(e.dbPath, second, second);
    const after = await stat(e.dbPath, { bigint: true });
    assert.equal(after.ino, before.ino);
    assert.equal(after.size, before.size);
    assert.equal(after.mtimeNs, before.mtimeNs);
    assert.equal(e.fast(['cert', 'list']), null, 'ctime changed: not the listed state');

    // Refresh, then restore an older copy of db.json (another inode).
    await (await e.open()).close();
    assert.notEqual(e.fast(['cert', 'list']), null);
    await copyFile(e.dbPath, `${e.dbPath}.copy`);
    await rename(`${e.dbPath}.copy`, e.dbPath);
    assert.equal(e.fast(['cert', 'list']), null, 'a restored db.json');
  });

  test('a lock file (a process owns the directory, or died owning it): normal path', async () => {
    const e = await estate(10);
    assert.notEqual(e.fast(['cert', 'list']), null);
    const lock = path.join(e.dataDir, LOCK_FILE);
    await writeFile(lock, JSON.stringify({ pid: process.pid, face: 'electron', hostname: os.hostname(), startedAt: new Date().toISOString() }));
    assert.equal(e.fast(['cert', 'list']), null, 'live owner');
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, face: 'cli', hostname: os.hostname(), startedAt: new Date().toISOString() }));
    assert.equal(e.fast(['cert', 'list']), null, 'dead owner: the normal path takes the lock over');
    await unlink(lock);
    assert.notEqual(e.fast(['cert', 'list']), null);
    // A store that is open holds the lock the whole time.
    const s = await e.open();
    assert.equal(e.fast(['cert', 'list']), null, 'while a store is open');
    await s.close();
    assert.notEqual(e.fast(['cert', 'list']), null);
  });

  test('a damaged or foreign listing is not used', async () => {
    const e = await estate(10);
    const good = await readFile(e.listPath);
    await writeFile(e.listPath, good.subarray(0, good.length - 1));
    assert.equal(e.fast(['--json', 'cert', 'list']), null, 'one byte short');
    await writeFile(e.listPath, Buffer.concat([good, Buffer.from('x')]));
    assert.equal(e.fast(['--json', 'cert', 'list']), null, 'one byte more');
    const nl = good.indexOf(10);
    const header = JSON.parse(good.subarray(0, nl).toString()) as { format: string };
    await writeFile(e.listPath, Buffer.concat([Buffer.from(JSON.stringify({ ...header, format: 'cert-list/1 certdesk/0.0.0' })), good.subarray(nl)]));
    assert.equal(e.fast(['cert', 'list']), null, 'written by another version');
    const body = good.subarray(nl + 1);
    assert.equal(renderCertListing(Buffer.from('not a listing'), true, new Date()), null);
    assert.equal(renderCertListing(Buffer.from(`[]\n[0,${body.length * 2}]\n[]`), true, new Date()), null, 'a cut past the end');
    await writeFile(e.listPath, good);
    assert.notEqual(e.fast(['cert', 'list']), null);
  });

  test('set-aside records: no listing (the normal path warns about them)', async () => {
    const e = await estate(10);
    const text = await readFile(e.dbPath, 'utf8');
    await writeFile(e.dbPath, text.replace(/"revoked": false/, '"revoked": "no"'));
    const s = await e.open();
    assert.equal(s.problems.length, 1);
    await s.close();
    assert.equal(existsSync(e.listPath), false, 'removed');
    assert.equal(e.fast(['cert', 'list']), null);
  });

  test('only `cert list` with --json, --quiet and --data-dir; CERTDESK_LIST_CACHE=off turns it off', async () => {
    const e = await estate(5);
    for (const args of [['cert', 'show', 'x'], ['request', 'list'], ['cert', 'list', '--verbose'], ['cert', 'list', '--help'], ['cert', 'list', 'extra'], ['cert', 'list', '--data-dir'], ['cert', 'list', '--data-dir', '--json'], ['--', 'cert', 'list'], ['list', 'cert']]) {
      assert.equal(fastListArgs(args), null, args.join(' '));
      assert.equal(e.fast(args), null, args.join(' '));
    }
    assert.deepEqual(fastListArgs(['-q', 'cert', 'list', '--json']), { json: true, dataDir: undefined });
    assert.equal(fastCertList(['cert', 'list'], { CERTDESK_DATA_DIR: e.dataDir, CERTDESK_LIST_CACHE: 'off' }), null);
    assert.equal(fastCertList(['cert', 'list'], { CERTDESK_DATA_DIR: path.join(e.dataDir, 'nothing-here') }), null, 'no data directory');
  });
});
