// `certdesk cert list` through the built CLI with the listing cache (db.json.list, electron/cli/fast-list.ts):
// the fast path prints exactly what the normal path prints (table and --json: a contract), is taken only with a
// current listing and no lock, and the normal path refreshes a stale listing. Which path ran is seen with
// CERTDESK_DEBUG_MODULES=1: the normal path evaluates zod and loads the keychain, the fast path nothing.
// Needs the keyring of the test bed (the normal path opens the data key): node test/run.mjs ... --services=keyring
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../electron/core/logger.ts';
import { createKeyringStore } from '../../electron/secrets/keyring-store.ts';
import { openStore } from '../../electron/store/store.ts';
import { bedGate, failWithoutBed, tempDir } from '../helpers/bed.ts';
import { makeScaleData, type ScaleData } from '../helpers/scale-data.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  fast: boolean;
}

function certdesk(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CERTDESK_DEBUG_MODULES: '1', ...env },
  });
  const lines = r.stderr.split('\n');
  const line = lines.find((l) => l.startsWith('certdesk-modules '));
  assert.ok(line, `no certdesk-modules line (exit ${r.status}): ${r.stderr}`);
  const loaded = JSON.parse(line.slice('certdesk-modules '.length)) as { bundled: string[]; required: string[] };
  const fast = loaded.bundled.length === 0 && !loaded.required.some((f) => f.includes('keyring'));
  return { code: r.status, stdout: r.stdout, stderr: lines.filter((l) => !l.startsWith('certdesk-modules ')).join('\n'), fast };
}

/** The normal path's output, the fast path's, and their equality (daysLeft is the same within the same day). */
function bothPaths(dataDir: string, args: string[]): { normal: Run; fast: Run } {
  const normal = certdesk(dataDir, args, { CERTDESK_LIST_CACHE: 'off' });
  assert.equal(normal.code, 0, normal.stderr);
  assert.equal(normal.fast, false, 'CERTDESK_LIST_CACHE=off takes the normal path');
  const fast = certdesk(dataDir, args);
  assert.equal(fast.code, 0, fast.stderr);
  assert.equal(fast.fast, true, `cert list ${args.join(' ')} took the fast path`);
  assert.equal(fast.stderr, normal.stderr);
  return { normal, fast };
}

describe('certdesk cert list: the listing cache', () => {
  const gate = bedGate(['DBUS_SESSION_BUS_ADDRESS']);
  failWithoutBed(gate);
  let scale: ScaleData;
  let d: string;
  const secrets = gate.problem || gate.skip ? null : createKeyringStore({ logger: createLogger({ level: 'error' }) });
  before(async () => {
    if (!secrets) return;
    d = join(tempDir('list-cache'), 'data');
    // Over 1 MiB of db.json: changes go to the journal, as in a large estate.
    scale = await makeScaleData(d, 250, { secrets, files: false });
  });
  after(async () => {
    if (scale) await secrets?.delete(scale.dataKeyName).catch(() => undefined);
  });

  it('prints the same bytes as the normal path, table and --json; the normal path wrote the listing', { skip: gate.skip }, () => {
    assert.equal(existsSync(join(d, 'db.json.list')), false, 'the scale data comes without a listing');
    const first = certdesk(d, ['--json', 'cert', 'list']);
    assert.equal(first.fast, false, 'no listing yet: the normal path');
    assert.equal(JSON.parse(first.stdout).length, 250);
    assert.ok(existsSync(join(d, 'db.json.list')), 'written at its close');
    for (const args of [['--json', 'cert', 'list'], ['cert', 'list'], ['cert', '--json', 'list', '-q']]) {
      const { normal, fast } = bothPaths(d, args);
      assert.equal(fast.stdout, normal.stdout, `cert list ${args.join(' ')}: byte for byte`);
    }
  });

  it('a change by another command makes the listing stale: the normal path shows it and refreshes the listing', { skip: gate.skip }, async () => {
    const id = scale.certificateIds[17]!;
    // A change through the store as a service makes it, in a store that keeps no listing (like an older Certdesk).
    const store = await openStore({ dataDir: d, secrets: secrets!, face: 'cli', logger: createLogger({ level: 'error' }) });
    await store.update((data) => {
      data.certificates.find((c) => c.id === id)!.revoked = true;
    });
    await store.close();
    assert.ok(existsSync(join(d, 'db.json.journal')));
    const stale = certdesk(d, ['--json', 'cert', 'list']);
    assert.equal(stale.code, 0, stale.stderr);
    assert.equal(stale.fast, false, 'stale stamp: normal path');
    assert.equal((JSON.parse(stale.stdout) as { id: string; revoked: boolean }[]).find((c) => c.id === id)?.revoked, true);
    const again = certdesk(d, ['--json', 'cert', 'list']);
    assert.equal(again.fast, true, 'refreshed by the normal path');
    assert.equal(again.stdout, stale.stdout);

    // A CLI command that changes something refreshes it at its close: the next list is fast and shows the change.
    const policy = certdesk(d, ['cert', 'policy', id.slice(0, 8), 'days', '--days', '20']);
    assert.equal(policy.code, 0, policy.stderr);
    const listed = certdesk(d, ['cert', 'list']);
    assert.equal(listed.fast, true, 'the listing written by cert policy');
    assert.equal(listed.stdout, certdesk(d, ['cert', 'list'], { CERTDESK_LIST_CACHE: 'off' }).stdout);
  });

  it('a lock held by a live process: the normal path (STORE_LOCKED, as without the cache); a dead one is taken over', { skip: gate.skip }, () => {
    const lock = join(d, 'certdesk.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, face: 'electron', hostname: os.hostname(), startedAt: new Date().toISOString() }));
    try {
      const locked = certdesk(d, ['cert', 'list']);
      assert.equal(locked.fast, false);
      assert.notEqual(locked.code, 0);
      assert.match(locked.stderr, /in use by Certdesk electron/);
      writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 4321, face: 'cli', hostname: os.hostname(), startedAt: new Date().toISOString() }));
      const dead = certdesk(d, ['cert', 'list']);
      assert.equal(dead.code, 0, dead.stderr);
      assert.equal(dead.fast, false, "a dead owner's lock: the normal path takes it over");
      assert.equal(existsSync(lock), false, 'and releases it');
      assert.equal(certdesk(d, ['cert', 'list']).fast, true);
    } finally {
      rmSync(lock, { force: true });
    }
  });
});
