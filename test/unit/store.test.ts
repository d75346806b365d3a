// The data directory: migrations, corruption, the lock (across processes), encryption at rest, file modes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { writeFileAtomic } from '../../electron/store/atomic.ts';
import { acquireLock, LOCK_FILE } from '../../electron/store/lock.ts';
import { migrate, MIGRATIONS } from '../../electron/store/migrations.ts';
import { defaultDataDir, resolveDataDir } from '../../electron/store/paths.ts';
import { SCHEMA_VERSION, type StoreData } from '../../electron/store/schema.ts';
import { DB_FILE, openStore, VAULT_CHECK_FILE, type Store } from '../../electron/store/store.ts';
import { dataKeyName, Vault } from '../../electron/store/vault.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { AppError } from '../../shared/ipc/errors.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const fixtureV1 = path.join(repoRoot, 'test', 'fixtures', 'db-v1.json');
const posixModes = process.platform !== 'win32';

const tmpRoots: string[] = [];
after(async () => {
  for (const d of tmpRoots) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'certdesk-store-test-'));
  tmpRoots.push(d);
  return d;
}

/** A fresh, not yet existing data directory inside a temp dir. */
async function dataDirPath(): Promise<string> {
  return path.join(await tempDir(), 'data');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

function mode(s: { mode: number }): number {
  return s.mode & 0o777;
}

describe('migrations', () => {
  test('a version 1 database is migrated to version 2, with a backup of the original', async () => {
    const dataDir = await dataDirPath();
    await mkdir(dataDir, { recursive: true });
    const dbPath = path.join(dataDir, DB_FILE);
    await copyFile(fixtureV1, dbPath);
    const original = await readFile(dbPath);

    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      const d = store.data;
      assert.equal(d.schemaVersion, SCHEMA_VERSION);
      assert.deepEqual(d.requests, [], 'v3 adds the request list');
      assert.deepEqual(d.certificates, [], 'v3 adds the repository');
      assert.equal(d.storeId, '5b0c7a56-3f0e-4d7e-9a43-0d7c8e2f1a11', 'the store id is kept');
      assert.deepEqual(d.settings, { renewBeforeDays: 30 });
      const byId = new Map(d.accounts.map((a) => [a.id, a]));
      const prod = byId.get('acc-prod')!;
      assert.equal(prod.directoryUrl, 'https://acme-v02.api.letsencrypt.org/directory');
      assert.equal(prod.directoryKind, 'production');
      assert.equal(prod.updatedAt, '2025-03-01T10:00:00.000Z');
      assert.equal(prod.caName, null);
      assert.equal('directory' in prod, false, 'the old field is gone');
      assert.equal(prod.keyFile, 'accounts/acc-prod/account.key');
      assert.equal(byId.get('acc-staging')!.directoryKind, 'staging');
      const custom = byId.get('acc-custom')!;
      assert.equal(custom.directoryKind, 'custom');
      assert.equal(custom.directoryUrl, 'https://ca.internal.example:14000/dir');
      assert.equal(custom.caFile, 'accounts/acc-custom/ca.pem');
      assert.equal(custom.eabKid, 'kid-1');
      assert.equal(custom.updatedAt, custom.createdAt);

      const onDisk = JSON.parse(await readFile(dbPath, 'utf8')) as StoreData;
      assert.equal(onDisk.schemaVersion, SCHEMA_VERSION, 'the migrated database was written');
      assert.equal(onDisk.accounts[0]!.directoryKind, 'production');
      const bak = path.join(dataDir, 'db.json.v1.bak');
      assert.ok(existsSync(bak), 'db.json.v1.bak exists');
      assert.deepEqual(await readFile(bak), original, 'the backup holds the original bytes');
      if (posixModes) assert.equal(mode(await stat(bak)), 0o600);
    } finally {
      await store.close();
    }

    // Opening again does nothing more: no second backup, same data.
    const before = await readFile(dbPath);
    const again = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }).catch((e: unknown) => e);
    // (A new MemorySecretStore has no data key; nothing was sealed, so the store opens and makes one.)
    assert.ok(!(again instanceof Error), String(again));
    await (again as Store).close();
    assert.deepEqual(await readFile(dbPath), before);
    assert.deepEqual((await readdir(dataDir)).filter((n) => n.endsWith('.bak')).sort(), ['db.json.bak', 'db.json.v1.bak']);
    assert.deepEqual(await readFile(path.join(dataDir, 'db.json.bak')), original, 'the version before the last save is kept too');
  });

  test('migrations are idempotent and a current database is left as it is', async () => {
    const v1 = JSON.parse(await readFile(fixtureV1, 'utf8')) as Record<string, unknown>;
    const once = migrate(v1);
    assert.equal(once.from, 1);
    assert.equal(once.to, SCHEMA_VERSION);
    assert.equal(once.applied.length, SCHEMA_VERSION - 1, "every migration after v1 ran");
    const twice = migrate(once.data);
    assert.deepEqual(twice.applied, []);
    assert.deepEqual(twice.data, once.data);
    // Each step run again on its own output changes nothing.
    for (const m of MIGRATIONS) {
      const out = m.up(once.data as unknown as Record<string, unknown>);
      assert.deepEqual(m.up(out), out, `migration ${m.version} is idempotent`);
    }
  });

  test('version 7: an empty agent list, and deploy settings of a version 6 mapping gain site: null (IIS site, agents only)', () => {
    const v6 = {
      schemaVersion: 6,
      storeId: 'x',
      servers: [],
      serverMappings: [
        { serverId: 's1', domain: 'a.test', webroot: '/var/www', deploy: null, updatedAt: '2026-01-01T00:00:00.000Z' },
        { serverId: 's1', domain: 'b.test', webroot: null, deploy: { enabled: true, format: 'pem', certPath: '/c', keyPath: '/k', chainPath: null, fullchainPath: null, keystorePasswordRef: null, owner: null, keyMode: '600', certMode: '644', reload: null, check: null }, updatedAt: '2026-01-01T00:00:00.000Z' },
      ],
    };
    const out = migrate(v6);
    assert.deepEqual(out.applied, ['7: Certdesk agents; deploy settings: the IIS site', '8: changes of a large database go to a journal beside db.json (db.json.journal)']);
    const d = out.data as unknown as { agents: unknown[]; serverMappings: { deploy: { site?: unknown } | null }[] };
    assert.deepEqual(d.agents, []);
    assert.equal(d.serverMappings[0]!.deploy, null);
    assert.equal(d.serverMappings[1]!.deploy!.site, null);
  });

  test('no database: a fresh database with a random store id, created by the first write (not by opening)', async () => {
    const dataDir = await dataDirPath();
    const secrets = new MemorySecretStore();
    const store = await openStore({ dataDir, secrets, face: 'cli' });
    try {
      assert.equal(store.data.schemaVersion, SCHEMA_VERSION);
      assert.match(store.data.storeId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(store.data.accounts, []);
      assert.equal(store.materialized, false);
      assert.equal(existsSync(dataDir), false, 'opening creates no folder');
      assert.deepEqual(secrets.names(), [], 'opening creates no data key');
      await store.update((d) => {
        d.settings.first = true;
      });
      assert.equal(store.materialized, true);
      assert.deepEqual(secrets.names(), [dataKeyName(store.data.storeId)]);
      const onDisk = JSON.parse(await readFile(path.join(dataDir, DB_FILE), 'utf8')) as StoreData;
      assert.equal(onDisk.storeId, store.data.storeId);
      assert.deepEqual((await readdir(dataDir)).filter((n) => /\.v\d+\.bak$/.test(n)), [], 'nothing to migrate, so no migration backup');
    } finally {
      await store.close();
    }
    const other = await openStore({ dataDir: await dataDirPath(), secrets: new MemorySecretStore(), face: 'cli' });
    assert.equal(other.materialized, false);
    const firstId = JSON.parse(await readFile(path.join(dataDir, DB_FILE), 'utf8')).storeId;
    assert.notEqual(other.data.storeId, firstId, 'each data directory gets its own id');
    await other.close();
  });

  test('a database from a newer Certdesk is refused and left untouched', async () => {
    const dataDir = await dataDirPath();
    await mkdir(dataDir, { recursive: true });
    const dbPath = path.join(dataDir, DB_FILE);
    const newer = Buffer.from(JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1, storeId: 'x', accounts: [], settings: {}, future: true }));
    await writeFile(dbPath, newer);
    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'STORE_CORRUPT');
    assert.match(err.message, /newer Certdesk/);
    assert.match(err.message, /[Uu]pdate the app/);
    assert.ok(err.message.includes(dbPath), 'names the file');
    assert.deepEqual(await readFile(dbPath), newer, 'file untouched');
    assert.deepEqual((await readdir(dataDir)).sort(), [DB_FILE], 'no backup, no lock left behind');
  });
});

