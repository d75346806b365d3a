// db.json is checked at load: a damaged top level stops the store with a message naming the field and the file;
// a bad record is set aside (kept in the file at its place, not used, reported); a lost or blank db.json beside
// encrypted keys is diagnosed, never replaced; leftovers of a killed write are cleaned; the data directory is
// created only by the first write; a data directory that is a file is refused clearly; logs are private.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { AppInfo } from '../../shared/ipc/contract.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import type { Account } from '../../shared/model/account.ts';
import { bootstrap } from '../../electron/app/bootstrap.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { SCHEMA_VERSION, type AccountRecord, type StoreData } from '../../electron/store/schema.ts';
import { DB_FILE, openStore, type Store } from '../../electron/store/store.ts';
import { rejectsWith } from '../helpers/assert.ts';

const posix = process.platform !== 'win32';
const roots: string[] = [];
after(async () => {
  for (const d of roots) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'certdesk-integrity-'));
  roots.push(d);
  return d;
}

function account(n: number, extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id: `acc-${n}`,
    name: `Account ${n}`,
    email: `a${n}@example.test`,
    directoryUrl: `https://ca-${n}.example.test/dir`,
    directoryKind: 'custom',
    caFile: null,
    caName: null,
    url: `https://ca-${n}.example.test/acct/${n}`,
    status: 'valid',
    keyAlgorithm: 'EC P-256',
    keyThumbprint: `thumb-${n}`,
    keyFile: `accounts/acc-${n}.key`,
    termsOfServiceUrl: null,
    eabKid: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

function db(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    storeId: '3f1b7c1e-6a0e-4a49-8a43-2a7e1c0f9b10',
    accounts: [],
    requests: [],
    certificates: [],
    dnsAccounts: [],
    dnsMappings: [],
    servers: [],
    agents: [],
    serverMappings: [],
    deployments: [],
    renewals: [],
    notices: [],
    dismissals: [],
    settings: {},
    ...fields,
  };
}

/** A data directory holding exactly this db.json (and nothing else). */
async function dirWith(content: string | Record<string, unknown>): Promise<{ dataDir: string; dbPath: string; bytes: Buffer }> {
  const dataDir = path.join(await tempDir(), 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dbPath = path.join(dataDir, DB_FILE);
  const bytes = Buffer.from(typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  await writeFile(dbPath, bytes);
  return { dataDir, dbPath, bytes };
}

async function onDisk(dbPath: string): Promise<StoreData> {
  return JSON.parse(await readFile(dbPath, 'utf8')) as StoreData;
}

/** A data directory with one sealed account key and a db.json that names it (db.json.bak holds an earlier save). */
async function storeWithKey(): Promise<{ dataDir: string; dbPath: string; secrets: MemorySecretStore; keyBytes: Buffer }> {
  const dataDir = path.join(await tempDir(), 'data');
  const secrets = new MemorySecretStore();
  const store = await openStore({ dataDir, secrets, face: 'cli' });
  await store.writeSecret('accounts/acc-1.key', Buffer.from('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n'));
  await store.update((d) => void d.accounts.push(account(1)));
  await store.update((d) => void (d.settings.touched = true));
  await store.close();
  return { dataDir, dbPath: path.join(dataDir, DB_FILE), secrets, keyBytes: await readFile(path.join(dataDir, 'accounts', 'acc-1.key')) };
}

describe('db.json top level', () => {
  test('accounts that is not a list: STORE_CORRUPT naming the field, what it is and the file; nothing changed', async () => {
    const { dataDir, dbPath, bytes } = await dirWith(db({ accounts: 'x' }));
    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'STORE_CORRUPT');
    assert.ok(err.message.includes(dbPath), err.message);
    assert.match(err.message, /"accounts" must be a list of account records \(a JSON array\), but it is a string \("x"\)/);
    assert.match(err.message, /changed nothing/);
    assert.match(err.hint ?? '', /Correct that field|backup/);
    assert.deepEqual(await readFile(dbPath), bytes, 'file untouched');
    assert.deepEqual(await readdir(dataDir), [DB_FILE], 'no backup, copy, lock or key file made');
  });

  test('an older database with a damaged list is refused before any migration could replace it', async () => {
    const { dataDir, dbPath, bytes } = await dirWith({ schemaVersion: 1, storeId: 'old-store', accounts: { a: 1 }, settings: {} });
    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'STORE_CORRUPT');
    assert.match(err.message, /"accounts" must be a list .* but it is an object/);
    assert.deepEqual(await readFile(dbPath), bytes);
    assert.deepEqual(await readdir(dataDir), [DB_FILE]);
  });

  test('a newer database whose layout changed is reported as newer, not as damaged', async () => {
    const { dataDir, dbPath, bytes } = await dirWith(db({ schemaVersion: SCHEMA_VERSION + 1, accounts: { byId: {} } }));
    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'STORE_CORRUPT');
    assert.match(err.message, /made by a newer Certdesk/);
    assert.deepEqual(await readFile(dbPath), bytes);
  });

  test('other top-level fields: storeId, settings, a missing list', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [db({ storeId: 42 }), /"storeId" must be the store id \(a non-empty string\), but it is a number \(42\)/],
      [db({ settings: [] }), /"settings" must be an object, but it is a list/],
      [db({ requests: undefined }), /"requests" must be a list of certificate request records \(a JSON array\), but it is missing/],
    ];
    for (const [content, re] of cases) {
      const { dataDir, dbPath, bytes } = await dirWith(content);
      const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'STORE_CORRUPT');
      assert.match(err.message, re);
      assert.deepEqual(await readFile(dbPath), bytes);
    }
  });
});

