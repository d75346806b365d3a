// The store at scale: copy-on-write updates, the change journal beside a large db.json (db.json.journal: replay,
// torn tail, damage, fold into db.json, a journal that belongs to another db.json), db.json.checked, the
// temp-file sweep after a crash, and the scale test data (test/helpers/scale-data.ts). Small stores are made to
// journal with `journal: { minDbBytes: 0 }` (by default only a db.json of 1 MiB or more is continued by a journal).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { LOCK_FILE } from '../../electron/store/lock.ts';
import type { StoreData } from '../../electron/store/schema.ts';
import { CHECKED_FILE, DB_BACKUP_FILE, DB_FILE, JOURNAL_FILE, openStore, type OpenStoreOptions, type Store } from '../../electron/store/store.ts';
import { makeScaleData } from '../helpers/scale-data.ts';
import { rejectsWith } from '../helpers/assert.ts';

const tmpRoots: string[] = [];
after(async () => {
  for (const d of tmpRoots) await rm(d, { recursive: true, force: true });
});

async function dataDirPath(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'certdesk-journal-test-'));
  tmpRoots.push(d);
  return path.join(d, 'data');
}

const journaled = { minDbBytes: 0 };

/** A journaling store with a few settings written; returns what reopens it. */
async function journalStore(extra: Partial<OpenStoreOptions> = {}) {
  const dataDir = await dataDirPath();
  const secrets = new MemorySecretStore();
  const logger = createMemoryLogger();
  const open = (more: Partial<OpenStoreOptions> = {}): Promise<Store> => openStore({ dataDir, secrets, face: 'cli', logger, journal: journaled, ...extra, ...more });
  return { dataDir, secrets, logger, open, journalPath: path.join(dataDir, JOURNAL_FILE), dbPath: path.join(dataDir, DB_FILE) };
}

async function onDisk(dbPath: string): Promise<StoreData & { journal?: { id: string; folded: string | null } }> {
  return JSON.parse(await readFile(dbPath, 'utf8')) as StoreData & { journal?: { id: string; folded: string | null } };
}

async function journalLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
}

function setting(i: number) {
  return (d: StoreData) => {
    d.settings[`k${i}`] = i;
  };
}

