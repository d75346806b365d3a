// The loopback bridge: who may connect, what it serves, and how frames become dispatch() envelopes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { injectShim, startBridge, tokensMatch, type Bridge } from '../../electron/bridge/server.ts';
import type { AppInfo } from '../../shared/ipc/contract.ts';
import type { CallContext, Handlers } from '../../shared/ipc/dispatch.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';

const INFO: AppInfo = {
  version: '9.9.9',
  dataDir: '/tmp/certdesk-test',
  face: 'bridge',
  keychain: { available: true, backend: 'memory', detail: null },
};

/** Only the channels these tests call; anything else fails loudly. */
function fakeHandlers(seen: { aborted: boolean; faces: string[] }): Handlers {
  const impl: Partial<Record<string, (req: unknown, ctx: CallContext) => Promise<unknown>>> = {
    'app:info': async (_req, ctx) => {
      seen.faces.push(ctx.face);
      return { ...INFO, face: ctx.face };
    },
    'accounts:list': async (_req, ctx) => {
      ctx.emit?.('accounts:changed', {});
      return [];
    },
    // Waits until the caller goes away: proves the per-connection signal.
    'accounts:refresh': (_req, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal?.addEventListener('abort', () => {
          seen.aborted = true;
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      }),
  };
  return new Proxy({} as Handlers, {
    get: (_t, channel: string) =>
      impl[channel] ??
      (async () => {
        throw new Error(`fake handler for ${channel} not written`);
      }),
  });
}

interface Reply {
  id: string | number | null;
  envelope: Envelope<unknown>;
}

function connect(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, filter: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      if (!filter(msg)) return;
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
  });
}

async function callBridge(ws: WebSocket, frame: unknown): Promise<Reply> {
  const id = (frame as { id?: unknown }).id ?? null;
  const reply = nextMessage(ws, (m) => 'envelope' in m && m.id === id);
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return (await reply) as unknown as Reply;
}

