// Who may call the main process over Electron IPC: the pure sender check, and the IPC adapter wired to fake
// Electron objects (ipc-main.ts imports only types from electron, so it loads without an Electron binary).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { APP_ORIGIN, checkSender, isAppUrl } from '../../electron/app/sender-check.ts';
import { EVENT_CHANNEL, registerIpc, type IpcAdapterDeps } from '../../electron/platform/ipc-main.ts';
import { CHANNELS } from '../../shared/ipc/contract.ts';
import type { CallContext, Handlers } from '../../shared/ipc/dispatch.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';

describe('isAppUrl', () => {
  for (const url of ['app://certdesk/', 'app://certdesk/index.html', 'app://certdesk/index.html?x=1#y', 'APP://certdesk/index.html']) {
    it(`accepts ${url}`, () => assert.equal(isAppUrl(url), true));
  }
  for (const url of [
    'app://certdesk.evil/',
    'app://evil.certdesk/',
    'app://certdesk:8080/',
    'app://evil@certdesk/',
    'app://certdesk@evil/',
    'app:certdesk/index.html',
    'https://certdesk/',
    'http://localhost:5173/',
    'file:///tmp/index.html',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    'data:text/html,<p>hi',
    '',
    'not a url',
  ]) {
    it(`refuses ${JSON.stringify(url)}`, () => assert.equal(isAppUrl(url), false));
  }
});

describe('checkSender', () => {
  const good = { fromOurWindow: true, frame: { url: `${APP_ORIGIN}/index.html`, isMainFrame: true } };
  it('accepts the main frame of our window on the app page', () => assert.deepEqual(checkSender(good), { ok: true }));
  it('refuses another window', () => assert.equal(checkSender({ ...good, fromOurWindow: false }).ok, false));
  it('refuses a sub-frame', () =>
    assert.equal(checkSender({ ...good, frame: { ...good.frame, isMainFrame: false } }).ok, false));
  it('refuses a vanished frame', () => assert.equal(checkSender({ ...good, frame: null }).ok, false));
  it('refuses a foreign page and does not echo its path', () => {
    const verdict = checkSender({ ...good, frame: { url: 'https://evil.example/steal?token=abc', isMainFrame: true } });
    assert.equal(verdict.ok, false);
    assert.ok(!verdict.ok && !verdict.reason.includes('token'), 'the reason must not carry the query string');
  });
});

// ---- the adapter with fake Electron objects ------------------------------------------------------------------

// Electron's types, reached through the adapter's signature (tests may not import electron, not even types).
type FakeIpc = IpcAdapterDeps['ipc'];
type BrowserWindow = ReturnType<IpcAdapterDeps['windows']>[number];
type IpcMainInvokeEvent = Parameters<Parameters<FakeIpc['handle']>[1]>[0];

let nextFrameId = 1;
class FakeFrame {
  readonly frameTreeNodeId = nextFrameId++;
  constructor(
    public url: string,
    public parent: FakeFrame | null = null,
  ) {}
}