describe('db.json records', () => {
  test('one odd status among three accounts: the other two are used, the odd one is reported and kept in place', async () => {
    const odd = { ...account(2), status: 'suspended' };
    const { dataDir, dbPath } = await dirWith(db({ accounts: [account(1), odd, account(3)] }));
    const logger = createMemoryLogger();
    let store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli', logger });
    try {
      assert.deepEqual(store.data.accounts.map((a) => a.id), ['acc-1', 'acc-3']);
      assert.equal(store.problems.length, 1);
      const p = store.problems[0]!;
      assert.equal(p.collection, 'accounts');
      assert.equal(p.index, 1);
      assert.equal(p.id, 'acc-2');
      assert.equal(p.field, 'status');
      assert.equal(p.message, 'accounts[1] (id "acc-2"): status: expected one of "valid", "deactivated", "revoked", found "suspended".');
      assert.ok(logger.lines.some((l) => l.includes('set aside') && l.includes('accounts[1]')), 'the log says it');

      // Saves keep the set-aside record, unchanged, at its place.
      await store.update((d) => {
        d.accounts.find((a) => a.id === 'acc-3')!.name = 'Renamed';
      });
      let file = await onDisk(dbPath);
      assert.deepEqual(file.accounts.map((a) => a.id), ['acc-1', 'acc-2', 'acc-3']);
      assert.deepEqual(file.accounts[1], odd);
      assert.equal(file.accounts[2]!.name, 'Renamed');
      await store.update((d) => {
        d.accounts = d.accounts.filter((a) => a.id !== 'acc-1');
        d.accounts.push(account(4));
      });
      file = await onDisk(dbPath);
      assert.deepEqual(file.accounts.map((a) => a.id).sort(), ['acc-2', 'acc-3', 'acc-4']);
      assert.deepEqual(file.accounts.find((a) => a.id === 'acc-2'), odd);
    } finally {
      await store.close();
    }
    store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      assert.deepEqual(store.data.accounts.map((a) => a.id).sort(), ['acc-3', 'acc-4']);
      assert.deepEqual(store.problems.map((p) => p.id), ['acc-2'], 'still reported until corrected');
    } finally {
      await store.close();
    }
  });

  test('wrong field types, broken records and duplicate ids in every list are set aside with the field named', async () => {
    const request = { id: 'req-1', accountId: 'acc-1', names: [] };
    const cert = 'not a record';
    const { dataDir, dbPath } = await dirWith(
      db({
        accounts: [account(1, { keyFile: 42 as unknown as string }), account(2, { createdAt: 'yesterday' }), account(3), account(3, { name: 'Twin' }), account(5, { keyFile: '../../etc/shadow' })],
        requests: [request],
        certificates: [cert],
        settings: { renewBeforeDays: 30 },
      }),
    );
    const before = await readFile(dbPath);
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      assert.deepEqual(store.data.accounts.map((a) => a.name), ['Account 3']);
      assert.deepEqual(store.data.requests, []);
      assert.deepEqual(store.data.certificates, []);
      const byWhere = new Map(store.problems.map((p) => [`${p.collection}[${p.index}]`, p]));
      assert.equal(byWhere.get('accounts[0]')!.message, 'accounts[0] (id "acc-1"): keyFile: expected string, found 42.');
      assert.match(byWhere.get('accounts[1]')!.message, /^accounts\[1\] \(id "acc-2"\): createdAt: expected a date \(ISO 8601\), found "yesterday"\.$/);
      assert.match(byWhere.get('accounts[3]')!.message, /id: the same id as accounts\[2\]; ids must be unique/);
      assert.match(byWhere.get('accounts[4]')!.message, /keyFile: expected a path inside the data directory, found "\.\.\/\.\.\/etc\/shadow"/);
      assert.match(byWhere.get('requests[0]')!.message, /^requests\[0\] \(id "req-1"\): names: expected at least one name, found \[\] \(and \d+ more: /);
      assert.equal(byWhere.get('certificates[0]')!.message, 'certificates[0]: the record is a string, expected an object.');
      assert.equal(byWhere.get('certificates[0]')!.id, null);
      assert.equal(store.problems.length, 6);
      assert.deepEqual(await readFile(dbPath), before, 'opening writes nothing');
    } finally {
      await store.close();
    }
  });

  test('fields this version does not know are kept through a save', async () => {
    const { dataDir, dbPath } = await dirWith(db({ accounts: [{ ...account(1), futureField: { x: 1 } }], extraTop: 'kept' }));
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      assert.equal(store.problems.length, 0);
      await store.update((d) => void (d.accounts[0]!.name = 'New'));
    } finally {
      await store.close();
    }
    const file = (await onDisk(dbPath)) as unknown as Record<string, unknown> & { accounts: Record<string, unknown>[] };
    assert.deepEqual(file.accounts[0]!.futureField, { x: 1 });
    assert.equal(file.accounts[0]!.name, 'New');
    assert.equal(file.extraTop, 'kept');
  });

  test('an update that would save an invalid record is refused and saves nothing', async () => {
    const { dataDir, dbPath } = await dirWith(db({ accounts: [account(1)] }));
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      const before = await readFile(dbPath);
      const err = await rejectsWith(
        store.update((d) => {
          (d.accounts[0] as { status: string }).status = 'bogus';
        }),
        'INTERNAL',
      );
      assert.match(err.message, /accounts\[0\] \(id "acc-1"\): status: expected one of/);
      assert.deepEqual(await readFile(dbPath), before);
      assert.equal(store.data.accounts[0]!.status, 'valid');
    } finally {
      await store.close();
    }
  });
});

