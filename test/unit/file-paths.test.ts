// Paths from the window (issue 6, item 4) through the real dispatch() and handlers, with a real store (the
// keychain is in memory: no bed needed). A window face may not name files; the CLI may, and every read goes
// through the intake, so FIFOs and devices neither hang nor get read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootstrap, type App } from '../../electron/app/bootstrap.ts';
import { headlessPlatform, type PlatformServices } from '../../electron/app/platform-services.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { dispatch, type Face } from '../../shared/ipc/dispatch.ts';
import type { Envelope, ErrorInfo } from '../../shared/ipc/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'certdesk-paths-'));
const fifo = (name: string) => {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};
const keyPem = (curve = 'P-256') => generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const serverKey = join(dir, 'server-tls.key');
writeFileSync(serverKey, keyPem(), { mode: 0o600 });
/** A directory URL nobody listens on: anything that gets past the file checks fails with NETWORK. */
const NOWHERE = 'https://127.0.0.1:9/dir';

function failure(env: Envelope<unknown>): ErrorInfo {
  assert.equal(env.ok, false, `expected an error, got ${JSON.stringify(env)}`);
  return (env as { ok: false; error: ErrorInfo }).error;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (blocked on a FIFO?)`)), ms);
    }),
  ]);
}

let openPath: string | null = null;
const platform: PlatformServices = { ...headlessPlatform({}), chooseOpenPath: async () => openPath };

describe('paths from the window', () => {
  let app: App;
  const call = (face: Face, channel: string, req: unknown) => dispatch(app.handlers, channel, req, { face });

  before(async () => {
    app = await bootstrap({ dataDir: join(dir, 'data'), face: 'bridge', secrets: new MemorySecretStore(), platform });
  });
  after(async () => {
    await app.close();
  });

  for (const face of ['bridge', 'electron'] as const) {
    it(`${face}: every path field is refused before anything is read or written`, async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['accounts:directory-info', { directory: NOWHERE, caFile: serverKey }, 'caFile'],
        ['accounts:register', { name: 'x', email: 'a@example.test', directory: NOWHERE, caFile: serverKey, agreeTos: true }, 'caFile'],
        ['accounts:import', { directory: NOWHERE, keyFile: serverKey }, 'keyFile'],
        ['requests:create', { domains: ['a.example.test'], challengeType: 'http-01', key: 'ec-p256', keyPolicy: 'import', importKeyFile: serverKey }, 'importKeyFile'],
        ['accounts:export-key', { id: 'whatever', out: join(dir, 'stolen.pem') }, 'out'],
        ['certs:export', { id: 'whatever', format: 'pem', out: join(dir, 'stolen') }, 'out'],
      ];
      for (const [channel, req, field] of cases) {
        const err = failure(await call(face, channel, req));
        assert.equal(err.code, 'FORBIDDEN', `${channel}: ${err.message}`);
        assert.equal(err.field, field, channel);
        assert.match(err.message, new RegExp(`^${field} names a file path, and a window cannot name files`));
        assert.ok(err.hint, `${channel} says what to do instead`);
      }
    });
  }

  it('the CLI keeps its path flags (the file is read, then the CA is asked)', async () => {
    const err = failure(await call('cli', 'accounts:import', { directory: NOWHERE, keyFile: serverKey }));
    assert.notEqual(err.code, 'FORBIDDEN');
    assert.notEqual(err.field, 'keyFile', err.message);
  });

  it('CLI: a FIFO as CA file is refused at once, and 6 at a time do not hang the process', async () => {
    const one = failure(await within(call('cli', 'accounts:directory-info', { directory: NOWHERE, caFile: fifo('ca.fifo') }), 3000, 'directory-info'));
    assert.equal(one.code, 'INVALID_INPUT');
    assert.equal(one.field, 'caFile');
    assert.match(one.message, /CA file .*ca\.fifo is not a regular file: it is a named pipe \(FIFO\)/);

    const fifos = Array.from({ length: 6 }, (_, i) => fifo(`many-${i}.fifo`));
    const all = await within(
      Promise.all([
        ...fifos.map((f) => call('cli', 'accounts:directory-info', { directory: NOWHERE, caFile: f })),
        ...fifos.map((f) => call('cli', 'accounts:import', { directory: NOWHERE, keyFile: f })),
      ]),
      5000,
      '12 reads of FIFOs',
    );
    for (const env of all) assert.match(failure(env).message, /is not a regular file/);
    // A later operation that needs libuv's file threads still completes.
    const plain = join(dir, 'later.txt');
    writeFileSync(plain, 'still alive');
    assert.equal(await within(readFile(plain, 'utf8'), 2000, 'a later file read'), 'still alive');
    assert.deepEqual(await within(call('cli', 'accounts:list', {}), 2000, 'accounts:list'), { ok: true, value: [] });
  });

  it('CLI: a folder, /dev/zero and an oversized key file are refused with specific messages', async () => {
    const big = join(dir, 'big.key');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 0x41));
    const expect: [string, RegExp][] = [
      [dir, /is not a regular file: it is a folder/],
      ['/dev/zero', /is not a regular file: it is a character device/],
      [big, /is too large: 2 MiB, the limit is 1 MiB/],
    ];
    for (const [path, message] of expect) {
      const err = failure(await within(call('cli', 'accounts:import', { directory: NOWHERE, keyFile: path }), 3000, path));
      assert.equal(err.field, 'keyFile');
      assert.match(err.message, message);
    }
  });

  it('files:open: the main process reads the picked key, the window gets a handle, a type and a name only', async () => {
    const p384 = join(dir, 'mine-p384.key');
    const pem = keyPem('P-384');
    writeFileSync(p384, pem);
    openPath = p384;
    const env = await call('bridge', 'files:open', { purpose: 'certificate-key' });
    assert.equal(env.ok, true, JSON.stringify(env));
    const file = (env as { ok: true; value: { file: { handle: string; name: string; keySpec: string } } }).value.file;
    assert.equal(file.name, 'mine-p384.key');
    assert.equal(file.keySpec, 'ec-p384');
    assert.ok(!JSON.stringify(env).includes('PRIVATE KEY'), 'the key never crosses to the window');

    // (test/integration/issuance.test.ts issues a certificate with such a handle.) Wrong purpose, or a handle
    // that does not exist:
    assert.equal(failure(await call('bridge', 'accounts:import', { directory: NOWHERE, keyHandle: file.handle })).field, 'keyHandle');
    assert.match(failure(await call('bridge', 'accounts:import', { directory: NOWHERE, keyHandle: 'f00' })).message, /no longer available/);

    // Cancelled dialog: no file. A FIFO or a certificate picked by mistake: refused, at once.
    openPath = null;
    assert.deepEqual(await call('electron', 'files:open', { purpose: 'account-key' }), { ok: true, value: { file: null } });
    openPath = fifo('picked.fifo');
    assert.match(failure(await within(call('electron', 'files:open', { purpose: 'account-key' }), 3000, 'files:open')).message, /is not a regular file/);
    const notKey = join(dir, 'cert.pem');
    writeFileSync(notKey, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    openPath = notKey;
    assert.equal(failure(await call('electron', 'files:open', { purpose: 'certificate-key' })).field, 'file');
  });
});
