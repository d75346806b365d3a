// The OS keychain for real: gnome-keyring (Secret Service) on the private D-Bus session started by test/run.mjs.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppError, type ErrorInfo } from '../../shared/ipc/errors.ts';
import { createKeyringStore, explainKeychainError, type KeyringEntry } from '../../electron/secrets/keyring-store.ts';
import { openStore } from '../../electron/store/store.ts';
import { dataKeyName, Vault } from '../../electron/store/vault.ts';
import { defaultCollectionLocked, lockDefaultCollection, secretToolLookup } from '../helpers/secret-tool.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// A service name of its own, so that a run on a desktop by mistake never touches real Certdesk items.
const SERVICE = `Certdesk-test-${process.pid}-${randomBytes(3).toString('hex')}`;

function requireBed(): void {
  if (!process.env.CERTDESK_BED || !process.env.DBUS_SESSION_BUS_ADDRESS) {
    assert.fail(
      'The keyring test bed is not running (CERTDESK_BED / DBUS_SESSION_BUS_ADDRESS not set): run the tests through ' +
        '`npm test` (test/run.mjs starts a private D-Bus session with an unlocked gnome-keyring).',
    );
  }
}

const tmpRoots: string[] = [];
after(async () => {
  for (const d of tmpRoots) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'certdesk-keyring-test-'));
  tmpRoots.push(d);
  return d;
}

/** The item as secret-tool sees it: null only when it really is not there (errors and a locked keyring throw). */
function lookupWithSecretTool(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return secretToolLookup({ service: SERVICE, username: name }, env);
}

/**
 * Runs check() of a keyring store in a child process with the given environment, or get(name) when a name
 * is given; returns what it got.
 */