describe('a lost or blank db.json beside encrypted keys', () => {
  test('missing: diagnosed as exactly that, with the backup to restore; nothing is created or replaced', async () => {
    const { dataDir, dbPath, secrets, keyBytes } = await storeWithKey();
    const keysBefore = secrets.names();
    await rm(dbPath);
    const err = await rejectsWith(openStore({ dataDir, secrets, face: 'cli' }), 'STORE_CORRUPT');
    assert.ok(err.message.startsWith(`The Certdesk database ${dbPath} is missing, but the data directory ${dataDir} holds 1 encrypted key file (accounts/acc-1.key)`), err.message);
    assert.match(err.message, /does not start a new, empty one there\. Nothing was changed\./);
    assert.doesNotMatch(`${err.message} ${err.hint}`, /keychain \(|move this data directory away|start afresh/i, 'does not blame the keychain');
    assert.ok((err.hint ?? '').includes(`${dbPath}.bak`), err.hint);
    assert.match(err.hint ?? '', /Do not delete or move this folder/);
    assert.equal(existsSync(dbPath), false, 'db.json is still absent (not replaced by a fresh one)');
    assert.deepEqual(await readFile(path.join(dataDir, 'accounts', 'acc-1.key')), keyBytes, 'key intact');
    assert.deepEqual(secrets.names(), keysBefore, 'no new data key');
    assert.equal(existsSync(path.join(dataDir, 'certdesk.lock')), false);

    // The backup it names opens with the same keys.
    await copyFile(`${dbPath}.bak`, dbPath);
    const store = await openStore({ dataDir, secrets, face: 'cli' });
    try {
      assert.deepEqual(store.data.accounts.map((a) => a.id), ['acc-1']);
      assert.match((await store.readSecret('accounts/acc-1.key')).toString(), /BEGIN PRIVATE KEY/);
    } finally {
      await store.close();
    }
  });

  test('blank (empty, whitespace, null, {}): diagnosed the same way, the file left as it is', async () => {
    const cases: [string, RegExp][] = [
      ['', /is empty, but the data directory .* holds 1 encrypted key file/],
      ['  \n', /is empty, but/],
      ['null', /holds no data \(null\), but/],
      ['{}', /has no store id \("storeId"\), but/],
    ];
    for (const [content, re] of cases) {
      const { dataDir, dbPath, secrets, keyBytes } = await storeWithKey();
      const keysBefore = secrets.names();
      await writeFile(dbPath, content);
      const err = await rejectsWith(openStore({ dataDir, secrets, face: 'cli' }), 'STORE_CORRUPT');
      assert.match(err.message, re);
      assert.equal(await readFile(dbPath, 'utf8'), content, 'not replaced');
      assert.deepEqual(await readFile(path.join(dataDir, 'accounts', 'acc-1.key')), keyBytes);
      assert.deepEqual(secrets.names(), keysBefore);
      assert.deepEqual((await readdir(dataDir)).filter((n) => n.includes('corrupt')), []);
    }
  });

  test('without encrypted keys a missing or empty db.json just means a new store', async () => {
    const { dataDir, dbPath } = await dirWith('');
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      assert.deepEqual(store.data.accounts, []);
    } finally {
      await store.close();
    }
    assert.equal(typeof (await onDisk(dbPath)).storeId, 'string');
    assert.equal(existsSync(`${dbPath}.bak`), false, 'a blank file is not kept as a backup');
  });

  test('every save keeps the previous db.json as db.json.bak', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      await store.update((d) => void (d.settings.n = 1));
      const first = await readFile(path.join(dataDir, DB_FILE));
      await store.update((d) => void (d.settings.n = 2));
      assert.deepEqual(await readFile(path.join(dataDir, `${DB_FILE}.bak`)), first);
      if (posix) assert.equal((await stat(path.join(dataDir, `${DB_FILE}.bak`))).mode & 0o777, 0o600);
      assert.deepEqual((await readdir(dataDir)).filter((n) => n.endsWith('.tmp')), []);
    } finally {
      await store.close();
    }
  });
});