describe('corrupt database', () => {
  test('invalid JSON: STORE_CORRUPT naming the file, a copy is kept, the original is unchanged', async () => {
    const dataDir = await dataDirPath();
    await mkdir(dataDir, { recursive: true });
    const dbPath = path.join(dataDir, DB_FILE);
    const broken = Buffer.from('{"schemaVersion": 2, "storeId": "abc", "accounts": [ {"id": ');
    await writeFile(dbPath, broken);

    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'electron' }), 'STORE_CORRUPT');
    assert.ok(err.message.includes(dbPath), `message names ${dbPath}: ${err.message}`);
    assert.match(err.message, /not valid JSON \(.+\)/);
    assert.match(err.hint ?? '', /backup/);
    const copies = (await readdir(dataDir)).filter((n) => n.startsWith('db.json.corrupt-'));
    assert.equal(copies.length, 1);
    const copy = path.join(dataDir, copies[0]!);
    assert.ok(err.message.includes(copy), 'message names the copy');
    assert.deepEqual(await readFile(copy), broken);
    assert.deepEqual(await readFile(dbPath), broken, 'original bytes unchanged');
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false, 'lock released');

    // Trying again keeps the first copy and makes another (never overwrites).
    await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'electron' }), 'STORE_CORRUPT');
    const copies2 = (await readdir(dataDir)).filter((n) => n.startsWith('db.json.corrupt-'));
    assert.equal(copies2.length, 2);
    assert.deepEqual(await readFile(copy), broken);
  });

  test('JSON that is not an object is refused too', async () => {
    const dataDir = await dataDirPath();
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, DB_FILE), '[1, 2, 3]');
    const err = await rejectsWith(openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }), 'STORE_CORRUPT');
    assert.ok(err.message.includes(path.join(dataDir, DB_FILE)));
  });
});

