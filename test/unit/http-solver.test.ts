// The resolver with server mappings (server > DNS mapping > request DNS account > manual; never for wildcard
// names; only where the CA offers http-01), and the http-01 solver's own logic: where files go on each server
// of a pool, what the pre-flight says against a real local web server (served, 404, other content, redirect,
// nothing listening), and that clean-up removes exactly what was placed.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../shared/ipc/errors.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { challengePath, type DeployTarget, type TargetDirectory, type TargetSession, type WebrootMapping } from '../../electron/deploy/types.ts';
import { chooseSolver } from '../../electron/orders/solvers/resolver.ts';
import { HttpSolver, PREFLIGHT_ADDRESS_ENV } from '../../electron/orders/solvers/http.ts';
import type { SolverContext } from '../../electron/orders/solvers/types.ts';
import type { PlacedFile } from '../../electron/store/schema.ts';

const web = (domain: string, targetId: string, webroot = `/srv/${targetId}`): WebrootMapping => ({ domain, targetId, targetName: targetId, targetKind: 'ssh', webroot });

describe('resolver: a server mapping wins', () => {
  const serverMappings = [web('example.com', 'web1'), web('example.com', 'web2'), web('shop.example.com', 'shop')];
  const dnsMappings = [{ domain: 'example.com', accountId: 'acc-map' }];

  test('over a DNS mapping and the request account, with every server of the pool', () => {
    const c = chooseSolver('www.example.com', { challengeType: 'dns-01', requestDnsAccountId: 'acc', dnsMappings, serverMappings, httpOffered: () => true });
    assert.equal(c.kind, 'server');
    assert.deepEqual((c as { targets: WebrootMapping[] }).targets.map((t) => t.targetId), ['web1', 'web2']);
    const shop = chooseSolver('a.shop.example.com', { challengeType: 'http-01', requestDnsAccountId: null, dnsMappings: [], serverMappings });
    assert.deepEqual((shop as { targets: WebrootMapping[] }).targets.map((t) => t.targetId), ['shop'], 'the most specific mapping');
  });

  test('not for a wildcard name, nor where the CA offers no http-01: DNS answers those', () => {
    const facts = { challengeType: 'dns-01' as const, requestDnsAccountId: null, dnsMappings, serverMappings, httpOffered: () => true };
    assert.equal(chooseSolver('*.example.com', facts).kind, 'dns');
    assert.equal(chooseSolver('www.example.com', { ...facts, httpOffered: () => false }).kind, 'dns');
  });

  test('an http-01 request without a server mapping stays manual', () => {
    assert.equal(chooseSolver('other.org', { challengeType: 'http-01', requestDnsAccountId: null, dnsMappings: [], serverMappings }).kind, 'manual');
  });
});

/** A target whose "server" is a local folder: what the solver writes and removes can be looked at. */
function folderTargets(root: string, failOn?: string): TargetDirectory & { opened: number } {
  const dir = {
    opened: 0,
    webrootMappings: () => [],
    target(id: string): DeployTarget {
      if (id === 'gone') throw new AppError('NOT_FOUND', 'no such server');
      return {
        id,
        name: id,
        kind: 'ssh',
        open: async (): Promise<TargetSession> => {
          dir.opened++;
          const local = (p: string) => path.join(root, id, p);
          return {
            description: id,
            async putFile(p, content) {
              if (failOn && p.includes(failOn)) throw new AppError('PERMISSION', `cannot write ${p}`);
              mkdirSync(path.dirname(local(p)), { recursive: true });
              writeFileSync(local(p), content);
            },
            async removeFile(p) {
              if (!existsSync(local(p))) return false;
              rmSync(local(p));
              return true;
            },
            async checkWritable() {},
            async install() {
              return { entries: [] };
            },
            async restore() {},
            async run() {
              return { exitCode: 0, output: '' };
            },
            close() {},
          };
        },
      };
    },
  };
  return dir;
}

function context(): SolverContext<PlacedFile> & { kept: PlacedFile[]; messages: string[] } {
  const ctx = {
    kept: [] as PlacedFile[],
    messages: [] as string[],
    signal: new AbortController().signal,
    progress: (name: string, message: string) => void ctx.messages.push(`${name}: ${message}`),
    remember: async (r: PlacedFile[]) => void ctx.kept.push(...r),
    forget: async (r: PlacedFile[]) => {
      ctx.kept = ctx.kept.filter((k) => !r.some((x) => x.path === k.path && x.targetId === k.targetId));
    },
  };
  return ctx;
}