describe('start-up housekeeping', () => {
  test('temp files left by a killed write are removed at open; other files are not', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const secrets = new MemorySecretStore();
    let store: Store = await openStore({ dataDir, secrets, face: 'cli' });
    await store.writeSecret('accounts/x.key', Buffer.from('k'));
    await store.close();
    const ours = ['.db.json.4242.0123456789ab.tmp', 'accounts/.x.key.77.abcdefabcdef.tmp', '.db.json.bak.9.00000000ffff.tmp'];
    const others = ['notes.tmp', '.foo.tmp', 'accounts/.x.key.12.0123.tmp', 'accounts/x.key.77.abcdefabcdef.tmp'];
    for (const f of [...ours, ...others]) await writeFile(path.join(dataDir, f), 'left over');
    const logger = createMemoryLogger();
    store = await openStore({ dataDir, secrets, face: 'cli', logger });
    await store.close();
    for (const f of ours) assert.equal(existsSync(path.join(dataDir, f)), false, `${f} removed`);
    for (const f of others) assert.equal(existsSync(path.join(dataDir, f)), true, `${f} kept`);
    assert.ok(logger.lines.some((l) => l.includes('interrupted write')), 'the cleanup is logged');
  });

  test('a data directory that is a file, or lies below one, is refused naming the data directory', async () => {
    const parent = await tempDir();
    const file = path.join(parent, 'a-file');
    await writeFile(file, 'not a folder');
    const e1 = await rejectsWith(openStore({ dataDir: file, secrets: new MemorySecretStore(), face: 'cli' }), 'INVALID_INPUT');
    assert.equal(e1.field, 'dataDir');
    assert.equal(e1.message, `The data directory ${file} is a file, not a folder.`);
    assert.match(e1.hint ?? '', /--data-dir/);
    const e2 = await rejectsWith(openStore({ dataDir: path.join(file, 'sub'), secrets: new MemorySecretStore(), face: 'cli' }), 'INVALID_INPUT');
    assert.equal(e2.message, `The data directory ${path.join(file, 'sub')} cannot be created: ${file} is a file, not a folder.`);
    assert.equal(await readFile(file, 'utf8'), 'not a folder');
  });

  test('a data directory where no folder can be made is refused at open, before anything is read or written', { skip: process.platform !== 'linux' }, async () => {
    // sysfs refuses new folders even to root, whom permission bits never stop.
    const dataDir = '/sys/certdesk-test-data';
    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'INVALID_INPUT');
    assert.equal(err.field, 'dataDir');
    assert.match(err.message, /^The data directory \/sys\/certdesk-test-data cannot be created: (no folder can be made in|no permission to create folders in) \/sys/);
    assert.equal(existsSync(dataDir), false);
  });
});

