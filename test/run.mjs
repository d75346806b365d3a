#!/usr/bin/env node
// Test runner: starts the test bed (Pebble, BIND, sshd, keyring) in test/.bed, runs every
// *.test.ts / *.test.mts / *.test.mjs under test/ with node:test (tsx for TypeScript), stops the bed.
//
//   node test/run.mjs [filters...] [--no-bed] [--bed-only] [--services=pebble,bind,...] [--<node test flag>...]
//
// filters: keep test files whose repo-relative path contains any filter (e.g. `bed`, `test/acme/`).
// --no-bed: run without starting services (CERTDESK_NO_BED=1: bed and e2e suites skip themselves; the
//   integration suites fail, they need the services). Without it a suite whose services are missing fails.
// --bed-only: start the bed, write test/.bed/env.json, and wait for Ctrl-C (manual debugging).
// Other --flags (e.g. --test-name-pattern=x) are passed to node.
// CERTDESK_TEST_TIMEOUT: per-test timeout in ms (default 600000).
// CERTDESK_BED_DIR: bed work dir (default test/.bed); one run at a time per bed dir.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_SERVICES, describeBed, startBed, stopAll } from './bed/bed.mjs';
import { claimRunner, killGroup, liveRunner, recordPid } from './bed/util.mjs';

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const testDir = path.join(repoRoot, 'test');
const bedDir = process.env.CERTDESK_BED_DIR ? path.resolve(process.env.CERTDESK_BED_DIR) : path.join(testDir, '.bed');
const artifactsDir = path.join(testDir, 'artifacts');
const TEST_FILE = /\.test\.(ts|mts|mjs)$/;
const SKIP_DIRS = new Set(['node_modules', '.bed', 'artifacts', 'fixtures']);

const runnerFile = path.join(bedDir, 'runner');


async function findTestFiles(dir, out = []) {
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.') || SKIP_DIRS.has(ent.name)) continue;
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) await findTestFiles(p, out);
    else if (ent.isFile() && TEST_FILE.test(ent.name)) out.push(p);
  }
  return out;
}

function normFilter(f) {
  const abs = path.resolve(f);
  const rel = abs.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, abs) : f;
  return rel.replace(/^\.\//, '');
}