class FakeContents extends EventEmitter {
  readonly mainFrame: FakeFrame;
  readonly sent: [string, unknown][] = [];
  destroyed = false;
  constructor(url = `${APP_ORIGIN}/index.html`) {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isCrashed(): boolean {
    return false;
  }
  send(channel: string, message: unknown): void {
    this.sent.push([channel, message]);
  }
}

function fakeWindow(contents: FakeContents): BrowserWindow {
  return { webContents: contents, isDestroyed: () => contents.destroyed } as unknown as BrowserWindow;
}

type InvokeListener = (event: IpcMainInvokeEvent, request: unknown) => Promise<Envelope<unknown>>;

function fakeIpc() {
  const handlers = new Map<string, InvokeListener>();
  const ipc = {
    handle: (channel: string, listener: InvokeListener) => {
      assert.ok(!handlers.has(channel), `${channel} registered twice`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as FakeIpc;
  return { ipc, handlers };
}

function invokeEvent(contents: FakeContents, frame: FakeFrame | null): IpcMainInvokeEvent {
  return { sender: contents, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

const APP_INFO = {
  version: '0.0.0-test',
  dataDir: '/tmp/x',
  keychain: { available: true, backend: 'memory', detail: null },
};

function setup(overrides: Partial<Record<string, (req: unknown, ctx: CallContext) => Promise<unknown>>> = {}) {
  const calls: { channel: string; ctx: CallContext }[] = [];
  const handlers = Object.fromEntries(
    CHANNELS.map((channel) => [
      channel,
      async (req: unknown, ctx: CallContext) => {
        calls.push({ channel, ctx });
        const override = overrides[channel];
        if (override) return override(req, ctx);
        if (channel === 'app:info') return { ...APP_INFO, face: ctx.face };
        throw new Error(`${channel} not expected in this test`);
      },
    ]),
  ) as unknown as Handlers;
  const ours = new FakeContents();
  const { ipc, handlers: registered } = fakeIpc();
  const adapter = registerIpc({ ipc, handlers, windows: () => [fakeWindow(ours)] });
  const call = (channel: string, event: IpcMainInvokeEvent, request: unknown = {}) => {
    const listener = registered.get(channel);
    assert.ok(listener, `no handler for ${channel}`);
    return listener(event, request);
  };
  return { ours, adapter, registered, calls, call };
}

describe('registerIpc', () => {
  it('registers exactly the contract channels and removes them on dispose', () => {
    const { registered, adapter } = setup();
    assert.deepEqual([...registered.keys()].sort(), [...CHANNELS].sort());
    adapter.dispose();
    assert.equal(registered.size, 0);
  });

  it('dispatches a call from the main frame of our window', async () => {
    const { ours, call, calls } = setup();
    const res = await call('app:info', invokeEvent(ours, ours.mainFrame));
    assert.deepEqual(res, { ok: true, value: { ...APP_INFO, face: 'electron' } });
    assert.equal(calls[0]?.ctx.face, 'electron');
    assert.ok(calls[0]?.ctx.signal instanceof AbortSignal);
  });

  it('accepts another wrapper object of the same main frame', async () => {
    const { ours, call } = setup();
    const twin = Object.assign(new FakeFrame(ours.mainFrame.url), { frameTreeNodeId: ours.mainFrame.frameTreeNodeId });
    const res = await call('app:info', invokeEvent(ours, twin));
    assert.equal(res.ok, true);
  });

  it('validates the request through dispatch()', async () => {
    const { ours, call, calls } = setup();
    const res = await call('accounts:get', invokeEvent(ours, ours.mainFrame), { id: '' });
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.error.code, 'INVALID_INPUT');
    assert.equal(calls.length, 0);
  });

  const refused: [string, (ours: FakeContents) => IpcMainInvokeEvent][] = [
    ['another webContents on the app page', () => invokeEvent(new FakeContents(), new FakeFrame(`${APP_ORIGIN}/index.html`))],
    ['a sub-frame of our window', (ours) => invokeEvent(ours, new FakeFrame(`${APP_ORIGIN}/index.html`, ours.mainFrame))],
    ['a frame that is not our main frame', (ours) => invokeEvent(ours, new FakeFrame(`${APP_ORIGIN}/index.html`))],
    ['a vanished frame', (ours) => invokeEvent(ours, null)],
    [
      'our window showing a foreign page',
      (ours) => {
        ours.mainFrame.url = 'https://evil.example/';
        return invokeEvent(ours, ours.mainFrame);
      },
    ],
    [
      'a look-alike host',
      (ours) => {
        ours.mainFrame.url = 'app://certdesk.evil/index.html';
        return invokeEvent(ours, ours.mainFrame);
      },
    ],
  ];
  for (const [name, makeEvent] of refused) {
    it(`answers FORBIDDEN to ${name} without running the handler`, async () => {
      const { ours, call, calls } = setup();
      const res = await call('app:info', makeEvent(ours));
      assert.equal(res.ok, false);
      assert.equal(!res.ok && res.error.code, 'FORBIDDEN');
      assert.equal(calls.length, 0);
    });
  }

  it('aborts the calls in flight when the calling window goes away, with one listener set per window', async () => {
    let seen: AbortSignal | undefined;
    const { ours, call } = setup({
      'accounts:list': (_req, ctx) =>
        new Promise((_resolve, reject) => {
          seen = ctx.signal;
          ctx.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        }),
    });
    const pending = Array.from({ length: 20 }, () => call('accounts:list', invokeEvent(ours, ours.mainFrame)));
    await new Promise((r) => setImmediate(r));
    assert.equal(seen?.aborted, false);
    for (const name of ['destroyed', 'did-navigate', 'render-process-gone']) assert.equal(ours.listenerCount(name), 1, name);
    ours.emit('destroyed');
    for (const res of await Promise.all(pending)) assert.equal(!res.ok && res.error.code, 'CANCELLED');
  });

  it('ctx.emit pushes to the caller, with only the declared fields', async () => {
    const { ours, call } = setup({
      'accounts:list': async (_req, ctx) => {
        ctx.emit?.('accounts:changed', { id: 'a1', secret: 'x' } as never);
        return [];
      },
    });
    const res = await call('accounts:list', invokeEvent(ours, ours.mainFrame));
    assert.deepEqual(res, { ok: true, value: [] });
    assert.deepEqual(ours.sent, [[EVENT_CHANNEL, { event: 'accounts:changed', payload: { id: 'a1' } }]]);
  });

  it('broadcast reaches our windows on the app page only, and drops payloads that break the contract', () => {
    const { ours, adapter } = setup();
    adapter.broadcast('ops:progress', { opId: 'op-12345678', step: 's', status: 'running', message: 'm' });
    adapter.broadcast('ops:progress', { opId: 'op-12345678', status: 'bogus' } as never);
    assert.deepEqual(ours.sent, [
      [EVENT_CHANNEL, { event: 'ops:progress', payload: { opId: 'op-12345678', step: 's', status: 'running', message: 'm' } }],
    ]);
    ours.mainFrame.url = 'https://evil.example/';
    adapter.broadcast('accounts:changed', {});
    assert.equal(ours.sent.length, 1);
  });
});