describe('who owns a new data directory', () => {
  test('the window and the bridge take the folder and its lock at open; a CLI command only at its first write', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const cli = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    assert.equal(existsSync(dataDir), false);
    const window = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'electron' });
    try {
      assert.equal(existsSync(path.join(dataDir, 'certdesk.lock')), true, 'the window holds the lock from the start');
      assert.equal(existsSync(path.join(dataDir, DB_FILE)), false, 'but writes no database yet');
      await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'bridge' }), 'STORE_LOCKED');
      await rejectsWith(cli.update((d) => void (d.settings.x = 1)), 'STORE_LOCKED');
      await window.update((d) => void (d.settings.x = 1));
      assert.equal(window.materialized, true);
    } finally {
      await window.close();
      await cli.close();
    }
    assert.equal(existsSync(path.join(dataDir, 'certdesk.lock')), false);
    // The CLI's in-memory store is stale now: its first write says so instead of replacing the new database.
    const late = await openStore({ dataDir: path.join(await tempDir(), 'data2'), secrets: new MemorySecretStore(), face: 'cli' });
    const other = await openStore({ dataDir: late.dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    await other.update((d) => void (d.settings.first = true));
    await other.close();
    const err = await rejectsWith(late.update((d) => void (d.settings.second = true)), 'STORE_LOCKED');
    assert.match(err.message, /Another Certdesk set up the data directory/);
    await late.close();
    assert.equal((await onDisk(path.join(late.dataDir, DB_FILE))).settings.first, true);
  });
});

describe('bootstrap', () => {
  test('a request that fails validation on a new data directory creates nothing: no folder, no db.json, no data key', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const secrets = new MemorySecretStore();
    const app = await bootstrap({ dataDir, face: 'cli', secrets });
    try {
      const bad = await dispatch(app.handlers, 'accounts:register', { name: 'x', email: 'not-an-address', directory: 'production', agreeTos: true }, { face: 'cli' });
      assert.equal(bad.ok, false);
      const noTos = await dispatch(app.handlers, 'accounts:register', { name: 'x', email: 'a@example.test', directory: 'production', agreeTos: false }, { face: 'cli' });
      assert.equal(noTos.ok, false);
      const list = await dispatch(app.handlers, 'accounts:list', {}, { face: 'cli' });
      assert.deepEqual(list, { ok: true, value: [] });
    } finally {
      await app.close();
    }
    assert.equal(existsSync(dataDir), false, 'no data directory (and so no db.json, no logs)');
    assert.deepEqual(secrets.names(), [], 'no data key in the keychain');
  });

  test('logs/ is 0700 and the log file 0600; older, looser ones are tightened', { skip: !posix }, async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const secrets = new MemorySecretStore();
    const store = await openStore({ dataDir, secrets, face: 'cli' });
    await store.update((d) => void (d.settings.x = 1));
    await store.close();

    let app = await bootstrap({ dataDir, face: 'cli', secrets });
    await app.close();
    const logs = path.join(dataDir, 'logs');
    const file = path.join(logs, 'certdesk.log');
    assert.equal((await stat(logs)).mode & 0o777, 0o700);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.match(await readFile(file, 'utf8'), /certdesk started/);

    await chmod(logs, 0o755);
    await chmod(file, 0o644);
    app = await bootstrap({ dataDir, face: 'cli', secrets });
    await app.close();
    assert.equal((await stat(logs)).mode & 0o777, 0o700);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test('app:info lists the records set aside', async () => {
    const { dataDir } = await dirWith(db({ accounts: [account(1), { ...account(2), status: 'odd' }] }));
    const app = await bootstrap({ dataDir, face: 'cli', secrets: new MemorySecretStore() });
    try {
      const info = (await dispatch(app.handlers, 'app:info', {}, { face: 'cli' })) as Envelope<AppInfo>;
      assert.ok(info.ok);
      assert.deepEqual(
        info.value.storeProblems?.map((p) => [p.collection, p.index, p.id, p.field]),
        [['accounts', 1, 'acc-2', 'status']],
      );
      const list = (await dispatch(app.handlers, 'accounts:list', {}, { face: 'cli' })) as Envelope<Account[]>;
      assert.ok(list.ok, JSON.stringify(list));
      assert.deepEqual(list.value.map((a) => a.id), ['acc-1']);
    } finally {
      await app.close();
    }
  });
});
