// Scale benchmark, one size: makes a data directory with N saved certificates (test/helpers/scale-data.ts), then
// times, each as the median of --runs:
//   open    openStore() on it (read, journal replay, validation of every record, the data key) + close
//   change  one saved change through the Store API as a service makes it (a certificate's renewal policy)
//   list    `certdesk --data-dir D --json cert list` as a whole process (the built CLI, out/cli/certdesk.cjs), as
//           scripts meet it: answered from the listing cache (db.json.list, electron/cli/fast-list.ts)
// and, once each (informative): the fold of the journal into db.json, an open that replays a journal, the close
// of a store that rebuilds the listing after a change, and `cert list` on the normal path (no listing cache).
//
//   node --import tsx test/bench/scale-worker.ts --n 10000 --dir DIR [--runs 5]
//
// Needs the keychain the CLI uses (test/bench/scale.mjs starts a private gnome-keyring and passes its D-Bus env):
// the data key is stored there. Output: one `BENCH {json}` line on stdout; progress on stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createLogger } from '../../electron/core/logger.ts';
import { createKeyringStore } from '../../electron/secrets/keyring-store.ts';
import type { SecretStore } from '../../electron/secrets/secret-store.ts';
import { VERSION } from '../../electron/app/version.ts';
import { buildCertListing, certListingFormat } from '../../electron/repository/cert-listing.ts';
import * as storeModule from '../../electron/store/store.ts';
import { makeScaleData } from '../helpers/scale-data.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    dir: { type: 'string' },
    runs: { type: 'string', default: '5' },
    cli: { type: 'string', default: path.join(process.cwd(), 'out', 'cli', 'certdesk.cjs') },
  },
});
const N = Number(values.n);
const RUNS = Number(values.runs);
if (!Number.isInteger(N) || N < 1 || !values.dir || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('usage: node --import tsx test/bench/scale-worker.ts --n N --dir DIR [--runs R]');
  process.exit(2);
}
const dir = path.resolve(values.dir);
const log = (m: string): void => void process.stderr.write(`[scale ${N}] ${m}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const round = (x: number): number => Math.round(x * 10) / 10;
const { openStore } = storeModule;
// (The same worker times an older build of the store, without a journal, for the before/after figures.)
const JOURNAL_FILE = (storeModule as { JOURNAL_FILE?: string }).JOURNAL_FILE ?? 'db.json.journal';

/** Runs `fn`, returns its wall and CPU time (ms; CPU of this whole process, so only for work done in it). */
async function timed(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const secrets: SecretStore = createKeyringStore({ logger: createLogger({ level: 'error' }) });
  await secrets.check();
  const made = await makeScaleData(dir, N, { secrets });
  log(`data made in ${Math.round(made.ms)} ms (db.json ${(made.dbBytes / 1e6).toFixed(1)} MB)`);
  const logger = createLogger({ level: 'error' });

  const open: number[] = [];
  const openCpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let store: storeModule.Store | undefined;
    const t = await timed(async () => {
      store = await openStore({ dataDir: dir, secrets, face: 'cli', logger });
    });
    open.push(t.wall);
    openCpu.push(t.cpu);
    if (store!.data.certificates.length !== N) throw new Error(`opened ${store!.data.certificates.length} certificates, expected ${N}`);
    await store!.close();
  }
  log(`open: ${open.map(Math.round).join(', ')} ms (CPU ${openCpu.map(Math.round).join(', ')} ms)`);

  // One saved change, as RenewalService.setPolicy makes it: one certificate's renewal plan gets a policy override.
  const change: number[] = [];
  const changeCpu: number[] = [];
  const store = await openStore({ dataDir: dir, secrets, face: 'cli', logger });
  for (let i = 0; i < RUNS; i++) {
    const id = made.certificateIds[(i * 7919) % N]!;
    const t = await timed(() =>
      store.update((d) => {
        const plan = d.renewals.find((r) => r.certificateId === id)!;
        plan.policy = 'days';
        plan.days = 20 + i;
        plan.updatedAt = new Date().toISOString();
      }),
    );
    change.push(t.wall);
    changeCpu.push(t.cpu);
  }
  const check = store.data.renewals.find((r) => r.certificateId === made.certificateIds[0]);
  if (check?.policy !== 'days') throw new Error('the change was not applied');
  await store.close();
  log(`change: ${change.map((x) => x.toFixed(1)).join(', ')} ms (CPU ${changeCpu.map((x) => x.toFixed(1)).join(', ')} ms)`);
  const journalPath = path.join(dir, JOURNAL_FILE);
  const journalBytes = existsSync(journalPath) ? statSync(journalPath).size : 0;

  // Informative: an open that replays the journal of those changes, and the fold of it into db.json.
  let t0 = performance.now();
  const again = await openStore({ dataDir: dir, secrets, face: 'bridge', logger });
  const openWithJournal = performance.now() - t0;
  if (again.data.renewals.find((r) => r.certificateId === made.certificateIds[0])?.policy !== 'days') throw new Error('the journal was not replayed');
  t0 = performance.now();
  await again.close(); // the long-running faces fold the journal when they end
  const fold = performance.now() - t0;
  if (existsSync(journalPath)) throw new Error('the journal was not folded at close');

  // What keeping the listing (db.json.list) adds to the close of a store that changed something: the listing is
  // rebuilt from the data and written (the CLI command that made the change pays this once, at its end).
  const withListing = await openStore({ dataDir: dir, secrets, face: 'cli', logger, listing: { format: certListingFormat(VERSION), build: buildCertListing } });
  await withListing.update((d) => {
    d.renewals[0]!.updatedAt = new Date().toISOString();
  });
  const listingWrite = await timed(() => withListing.close());
  log(`close with a listing rebuild: ${Math.round(listingWrite.wall)} ms (CPU ${Math.round(listingWrite.cpu)} ms)`);

  // `certdesk cert list --json`, a whole process each time: once on the normal path (CERTDESK_LIST_CACHE=off: the
  // store opened, services, dispatch; its close writes the listing again if it is stale), then --runs times as a
  // script meets it, which is the fast path from the listing (checked: zod is never evaluated there).
  const cpuFile = path.join(path.dirname(dir), `cpu-${N}.json`);
  const hook = path.join(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), 'cpu-hook.cjs');
  const runList = (env: NodeJS.ProcessEnv): { wall: number; cpu: number; fast: boolean } => {
    rmSync(cpuFile, { force: true });
    t0 = performance.now();
    const r = spawnSync(process.execPath, ['--require', hook, values.cli!, '--data-dir', dir, '--json', 'cert', 'list'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CERTDESK_BENCH_CPU_FILE: cpuFile, CERTDESK_DEBUG_MODULES: '1', ...env },
    });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`certdesk cert list failed (${r.status}): ${r.stderr}`);
    const certs = JSON.parse(r.stdout) as unknown[];
    if (certs.length !== N) throw new Error(`cert list printed ${certs.length} certificates, expected ${N}`);
    const modules = r.stderr.split('\n').find((l) => l.startsWith('certdesk-modules '));
    const fast = modules !== undefined && !(JSON.parse(modules.slice('certdesk-modules '.length)) as { bundled: string[] }).bundled.includes('zod');
    return { wall, cpu: (JSON.parse(readFileSync(cpuFile, 'utf8')) as { cpuMs: number }).cpuMs, fast };
  };
  const normal = runList({ CERTDESK_LIST_CACHE: 'off' });
  if (normal.fast) throw new Error('CERTDESK_LIST_CACHE=off still took the fast path');
  log(`cert list, normal path: ${Math.round(normal.wall)} ms (CPU ${Math.round(normal.cpu)} ms)`);
  const list: number[] = [];
  const listCpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = runList({});
    if (!r.fast) throw new Error('cert list did not take the fast path with a current listing');
    list.push(r.wall);
    listCpu.push(r.cpu);
  }
  log(`cert list: ${list.map(Math.round).join(', ')} ms (CPU ${listCpu.map(Math.round).join(', ')} ms)`);
  rmSync(cpuFile, { force: true });
  await secrets.delete(made.dataKeyName).catch(() => undefined);

  const result = {
    n: N,
    runs: RUNS,
    dbBytes: made.dbBytes,
    makeMs: Math.round(made.ms),
    openMs: round(median(open)),
    changeMs: round(median(change)),
    listMs: round(median(list)),
    cpu: { openMs: round(median(openCpu)), changeMs: round(median(changeCpu)), listMs: round(median(listCpu)) },
    samples: { open: open.map(round), change: change.map(round), list: list.map(round), openCpu: openCpu.map(round), changeCpu: changeCpu.map(round), listCpu: listCpu.map(round) },
    journalBytes,
    listNormalMs: round(normal.wall),
    listNormalCpuMs: round(normal.cpu),
    listingBytes: existsSync(path.join(dir, 'db.json.list')) ? statSync(path.join(dir, 'db.json.list')).size : 0,
    listingWriteMs: round(listingWrite.wall),
    listingWriteCpuMs: round(listingWrite.cpu),
    openWithJournalMs: round(openWithJournal),
    foldMs: round(fold),
  };
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(`[scale ${N}] ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