describe('HttpSolver', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'certdesk-http01-'));
  let server: Server;
  let port = 0;
  const files = new Map<string, string>();
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/.well-known/acme-challenge/moved') {
        res.writeHead(301, { location: '/.well-known/acme-challenge/tok' }).end();
        return;
      }
      const body = files.get(req.url ?? '');
      if (body === undefined) res.writeHead(404).end('nope');
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('places each file on every server of the pool, remembered before it is written, and removes exactly those', async () => {
    const targets = folderTargets(root);
    const solver = new HttpSolver({ targets, logger: createMemoryLogger() });
    const ctx = context();
    const pool = [web('example.com', 'web1', '/var/www'), web('example.com', 'web2', '/srv/html/')];
    const placed = await solver.present(
      [
        { name: 'a.example.com', identifier: 'a.example.com', dnsName: null, value: 'tokA.thumb', token: 'tokA', targets: pool },
        { name: 'b.example.com', identifier: 'b.example.com', dnsName: null, value: 'tokB.thumb', token: 'tokB', targets: [pool[0]!] },
      ],
      ctx,
    );
    assert.equal(placed.length, 3);
    assert.equal(targets.opened, 2, 'one session per server');
    assert.equal(readFileSync(path.join(root, 'web1', '/var/www/.well-known/acme-challenge/tokA'), 'utf8'), 'tokA.thumb');
    assert.equal(readFileSync(path.join(root, 'web2', '/srv/html/.well-known/acme-challenge/tokA'), 'utf8'), 'tokA.thumb', 'no double slash from a trailing one');
    assert.deepEqual(ctx.kept, placed);
    await solver.cleanUp(placed, ctx);
    assert.deepEqual(ctx.kept, []);
    assert.ok(!existsSync(path.join(root, 'web1', '/var/www/.well-known/acme-challenge/tokA')));
    assert.ok(!existsSync(path.join(root, 'web2', '/srv/html/.well-known/acme-challenge/tokA')));
  });

  test('a failed write leaves what was placed before it remembered, so the clean-up finds it', async () => {
    const targets = folderTargets(root, 'tokY');
    const solver = new HttpSolver({ targets, logger: createMemoryLogger() });
    const ctx = context();
    const t = [web('example.com', 'web1', '/www')];
    await assert.rejects(
      solver.present(
        [
          { name: 'x.example.com', identifier: 'x.example.com', dnsName: null, value: 'x', token: 'tokX', targets: t },
          { name: 'y.example.com', identifier: 'y.example.com', dnsName: null, value: 'y', token: 'tokY', targets: t },
        ],
        ctx,
      ),
      (e: AppError) => e.code === 'PERMISSION',
    );
    assert.deepEqual(ctx.kept.map((k) => k.path), [challengePath('/www', 'tokX'), challengePath('/www', 'tokY')]);
    await solver.cleanUp([...ctx.kept], ctx);
    assert.deepEqual(ctx.kept, [], 'a file that never got there is simply gone');
  });

  test('a deleted server: its files are dropped from the bookkeeping instead of failing forever', async () => {
    const solver = new HttpSolver({ targets: folderTargets(root), logger: createMemoryLogger() });
    const ctx = context();
    const rec = { name: 'z.example.com', targetId: 'gone', path: '/www/.well-known/acme-challenge/z' };
    ctx.kept.push(rec);
    await solver.cleanUp([rec], ctx);
    assert.deepEqual(ctx.kept, []);
  });

  test('pre-flight: served, 404, other content, a redirect followed, nothing listening', async () => {
    const solver = new HttpSolver({ targets: folderTargets(root), logger: createMemoryLogger(), env: { [PREFLIGHT_ADDRESS_ENV]: `127.0.0.1:${port}` } });
    const signal = new AbortController().signal;
    files.set('/.well-known/acme-challenge/tok', 'tok.thumb\n');
    assert.deepEqual(await solver.preflight('site.test', 'tok', 'tok.thumb', signal), { ok: true, message: 'served' });
    const missing = await solver.preflight('site.test', 'none', 'none.thumb', signal);
    assert.equal(missing.ok, false);
    assert.match(missing.message, /http:\/\/site\.test\/\.well-known\/acme-challenge\/none answered HTTP 404/);
    const other = await solver.preflight('site.test', 'tok', 'another.value', signal);
    assert.match(other.message, /serves other content \("tok\.thumb"\): check the webroot/);
    assert.equal((await solver.preflight('site.test', 'moved', 'tok.thumb', signal)).ok, true, 'redirect followed');
    const closed = new HttpSolver({ targets: folderTargets(root), logger: createMemoryLogger(), env: { [PREFLIGHT_ADDRESS_ENV]: '127.0.0.1:1' } });
    const down = await closed.preflight('site.test', 'tok', 'tok.thumb', signal);
    assert.equal(down.ok, false);
    assert.match(down.message, /could not be fetched from this computer: .*ECONNREFUSED/);
  });

  test('check() warns with the reason and never fails the order', async () => {
    const solver = new HttpSolver({ targets: folderTargets(root), logger: createMemoryLogger(), env: { [PREFLIGHT_ADDRESS_ENV]: `127.0.0.1:${port}` } });
    const ctx = context();
    await solver.check([], ctx, [{ name: 'n.test', identifier: 'n.test', dnsName: null, value: 'v', token: 'absent', targets: [web('n.test', 'web1')] }]);
    assert.match(solver.warnings.get('n.test') ?? '', /^Warning: .*answered HTTP 404.*Asking the CA anyway\.$/);
    assert.ok(ctx.messages.some((m) => m.startsWith('n.test: Warning:')));
  });
});
