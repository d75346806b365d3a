#!/usr/bin/env node
// Benchmark: Certdesk with 1,000 and 10,000 saved certificates (issue 11, "Scale"). For each size a data
// directory is generated (test/helpers/scale-data.ts: certificates with their requests, renewal plans, PEM files
// and sealed keys) and timed, median of --runs (test/bench/scale-worker.ts):
//   store open      openStore() in-process: read db.json (+ journal), check every record, the data key
//   one change      one saved change through the Store API (a certificate's renewal policy, as the service does)
//   cert list       `certdesk --data-dir D --json cert list` as a whole process (the built CLI), answered from the
//                   listing cache; the normal path (no cache) and the cost of rebuilding the listing are shown too
// Targets: open < 1 s, change < 50 ms, cert list < 300 ms, at each size, judged on the wall-time medians (PASS/MISS).
// The CPU time of each measure is shown beside it: on a busy machine wall time mostly measures the others.
//
//   node test/bench/scale.mjs [--n 1000,10000] [--runs 5] [--strict]      (build first: npm run build)
//
// As a module: `import { run } from './scale.mjs'; const r = await run({ n: [1000], runs: 3 })` returns the
// results (and prints the same table); pass `env` with a running keyring's D-Bus variables to use it instead of
// starting one. Starts its own keyring (test bed library) in test/.bench-scale/ (or $CERTDESK_BENCH_DIR).
// Results: test/artifacts/bench-scale.json. Performance targets live here, never in tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startBed, stopAll } from '../bed/bed.mjs';

export const TARGETS = { openMs: 1000, changeMs: 50, listMs: 300 };
const LABELS = { openMs: 'store open', changeMs: 'one saved change', listMs: 'cert list (process)' };

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const artifactsDir = path.join(repoRoot, 'test', 'artifacts');
const log = (m) => console.log(`[bench-scale] ${m}`);

/** Runs the worker for one size; resolves with its BENCH result. */
function measure(n, runs, dir, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'bench', 'scale-worker.ts'), '--n', String(n), '--dir', dir, '--runs', String(runs)], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(6)));
      else reject(new Error(`scale worker for n=${n} failed (exit ${code}): ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

function table(results) {
  const rows = [['certificates', 'measure', 'median (wall)', 'CPU', 'target', '']];
  for (const r of results) {
    for (const key of Object.keys(TARGETS)) {
      const ok = r[key] < TARGETS[key];
      rows.push([r.n.toLocaleString('en-US'), LABELS[key], `${r[key]} ms`, `${r.cpu[key]} ms`, `< ${TARGETS[key]} ms`, ok ? 'PASS' : 'MISS']);
    }
    rows.push([r.n.toLocaleString('en-US'), 'db.json size', `${(r.dbBytes / 1e6).toFixed(1)} MB`, '', '', '']);
    rows.push([r.n.toLocaleString('en-US'), 'open replaying a journal / fold (info)', `${r.openWithJournalMs} / ${r.foldMs} ms`, '', '', '']);
    if (r.listNormalMs !== undefined) {
      rows.push([r.n.toLocaleString('en-US'), 'cert list, normal path, no cache (info)', `${r.listNormalMs} ms`, `${r.listNormalCpuMs} ms`, '', '']);
      rows.push([r.n.toLocaleString('en-US'), 'close rebuilding the listing (info)', `${r.listingWriteMs} ms`, `${r.listingWriteCpuMs} ms`, `${(r.listingBytes / 1e6).toFixed(1)} MB`, '']);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/**
 * @param {{ n?: number[], runs?: number, env?: NodeJS.ProcessEnv, benchDir?: string, write?: boolean }} [options]
 * @returns {Promise<{ targets: typeof TARGETS, results: object[], pass: boolean, table: string }>}
 */
export async function run(options = {}) {
  const sizes = options.n ?? [1000, 10000];
  const runs = options.runs ?? 5;
  const benchDir = path.resolve(options.benchDir ?? process.env.CERTDESK_BENCH_DIR ?? path.join(repoRoot, 'test', '.bench-scale'));
  if (!existsSync(path.join(repoRoot, 'out', 'cli', 'certdesk.cjs'))) throw new Error('out/cli/certdesk.cjs is missing: run `npm run build` first');
  let bed = null;
  let env = options.env;
  if (!env?.DBUS_SESSION_BUS_ADDRESS) {
    await stopAll(benchDir).catch(() => undefined);
    await rm(path.join(benchDir, 'keyring'), { recursive: true, force: true });
    await mkdir(benchDir, { recursive: true });
    bed = await startBed({ workDir: benchDir, services: ['keyring'] });
    env = { ...process.env, ...bed.env };
  }
  const results = [];
  try {
    for (const n of sizes) {
      log(`${n.toLocaleString('en-US')} certificates: making the data, then ${runs} runs of each measure`);
      const dir = path.join(benchDir, `data-${n}`);
      try {
        results.push(await measure(n, runs, dir, env));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    if (bed) await bed.stop();
  }
  const pass = results.every((r) => Object.keys(TARGETS).every((k) => r[k] < TARGETS[k]));
  const text = table(results);
  console.log(text);
  if (options.write !== false) {
    await mkdir(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, 'bench-scale.json');
    await writeFile(
      file,
      JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, targets: TARGETS, pass, results }, null, 2) + '\n',
    );
    log(`results: ${path.relative(repoRoot, file)}`);
  }
  return { targets: TARGETS, results, pass, table: text };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  let opts;
  try {
    const { values } = parseArgs({
      options: { n: { type: 'string', default: '1000,10000' }, runs: { type: 'string', default: '5' }, strict: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) throw new Error('');
    const n = values.n.split(',').map((s) => Number(s.trim()));
    if (n.some((x) => !Number.isInteger(x) || x < 1)) throw new Error('--n takes whole numbers ≥ 1, comma-separated');
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
    opts = { n, runs, strict: values.strict };
  } catch (err) {
    if (err.message) console.error(`bench-scale: ${err.message}`);
    console.error('usage: node test/bench/scale.mjs [--n 1000,10000] [--runs 5] [--strict]');
    process.exit(2);
  }
  run(opts).then(
    (r) => process.exit(opts.strict && !r.pass ? 1 : 0),
    (err) => {
      console.error(`bench-scale: ${err.stack ?? err.message}`);
      process.exit(1);
    },
  );
}
