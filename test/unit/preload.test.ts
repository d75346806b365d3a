// The sandboxed preload, bundled exactly as build/build.mjs bundles it and run against a fake `electron`
// module: it may require nothing but 'electron', exposes only RawApi, forwards only contract channels and
// delivers only contract events.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EVENT_CHANNEL } from '../../electron/platform/ipc-main.ts';
import { GLOBAL_API_NAME, type RawApi } from '../../shared/ipc/api.ts';
import { CHANNELS } from '../../shared/ipc/contract.ts';
import { EVENT_NAMES } from '../../shared/ipc/events.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Size budget of the (unminified) preload: today it is mostly zod, pulled in by the contract's allow-lists
 * (~0.8 MB). The budget catches a heavy dependency sneaking in through shared/.
 */
const MAX_PRELOAD_BYTES = 16 * 1024; // zod-free allow-lists (shared/ipc/names.ts) keep it a few kB

async function bundlePreload(): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['electron/platform/preload.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  assert.ok(file);
  return file.text;
}

type Listener = (event: unknown, message: unknown) => void;

interface Loaded {
  api: RawApi;
  exposedName: string;
  required: string[];
  invoked: [string, unknown][];
  /** Sends a message on an IPC channel as the main process would. */
  push(channel: string, message: unknown): void;
  /** Makes the next ipcRenderer.invoke reject. */
  failNext(err: Error): void;
}

function loadPreload(code: string): Loaded {
  const required: string[] = [];
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Listener[]>();
  const exposed = new Map<string, unknown>();
  let failure: Error | null = null;
  const fakeElectron = {
    contextBridge: {
      exposeInMainWorld: (name: string, value: unknown) => exposed.set(name, value),
    },
    ipcRenderer: {
      invoke: async (channel: string, request: unknown) => {
        invoked.push([channel, request]);
        if (failure) {
          const err = failure;
          failure = null;
          throw err;
        }
        return { ok: true, value: { echoed: channel } };
      },
      on: (channel: string, listener: Listener) => {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      },
    },
  };
  const fakeRequire = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return fakeElectron;
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', code)(fakeRequire, module, module.exports);
  assert.equal(exposed.size, 1, 'exactly one object is exposed');
  const [[exposedName, api]] = [...exposed.entries()] as [[string, RawApi]];
  return {
    api,
    exposedName,
    required,
    invoked,
    push: (channel, message) => {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'ipc event object' }, message);
    },
    failNext: (err) => {
      failure = err;
    },
  };
}

describe('preload', () => {
  let code = '';
  before(async () => {
    code = await bundlePreload();
  });

  it('requires nothing but electron and stays within its size budget', (t) => {
    const loaded = loadPreload(code);
    assert.deepEqual([...new Set(loaded.required)], ['electron']);
    assert.ok(code.length < MAX_PRELOAD_BYTES, `preload bundle is ${code.length} bytes`);
    t.diagnostic(`preload bundle: ${Math.round(code.length / 1024)} kB`);
  });

  it('the built out/preload/index.cjs requires nothing but electron', () => {
    const built = join(root, 'out/preload/index.cjs');
    assert.ok(existsSync(built), 'out/preload/index.cjs is not built: run node build/build.mjs (npm test does)');
    const text = readFileSync(built, 'utf8');
    const requires = [...text.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    assert.ok(text.length < MAX_PRELOAD_BYTES, `out/preload/index.cjs is ${text.length} bytes`);
  });

  it('exposes only RawApi as window.certdesk', () => {
    const { api, exposedName } = loadPreload(code);
    assert.equal(exposedName, GLOBAL_API_NAME);
    assert.deepEqual(Object.keys(api).sort(), ['face', 'invoke', 'on']);
    assert.equal(api.face, 'electron');
  });

  it('forwards every contract channel', async () => {
    const loaded = loadPreload(code);
    for (const channel of CHANNELS) {
      const res = await loaded.api.invoke(channel, { probe: channel });
      assert.deepEqual(res, { ok: true, value: { echoed: channel } });
    }
    assert.deepEqual(
      loaded.invoked.map(([c]) => c),
      CHANNELS,
    );
  });

  for (const channel of ['evil:channel', 'certdesk:event', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 42, null]) {
    it(`refuses ${JSON.stringify(channel)} without touching IPC`, async () => {
      const loaded = loadPreload(code);
      const res = await loaded.api.invoke(channel as string, {});
      assert.equal(res.ok, false);
      assert.equal(!res.ok && res.error.code, 'UNKNOWN_CHANNEL');
      assert.deepEqual(loaded.invoked, []);
    });
  }

  it('turns a rejected invoke into an envelope', async () => {
    const loaded = loadPreload(code);
    loaded.failNext(new Error('An object could not be cloned.'));
    const res = await loaded.api.invoke('app:info', { fn: 'x' });
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.error.code, 'INTERNAL');
    assert.match(!res.ok ? res.error.message : '', /could not be cloned/);
  });

  it('delivers contract events (payload only) until unsubscribed', () => {
    const loaded = loadPreload(code);
    const got: unknown[] = [];
    const off = loaded.api.on('accounts:changed', (payload) => got.push(payload));
    loaded.push(EVENT_CHANNEL, { event: 'accounts:changed', payload: { id: 'a1' } });
    loaded.push(EVENT_CHANNEL, { event: 'ops:progress', payload: { opId: 'x' } });
    loaded.push(EVENT_CHANNEL, { event: 'evil:event', payload: {} });
    loaded.push(EVENT_CHANNEL, 'garbage');
    loaded.push('some-other-channel', { event: 'accounts:changed', payload: { id: 'a2' } });
    off();
    loaded.push(EVENT_CHANNEL, { event: 'accounts:changed', payload: { id: 'a3' } });
    assert.deepEqual(got, [{ id: 'a1' }]);
  });

  it('accepts every contract event name and refuses others', () => {
    const loaded = loadPreload(code);
    for (const name of EVENT_NAMES) loaded.api.on(name, () => {})();
    assert.throws(() => loaded.api.on('evil:event', () => {}), /Unknown event/);
    assert.throws(() => loaded.api.on('__proto__', () => {}), /Unknown event/);
  });

  it('keeps other listeners running when one throws', () => {
    const loaded = loadPreload(code);
    const got: unknown[] = [];
    const originalError = console.error;
    console.error = () => {};
    try {
      loaded.api.on('accounts:changed', () => {
        throw new Error('boom');
      });
      loaded.api.on('accounts:changed', (p) => got.push(p));
      loaded.push(EVENT_CHANNEL, { event: 'accounts:changed', payload: {} });
    } finally {
      console.error = originalError;
    }
    assert.deepEqual(got, [{}]);
  });
});