describe('lock', () => {
  const holderScript = async (): Promise<string> => {
    const dir = await tempDir();
    const file = path.join(dir, 'holder.mts'); // .mts: ESM (top-level await) without a package.json
    const storeUrl = pathToFileURL(path.join(repoRoot, 'electron', 'store', 'store.ts')).href;
    const memUrl = pathToFileURL(path.join(repoRoot, 'electron', 'secrets', 'memory-store.ts')).href;
    await writeFile(
      file,
      `import { openStore } from ${JSON.stringify(storeUrl)};
import { MemorySecretStore } from ${JSON.stringify(memUrl)};
const secrets = new MemorySecretStore(JSON.parse(process.env.HOLDER_SECRETS ?? '{}'));
const store = await openStore({ dataDir: process.argv[2]!, secrets, face: 'cli' });
process.stdout.write('READY ' + process.pid + '\\n');
process.stdin.once('data', async () => { await store.close(); process.stdout.write('CLOSED\\n'); process.exit(0); });
`,
    );
    return file;
  };

  function startHolder(script: string, dataDir: string, secrets: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
      cwd: repoRoot,
      env: { ...process.env, HOLDER_SECRETS: JSON.stringify(secrets) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (errText += b.toString()));
    const waitFor = (word: string) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`holder did not say ${word}: ${out} ${errText}`)), 20000);
        const check = () => {
          if (out.includes(word)) {
            clearTimeout(timer);
            resolve(out);
          }
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => {
          clearTimeout(timer);
          if (!out.includes(word)) reject(new Error(`holder exited (${code}) before ${word}: ${errText}`));
        });
        check();
      });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, waitFor, exited };
  }

  async function preparedDir(): Promise<{ dataDir: string; secrets: MemorySecretStore; seed: Record<string, string> }> {
    const dataDir = await dataDirPath();
    const secrets = new MemorySecretStore();
    const store = await openStore({ dataDir, secrets, face: 'cli' });
    await store.update((d) => {
      d.settings.prepared = true;
    });
    const name = dataKeyName(store.data.storeId);
    await store.close();
    return { dataDir, secrets, seed: { [name]: (await secrets.get(name))! } };
  }

  test('a second openStore from another process gets STORE_LOCKED naming the holder; free again after close', async () => {
    const { dataDir, secrets, seed } = await preparedDir();
    const script = await holderScript();
    const holder = startHolder(script, dataDir, seed);
    try {
      const ready = await holder.waitFor('READY');
      const pid = Number(/READY (\d+)/.exec(ready)![1]);
      assert.equal(pid, holder.child.pid);

      const err = await rejectsWith(openStore({ dataDir, secrets, face: 'electron' }), 'STORE_LOCKED');
      assert.ok(err.message.includes(`PID ${pid}`), err.message);
      assert.ok(err.message.includes(dataDir), err.message);
      assert.match(err.message, /in use by Certdesk cli \(PID \d+, since \d{4}-\d\d-\d\dT/);
      assert.match(err.hint ?? '', /Close that Certdesk window or command first, or use another --data-dir\./);
      const lock = JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'));
      assert.deepEqual(Object.keys(lock).sort(), ['face', 'hostname', 'pid', 'startedAt']);
      assert.equal(lock.pid, pid);
      assert.equal(lock.hostname, os.hostname());
      if (posixModes) assert.equal(mode(await stat(path.join(dataDir, LOCK_FILE))), 0o600);

      holder.child.stdin.write('close\n');
      await holder.waitFor('CLOSED');
      await holder.exited;
    } finally {
      holder.child.kill('SIGKILL');
    }
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false, 'the holder removed its lock');
    const store = await openStore({ dataDir, secrets, face: 'electron' });
    await store.close();
  });

  test('the lock of a killed process is taken over', async () => {
    const { dataDir, secrets, seed } = await preparedDir();
    const holder = startHolder(await holderScript(), dataDir, seed);
    await holder.waitFor('READY');
    holder.child.kill('SIGKILL');
    await holder.exited;
    const stale = JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'));
    assert.equal(stale.pid, holder.child.pid, 'a killed process leaves its lock behind');

    const logger = createMemoryLogger();
    const store = await openStore({ dataDir, secrets, face: 'electron', logger });
    try {
      const now = JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'));
      assert.equal(now.pid, process.pid);
      assert.equal(now.face, 'electron');
      assert.ok(logger.lines.some((l) => l.includes('stale')), 'the takeover is logged');
      assert.deepEqual((await readdir(dataDir)).filter((n) => n.includes('.stale-')), [], 'no leftovers');
    } finally {
      await store.close();
    }
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false);
  });

  test('in the same process, a second open is refused; release removes only our own lock', async () => {
    const dataDir = await tempDir();
    const lock = await acquireLock(dataDir, { face: 'bridge' });
    const err = await rejectsWith(acquireLock(dataDir, { face: 'cli' }), 'STORE_LOCKED');
    assert.ok(err.message.includes(`PID ${process.pid}`));
    assert.match(err.message, /Certdesk bridge/);
    // Someone replaced the lock file (e.g. deleted it by hand and another Certdesk started): not ours to remove.
    const foreign = JSON.stringify({ pid: process.pid, face: 'cli', hostname: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' });
    await writeFile(path.join(dataDir, LOCK_FILE), foreign);
    lock.release();
    assert.equal(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'), foreign);
    lock.release(); // twice is fine
  });

  test('a lock held on another host is refused with the host name; garbage left by a crash is taken over', async () => {
    const dataDir = await tempDir();
    const lockPath = path.join(dataDir, LOCK_FILE);
    await writeFile(lockPath, JSON.stringify({ pid: 1, face: 'electron', hostname: 'other-host.example', startedAt: '2026-01-01T00:00:00.000Z' }));
    const err = await rejectsWith(acquireLock(dataDir, { face: 'cli' }), 'STORE_LOCKED');
    assert.match(err.message, /on host other-host\.example/);
    assert.ok((err.hint ?? '').includes(lockPath));

    await writeFile(lockPath, '{"pid": 12'); // a process died while writing it
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    const lock = await acquireLock(dataDir, { face: 'cli' });
    assert.equal(JSON.parse(await readFile(lockPath, 'utf8')).pid, process.pid);
    lock.release();
    assert.equal(existsSync(lockPath), false);
  });
});

describe('encryption at rest', () => {
  const PLAIN = Buffer.from(
    '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg' + randomBytes(24).toString('hex') + '\n-----END PRIVATE KEY-----\n',
  );

  test('secrets written with writeSecret appear in clear in no file of the data directory', async () => {
    const dataDir = await dataDirPath();
    const secrets = new MemorySecretStore();
    const store = await openStore({ dataDir, secrets, face: 'cli' });
    let dataKey: string;
    try {
      await store.writeSecret('accounts/acc-1/account.key', PLAIN);
      await store.update((d) => {
        d.settings.note = 'hello';
      });
      assert.deepEqual(await store.readSecret('accounts/acc-1/account.key'), PLAIN);
      dataKey = (await secrets.get(dataKeyName(store.data.storeId)))!;
      assert.equal(Buffer.from(dataKey, 'base64').length, 32);
    } finally {
      await store.close();
    }
    const needles = [PLAIN, PLAIN.subarray(28, 90), Buffer.from(PLAIN.toString('base64')), Buffer.from(dataKey), Buffer.from(dataKey, 'base64')];
    const files = await listFiles(dataDir);
    assert.ok(files.some((f) => f.endsWith('account.key')));
    for (const f of files) {
      const bytes = await readFile(f);
      for (const n of needles) assert.equal(bytes.includes(n), false, `${f} contains secret bytes`);
    }
    const sealed = await readFile(path.join(dataDir, 'accounts', 'acc-1', 'account.key'));
    assert.equal(sealed.subarray(0, 4).toString(), 'CDV1');
    assert.equal(sealed.length, 4 + 12 + 16 + PLAIN.length);
  });

  test('a tampered or moved sealed file is STORE_CORRUPT naming the file', async () => {
    const dataDir = await dataDirPath();
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      await store.writeSecret('keys/a.key', PLAIN);
      const p = path.join(dataDir, 'keys', 'a.key');
      const bytes = await readFile(p);
      const flipped = Buffer.from(bytes);
      flipped[flipped.length - 5]! ^= 0x01;
      await writeFile(p, flipped);
      const err = await rejectsWith(store.readSecret('keys/a.key'), 'STORE_CORRUPT');
      assert.match(err.message, /keys\/a\.key/);

      await writeFile(path.join(dataDir, 'keys', 'b.key'), bytes); // intact bytes under another name
      await rejectsWith(store.readSecret('keys/b.key'), 'STORE_CORRUPT');
      await store.writeFile('keys/plain.txt', 'not sealed');
      const e3 = await rejectsWith(store.readSecret('keys/plain.txt'), 'STORE_CORRUPT');
      assert.match(e3.message, /keys\/plain\.txt/);
      await rejectsWith(store.readSecret('keys/none.key'), 'NOT_FOUND');
    } finally {
      await store.close();
    }
  });

  test('encrypted files but no data key in the keychain: STORE_CORRUPT that says so; no new key is made', async () => {
    const dataDir = await dataDirPath();
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    await store.writeSecret('accounts/x/account.key', PLAIN);
    await store.close();

    const empty = new MemorySecretStore();
    const err = await rejectsWith(openStore({ dataDir, secrets: empty, face: 'cli' }), 'STORE_CORRUPT');
    assert.match(err.message, /data key .*missing from the keychain/);
    assert.match(err.message, /cannot be read/);
    assert.deepEqual(empty.names(), [], 'no replacement key was created');
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false, 'lock released');

    // Same when the check file is gone: the sealed files themselves are found.
    await rm(path.join(dataDir, VAULT_CHECK_FILE));
    await rejectsWith(openStore({ dataDir, secrets: empty, face: 'cli' }), 'STORE_CORRUPT');
  });

  test('a data key that does not fit the directory is reported at open', async () => {
    const dataDir = await dataDirPath();
    const secrets = new MemorySecretStore();
    const store = await openStore({ dataDir, secrets, face: 'cli' });
    await store.update((d) => {
      d.settings.x = 1;
    });
    const name = dataKeyName(store.data.storeId);
    await store.close();
    await secrets.set(name, randomBytes(32).toString('base64'));
    const err = await rejectsWith(openStore({ dataDir, secrets, face: 'cli' }), 'STORE_CORRUPT');
    assert.match(err.message, /does not open the encrypted files/);
    await secrets.set(name, 'too-short');
    await rejectsWith(openStore({ dataDir, secrets, face: 'cli' }), 'STORE_CORRUPT');
  });

  test('keychain unavailable: KEYCHAIN_UNAVAILABLE, lock released, nothing created', async () => {
    const dataDir = await dataDirPath();
    const secrets = new MemorySecretStore();
    secrets.setUnavailable('no D-Bus session');
    // A new directory: the first write needs the data key, fails, and leaves no folder behind.
    const fresh = await openStore({ dataDir, secrets, face: 'cli' });
    await rejectsWith(fresh.update((d) => void (d.settings.x = 1)), 'KEYCHAIN_UNAVAILABLE');
    await rejectsWith(fresh.writeSecret('a/b.key', Buffer.from('k')), 'KEYCHAIN_UNAVAILABLE');
    await fresh.close();
    assert.equal(existsSync(dataDir), false);
    // An existing directory: refused at open.
    const ok = new MemorySecretStore();
    const store = await openStore({ dataDir, secrets: ok, face: 'cli' });
    await store.update((d) => void (d.settings.x = 1));
    await store.close();
    await rejectsWith(openStore({ dataDir, secrets, face: 'cli' }), 'KEYCHAIN_UNAVAILABLE');
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false);
  });

  test('Vault: key persists across opens, format, redaction', async () => {
    const secrets = new MemorySecretStore();
    const logger = createMemoryLogger();
    const v1 = await Vault.open(secrets, 'store-1', logger);
    assert.equal(v1.created, true);
    const sealed = v1.seal(Buffer.from('hello'), 'a/b');
    const v2 = await Vault.open(secrets, 'store-1');
    assert.equal(v2.created, false);
    assert.equal(v2.open(sealed, 'a/b').toString(), 'hello');
    assert.notDeepEqual(v1.seal(Buffer.from('hello'), 'a/b'), sealed, 'random IV per seal');
    const other = await Vault.open(secrets, 'store-2');
    await assert.rejects(async () => other.open(sealed, 'a/b'), (e: unknown) => e instanceof AppError && e.code === 'STORE_CORRUPT');
    const key = (await secrets.get('data-key/store-1'))!;
    logger.info(`oops ${key}`, { hex: Buffer.from(key, 'base64').toString('hex') });
    assert.ok(!logger.lines.join('\n').includes(key), 'data key redacted');
    assert.ok(!logger.lines.join('\n').includes(Buffer.from(key, 'base64').toString('hex')));
  });
});