function parseArgs(argv) {
  const o = { filters: [], nodeFlags: [], bed: true, bedOnly: false, services: ALL_SERVICES };
  for (const a of argv) {
    if (a === '--no-bed') o.bed = false;
    else if (a === '--bed-only') o.bedOnly = true;
    else if (a.startsWith('--services=')) o.services = a.slice(11).split(',').filter(Boolean);
    else if (a.startsWith('--')) o.nodeFlags.push(a);
    else o.filters.push(normFilter(a));
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const signals = { SIGINT: 2, SIGTERM: 15 };
let child = null;
let interrupted = null;
let bed = null;

// Where the PIDs of this run are recorded (bed services and the test process group).
let pidDir = bedDir;

async function shutdown() {
  // Test processes first: anything the tests spawned and left running is killed with their group.
  const leftovers = (await stopAll(pidDir)).filter((k) => k.name === 'tests');
  if (leftovers.length) console.error('[run] killed processes that tests left running (process group of the test runner)');
  if (bed) {
    const b = bed;
    bed = null;
    await b.stop();
  }
  await stopAll(pidDir);
}


for (const sig of Object.keys(signals)) {
  process.on(sig, () => {
    if (interrupted) {
      // Second signal: do not wait for anything any more.
      stopAll(pidDir, { graceMs: 500 }).finally(() => process.exit(128 + signals[sig]));
      return;
    }
    interrupted = sig;
    console.error(`\n[run] ${sig}: stopping tests and the test bed...`);
    if (child) {
      const pgid = child.pid;
      killGroup(pgid, sig);
      setTimeout(() => killGroup(pgid, 'SIGKILL'), 10_000).unref();
    } else if (opts.bedOnly && bed) {
      shutdown().finally(() => process.exit(0));
    }
  });
}

async function main() {
  let files = (await findTestFiles(testDir)).sort();
  if (opts.filters.length) {
    files = files.filter((f) => {
      const rel = path.relative(repoRoot, f);
      return opts.filters.some((flt) => rel.includes(flt));
    });
  }
  if (!files.length && !opts.bedOnly) {
    console.error(`[run] no test files matched${opts.filters.length ? ` filters: ${opts.filters.join(' ')}` : ''} (looked for *.test.ts|mts|mjs under test/)`);
    return 1;
  }
  const needsTsx = files.some((f) => /\.m?ts$/.test(f));
  if (needsTsx) {
    try {
      import.meta.resolve('tsx');
    } catch {
      console.error('[run] TypeScript tests need the devDependency tsx: run `npm ci` first');
      return 1;
    }
  }

  await mkdir(artifactsDir, { recursive: true });
  const env = { ...process.env, CERTDESK_ARTIFACTS: artifactsDir };

  if (opts.bed || opts.bedOnly) {
    // On a fresh machine `npm test` alone must be enough: install whatever Debian packages the bed lacks
    // (idempotent, about a second when all are present). CERTDESK_SKIP_INSTALL=1 skips it.
    if (process.env.CERTDESK_SKIP_INSTALL !== '1') {
      const install = spawnSync('bash', [path.join(testDir, 'bed', 'install.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (install.status !== 0) {
        console.error('[run] the test bed packages are missing and could not be installed (see above)');
        return 1;
      }
    }
    const other = await liveRunner(runnerFile);
    if (other) {
      console.error(`[run] another test run (pid ${other}) is using ${bedDir}; wait for it, stop it (node test/bed/stop-all.mjs), or set CERTDESK_BED_DIR to another directory`);
      return 1;
    }
    const killed = await stopAll(bedDir);
    if (killed.length) console.error(`[run] killed ${killed.length} leftover bed process(es): ${killed.map((k) => `${k.name}(${k.pid})`).join(' ')}`);
    await rm(bedDir, { recursive: true, force: true });
    await mkdir(bedDir, { recursive: true });
    await claimRunner(runnerFile);
    try {
      bed = await startBed({ workDir: bedDir, services: opts.services });
    } catch (err) {
      console.error(`[run] ${err.message}`);
      console.error(`[run] logs: ${bedDir}`);
      return 1;
    }
    await writeFile(path.join(bedDir, 'env.json'), `${JSON.stringify(bed.env, null, 2)}\n`);
    console.log(`[run] ${describeBed(bed)}`);
    Object.assign(env, bed.env);
    delete env.CERTDESK_NO_BED;
  } else {
    pidDir = path.join(bedDir, 'no-bed');
    await rm(pidDir, { recursive: true, force: true });
    // Suites that need the bed skip only when told so; anywhere else a missing service fails them.
    env.CERTDESK_NO_BED = '1';
    console.log('[run] --no-bed: services not started');
  }
  if (interrupted) return 128 + signals[interrupted];

  if (opts.bedOnly) {
    const envSh = path.join(bedDir, 'env.sh');
    await writeFile(envSh, Object.entries(bed.env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`).join(''));
    console.log(`[run] bed is up; env in ${envSh} (source it in a shell); Ctrl-C stops it`);
    setInterval(() => {}, 1 << 30); // keep alive; the signal handler stops the bed and exits
    await new Promise(() => {});
  }

  const timeout = process.env.CERTDESK_TEST_TIMEOUT || '600000';
  const args = [
    ...(needsTsx ? ['--import', 'tsx'] : []),
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    `--test-timeout=${timeout}`,
    ...opts.nodeFlags,
    ...files.map((f) => path.relative(repoRoot, f)),
  ];
  // Own process group, so that everything the tests start can be killed with it.
  const proc = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  const exited = new Promise((resolve) => {
    proc.once('error', (err) => {
      console.error(`[run] cannot start node: ${err.message}`);
      resolve(1);
    });
    proc.once('exit', (code, signal) => resolve(code ?? 128 + (signals[signal] ?? 9)));
  });
  if (proc.pid) {
    child = proc;
    await recordPid(pidDir, proc.pid, 'tests', process.execPath, { group: true });
    if (interrupted) killGroup(proc.pid, interrupted);
  }
  const code = await exited;
  child = null;
  return code;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`[run] ${err.stack || err}`);
  code = 1;
} finally {
  await shutdown();
}
process.exit(interrupted ? 128 + signals[interrupted] : code);
