#!/usr/bin/env node
// Benchmark: issuing one RSA-2048 certificate (existing account, http-01) with Certdesk's engine, certbot 2.1
// and lego 4.9.1 against the same Pebble in the same run, then N certificates at once with Certdesk.
//
//   npm run bench                      (= build, then node test/bench/run.mjs; then the renewal benchmark)
//   node test/bench/run.mjs [--runs N] [--concurrent M] [--only=certdesk,certbot,lego] [--strict] [--renew-n N | --no-renew]
//
// --runs N        timed issuances per client (default 7); medians and ratios are printed
// --concurrent M  certificates Certdesk issues at once (default 20; 0 skips)
// --only=...      measure only some clients (while developing)
// --strict        exit 1 when the target is missed (default: report PASS/MISS, exit 0)
// --renew-n N     then the renewal benchmark (test/bench/renew.mjs, `npm run bench:renew` alone) with N
//                 certificates (default 100); --no-renew skips it
// --no-scripted   skip the whole-process scripted issuance (test/bench/scripted.mjs: certdesk request create +
//                 verify as fresh processes against certbot as a whole process, and CLI start-up)
// --no-scale      skip the scale benchmark (test/bench/scale.mjs: store open, one change, cert list at 1k/10k)
// --no-paint      skip the repository paint benchmark (test/bench/repository-paint.mjs: Chromium, 1k/10k)
// Each of those runs in its own process (and bench directory) after this one; each also runs alone.
//
// Starts its own Pebble + keyring (test bed library) in test/.bench/ (or $CERTDESK_BENCH_DIR), so it does not
// collide with a running `npm test` (test/.bed). One benchmark at a time per directory. The sides run one
// after another: only one client can hold Pebble's http-01 port. Results: test/artifacts/bench.json.
// Performance targets live here, never in tests.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeBed, startBed, stopAll } from '../bed/bed.mjs';
import { claimRunner, findExe, killGroup, liveRunner, recordPid } from '../bed/util.mjs';
import { certbotDirs, certbotIssueArgs } from './certbot-args.mjs';
import { textTable } from './format.mjs';

const TARGET_RATIO = 0.15; // Certdesk median ≤ 0.15 × certbot median
const CLIENTS = ['certdesk', 'certbot', 'lego'];

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const benchDir = process.env.CERTDESK_BENCH_DIR ? path.resolve(process.env.CERTDESK_BENCH_DIR) : path.join(repoRoot, 'test', '.bench');
const artifactsDir = path.join(repoRoot, 'test', 'artifacts');
const runnerFile = path.join(benchDir, 'runner');

function usage(msg) {
  if (msg) console.error(`bench: ${msg}`);
  console.error('usage: node test/bench/run.mjs [--runs N] [--concurrent M] [--only=certdesk,certbot,lego] [--strict] [--renew-n N | --no-renew] [--no-scripted] [--no-scale] [--no-paint]');
  process.exit(2);
}

let opts;
try {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      concurrent: { type: 'string', default: '20' },
      only: { type: 'string', default: CLIENTS.join(',') },
      strict: { type: 'boolean', default: false },
      'renew-n': { type: 'string', default: '100' },
      'no-renew': { type: 'boolean', default: false },
      'no-scripted': { type: 'boolean', default: false },
      'no-scale': { type: 'boolean', default: false },
      'no-paint': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) usage();
  const runs = Number(values.runs);
  const concurrent = Number(values.concurrent);
  if (!Number.isInteger(runs) || runs < 1) usage('--runs must be a whole number ≥ 1');
  if (!Number.isInteger(concurrent) || concurrent < 0) usage('--concurrent must be a whole number ≥ 0');
  const only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = only.filter((c) => !CLIENTS.includes(c));
  if (bad.length) usage(`unknown client(s) in --only: ${bad.join(', ')} (known: ${CLIENTS.join(', ')})`);
  const renewN = Number(values['renew-n']);
  if (!Number.isInteger(renewN) || renewN < 1) usage('--renew-n must be a whole number ≥ 1');
  opts = {
    runs,
    concurrent,
    only: new Set(only),
    strict: values.strict,
    renewN: values['no-renew'] ? 0 : renewN,
    more: [
      ...(values['no-scripted'] ? [] : [['scripted', 'whole-process scripted issuance and CLI start-up']]),
      ...(values['no-scale'] ? [] : [['scale', 'store and cert list at 1,000 and 10,000 certificates']]),
      ...(values['no-paint'] ? [] : [['repository-paint', 'the repository in Chromium at 1,000 and 10,000 certificates']]),
    ],
  };
} catch (err) {
  usage(err.message);
}