describe('store API', () => {
  test('modes: data dir 0700, db.json 0600, sub folders 0700, files 0600 unless asked', { skip: !posixModes }, async () => {
    const parent = await tempDir();
    const dataDir = path.join(parent, 'data');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o755); // a loose existing directory is tightened
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      await store.writeSecret('accounts/a/account.key', Buffer.from('k'));
      await store.writeFile('certs/www/chain.pem', 'chain');
      await store.writeFile('certs/www/ca.pem', 'ca', 0o644);
      assert.equal(mode(await stat(dataDir)), 0o700);
      assert.equal(mode(await stat(path.join(dataDir, DB_FILE))), 0o600);
      assert.equal(mode(await stat(path.join(dataDir, 'accounts'))), 0o700);
      assert.equal(mode(await stat(path.join(dataDir, 'accounts', 'a'))), 0o700);
      assert.equal(mode(await stat(path.join(dataDir, 'certs', 'www'))), 0o700);
      assert.equal(mode(await stat(path.join(dataDir, 'accounts', 'a', 'account.key'))), 0o600);
      assert.equal(mode(await stat(path.join(dataDir, 'certs', 'www', 'chain.pem'))), 0o600);
      assert.equal(mode(await stat(path.join(dataDir, 'certs', 'www', 'ca.pem'))), 0o644);
      await store.update((d) => {
        d.settings.x = 1;
      });
      assert.equal(mode(await stat(path.join(dataDir, DB_FILE))), 0o600, 'still 0600 after a rewrite');
    } finally {
      await store.close();
    }
  });

  test('update: persisted, serialised in call order, all-or-nothing; data is frozen', async () => {
    const dataDir = await dataDirPath();
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      const order: number[] = [];
      await Promise.all([
        store.update(async (d) => {
          await new Promise((r) => setTimeout(r, 30));
          order.push(1);
          d.settings.count = 1;
        }),
        store.update((d) => {
          order.push(2);
          d.settings.count = (d.settings.count as number) + 1;
        }),
      ]);
      assert.deepEqual(order, [1, 2]);
      assert.equal(store.data.settings.count, 2);

      await assert.rejects(
        store.update((d) => {
          d.settings.count = 99;
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(store.data.settings.count, 2, 'a failed mutator changes nothing');
      await rejectsWith(
        store.update((d) => {
          d.storeId = 'other';
        }),
        'INTERNAL',
      );
      assert.throws(() => {
        (store.data.settings as Record<string, unknown>).count = 5;
      }, TypeError);
      assert.throws(() => {
        (store.data.accounts as unknown[]).push({});
      }, TypeError);
      await store.update((d) => {
        d.settings.after = true; // the queue still works after failures
      });
      const onDisk = JSON.parse(await readFile(path.join(dataDir, DB_FILE), 'utf8')) as StoreData;
      assert.deepEqual(onDisk.settings, { count: 2, after: true });
      assert.deepEqual((await readdir(dataDir)).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
    } finally {
      await store.close();
    }
    await rejectsWith(store.update(() => undefined), 'INTERNAL');
    const reopened = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' }).catch((e: unknown) => e);
    assert.ok(!(reopened instanceof Error), String(reopened));
    assert.equal((reopened as Store).data.settings.count, 2);
    await (reopened as Store).close();
  });

  test('update: concurrent updates are written together, in call order; one that fails in a batch fails alone', async () => {
    const dataDir = await dataDirPath();
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      await store.update((d) => {
        d.settings.log = [];
      });
      // The first write is under way while the next 40 arrive: they form one batch behind it.
      const calls = Array.from({ length: 41 }, (_, i) =>
        store.update((d) => {
          if (i === 17) throw new Error('seventeen refuses');
          if (i === 23) (d.accounts as unknown[]).push({ id: 'not-an-account' }); // invalid record: refused at save
          d.settings.log = [...(d.settings.log as number[]), i];
        }),
      );
      const results = await Promise.allSettled(calls);
      const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
      assert.deepEqual(rejected, [17, 23], 'only the two bad updates failed');
      assert.match(String((results[17] as PromiseRejectedResult).reason), /seventeen refuses/);
      assert.match(String((results[23] as PromiseRejectedResult).reason), /invalid account record/);
      const expected = Array.from({ length: 41 }, (_, i) => i).filter((i) => i !== 17 && i !== 23);
      assert.deepEqual(store.data.settings.log, expected, 'every other update applied once, in call order');
      assert.deepEqual(store.data.accounts, []);
      const onDisk = JSON.parse(await readFile(path.join(dataDir, DB_FILE), 'utf8')) as StoreData;
      assert.deepEqual(onDisk.settings.log, expected, 'and written');
    } finally {
      await store.close();
    }
  });

  test('update: only the collections an update touches are copied and checked; the rest stay the same objects', async () => {
    const dataDir = await dataDirPath();
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      await store.update((d) => {
        d.settings.n = 1;
      });
      const before = store.data;
      await store.update((d) => {
        d.settings.n = 2;
      });
      const after = store.data;
      assert.notEqual(after, before, 'a new version of the data');
      assert.notEqual(after.settings, before.settings, 'settings were copied');
      assert.equal(Object.isFrozen(after.settings), true);
      for (const c of ['accounts', 'requests', 'certificates', 'renewals', 'notices'] as const) assert.equal(after[c], before[c], `${c} untouched: the same object`);
      assert.equal(before.settings.n, 1, 'the previous version is unchanged');

      // A collection read (not changed) is copied; one replaced wholesale is checked like one changed in place.
      await rejectsWith(
        store.update((d) => {
          d.accounts = [{ id: 'not-an-account' }] as unknown as StoreData['accounts'];
        }),
        'INTERNAL',
      );
      await rejectsWith(
        store.update((d) => {
          const list = d.requests as unknown[];
          list.push({ id: 'not-a-request' });
        }),
        'INTERNAL',
      );
      assert.deepEqual(store.data.accounts, []);
      assert.deepEqual(store.data.requests, []);
      assert.equal(store.data.accounts, after.accounts, 'refused updates left the collections as they were');

      // Spreading or copying the whole draft inside an update still sees every field.
      await store.update((d) => {
        const all = { ...d };
        d.settings.keys = Object.keys(all).sort();
      });
      assert.deepEqual(store.data.settings.keys, Object.keys(before).sort());
      const onDisk = JSON.parse(await readFile(path.join(dataDir, DB_FILE), 'utf8')) as StoreData;
      assert.deepEqual(onDisk, JSON.parse(JSON.stringify(store.data)), 'the file holds every field, plain values');
      assert.equal(onDisk.settings.n, 2);
    } finally {
      await store.close();
    }
  });

  test('files: write, read, exists, remove; paths that leave the data directory are refused', async () => {
    const dataDir = await dataDirPath();
    const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli' });
    try {
      await store.writeFile('certs/a/cert.pem', 'PEM');
      assert.equal((await store.readFile('certs/a/cert.pem')).toString(), 'PEM');
      assert.equal(await store.exists('certs/a/cert.pem'), true);
      assert.equal(store.resolve('certs/a/cert.pem'), path.join(dataDir, 'certs', 'a', 'cert.pem'));
      await store.removeFile('certs/a/cert.pem');
      assert.equal(await store.exists('certs/a/cert.pem'), false);
      await store.removeFile('certs/a/cert.pem'); // already gone: fine
      await rejectsWith(store.readFile('certs/a/cert.pem'), 'NOT_FOUND');

      const outside = path.join(path.dirname(dataDir), 'outside.txt');
      for (const bad of ['../outside.txt', 'a/../../outside.txt', '..\\outside.txt', outside, '/etc/passwd', 'C:\\x', 'c:x', '', 'a//b', './a', 'db.json', 'db.json.v1.bak', 'certdesk.lock', 'vault.check', 'a\0b']) {
        await rejectsWith(store.writeFile(bad, 'x'), 'INTERNAL');
        await rejectsWith(store.readFile(bad), 'INTERNAL');
        await rejectsWith(store.exists(bad), 'INTERNAL');
        await rejectsWith(store.removeFile(bad), 'INTERNAL');
        await rejectsWith(store.writeSecret(bad, Buffer.from('x')), 'INTERNAL');
      }
      assert.equal(existsSync(outside), false);
      // A name that merely starts with two dots is fine.
      await store.writeFile('..hidden/x', 'ok');
      assert.ok(existsSync(path.join(dataDir, '..hidden', 'x')));
    } finally {
      await store.close();
    }
  });

  test('writeFileAtomic replaces content, leaves no temp file, applies the mode', async () => {
    const dir = await tempDir();
    const p = path.join(dir, 'f.json');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, Buffer.from('two'), { mode: 0o640 });
    assert.equal(await readFile(p, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['f.json']);
    if (posixModes) assert.equal(mode(await stat(p)), 0o640);
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'f'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(await readdir(dir), ['f.json']);
  });
});