function httpGet(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('bridge server', () => {
  let dir: string;
  let bridge: Bridge;
  let wsBase: string;
  let origin: string;
  const seen = { aborted: false, faces: [] as string[] };
  const relayed: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certdesk-bridge-'));
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(
      join(dir, 'renderer/index.html'),
      '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'self\'"></head><body><div id="root"></div><script type="module" src="./app.js"></script></body></html>',
    );
    writeFileSync(join(dir, 'renderer/app.js'), 'console.log("app")');
    writeFileSync(join(dir, 'secret.txt'), 'outside the static dir');
    writeFileSync(join(dir, 'shim.js'), 'window.certdesk = {}');
    bridge = await startBridge({
      handlers: fakeHandlers(seen),
      staticDir: join(dir, 'renderer'),
      shimFile: join(dir, 'shim.js'),
      onEvent: (event) => relayed.push(event),
    });
    origin = `http://127.0.0.1:${bridge.port}`;
    wsBase = `ws://127.0.0.1:${bridge.port}/__bridge/ws`;
  });

  after(async () => {
    await bridge.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a loopback URL with a 256-bit token', () => {
    assert.match(bridge.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(new URL(bridge.url).searchParams.get('token'), bridge.token);
  });

  it('refuses a WebSocket without a token', async () => {
    await assert.rejects(connect(wsBase, origin), { status: 403 });
  });

  it('refuses a WebSocket with a wrong token', async () => {
    await assert.rejects(connect(`${wsBase}?token=${'A'.repeat(43)}`, origin), { status: 403 });
    await assert.rejects(connect(`${wsBase}?token=${bridge.token}x`, origin), { status: 403 });
  });

  it('refuses a WebSocket from another Origin, or with none', async () => {
    const url = `${wsBase}?token=${bridge.token}`;
    await assert.rejects(connect(url, 'http://evil.example'), { status: 403 });
    await assert.rejects(connect(url, `http://localhost:${bridge.port}`), { status: 403 });
    await assert.rejects(connect(url, `http://127.0.0.1:${bridge.port + 1}`), { status: 403 });
    await assert.rejects(connect(url, 'null'), { status: 403 });
    await assert.rejects(connect(url), { status: 403 });
  });

  it('refuses other WebSocket paths', async () => {
    await assert.rejects(connect(`ws://127.0.0.1:${bridge.port}/other?token=${bridge.token}`, origin), { status: 404 });
  });

  it('runs a contract call for a client with the token and the right Origin', async () => {
    const ws = await connect(`${wsBase}?token=${bridge.token}`, origin);
    try {
      const reply = await callBridge(ws, { id: 1, channel: 'app:info', request: {} });
      assert.deepEqual(reply, { id: 1, envelope: { ok: true, value: { ...INFO, face: 'bridge' } } });
      assert.deepEqual(seen.faces, ['bridge']);
    } finally {
      ws.close();
    }
  });

  it('answers a malformed request with INVALID_INPUT and field issues', async () => {
    const ws = await connect(`${wsBase}?token=${bridge.token}`, origin);
    try {
      const bad = await callBridge(ws, {
        id: 'r1',
        channel: 'accounts:register',
        request: { name: '', email: 'not-an-email', directory: 'staging', agreeTos: true },
      });
      assert.equal(bad.id, 'r1');
      assert.equal(bad.envelope.ok, false);
      if (bad.envelope.ok) return;
      assert.equal(bad.envelope.error.code, 'INVALID_INPUT');
      const fields = (bad.envelope.error.issues ?? []).map((i) => i.field).sort();
      assert.deepEqual(fields, ['email', 'name']);
      assert.match(bad.envelope.error.issues?.find((i) => i.field === 'email')?.message ?? '', /E-mail is not a valid address/);

      const notJson = await callBridge(ws, '{"id": 2, "channel": ');
      assert.equal(notJson.id, null);
      assert.equal(notJson.envelope.ok, false);
      if (!notJson.envelope.ok) assert.equal(notJson.envelope.error.code, 'INVALID_INPUT');

      const noChannel = await callBridge(ws, { id: 3, request: {} });
      assert.equal(noChannel.envelope.ok, false);
      if (!noChannel.envelope.ok) {
        assert.equal(noChannel.envelope.error.code, 'INVALID_INPUT');
        assert.equal(noChannel.envelope.error.field, 'channel');
      }

      const unknown = await callBridge(ws, { id: 4, channel: 'shell:exec', request: { cmd: 'id' } });
      assert.equal(unknown.envelope.ok, false);
      if (!unknown.envelope.ok) assert.equal(unknown.envelope.error.code, 'UNKNOWN_CHANNEL');
    } finally {
      ws.close();
    }
  });

  it("sends a call's events to its caller only, relays them to onEvent, and emit() to every page", async () => {
    const ws = await connect(`${wsBase}?token=${bridge.token}`, origin);
    const other = await connect(`${wsBase}?token=${bridge.token}`, origin);
    const otherEvents: unknown[] = [];
    other.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      if ('event' in msg) otherEvents.push(msg);
    });
    try {
      const fromHandler = nextMessage(ws, (m) => m.event === 'accounts:changed');
      await callBridge(ws, { id: 5, channel: 'accounts:list', request: {} });
      assert.deepEqual(await fromHandler, { event: 'accounts:changed', payload: {} });
      assert.deepEqual(relayed, ['accounts:changed']);

      const progress = { opId: 'op-12345678', step: 'register', status: 'running', message: 'Registering' } as const;
      const pushed = [ws, other].map((s) => nextMessage(s, (m) => m.event === 'ops:progress'));
      bridge.emit('ops:progress', progress);
      for (const p of pushed) assert.deepEqual(await p, { event: 'ops:progress', payload: progress });
      assert.deepEqual(otherEvents, [{ event: 'ops:progress', payload: progress }], 'the other page saw only the broadcast');

      // An event that breaks its schema is never sent.
      bridge.emit('ops:progress', { opId: 'x' } as never);
      await callBridge(ws, { id: 8, channel: 'app:info', request: {} });
      assert.equal(otherEvents.length, 1);
    } finally {
      ws.close();
      other.close();
    }
  });

  it('aborts the calls of a connection when it closes', async () => {
    const ws = await connect(`${wsBase}?token=${bridge.token}`, origin);
    ws.send(JSON.stringify({ id: 6, channel: 'accounts:refresh', request: { id: 'acc' } }));
    await new Promise((r) => setTimeout(r, 50));
    ws.close();
    for (let i = 0; i < 50 && !seen.aborted; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.aborted, true);
  });

  it('closes a connection that sends more than 1 MiB at once', async () => {
    const ws = await connect(`${wsBase}?token=${bridge.token}`, origin);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 7, channel: 'app:info', request: { pad: 'x'.repeat(1024 * 1024 + 10) } }));
    assert.equal(await closed, 1009);
  });

  it('serves index.html with the shim before the app and a strict CSP', async () => {
    const res = await httpGet(bridge.port, '/?token=whatever');
    assert.equal(res.status, 200);
    const shimAt = res.body.indexOf('<script src="/__bridge/shim.js"></script>');
    assert.ok(shimAt > 0 && shimAt < res.body.indexOf('src="./app.js"'), res.body);
    assert.doesNotMatch(res.body, /http-equiv/i, 'the meta CSP is replaced by the header');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${bridge.port};`));
    assert.match(csp, /frame-ancestors 'none'/);
    for (const d of ["form-action 'none'", "frame-src 'none'", "worker-src 'none'"]) assert.ok(csp.includes(d), d);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /style-src 'self' 'nonce-[A-Za-z0-9+/=]{24}';/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal((await httpGet(bridge.port, '/__bridge/shim.js')).body, 'window.certdesk = {}');
    assert.equal((await httpGet(bridge.port, '/app.js')).status, 200);
  });

  it('serves nothing outside the static directory', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt', '/nope.js', '/%00']) {
      const res = await httpGet(bridge.port, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /outside the static dir/);
    }
  });

  it('refuses HTTP requests for another Host (DNS rebinding)', async () => {
    assert.equal((await httpGet(bridge.port, '/', 'evil.example')).status, 403);
    assert.equal((await httpGet(bridge.port, '/', `localhost:${bridge.port}`)).status, 403);
  });
});

describe('bridge helpers', () => {
  it('compares tokens in constant time, whatever their length', () => {
    assert.equal(tokensMatch('abc', 'abc'), true);
    assert.equal(tokensMatch('abd', 'abc'), false);
    assert.equal(tokensMatch('abcd', 'abc'), false);
    assert.equal(tokensMatch('', 'abc'), false);
    assert.equal(tokensMatch(null, 'abc'), false);
  });

  it('puts the shim in <head> when the page has no script', () => {
    assert.equal(injectShim('<html><head></head></html>'), '<html><head><script src="/__bridge/shim.js"></script>\n</head></html>');
  });

  it('listens on loopback only', async () => {
    await assert.rejects(startBridge({ handlers: {} as Handlers, host: '0.0.0.0', staticDir: '.', shimFile: 'x' }), /loopback only/);
  });
});