const log = (msg) => console.log(`[bench] ${msg}`);
const signals = { SIGINT: 2, SIGTERM: 15 };
let interrupted = null;
let bed = null;
let ownsDir = false; // set once this run has taken benchDir (never clean up another run's processes)
const children = new Set(); // process-group leaders of running clients

class Interrupted extends Error {}


for (const sig of Object.keys(signals)) {
  process.on(sig, () => {
    if (interrupted) {
      // Second signal: stop waiting.
      (ownsDir ? stopAll(benchDir, { graceMs: 500 }) : Promise.resolve()).finally(() => process.exit(128 + signals[sig]));
      return;
    }
    interrupted = sig;
    console.error(`\n[bench] ${sig}: stopping the clients and the test bed...`);
    for (const pid of children) {
      killGroup(pid, 'SIGTERM');
      setTimeout(() => killGroup(pid, 'SIGKILL'), 5000).unref();
    }
  });
}

function checkInterrupted() {
  if (interrupted) throw new Interrupted(`interrupted by ${interrupted}`);
}

/**
 * Runs a client in its own process group (recorded in benchDir/pids, so a later run or stop-all kills
 * leftovers). Output goes to logFile; onLine gets stdout lines. Resolves {code, signal, ms, tail}, where ms
 * is spawn-to-exit wall time.
 */
async function runClient(name, cmd, args, { env, cwd = repoRoot, logFile, timeoutMs = 180_000, onLine, echoStderr = false }) {
  checkInterrupted();
  const out = createWriteStream(logFile, { flags: 'a' });
  out.write(`$ ${cmd} ${args.join(' ')}\n`);
  const lines = [];
  const t0 = performance.now();
  const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let t1 = null;
  const exited = new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, error: err }));
    child.once('exit', () => (t1 = performance.now()));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let timedOut = false;
  let timer = null;
  if (child.pid) {
    children.add(child.pid);
    timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    try {
      const exe = await readlink(`/proc/${child.pid}/exe`);
      await recordPid(benchDir, child.pid, name, exe, { group: true });
    } catch {
      /* already exited */
    }
    if (interrupted) killGroup(child.pid, 'SIGTERM');
  }
  const collect = (stream, isStdout) => {
    let partial = '';
    stream.on('data', (buf) => {
      out.write(buf);
      const parts = (partial + buf.toString('utf8')).split('\n');
      partial = parts.pop();
      for (const l of parts) {
        lines.push(l);
        if (lines.length > 40) lines.shift();
        if (isStdout && onLine) onLine(l);
        if (!isStdout && echoStderr) process.stderr.write(`  [${name}] ${l}\n`);
      }
    });
    stream.on('end', () => {
      if (!partial) return;
      lines.push(partial);
      if (isStdout && onLine) onLine(partial);
    });
  };
  collect(child.stdout, true);
  collect(child.stderr, false);
  const res = await exited;
  clearTimeout(timer);
  if (child.pid) children.delete(child.pid);
  await new Promise((r) => out.end(r));
  checkInterrupted();
  const tail = lines.slice(-15).join('\n');
  if (res.error) throw new Error(`${name}: cannot start ${cmd}: ${res.error.message}`);
  if (timedOut) throw new Error(`${name}: no result within ${timeoutMs / 1000} s (killed). Log: ${logFile}\n${tail}`);
  return { code: res.code, signal: res.signal, ms: (t1 ?? performance.now()) - t0, tail };
}