describe('data directory location', () => {
  test('default matches Electron userData for "Certdesk" on each platform', () => {
    assert.equal(defaultDataDir({ platform: 'linux', env: {}, homedir: '/home/ann' }), '/home/ann/.config/Certdesk');
    assert.equal(defaultDataDir({ platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg' }, homedir: '/home/ann' }), '/xdg/Certdesk');
    assert.equal(defaultDataDir({ platform: 'linux', env: { XDG_CONFIG_HOME: '' }, homedir: '/home/ann' }), '/home/ann/.config/Certdesk');
    assert.equal(defaultDataDir({ platform: 'darwin', env: {}, homedir: '/Users/ann' }), '/Users/ann/Library/Application Support/Certdesk');
    assert.equal(
      defaultDataDir({ platform: 'win32', env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, homedir: 'C:\\Users\\ann' }),
      'C:\\Users\\ann\\AppData\\Roaming\\Certdesk',
    );
  });

  test('--data-dir wins over CERTDESK_DATA_DIR, which wins over the default', () => {
    const env = { CERTDESK_DATA_DIR: '/env/dir', XDG_CONFIG_HOME: '/xdg' };
    assert.equal(resolveDataDir({ flag: '/flag/dir', env, platform: 'linux' }), '/flag/dir');
    assert.equal(resolveDataDir({ env, platform: 'linux' }), '/env/dir');
    assert.equal(resolveDataDir({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux' }), '/xdg/Certdesk');
    assert.equal(resolveDataDir({ flag: 'rel/dir', env: {}, platform: process.platform }), path.resolve('rel/dir'));
  });
});
