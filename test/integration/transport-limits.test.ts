// ACME transport limits, against local servers the test controls (a fake CA signed by a fresh test CA):
// bounded answers, HTTPS only (before any request body leaves), no redirects, and a newAccount answer that
// does not name or describe the account is an error that leaves nothing behind.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.ts';
import {
  makeCa,
  startFakeAcme,
  startPlainListener,
  streamBytes,
  type FakeAcme,
  type PlainListener,
  type TestCa,
} from '../helpers/tls-servers.ts';

describe('ACME transport limits', () => {
  let ca: TestCa;
  let t: TestApp;
  const servers: { close(): Promise<void> }[] = [];

  before(async () => {
    ca = makeCa('Certdesk test CA (transport)');
    t = await startApp();
  });
  after(async () => {
    await t.close();
    for (const s of servers) await s.close();
  });

  async function fake(opts: Parameters<typeof startFakeAcme>[1]): Promise<FakeAcme> {
    const s = await startFakeAcme(ca.issueServer(), opts);
    servers.push(s);
    return s;
  }

  /** A fresh plain-HTTP listener that records whatever reaches it. */
  async function plainListener(): Promise<PlainListener> {
    const p = await startPlainListener();
    servers.push(p);
    return p;
  }

  function register(directory: string) {
    return t.raw('accounts:register', { name: 'Limits', email: 'admin@example.test', directory, caFile: ca.caFile, agreeTos: true });
  }

  /** No account in the store and no key or CA file under accounts/. */
  async function assertNothingStored(): Promise<void> {
    assert.deepEqual(await t.call('accounts:list', {}), [], 'no account stored');
    const dir = join(t.dataDir, 'accounts');
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], 'no key or CA file left under accounts/');
  }

  it('refuses a 300 MB directory in bounded memory', async (ctx) => {
    const TOTAL = 300 * 1024 * 1024;
    const counter = { bytes: 0 };
    const big = await fake({ routes: { '/dir': streamBytes(TOTAL, counter) } });
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      for (const channel of ['accounts:directory-info', 'accounts:register'] as const) {
        const r =
          channel === 'accounts:register'
            ? await register(big.directoryUrl)
            : await t.raw(channel, { directory: big.directoryUrl, caFile: ca.caFile });
        assert.equal(r.ok, false, `${channel} must refuse the directory`);
        if (r.ok) return;
        assert.equal(r.error.field, 'directory', r.error.message);
        assert.match(r.error.message, /larger than 2 MiB/, r.error.message);
      }
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const grewMb = (peak - base) / 1024 / 1024;
    ctx.diagnostic(`RSS grew by ${grewMb.toFixed(1)} MB; the server sent ${(counter.bytes / 1024 / 1024).toFixed(1)} MB of 300 MB`);
    assert.ok(grewMb < 100, `memory grew by ${grewMb.toFixed(0)} MB reading a 300 MB directory (must stay under 100 MB)`);
    assert.ok(counter.bytes < 64 * 1024 * 1024, `the download was cut short (${(counter.bytes / 1024 / 1024).toFixed(0)} MB of 300 MB sent)`);
    await assertNothingStored();
  });

  it('refuses http:// endpoints before any request leaves', async () => {
    const plain = await plainListener();
    for (const [name, value] of [
      ['newAccount', `${plain.origin}/new-acct`],
      ['newNonce', `${plain.origin}/nonce`],
      ['keyChange', `${plain.origin}/key-change`],
      ['renewalInfo', `${plain.origin}/renewal-info`],
    ] as const) {
      const dir = await fake({ directory: () => ({ [name]: value }) });
      const preview = await t.raw('accounts:directory-info', { directory: dir.directoryUrl, caFile: ca.caFile });
      assert.equal(!preview.ok && preview.error.field, 'directory', `preview of a directory with an http ${name}`);
      const r = await register(dir.directoryUrl);
      assert.equal(r.ok, false, `a directory naming ${name} = ${value} must be refused`);
      if (r.ok) return;
      assert.equal(r.error.code, 'INVALID_INPUT');
      assert.equal(r.error.field, 'directory');
      assert.match(r.error.message, new RegExp(`names ${name} = http://.*not an https:// URL`), r.error.message);
      assert.deepEqual(dir.requests.filter((q) => q.method === 'POST'), [], 'nothing was signed and sent to the CA either');
    }
    assert.equal(plain.connections, 0, `nothing may reach the plain-HTTP listener: ${JSON.stringify(plain.requests)}`);
    await assertNothingStored();
  });

  it('follows no redirect, least of all to plain HTTP', async () => {
    const plain = await plainListener();
    const toPlain = (path: string, status: number) => (_req: unknown, res: import('node:http').ServerResponse) =>
      res.writeHead(status, { location: `${plain.origin}${path}`, 'replay-nonce': 'x'.repeat(22) }).end();
    // The directory itself redirects to http://.
    const dirRedirect = await fake({ routes: { '/dir': toPlain('/dir', 301) } });
    const preview = await t.raw('accounts:directory-info', { directory: dirRedirect.directoryUrl, caFile: ca.caFile });
    assert.equal(preview.ok, false);
    assert.equal(!preview.ok && preview.error.field, 'directory');
    assert.match(!preview.ok ? preview.error.message : '', /redirect \(HTTP 301\) to http:\/\/127\.0\.0\.1:\d+\/dir, a plain-HTTP address/);

    // newAccount answers 307 (re-send the same POST) to http://: the e-mail and EAB would go out in clear.
    const acctRedirect = await fake({ routes: { '/new-acct': toPlain('/new-acct', 307) } });
    const r = await register(acctRedirect.directoryUrl);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /redirect \(HTTP 307\).*refused/);
    assert.equal(acctRedirect.requests.filter((q) => q.url === '/new-acct').length, 1, 'newAccount was sent once, to the HTTPS endpoint');
    assert.equal(plain.connections, 0, `nothing may reach the plain-HTTP listener: ${JSON.stringify(plain.requests)}`);
    await assertNothingStored();
  });

  it('refuses a plain-HTTP URL the CA names later (an authorization), before anything is sent to it', async () => {
    const plain = await plainListener();
    const s = await fake({
      routes: {
        '/new-order': (req, res) => {
          const origin = `https://127.0.0.1:${req.socket.localPort}`;
          res
            .writeHead(201, { 'content-type': 'application/json', location: `${origin}/order/1`, 'replay-nonce': 'n'.repeat(22) })
            .end(
              JSON.stringify({
                status: 'pending',
                identifiers: [{ type: 'dns', value: 'www.example.test' }],
                authorizations: [`${plain.origin}/authz/1`],
                finalize: `${origin}/order/1/finalize`,
              }),
            );
        },
      },
    });
    const app = await startApp();
    try {
      const acct = await app.call('accounts:register', { name: 'Later', email: 'admin@example.test', directory: s.directoryUrl, caFile: ca.caFile, agreeTos: true });
      const r = await app.raw('requests:create', { accountId: acct.id, domains: ['www.example.test'], challengeType: 'http-01', key: 'ec-p256' });
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.error.message : '', /Refused to send POST http:\/\/127\.0\.0\.1:\d+\/authz\/1: .*HTTPS only\. Nothing was sent/);
      assert.equal(plain.connections, 0, `nothing may reach the plain-HTTP listener: ${JSON.stringify(plain.requests)}`);
    } finally {
      await app.close();
    }
  });

  it('a newAccount answer without Location is an error that leaves nothing behind', async () => {
    const s = await fake({
      routes: {
        '/new-acct': (_req, res) =>
          res.writeHead(201, { 'content-type': 'application/json', 'replay-nonce': 'n'.repeat(22) }).end('{"status":"valid"}'),
      },
    });
    const r = await register(s.directoryUrl);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'ACME_ERROR');
    assert.match(r.error.message, /no Location header/);
    await assertNothingStored();
  });

  it('a newAccount answer that is not JSON is an error that leaves nothing behind', async () => {
    const s = await fake({
      routes: {
        '/new-acct': (_req, res) =>
          res
            .writeHead(201, { 'content-type': 'text/html', location: `https://127.0.0.1:${_req.socket.localPort}/acct/1`, 'replay-nonce': 'n'.repeat(22) })
            .end('<html><body>Welcome!</body></html>'),
      },
    });
    const r = await register(s.directoryUrl);
    assert.equal(r.ok, false, 'an account whose state the CA did not give must not be stored as valid');
    if (r.ok) return;
    assert.equal(r.error.code, 'ACME_ERROR');
    assert.match(r.error.message, /not JSON/);
    await assertNothingStored();
  });
});
