// The Electron entry (electron/platform/main.ts) cannot run here (no Electron binary), so it is bundled the way
// build/build.mjs bundles it and run against a fake `electron` module and an in-memory keychain
// (test/helpers/fake-electron.ts). This checks the wiring: what happens before `ready`, the window's web
// preferences, the app:// protocol, the permission and navigation fences, IPC, the tray, close-to-tray, quitting
// through bootstrap's close(), and the error box when the data folder is locked. It does not prove Electron behaves as the fake does.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CHANNELS } from '../../shared/ipc/contract.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import { fakeElectron, fakeKeyring, loadMainBundle, preventable, until } from '../helpers/fake-electron.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rootRequire = createRequire(join(root, 'package.json'));
const tmp = mkdtempSync(join(tmpdir(), 'certdesk-main-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
/** One in-memory keychain for every load of main.ts in this file. */
const keyring = fakeKeyring();

async function bundleMain(): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['electron/platform/main.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron', '@napi-rs/keyring', 'cpu-features', 'ssh2'],
    inject: [join(root, 'build/import-meta-url.js')],
    define: { 'import.meta.url': 'import_meta_url' },
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  assert.ok(file);
  return file.text;
}

function runMain(code: string, dataDir: string) {
  const fake = fakeElectron({ userData: join(tmp, 'userData'), appPath: root });
  loadMainBundle({ code, filename: join(root, 'out/main/index.cjs'), require: rootRequire, fake, keyring: keyring.module, dataDir });
  return fake;
}

// ---- the checks -----------------------------------------------------------------------------------------------

describe('electron/platform/main.ts against a fake Electron', () => {
  let code = '';
  const dataDir = join(tmp, 'data');
  let first: ReturnType<typeof runMain>;

  before(async () => {
    code = await bundleMain();
    first = runMain(code, dataDir);
  });

  // Every check after the first needs the app past 'ready' with its window: each asks for it here instead
  // of relying on an earlier test to have fired 'ready' (so each runs alone, e.g. --test-name-pattern).
  let readied: Promise<unknown> | null = null;
  function readyFirst(): Promise<unknown> {
    if (!readied) {
      first.ready();
      readied = until('the window', () => first.windows.length === 1 && first.windows[0]?.loaded !== null);
    }
    return readied;
  }

  it('registers the app:// scheme and takes the single-instance lock before ready', () => {
    assert.deepEqual(first.log, ['registerSchemesAsPrivileged', 'requestSingleInstanceLock']);
    assert.equal(first.privileged.length, 1);
    const [scheme] = first.privileged as { scheme: string; privileges: Record<string, boolean> }[];
    assert.equal(scheme?.scheme, 'app');
    assert.equal(scheme?.privileges.standard, true);
    assert.equal(scheme?.privileges.secure, true);
    assert.ok(!scheme?.privileges.bypassCSP, 'the scheme must not bypass CSP');
    assert.ok(!scheme?.privileges.corsEnabled, 'other origins must not read app://');
  });

  it('after ready: opens one hardened window on app://certdesk/', async () => {
    await readyFirst();
    const win = first.windows[0]!;
    assert.equal(win.loaded, 'app://certdesk/index.html');
    assert.equal(win.visible, true);
    const o = win.options;
    assert.deepEqual([o.width, o.height, o.minWidth, o.minHeight], [1280, 800, 1024, 640]);
    const wp = o.webPreferences;
    assert.equal(wp.contextIsolation, true);
    assert.equal(wp.sandbox, true);
    assert.equal(wp.nodeIntegration, false);
    assert.equal(wp.webSecurity, true);
    assert.equal(wp.spellcheck, false);
    assert.equal(wp.webviewTag, false);
    assert.equal(wp.preload, join(root, 'out/preload/index.cjs'));
  });

  it('registers exactly the contract channels on ipcMain, guarded by the sender check', async () => {
    await readyFirst();
    assert.deepEqual([...first.ipcHandlers.keys()].sort(), [...CHANNELS].sort());
    const win = first.windows[0]!;
    const call = first.ipcHandlers.get('app:info') as unknown as (e: unknown, r: unknown) => Promise<Envelope<unknown>>;
    const ok = await call({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, {});
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && (ok.value as { face: string }).face, 'electron');
    assert.equal(ok.ok && (ok.value as { dataDir: string }).dataDir, dataDir);
    const foreign = await call({ sender: new EventEmitter(), senderFrame: { url: 'app://certdesk/index.html', parent: null } }, {});
    assert.equal(!foreign.ok && foreign.error.code, 'FORBIDDEN');
  });

  it('serves the renderer with the CSP and refuses everything else', async () => {
    await readyFirst();
    const handler = first.protocolHandlers.get('app');
    assert.ok(handler, 'protocol.handle("app") was not called');
    const bad = await handler(new Request('app://certdesk/..%2f..%2fpackage.json'));
    assert.equal(bad.status, 403);
    const post = await handler(new Request('app://certdesk/index.html', { method: 'POST', body: 'x' }));
    assert.equal(post.status, 405);
    const missing = await handler(new Request('app://certdesk/nope.js'));
    assert.equal(missing.status, 404);
    assert.ok(existsSync(join(root, 'out/renderer/index.html')), 'out/renderer/index.html is not built: run node build/build.mjs (npm test does)');
    const res = await handler(new Request('app://certdesk/index.html'));
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    // The page carries this response's style nonce where index.html has the placeholder.
    const nonce = /style-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    const body = await res.text();
    assert.equal(body, readFileSync(join(root, 'out/renderer/index.html'), 'utf8').split('__CSP_NONCE__').join(nonce));
    assert.match(body, new RegExp(`<meta name="csp-nonce" content="${nonce.replace(/[+/]/g, '\\$&')}"`));
    const next = await handler(new Request('app://certdesk/'));
    assert.doesNotMatch(next.headers.get('content-security-policy') ?? '', new RegExp(nonce.replace(/[+/]/g, '\\$&')), 'a new nonce per load');
    const script = await handler(new Request('app://certdesk/app.js'));
    assert.match(script.headers.get('content-security-policy') ?? '', /style-src 'self'; /);
  });

  it('denies every permission', async () => {
    await readyFirst();
    let granted: boolean | undefined;
    (first.permission.request as unknown as (w: unknown, p: string, cb: (g: boolean) => void) => void)(
      {},
      'media',
      (g) => (granted = g),
    );
    assert.equal(granted, false);
    assert.equal((first.permission.check as unknown as () => boolean)(), false);
    assert.equal((first.permission.device as unknown as () => boolean)(), false);
  });

  it('blocks navigation and new windows; only http(s) links go to the browser', async () => {
    await readyFirst();
    const contents = first.windows[0]!.webContents;
    for (const url of ['https://letsencrypt.org/repository/', 'file:///etc/passwd', 'app://certdesk/other.html']) {
      const event = preventable({ url });
      contents.emit('will-navigate', event);
      assert.equal(event.defaultPrevented, true, url);
    }
    assert.deepEqual(contents.openHandler?.({ url: 'javascript:alert(1)' }), { action: 'deny' });
    assert.deepEqual(contents.openHandler?.({ url: 'https://example.com/' }), { action: 'deny' });
    assert.deepEqual(first.opened, ['https://letsencrypt.org/repository/', 'https://example.com/']);
    const attach = preventable();
    contents.emit('will-attach-webview', attach);
    assert.equal(attach.defaultPrevented, true);
  });

  it('has a tray with the state, Open Certdesk / Quit, and closing the window hides it (notice once)', async () => {
    await readyFirst();
    // The notifier's first tick draws the state (no certificates: fine) above Open Certdesk / Quit.
    await until('the tray state', () => first.trays[0]?.menu?.template[0]?.label === 'All certificates fine');
    const labels = first.trays[0]?.menu?.template.map((i) => i.label ?? i.type);
    assert.deepEqual(labels, ['All certificates fine', 'separator', 'Open Certdesk', 'separator', 'Quit']);
    const open = () => first.trays[0]?.menu?.template.find((i) => i.label === 'Open Certdesk')?.click?.();
    const win = first.windows[0]!;
    for (let i = 0; i < 2; i++) {
      const close = preventable();
      win.emit('close', close);
      assert.equal(close.defaultPrevented, true);
      assert.equal(win.visible, false);
      open();
      assert.equal(win.visible, true);
    }
    assert.deepEqual(
      first.notifications.map((n) => n.title),
      ['Certdesk keeps running in the tray'],
    );
  });

  it('a second instance on the same data folder explains the lock and quits', async (t) => {
    await readyFirst();
    const second = runMain(code, dataDir);
    second.ready();
    await until('the error box', () => second.errorBoxes.length > 0);
    assert.equal(second.errorBoxes[0]?.title, 'Certdesk cannot start');
    assert.match(second.errorBoxes[0]?.content ?? '', new RegExp(`Data folder: ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await until('exit', () => second.log.includes('exit:1'));
    assert.equal(second.windows.length, 0);
    assert.equal(second.ipcHandlers.size, 0);
    t.diagnostic(`error box: ${second.errorBoxes[0]?.content.split('\n')[0]}`);
  });

  it('Quit (tray) closes the services first, then quits; the data folder is free again', async () => {
    await readyFirst();
    const quit = first.trays[0]?.menu?.template.find((i) => i.label === 'Quit');
    quit?.click?.();
    await until('the real quit', () => first.log.includes('quit:done'));
    assert.equal(first.ipcHandlers.size, 0, 'IPC handlers are removed on quit');
    const win = first.windows[0]!;
    const close = preventable();
    win.emit('close', close);
    assert.equal(close.defaultPrevented, false, 'while quitting, closing the window really closes it');
    // The lock was released by close(): a new instance starts on the same folder.
    const third = runMain(code, dataDir);
    third.ready();
    await until('the third window', () => third.windows.length === 1 || third.errorBoxes.length > 0);
    assert.deepEqual(third.errorBoxes, []);
    third.trays[0]?.menu?.template.find((i) => i.label === 'Quit')?.click?.();
    await until('the third quit', () => third.log.includes('quit:done'));
  });
});