describe('change journal', () => {
  test('changes of a journaling store go to db.json.journal, one checked line each, and survive a reopen', async () => {
    const s = await journalStore();
    let store = await s.open();
    await store.update(setting(0)); // the first write makes db.json (with its journal id), then journals the change
    const first = await onDisk(s.dbPath);
    assert.equal(typeof first.journal?.id, 'string', 'db.json names the journal that continues it');
    for (let i = 1; i <= 3; i++) await store.update(setting(i));
    await store.close(); // the CLI does not fold at close
    const lines = await journalLines(s.journalPath);
    assert.equal(lines.length, 1 + 4, 'a header and one line per change set');
    for (const l of lines) assert.match(l, /^\{"check":"[0-9a-f]{16}","entry":\{.*\}\}$/);
    assert.match(lines[0]!, new RegExp(`"id":"${first.journal!.id}"`));
    assert.deepEqual((await onDisk(s.dbPath)).settings, {}, 'db.json itself was not rewritten');
    if (process.platform !== 'win32') assert.equal((await stat(s.journalPath)).mode & 0o777, 0o600);

    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2, k3: 3 }, 'replayed at open');
    await store.update(setting(4)); // appends after the replayed lines
    await store.close();
    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2, k3: 3, k4: 4 });
    await store.close();
  });

  test('a torn last line (crash while appending) is dropped with a warning; the rest replays and appending goes on', async () => {
    const s = await journalStore();
    let store = await s.open();
    for (let i = 0; i < 4; i++) await store.update(setting(i));
    await store.close();
    const size = (await stat(s.journalPath)).size;
    await truncate(s.journalPath, size - 7); // the last change set's line lost its end
    const logs = s.logger.lines.length;
    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2 }, 'only the torn change is missing');
    const warned = s.logger.lines.slice(logs).join('\n');
    assert.match(warned, /cut off .* dropped/);
    assert.match(warned, /WARN|warn/);
    await store.update(setting(9));
    await store.close();
    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2, k9: 9 }, 'the next change went after the last good line');
    await store.close();
    // A line that is whole but was never finished with its newline counts as torn as well.
    await appendFile(s.journalPath, '{"check":"0000000000000000","entry":{"seq":99');
    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2, k9: 9 });
    await store.close();
  });

  test('a damaged line before the end is refused: STORE_CORRUPT naming the journal and the line; nothing changes', async () => {
    const s = await journalStore();
    let store = await s.open();
    for (let i = 0; i < 4; i++) await store.update(setting(i));
    await store.close();
    const lines = await journalLines(s.journalPath);
    lines[2] = lines[2]!.replace('"k1":1', '"k1":7'); // same length, checksum no longer matches
    const damaged = lines.join('\n') + '\n';
    await writeFile(s.journalPath, damaged);
    const db = await readFile(s.dbPath);
    const err = await rejectsWith(s.open(), 'STORE_CORRUPT');
    assert.ok(err.message.includes(s.journalPath), err.message);
    assert.match(err.message, /line 3 of 6 is unreadable \(its checksum does not match its content\)/);
    assert.match(err.hint ?? '', /backup/);
    assert.match(err.hint ?? '', /move .*db\.json\.journal away/);
    assert.deepEqual(await readFile(s.dbPath), db, 'db.json untouched');
    assert.equal(await readFile(s.journalPath, 'utf8'), damaged, 'journal untouched');
    assert.equal(existsSync(path.join(s.dataDir, LOCK_FILE)), false, 'the lock is free again');
    // Moved away, as the hint says: db.json opens as it was when the journal was started.
    await writeFile(s.journalPath + '.moved', damaged);
    await rm(s.journalPath);
    store = await s.open();
    assert.deepEqual(store.data.settings, {}, 'db.json as it was made (every change was in the journal)');
    await store.close();
  });

  test('the journal is folded into db.json past its threshold and when the window closes; .bak keeps the previous db.json', async () => {
    const s = await journalStore({ journal: { minDbBytes: 0, maxEntries: 3 } });
    let store = await s.open();
    await store.update(setting(0));
    const firstDb = await readFile(s.dbPath, 'utf8');
    for (let i = 1; i <= 2; i++) await store.update(setting(i));
    assert.equal((await journalLines(s.journalPath)).length, 4, 'three changes: not yet');
    await store.update(setting(3)); // the fourth passes maxEntries: folded right after it
    await store.update(setting(4)); // queued behind the fold
    await store.update(setting(5));
    await store.close();
    const db = await onDisk(s.dbPath);
    assert.deepEqual(db.settings, { k0: 0, k1: 1, k2: 2, k3: 3 }, 'db.json holds the folded changes');
    assert.equal(await readFile(path.join(s.dataDir, DB_BACKUP_FILE), 'utf8'), firstDb, 'db.json.bak is the db.json before the fold');
    assert.notEqual(db.journal?.folded ?? null, null, 'db.json names the journal it folded in');
    const lines = await journalLines(s.journalPath);
    assert.equal(lines.length, 3, 'a new journal: its header and the changes after the fold');
    assert.match(lines[0]!, new RegExp(`"id":"${db.journal!.id}"`));

    // The window (and the bridge) fold what is left when they close.
    store = await s.open({ face: 'bridge' });
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 });
    await store.close();
    assert.equal(existsSync(s.journalPath), false, 'no journal after the fold');
    assert.deepEqual((await onDisk(s.dbPath)).settings, { k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 });
    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 });
    await store.close();
  });

  test('a crash after a fold wrote db.json but before it removed the journal: the folded journal is not replayed again', async () => {
    const s = await journalStore();
    let store = await s.open();
    await store.update((d) => {
      d.settings.log = [];
    });
    for (let i = 0; i < 3; i++) {
      await store.update((d) => {
        d.settings.log = [...(d.settings.log as number[]), i];
      });
    }
    await store.close();
    const oldJournal = await readFile(s.journalPath);
    store = await s.open({ face: 'bridge' });
    await store.close(); // folds: db.json holds log [0,1,2], the journal is removed
    await writeFile(s.journalPath, oldJournal); // as if the removal never happened
    store = await s.open();
    assert.deepEqual(store.data.settings.log, [0, 1, 2], 'applied once, not twice');
    await store.close();
    assert.equal(existsSync(s.journalPath), false, 'the stale journal was removed');
  });

  test('a journal that does not continue this db.json (db.json restored from a backup) is set aside, not replayed', async () => {
    const s = await journalStore();
    let store = await s.open({ face: 'bridge' });
    await store.update(setting(0));
    await store.close(); // folded: db.json holds k0
    const backup = await readFile(s.dbPath);
    store = await s.open({ journal: { minDbBytes: 0, maxEntries: 1 } });
    await store.update(setting(1));
    await store.update(setting(2)); // folded after this one: a new journal id
    await store.update(setting(3)); // in the new journal
    await store.close();
    await writeFile(s.dbPath, backup); // the user restores an older db.json
    const logs = s.logger.lines.length;
    store = await s.open();
    assert.deepEqual(store.data.settings, { k0: 0 }, 'db.json as restored');
    await store.close();
    assert.match(s.logger.lines.slice(logs).join('\n'), /does not continue this db\.json/);
    assert.equal(existsSync(s.journalPath), false);
    const { readdir } = await import('node:fs/promises');
    assert.equal((await readdir(s.dataDir)).filter((n) => n.startsWith(`${JOURNAL_FILE}.orphan-`)).length, 1, 'kept aside');
  });

  test('concurrent updates are applied and journaled in call order; one that fails fails alone', async () => {
    const s = await journalStore();
    let store = await s.open();
    await store.update((d) => {
      d.settings.log = [];
    });
    const calls = Array.from({ length: 30 }, (_, i) =>
      store.update(async (d) => {
        if (i === 0) await new Promise((r) => setTimeout(r, 20)); // the others arrive while this one runs
        if (i === 11) throw new Error('eleven refuses');
        d.settings.log = [...(d.settings.log as number[]), i];
      }),
    );
    const results = await Promise.allSettled(calls);
    assert.deepEqual(results.flatMap((r, i) => (r.status === 'rejected' ? [i] : [])), [11]);
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i !== 11);
    assert.deepEqual(store.data.settings.log, expected);
    await store.close();
    store = await s.open();
    assert.deepEqual(store.data.settings.log, expected, 'the journal replays them in the same order');
    await store.close();
  });

  test('an update copies only the records it changes; the journal line holds only those', async () => {
    const s = await journalStore();
    let store = await s.open();
    const at = new Date().toISOString();
    await store.update((d) => {
      for (let i = 0; i < 50; i++) d.notices.push({ key: `notice-${i}`, at });
    });
    const before = store.data;
    await store.update((d) => {
      const n = d.notices.find((x) => x.key === 'notice-25')!;
      n.key = 'notice-25-changed';
    });
    const after = store.data;
    assert.notEqual(after.notices, before.notices);
    for (let i = 0; i < 50; i++) {
      if (i === 25) assert.notEqual(after.notices[i], before.notices[i]);
      else assert.equal(after.notices[i], before.notices[i], `notice ${i} is the same object`);
    }
    assert.equal(after.requests, before.requests);
    assert.equal(Object.isFrozen(after.notices[25]), true);
    assert.equal(before.notices[25]!.key, 'notice-25', 'the previous version is unchanged');
    const last = (await journalLines(s.journalPath)).at(-1)!;
    assert.match(last, /"runs":\[\[0,25\],\{"r":\{"key":"notice-25-changed","at":"[^"]+"\}\},\[26,24\]\]/);
    // A record a mutator keeps a reference to reads, after the update, as what was saved; it cannot be changed.
    let kept: { key: string } | undefined;
    await store.update((d) => {
      kept = d.notices.find((x) => x.key === 'notice-24')!;
      kept.key = 'notice-24-kept';
    });
    assert.equal(kept!.key, 'notice-24-kept');
    assert.deepEqual({ ...kept! }, { ...store.data.notices[24]! });
    assert.throws(() => {
      kept!.key = 'outside';
    }, TypeError);
    assert.equal(store.data.notices[24]!.key, 'notice-24-kept');
    // Removing one record and adding another.
    await store.update((d) => {
      d.notices = d.notices.filter((x) => x.key !== 'notice-0');
      d.notices.push({ key: 'notice-50', at });
    });
    await store.close();
    store = await s.open();
    assert.deepEqual(
      store.data.notices.map((n) => n.key),
      [...Array.from({ length: 49 }, (_, i) => (i + 1 === 25 ? 'notice-25-changed' : i + 1 === 24 ? 'notice-24-kept' : `notice-${i + 1}`)), 'notice-50'],
    );
    await store.close();
  });
});

describe('db.json.checked', () => {
  test('an unchanged large db.json opens without checking its records again; one changed by hand is checked again', async () => {
    const s = await journalStore({ journal: { minDbBytes: 0, maxEntries: 1 } });
    let store = await s.open({ face: 'bridge' });
    const at = new Date().toISOString();
    await store.update((d) => {
      d.notices.push({ key: 'a', at }, { key: 'b', at });
    });
    await store.close(); // folded: db.json and db.json.checked written
    assert.ok(existsSync(path.join(s.dataDir, CHECKED_FILE)));
    const db = await onDisk(s.dbPath);
    // A record broken by hand: db.json changed, so the note no longer applies and the record is set aside.
    (db.notices[1] as unknown as Record<string, unknown>).at = 'not a date';
    await writeFile(s.dbPath, JSON.stringify(db, null, 2));
    store = await s.open();
    assert.equal(store.problems.length, 1);
    assert.match(store.problems[0]!.message, /notices\[1\].*at: expected a date/);
    assert.deepEqual(store.data.notices.map((n) => n.key), ['a']);
    await store.close();
    // That open noted what it found: the next open of the same file reports the same, checking only that record.
    const note = JSON.parse(await readFile(path.join(s.dataDir, CHECKED_FILE), 'utf8')) as { bad: Record<string, number[]> };
    assert.deepEqual(note.bad, { notices: [1] });
    store = await s.open();
    assert.equal(store.problems.length, 1);
    assert.deepEqual(store.data.notices.map((n) => n.key), ['a']);
    // Saves keep the set-aside record at its place.
    await store.update((d) => {
      d.notices.push({ key: 'c', at });
    });
    await store.close();
    store = await s.open({ face: 'bridge' });
    assert.deepEqual(store.data.notices.map((n) => n.key), ['a', 'c']);
    await store.close();
    assert.deepEqual((await onDisk(s.dbPath)).notices.map((n) => n.key), ['a', 'b', 'c']);
  });
});

describe('temp files left by a killed process', () => {
  test('swept at the top of the data directory at every open; in every folder only after a process died holding the lock', async () => {
    const s = await journalStore();
    let store = await s.open();
    await store.writeSecret('requests/r1/key-1.key', Buffer.from('k'));
    await store.close();
    const top = path.join(s.dataDir, '.db.json.4242.0123456789ab.tmp');
    const shallow = path.join(s.dataDir, 'accounts', '.a.key.4242.0123456789ab.tmp');
    const deep = path.join(s.dataDir, 'requests', 'r1', '.key-1.key.4242.0123456789ab.tmp');
    await mkdir(path.dirname(shallow), { recursive: true });
    for (const f of [top, shallow, deep]) await writeFile(f, 'half');
    store = await s.open();
    await store.close();
    assert.equal(existsSync(top), false);
    assert.equal(existsSync(shallow), false);
    assert.equal(existsSync(deep), true, 'a clean close leaves no temp files deep down: not looked for there');

    // A process that died holding the lock: its lock file stays behind.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    await writeFile(path.join(s.dataDir, LOCK_FILE), JSON.stringify({ pid, face: 'cli', hostname: os.hostname(), startedAt: new Date().toISOString() }));
    store = await s.open();
    await store.close();
    assert.equal(existsSync(deep), false, 'swept everywhere after a crash');
    assert.equal(existsSync(path.join(s.dataDir, 'requests', 'r1', 'key-1.key')), true, 'other files stay');
  });
});

describe('scale test data', () => {
  test('makeScaleData: valid records for the store, every file a record names exists, the keys open with the data key', async () => {
    const dataDir = await dataDirPath();
    const scale = await makeScaleData(dataDir, 40, { seed: 5 });
    assert.equal(scale.certificateIds.length, 40);
    assert.equal(scale.requestIds.length, 40);
    assert.equal(await scale.secrets.get(scale.dataKeyName), scale.dataKey);
    const store = await openStore({ dataDir, secrets: scale.secrets, face: 'cli' });
    try {
      assert.deepEqual(store.problems, [], 'every record passes the schema');
      assert.equal(store.data.certificates.length, 40);
      assert.equal(store.data.renewals.length, 40);
      assert.equal(new Set(store.data.certificates.map((c) => c.names[0])).size, 40, 'each certificate has its own names');
      for (const c of store.data.certificates.slice(0, 10)) {
        const req = store.data.requests.find((r) => r.id === c.requestId)!;
        assert.equal(req.savedCertificateId, c.id);
        assert.match((await store.readFile(c.certFile)).toString(), /^-----BEGIN CERTIFICATE-----/);
        assert.match((await store.readSecret(c.keyFile)).toString(), /^-----BEGIN PRIVATE KEY-----/);
        assert.match((await store.readSecret(req.keyFile)).toString(), /^-----BEGIN PRIVATE KEY-----/);
        for (const h of c.history) assert.ok(await store.exists(h.certFile), h.certFile);
      }
      const again = await makeScaleData(await dataDirPath(), 40, { seed: 5, files: false });
      assert.deepEqual(again.certificateIds, scale.certificateIds, 'the same seed makes the same records');
    } finally {
      await store.close();
    }
  });
});