async function mustSucceed(name, p, logFile) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${name} failed (exit ${r.code ?? r.signal}). Log: ${logFile}\n${r.tail}`);
  return r;
}

// ------------------------------------------------------------------------------------------------ sides

async function benchCertdesk(env, tag) {
  const logFile = path.join(benchDir, 'certdesk.log');
  const dataDir = path.join(benchDir, 'certdesk-data');
  await mkdir(dataDir, { recursive: true });
  const results = { setup: null, runs: [], concurrent: null, error: null };
  const onLine = (line) => {
    if (!line.startsWith('BENCH ')) return;
    let msg;
    try {
      msg = JSON.parse(line.slice(6));
    } catch {
      return;
    }
    if (msg.type === 'setup') {
      results.setup = msg;
      log(`certdesk: bootstrap ${msg.bootstrapMs} ms, account registered in ${msg.registerMs} ms (untimed)`);
    } else if (msg.type === 'run') {
      results.runs.push(msg);
      log(`certdesk run ${msg.i}/${opts.runs}: ${(msg.ms / 1000).toFixed(3)} s`);
    } else if (msg.type === 'concurrent') {
      results.concurrent = msg;
      log(`certdesk ${msg.n} concurrent: ${(msg.wallMs / 1000).toFixed(3)} s wall (${msg.ok}/${msg.n} issued)`);
    } else if (msg.type === 'error') {
      results.error = msg.message;
    }
  };
  const args = [
    '--import', 'tsx',
    path.join('test', 'bench', 'certdesk-issue.ts'),
    '--runs', String(opts.runs),
    '--concurrent', String(opts.concurrent),
    '--data-dir', dataDir,
    '--tag', tag,
  ];
  const timeoutMs = 120_000 + (opts.runs + opts.concurrent) * 30_000;
  const r = await runClient('certdesk', process.execPath, args, { env, logFile, timeoutMs, onLine, echoStderr: true });
  if (r.code !== 0 || results.error) {
    throw new Error(`certdesk side failed (exit ${r.code ?? r.signal}): ${results.error ?? 'no result'}. Log: ${logFile}; engine log: ${dataDir}/logs/certdesk.log`);
  }
  if (results.runs.length !== opts.runs) throw new Error(`certdesk side reported ${results.runs.length} of ${opts.runs} runs. Log: ${logFile}`);
  return results;
}

async function benchCertbot(env, tag) {
  const exe = await findExe('certbot');
  const dir = path.join(benchDir, 'certbot');
  await mkdir(dir, { recursive: true });
  const logFile = path.join(benchDir, 'certbot.log');
  const childEnv = { ...process.env, REQUESTS_CA_BUNDLE: env.PEBBLE_CA_FILE };
  const common = certbotDirs(dir);
  // Existing account: register once, untimed.
  const reg = await mustSucceed(
    'certbot register',
    runClient('certbot', exe, [...common, 'register', '--server', env.PEBBLE_DIRECTORY, '--agree-tos', '--register-unsafely-without-email', '--non-interactive'], {
      env: childEnv,
      logFile,
    }),
    logFile,
  );
  log(`certbot: account registered in ${Math.round(reg.ms)} ms (untimed)`);
  const runs = [];
  for (let i = 1; i <= opts.runs; i++) {
    const name = `cb-${tag}-${i}.example.test`;
    const args = certbotIssueArgs(dir, env, name);
    const r = await mustSucceed(`certbot run ${i}`, runClient('certbot', exe, args, { env: childEnv, logFile }), logFile);
    const cert = path.join(dir, 'live', name, 'cert.pem');
    if (!existsSync(cert)) throw new Error(`certbot run ${i}: exit 0 but no ${cert}. Log: ${logFile}`);
    runs.push({ i, name, ms: round1(r.ms) });
    log(`certbot run ${i}/${opts.runs}: ${(r.ms / 1000).toFixed(3)} s`);
  }
  return { runs };
}

async function benchLego(env, tag) {
  const exe = await findExe('lego');
  const dir = path.join(benchDir, 'lego');
  await mkdir(dir, { recursive: true });
  const logFile = path.join(benchDir, 'lego.log');
  const childEnv = { ...process.env, LEGO_CA_CERTIFICATES: env.PEBBLE_CA_FILE };
  const argsFor = (name) => [
    '--server', env.PEBBLE_DIRECTORY,
    '--email', `bench-${tag}@example.test`,
    '--accept-tos',
    '--domains', name,
    '--http', '--http.port', `127.0.0.1:${env.PEBBLE_HTTP_PORT}`,
    '--path', dir,
    '--key-type', 'rsa2048',
    'run',
  ];
  const certOf = (name) => path.join(dir, 'certificates', `${name}.crt`);
  // lego has no separate register command: the first run registers the account (untimed); later runs reuse
  // it from --path.
  const first = `lg-${tag}-register.example.test`;
  const reg = await mustSucceed('lego (registering run)', runClient('lego', exe, argsFor(first), { env: childEnv, logFile }), logFile);
  if (!existsSync(certOf(first))) throw new Error(`lego registering run: exit 0 but no ${certOf(first)}. Log: ${logFile}`);
  log(`lego: account registered (+ one issuance) in ${Math.round(reg.ms)} ms (untimed)`);
  const runs = [];
  for (let i = 1; i <= opts.runs; i++) {
    const name = `lg-${tag}-${i}.example.test`;
    const r = await mustSucceed(`lego run ${i}`, runClient('lego', exe, argsFor(name), { env: childEnv, logFile }), logFile);
    if (!existsSync(certOf(name))) throw new Error(`lego run ${i}: exit 0 but no ${certOf(name)}. Log: ${logFile}`);
    runs.push({ i, name, ms: round1(r.ms) });
    log(`lego run ${i}/${opts.runs}: ${(r.ms / 1000).toFixed(3)} s`);
  }
  return { runs };
}

// ------------------------------------------------------------------------------------------------ report

const round1 = (x) => Math.round(x * 10) / 10;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function stats(samplesMs) {
  return {
    n: samplesMs.length,
    medianMs: round1(median(samplesMs)),
    minMs: round1(Math.min(...samplesMs)),
    maxMs: round1(Math.max(...samplesMs)),
    samplesMs: samplesMs.map(round1),
  };
}

const sec = (ms) => (ms / 1000).toFixed(3);


/** Median time of each step over the sequential Certdesk runs, biggest first. */
function stepMedians(runs) {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.steps ?? {})));
  const out = {};
  for (const k of keys) out[k] = round1(median(runs.map((r) => r.steps?.[k] ?? 0)));
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

function report(results, meta) {
  const summary = {};
  for (const c of CLIENTS) {
    const r = results[c];
    if (r?.runs?.length) summary[c] = stats(r.runs.map((x) => x.ms));
  }
  const cb = summary.certbot?.medianMs;
  for (const s of Object.values(summary)) s.ratioVsCertbot = cb ? Math.round((s.medianMs / cb) * 1000) / 1000 : null;

  console.log('');
  console.log(`One RSA-2048 certificate, http-01, existing account, same Pebble (${meta.runs} runs each; ${meta.cpus} CPUs, load avg ${meta.loadavg})`);
  const rows = [['client', 'runs', 'median s', 'min', 'max', 'ratio vs certbot']];
  for (const c of CLIENTS) {
    const s = summary[c];
    if (s) rows.push([c, s.n, sec(s.medianMs), sec(s.minMs), sec(s.maxMs), s.ratioVsCertbot === null ? 'n/a' : s.ratioVsCertbot.toFixed(3)]);
    else rows.push([c, 0, '-', '-', '-', results[c]?.skipped ? `skipped: ${results[c].skipped}` : results[c]?.error ? 'FAILED' : '-']);
  }
  console.log(textTable(rows));

  const conc = results.certdesk?.concurrent;
  let concurrent = null;
  if (conc) {
    concurrent = { n: conc.n, ok: conc.ok, wallMs: conc.wallMs, perCertMs: conc.perCertMs, eachMs: stats(conc.each.length ? conc.each : [0]) };
    const peers = ['certbot', 'lego']
      .filter((c) => summary[c])
      .map((c) => `${c} ${sec(summary[c].medianMs)} s/cert`)
      .join(', ');
    console.log('');
    console.log(`Certdesk ${conc.n} concurrent: wall ${sec(conc.wallMs)} s (${sec(conc.perCertMs)} s/cert)${peers ? `; sequential ${peers} (median of the runs above)` : ''}`);
  }

  const steps = results.certdesk?.runs?.length ? stepMedians(results.certdesk.runs) : null;
  if (steps) {
    const writes = results.certdesk.runs.map((r) => r.storeWrites).filter((w) => typeof w === 'number');
    console.log(
      `Certdesk steps (median ms per run): ${Object.entries(steps).filter(([, v]) => v >= 0.5).map(([k, v]) => `${k} ${v}`).join(', ')}` +
        (writes.length ? `; ${median(writes)} request store writes per issuance` : ''),
    );
  }

  let target;
  const cd = summary.certdesk?.medianMs;
  if (cd !== undefined && cb !== undefined) {
    const limit = round1(TARGET_RATIO * cb);
    const pass = cd <= limit;
    target = { ratio: TARGET_RATIO, certdeskMedianMs: cd, limitMs: limit, result: pass ? 'PASS' : 'MISS' };
    console.log('');
    console.log(`Target: Certdesk median ≤ ${TARGET_RATIO} × certbot median: ${sec(cd)} s vs ${sec(limit)} s (ratio ${summary.certdesk.ratioVsCertbot.toFixed(3)}) → ${target.result}`);
  } else {
    target = { ratio: TARGET_RATIO, result: 'N/A', reason: 'needs both the certdesk and the certbot medians' };
    console.log('');
    console.log(`Target: Certdesk median ≤ ${TARGET_RATIO} × certbot median → N/A (${target.reason})`);
  }
  return { summary, concurrent, certdeskSteps: steps, target };
}

// ------------------------------------------------------------------------------------------------ main


async function main() {
  const other = await liveRunner(runnerFile);
  if (other) {
    console.error(`[bench] another benchmark (pid ${other}) is using ${benchDir}; wait for it or set CERTDESK_BENCH_DIR to another directory`);
    return 1;
  }
  ownsDir = true;
  const killed = await stopAll(benchDir);
  if (killed.length) console.error(`[bench] killed ${killed.length} leftover process(es): ${killed.map((k) => `${k.name}(${k.pid})`).join(' ')}`);
  await rm(benchDir, { recursive: true, force: true });
  await mkdir(benchDir, { recursive: true });
  await claimRunner(runnerFile);

  // Peers that are not installed are reported as skipped (bash test/bed/install.sh installs them).
  const results = {};
  for (const c of ['certbot', 'lego']) {
    if (!opts.only.has(c)) continue;
    try {
      await findExe(c);
    } catch {
      results[c] = { skipped: 'not installed (bash test/bed/install.sh)' };
    }
  }

  log(`starting Pebble and the keyring in ${path.relative(repoRoot, benchDir) || benchDir}`);
  try {
    bed = await startBed({ workDir: benchDir, services: ['pebble', 'keyring'] });
  } catch (err) {
    console.error(`[bench] ${err.message}\n[bench] logs: ${benchDir}`);
    return 1;
  }
  log(describeBed(bed));
  checkInterrupted();
  const env = { ...process.env, ...bed.env };
  const tag = Date.now().toString(36).slice(-5);
  const started = new Date().toISOString();

  const sides = { certdesk: benchCertdesk, certbot: benchCertbot, lego: benchLego };
  let failed = false;
  for (const c of CLIENTS) {
    if (!opts.only.has(c) || results[c]?.skipped) continue;
    log(`--- ${c}`);
    try {
      results[c] = await sides[c](env, tag);
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      failed = true;
      results[c] = { error: err.message };
      console.error(`[bench] ${err.message}`);
    }
  }

  const meta = {
    date: started,
    runs: opts.runs,
    concurrent: opts.concurrent,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    node: process.version,
    pebble: bed.env.PEBBLE_DIRECTORY,
  };
  const rep = report(results, meta);
  await mkdir(artifactsDir, { recursive: true });
  const out = path.join(artifactsDir, 'bench.json');
  const json = {
    ...meta,
    clients: Object.fromEntries(
      CLIENTS.filter((c) => results[c]).map((c) => [
        c,
        {
          ...(rep.summary[c] ?? {}),
          ...(results[c].skipped ? { skipped: results[c].skipped } : {}),
          ...(results[c].error ? { error: results[c].error } : {}),
          ...(results[c].runs ? { runs: results[c].runs } : {}),
          ...(c === 'certdesk' && results[c].setup ? { setup: { bootstrapMs: results[c].setup.bootstrapMs, registerMs: results[c].setup.registerMs } } : {}),
        },
      ]),
    ),
    certdeskConcurrent: rep.concurrent ? { ...rep.concurrent, steps: results.certdesk.concurrent.steps, failures: results.certdesk.concurrent.failures } : null,
    certdeskSteps: rep.certdeskSteps,
    target: rep.target,
  };
  await writeFile(out, `${JSON.stringify(json, null, 2)}\n`);
  log(`results: ${path.relative(repoRoot, out)}; logs: ${path.relative(repoRoot, benchDir)}/`);

  if (failed) return 1;
  if (opts.strict && rep.target.result !== 'PASS') return 1;
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  if (!(err instanceof Interrupted)) console.error(`[bench] ${err.stack || err}`);
  code = 1;
} finally {
  if (bed) {
    const b = bed;
    bed = null;
    await b.stop();
  }
  if (ownsDir) {
    await stopAll(benchDir);
    await rm(runnerFile, { force: true });
  }
}
// Then the renewal benchmark, in its own process and bench directory (it starts BIND and its own Pebble).
if (!interrupted && opts.renewN > 0) {
  log(`--- renewal benchmark (${opts.renewN} certificates): node test/bench/renew.mjs`);
  const renewEnv = { ...process.env };
  if (process.env.CERTDESK_BENCH_DIR) renewEnv.CERTDESK_BENCH_DIR = `${benchDir}-renew`;
  const args = [path.join(repoRoot, 'test', 'bench', 'renew.mjs'), '--n', String(opts.renewN), ...(opts.strict ? ['--strict'] : [])];
  const renewCode = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: renewEnv, stdio: 'inherit' });
    child.on('close', (c, sig) => resolve(sig ? 1 : (c ?? 1)));
  });
  if (renewCode !== 0) code = code || renewCode;
}
// Then the benchmarks of issue 11, each in its own process and bench directory.
for (const [name, what] of interrupted ? [] : opts.more) {
  const script = path.join(repoRoot, 'test', 'bench', `${name}.mjs`);
  if (!existsSync(script)) {
    log(`--- ${what}: test/bench/${name}.mjs is missing, skipped`);
    continue;
  }
  log(`--- ${what}: node test/bench/${name}.mjs`);
  const moreEnv = { ...process.env };
  if (process.env.CERTDESK_BENCH_DIR) moreEnv.CERTDESK_BENCH_DIR = `${benchDir}-${name}`;
  const moreCode = await new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...(opts.strict ? ['--strict'] : [])], { cwd: repoRoot, env: moreEnv, stdio: 'inherit' });
    child.on('close', (c, sig) => resolve(sig ? 1 : (c ?? 1)));
  });
  if (moreCode !== 0) code = code || moreCode;
  if (interrupted) break;
}
process.exit(interrupted ? 128 + signals[interrupted] : code);