async function checkInChild(env: NodeJS.ProcessEnv, getName?: string): Promise<{ ok: true; value?: string | null } | { ok: false; error: ErrorInfo }> {
  const dir = await tempDir();
  const script = path.join(dir, 'check.mts');
  const moduleUrl = pathToFileURL(path.join(repoRoot, 'electron', 'secrets', 'keyring-store.ts')).href;
  await writeFile(
    script,
    `import { createKeyringStore } from ${JSON.stringify(moduleUrl)};
try {
  const store = createKeyringStore({ service: ${JSON.stringify(SERVICE)} });
  const name = ${JSON.stringify(getName ?? null)};
  const value = name === null ? (await store.check(), undefined) : await store.get(name);
  console.log(JSON.stringify({ ok: true, value }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: typeof err.toInfo === 'function' ? err.toInfo() : { code: 'NOT_APP_ERROR', message: String(err) } }));
}
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `child failed: ${err}`);
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as { ok: true; value?: string | null } | { ok: false; error: ErrorInfo };
}

/** Stores an item with Certdesk's keychain store in a child process using `env` (another keyring). */
async function createKeyringStoreIn(env: NodeJS.ProcessEnv, name: string, value: string): Promise<void> {
  const dir = await tempDir();
  const script = path.join(dir, 'set.mts');
  const moduleUrl = pathToFileURL(path.join(repoRoot, 'electron', 'secrets', 'keyring-store.ts')).href;
  await writeFile(script, `import { createKeyringStore } from ${JSON.stringify(moduleUrl)};
await createKeyringStore({ service: ${JSON.stringify(SERVICE)} }).set(${JSON.stringify(name)}, ${JSON.stringify(value)});
`);
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env, timeout: 30_000 }, (e, _o, stderr) => (e ? reject(new Error(`${e.message}: ${stderr}`)) : resolve()));
  });
}

/** The built CLI with another environment (e.g. another keyring). */
function certdesk(env: NodeJS.ProcessEnv, dataDir: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'out/cli/certdesk.cjs'), '--data-dir', dataDir, ...args], { env, timeout: 60_000, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('keychain (gnome-keyring on a private D-Bus)', () => {
  test('check() passes and the backend is the Secret Service', async () => {
    requireBed();
    const secrets = createKeyringStore({ service: SERVICE });
    assert.equal(secrets.backend, 'Secret Service');
    await secrets.check();
    assert.equal(await lookupWithSecretTool('probe'), null);
  });

  test('set, get and delete round-trip through the Secret Service', async () => {
    requireBed();
    const secrets = createKeyringStore({ service: SERVICE });
    const name = `dns/cloudflare-${randomBytes(3).toString('hex')}/token`;
    const value = `tök€n-${randomBytes(40).toString('base64')}`;
    assert.equal(await secrets.get(name), null);
    await secrets.set(name, value);
    assert.equal(await secrets.get(name), value);
    assert.equal(await lookupWithSecretTool(name), value, 'really stored in gnome-keyring (seen by secret-tool)');
    await secrets.set(name, 'second value');
    assert.equal(await secrets.get(name), 'second value', 'set replaces');
    assert.equal(await secrets.delete(name), true);
    assert.equal(await secrets.get(name), null);
    assert.equal(await secrets.delete(name), false, 'deleting a missing item is not an error');
    assert.equal(await lookupWithSecretTool(name), null);
  });

  test('the Vault data key persists across two Vault.open calls', async () => {
    requireBed();
    const storeId = `test-${randomBytes(6).toString('hex')}`;
    const first = await Vault.open(createKeyringStore({ service: SERVICE }), storeId);
    assert.equal(first.created, true);
    const sealed = first.seal(Buffer.from('account key PEM'), 'accounts/a/account.key');

    const second = await Vault.open(createKeyringStore({ service: SERVICE }), storeId);
    assert.equal(second.created, false, 'the key was found, not made again');
    assert.equal(second.open(sealed, 'accounts/a/account.key').toString(), 'account key PEM');
    const stored = await lookupWithSecretTool(dataKeyName(storeId));
    assert.ok(stored !== null && Buffer.from(stored, 'base64').length === 32, 'a 32-byte base64 key in gnome-keyring');
    await createKeyringStore({ service: SERVICE }).delete(dataKeyName(storeId));
  });

  test('a store opened with the keychain reads its sealed files after a reopen; the key never lands on disk', async () => {
    requireBed();
    const dataDir = path.join(await tempDir(), 'data');
    const secrets = createKeyringStore({ service: SERVICE });
    const plain = Buffer.from(`-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`);
    let storeId: string;
    {
      const store = await openStore({ dataDir, secrets, face: 'cli' });
      storeId = store.data.storeId;
      await store.writeSecret('accounts/x/account.key', plain);
      await store.close();
    }
    const store = await openStore({ dataDir, secrets: createKeyringStore({ service: SERVICE }), face: 'cli' });
    try {
      assert.deepEqual(await store.readSecret('accounts/x/account.key'), plain);
    } finally {
      await store.close();
    }
    const key = (await secrets.get(dataKeyName(storeId)))!;
    const walk = async (d: string): Promise<string[]> =>
      (await Promise.all((await readdir(d, { withFileTypes: true })).map((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])))).flat();
    for (const f of await walk(dataDir)) {
      const bytes = await readFile(f);
      assert.equal(bytes.includes(Buffer.from(key)), false, `${f} holds the data key (base64)`);
      assert.equal(bytes.includes(Buffer.from(key, 'base64')), false, `${f} holds the data key (raw)`);
      assert.equal(bytes.includes(plain), false, `${f} holds the private key in clear`);
    }
    await secrets.delete(dataKeyName(storeId));
  });

  test('a D-Bus address pointing to no socket: check() throws KEYCHAIN_UNAVAILABLE with the D-Bus message', async () => {
    requireBed();
    const missing = path.join(await tempDir(), 'no-such-bus');
    const result = await checkInChild({ ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${missing}` });
    assert.equal(result.ok, false, 'check() must fail');
    if (result.ok) return;
    assert.equal(result.error.code, 'KEYCHAIN_UNAVAILABLE');
    assert.match(result.error.message, /D-Bus session bus \(unix:path=.*no-such-bus\) cannot be reached/);
    assert.match(result.error.message, /Failed to connect to socket .*no-such-bus/, 'the D-Bus message itself is included');
    assert.match(result.error.hint ?? '', /gnome-keyring/);
    assert.match(result.error.hint ?? '', /KWallet/);
  });

  test('no D-Bus session at all: KEYCHAIN_UNAVAILABLE says so and what to start', async () => {
    requireBed();
    // libdbus also looks for $XDG_RUNTIME_DIR/bus (where the bed's bus is): point that at an empty folder.
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: await tempDir() };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const result = await checkInChild(env);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.code, 'KEYCHAIN_UNAVAILABLE');
    assert.match(result.error.message, /no D-Bus session/);
    assert.match(result.error.hint ?? '', /gnome-keyring-daemon --unlock/);
    assert.match(result.error.hint ?? '', /log in/);
  });

  test('a keychain that accepts a write and returns nothing is reported as not working', async () => {
    requireBed();
    const silent: KeyringEntry = { setPassword: async () => undefined, getPassword: async () => null, deletePassword: async () => false };
    const secrets = createKeyringStore({ service: SERVICE, entry: () => silent });
    await assert.rejects(secrets.check(), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'KEYCHAIN_UNAVAILABLE');
      assert.match(e.message, /not working: a test item was stored without error but could not be read back/);
      return true;
    });
    // "Not found" is only believed from a keychain that passes check().
    await assert.rejects(secrets.get('dns/x/token'), (e: unknown) => e instanceof AppError && e.code === 'KEYCHAIN_UNAVAILABLE');
    // The Vault does not create a data key it cannot read back either.
    await assert.rejects(Vault.open(secrets, 'silent'), (e: unknown) => e instanceof AppError && e.code === 'KEYCHAIN_UNAVAILABLE');
  });

  test('library errors become KEYCHAIN_UNAVAILABLE with what is missing (messages seen from @napi-rs/keyring)', async () => {
    requireBed();
    const ctx = { platform: 'linux' as const, env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, op: 'storing', item: 'Certdesk/x' };
    const cases: [string, RegExp, RegExp][] = [
      ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", /keyring is locked/, /[Uu]nlock/],
      ['Platform failure: DBus error: Cannot create an item in a locked collection', /keyring is locked/, /[Uu]nlock/],
      ["Couldn't access platform storage: Secret Service: no result found", /no default keyring/, /login/],
      ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', /no Secret Service is running/, /gnome-keyring/],
      ["Couldn't access platform storage: AccessDenied", /access to the keyring was denied/, /Secret Service API/],
    ];
    for (const [raw, reason, hint] of cases) {
      const e = explainKeychainError(new Error(raw), ctx);
      assert.equal(e.code, 'KEYCHAIN_UNAVAILABLE');
      assert.match(e.message, reason, raw);
      assert.ok(e.message.includes(raw), 'the original message is kept');
      assert.match(e.hint ?? '', hint, raw);
    }
    const noBus = explainKeychainError(new Error('Platform failure: DBus error: Failed to connect to socket /run/user/1/bus: No such file or directory'), {
      ...ctx,
      env: { XDG_RUNTIME_DIR: '/run/user/1' },
    });
    assert.match(noBus.message, /no D-Bus session \(DBUS_SESSION_BUS_ADDRESS is not set and there is no session bus at \/run\/user\/1\/bus\)/);
    // A bus found through XDG_RUNTIME_DIR with a locked keyring is reported as locked, not as "no D-Bus".
    const lockedViaXdg = explainKeychainError(new Error('Secret Service: unlock prompt was dismissed'), { ...ctx, env: { XDG_RUNTIME_DIR: '/run/user/1' } });
    assert.match(lockedViaXdg.message, /keyring is locked/);
    const mac = explainKeychainError(new Error('User interaction is not allowed.'), { ...ctx, platform: 'darwin' });
    assert.match(mac.message, /macOS Keychain.*locked/);

    const failing: KeyringEntry = {
      setPassword: async () => {
        throw new Error('Platform failure: DBus error: Cannot create an item in a locked collection');
      },
      getPassword: async () => null,
      deletePassword: async () => false,
    };
    const secrets = createKeyringStore({ service: SERVICE, entry: () => failing });
    await assert.rejects(secrets.set('x', 'never stored in plaintext'), (e: unknown) => e instanceof AppError && /locked/.test(e.message));
    await assert.rejects(secrets.check(), (e: unknown) => e instanceof AppError && e.code === 'KEYCHAIN_UNAVAILABLE');
  });
  test('the secret-tool probe tells "not found" from a failure', async () => {
    requireBed();
    const name = `probe-${randomBytes(4).toString('hex')}`;
    assert.equal(await lookupWithSecretTool(name), null, 'a missing item is null');
    const secrets = createKeyringStore({ service: SERVICE });
    await secrets.set(name, 'seen');
    try {
      assert.equal(await lookupWithSecretTool(name), 'seen');
    } finally {
      await secrets.delete(name);
    }
    // A bus that is not there is an error, not "no such item".
    const missing = path.join(await tempDir(), 'no-such-bus');
    await assert.rejects(lookupWithSecretTool(name, { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${missing}` }), /secret-tool lookup .* failed \(exit 1\): .*(connect|No such file)/i);
    // A tool that cannot run at all is an error too.
    await assert.rejects(lookupWithSecretTool(name, { ...process.env, PATH: '/nonexistent' }), /secret-tool lookup .* failed/);
  });

  describe('a really locked gnome-keyring (own D-Bus session and daemon, locked with Secret Service Lock)', () => {
    // A private keyring: the bed's keyring stays unlocked for every other test.
    let keyring: { env: Record<string, string>; stop(): Promise<void> } | null = null;
    let env: NodeJS.ProcessEnv = {};
    after(async () => {
      await keyring?.stop();
    });

    test('Certdesk says the keyring is locked and how to unlock it; "not found" is never believed; nothing is written', async () => {
      requireBed();
      const { startKeyring } = (await import(pathToFileURL(path.join(repoRoot, 'test/bed/keyring.mjs')).href)) as {
        startKeyring(o: { workDir: string; password?: string }): Promise<{ env: Record<string, string>; stop(): Promise<void> }>;
      };
      keyring = await startKeyring({ workDir: await tempDir(), password: 'locked-test' });
      env = { ...process.env, ...keyring.env };
      delete env.DISPLAY;
      delete env.WAYLAND_DISPLAY;

      // Unlocked: a data directory is set up (its data key goes into this keyring) and an item is stored. A
      // data directory comes into being with its first write only, so an account is registered at Pebble.
      const dataDir = path.join(await tempDir(), 'data');
      const first = await certdesk(env, dataDir, '--json', 'account', 'register', '--email', 'locked@example.test',
        '--directory', String(process.env.PEBBLE_DIRECTORY), '--ca-file', String(process.env.PEBBLE_CA_FILE), '--agree-tos');
      assert.equal(first.code, 0, first.stderr);
      assert.ok((await readdir(dataDir)).includes('db.json'), 'the registration wrote db.json');
      const item = `dns/locked-${randomBytes(3).toString('hex')}/token`;
      const stored = await checkInChild(env); // the keyring works
      assert.equal(stored.ok, true, JSON.stringify(stored));
      await createKeyringStoreIn(env, item, 'kept-while-locked');
      assert.equal(await lookupWithSecretTool(item, env), 'kept-while-locked');
      const dbBefore = await readFile(path.join(dataDir, 'db.json'));
      const filesBefore = (await readdir(dataDir, { recursive: true })).sort();

      await lockDefaultCollection(env);
      assert.equal(await defaultCollectionLocked(env), true);

      // The independent probe does not mistake a locked keyring for a missing item.
      await assert.rejects(lookupWithSecretTool(item, env), /keyring is locked/);

      // The keychain store: check(), a read of an existing item and a read of a missing one (a locked Secret
      // Service answers "no such item" there) all fail as "locked", with what to do.
      for (const result of [await checkInChild(env), await checkInChild(env, item), await checkInChild(env, `${item}-missing`)]) {
        assert.equal(result.ok, false, `must not succeed on a locked keyring: ${JSON.stringify(result)}`);
        if (result.ok) return;
        assert.equal(result.error.code, 'KEYCHAIN_UNAVAILABLE');
        assert.match(result.error.message, /The OS keychain \(Secret Service\) is unavailable: the keyring is locked/);
        assert.match(result.error.hint ?? '', /Unlock your keyring/);
        assert.match(result.error.hint ?? '', /gnome-keyring-daemon with --unlock/);
      }

      // The CLI on the data directory made before: a one-line error naming the locked keyring, exit 1.
      const locked = await certdesk(env, dataDir, 'account', 'show');
      assert.equal(locked.code, 1, locked.stdout);
      assert.equal(locked.stderr.trim().split('\n').length, 1, `one line: ${locked.stderr}`);
      assert.match(locked.stderr, /keyring is locked/);
      assert.match(locked.stderr, /[Uu]nlock/);
      assert.doesNotMatch(locked.stderr, /move|new data directory|--data-dir/i, 'no advice that would lose the keys');
      assert.deepEqual(await readFile(path.join(dataDir, 'db.json')), dbBefore, 'db.json untouched');
      assert.deepEqual((await readdir(dataDir, { recursive: true })).sort(), filesBefore, 'no file added or removed');
      assert.ok((await stat(path.join(dataDir, 'db.json'))).isFile());

      // The bed's own keyring was not touched.
      assert.equal(await defaultCollectionLocked(process.env), false, 'the shared bed keyring is still unlocked');
    });
  });
});
