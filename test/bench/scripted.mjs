#!/usr/bin/env node
// Benchmark: one certificate issued the way a user scripts it, every step a fresh process, against certbot as a whole
// process (issue 11, "Speed as a script sees it"). Beside test/bench/run.mjs, which times Certdesk's engine inside a
// warm process, this one counts everything a script pays: Node's start, loading the CLI, the keychain, the store.
//
//   node test/bench/scripted.mjs [--runs N] [--startup-runs M] [--only=certdesk,certbot] [--strict]
//   import { run } from './scripted.mjs'; await run({ runs: 5 })      (what test/bench/run.mjs can call)
//
// Certdesk, per run (RSA-2048, http-01, an existing account; N runs, default 5):
//   node out/cli/certdesk.cjs --json request create --domains <name> --challenge http-01 --key rsa-2048
//   serve the printed http-01 answers (a small HTTP server of this script on Pebble's http-01 port)
//   node out/cli/certdesk.cjs --json request verify <id>          (must end "available")
// certbot, per run: certbot certonly --standalone (its own http-01 server) for one name, as run.mjs runs it.
// Wall time: from starting the first process to the end of the last. CPU: user + system time of those processes
// (children's rusage, from /usr/bin/time), the script's own serving excluded. Pebble's CPU counts for neither; the
// keychain daemons' CPU during Certdesk's runs (certbot has none: it keeps its keys in files) is reported beside.
// Both sides first do one untimed issuance (account registration for certbot, warm-up for both: Python's bytecode
// and Certdesk's compile cache are then in place, as on any machine where the tool has run once).
// Start-up: `node -e 0` and `certdesk --version` alternately, M times each (default 20): medians, and the difference.
// Targets (issue 11): wall ≤ 0.25 × certbot, CPU ≤ certbot, start-up overhead ≤ 0.15 s. Reported PASS/MISS
// (--strict: exit 1 on a MISS). Results: test/artifacts/bench-scripted.json. Work dir: test/.bench-scripted (or
// $CERTDESK_BENCH_DIR-scripted), one run at a time per directory.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeBed, startBed, stopAll } from '../bed/bed.mjs';
import { claimRunner, findExe, liveRunner } from '../bed/util.mjs';
import { certbotDirs, certbotIssueArgs } from './certbot-args.mjs';
import { textTable } from './format.mjs';

export const TARGETS = { wallRatio: 0.25, cpuRatio: 1, startupOverheadS: 0.15 };
const SIDES = ['certdesk', 'certbot'];
const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = path.join(repoRoot, 'out', 'cli', 'certdesk.cjs');
const TIME = '/usr/bin/time';
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs one process under /usr/bin/time: { code, stdout, stderr, wallS, cpuS } (cpuS = user + system of the process
 * and its children, as time(1) reports them from wait4).
 */
function timed(cmd, args, { env, cwd = repoRoot, timeoutMs = 120_000, workDir }) {
  const timeFile = path.join(workDir, `time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(TIME, ['-f', '%U %S', '-o', timeFile, cmd, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${TIME} ${cmd}: ${err.message}`));
    });
    child.once('close', async (code) => {
      const wallS = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      try {
        const line = (await readFile(timeFile, 'utf8')).trim().split('\n').pop();
        await rm(timeFile, { force: true });
        const [u, s] = line.split(' ').map(Number);
        if (!Number.isFinite(u) || !Number.isFinite(s)) throw new Error(`unexpected time(1) output: ${line}`);
        resolve({ code, stdout, stderr, wallS, cpuS: u + s });
      } catch (err) {
        reject(new Error(`${cmd} ${args.join(' ')}: no CPU time (${err.message}); exit ${code}: ${stderr.slice(-500)}`));
      }
    });
  });
}

function must(what, r) {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().slice(-800)}`);
  return r;
}

/** CPU seconds (user + system) used so far by the keychain's processes (gnome-keyring-daemon, dbus-daemon). */
async function daemonCpu(workDir) {
  let total = 0;
  let lines = [];
  try {
    lines = (await readFile(path.join(workDir, 'pids'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  for (const l of lines) {
    const [pid, name] = l.split('\t');
    if (!pid || !/keyring|dbus/.test(name ?? '')) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime
    } catch {
      /* gone */
    }
  }
  return total;
}

/** The http-01 answers Certdesk prints, served on Pebble's validation port (what the scripting user does). */
async function answerServer(port) {
  const files = new Map();
  const server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end('not found');
    else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    serve(request) {
      for (const c of request.challenges ?? []) if (c.type === 'http-01' && c.httpPath) files.set(c.httpPath, c.httpContent ?? '');
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function certdeskSide(env, tag, o) {
  const dataDir = path.join(o.workDir, 'certdesk-data');
  const cli = (...args) => [CLI, '--data-dir', dataDir, '--json', ...args];
  const reg = must(
    'certdesk account register',
    await timed(process.execPath, cli('account', 'register', '--email', `scripted-${tag}@example.test`, '--directory', env.PEBBLE_DIRECTORY, '--ca-file', env.PEBBLE_CA_FILE, '--agree-tos'), { env, workDir: o.workDir }),
  );
  o.log(`certdesk: account registered in ${reg.wallS.toFixed(3)} s (untimed)`);
  const server = await answerServer(Number(env.PEBBLE_HTTP_PORT));
  const issue = async (name) => {
    const created = must('certdesk request create', await timed(process.execPath, cli('request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'rsa-2048'), { env, workDir: o.workDir }));
    const request = JSON.parse(created.stdout);
    server.serve(request);
    const verified = must('certdesk request verify', await timed(process.execPath, cli('request', 'verify', request.id), { env, workDir: o.workDir }));
    const done = JSON.parse(verified.stdout);
    if (done.status !== 'available' || !done.certificate) throw new Error(`certdesk request verify ended ${done.status}: ${JSON.stringify(done.error ?? null)}`);
    return { create: created, verify: verified };
  };
  try {
    await issue(`sc-${tag}-warm.example.test`);
    const runs = [];
    for (let i = 1; i <= o.runs; i++) {
      const name = `sc-${tag}-${i}.example.test`;
      const d0 = await daemonCpu(o.workDir);
      const t0 = performance.now();
      const r = await issue(name);
      const wallS = (performance.now() - t0) / 1000;
      const d1 = await daemonCpu(o.workDir);
      const run = {
        i,
        name,
        wallS: round(wallS),
        cpuS: round(r.create.cpuS + r.verify.cpuS),
        create: { wallS: round(r.create.wallS), cpuS: round(r.create.cpuS) },
        verify: { wallS: round(r.verify.wallS), cpuS: round(r.verify.cpuS) },
        keychainDaemonsCpuS: d0 === null || d1 === null ? null : round(d1 - d0, 2),
      };
      runs.push(run);
      o.log(`certdesk run ${i}/${o.runs}: ${run.wallS.toFixed(3)} s wall, ${run.cpuS.toFixed(3)} s CPU (create ${run.create.wallS.toFixed(3)}/${run.create.cpuS.toFixed(3)}, verify ${run.verify.wallS.toFixed(3)}/${run.verify.cpuS.toFixed(3)})`);
    }
    return { runs };
  } finally {
    await server.close();
  }
}

async function certbotSide(env, tag, o) {
  const exe = await findExe('certbot');
  const dir = path.join(o.workDir, 'certbot');
  await mkdir(dir, { recursive: true });
  const childEnv = { ...env, REQUESTS_CA_BUNDLE: env.PEBBLE_CA_FILE };
  const common = certbotDirs(dir);
  const reg = must(
    'certbot register',
    await timed(exe, [...common, 'register', '--server', env.PEBBLE_DIRECTORY, '--agree-tos', '--register-unsafely-without-email', '--non-interactive'], { env: childEnv, workDir: o.workDir }),
  );
  o.log(`certbot: account registered in ${reg.wallS.toFixed(3)} s (untimed)`);
  const issue = async (name) => {
    const args = certbotIssueArgs(dir, env, name);
    const r = must(`certbot certonly ${name}`, await timed(exe, args, { env: childEnv, workDir: o.workDir }));
    if (!existsSync(path.join(dir, 'live', name, 'cert.pem'))) throw new Error(`certbot: exit 0 but no certificate for ${name}`);
    return r;
  };
  await issue(`cbs-${tag}-warm.example.test`);
  const runs = [];
  for (let i = 1; i <= o.runs; i++) {
    const name = `cbs-${tag}-${i}.example.test`;
    const r = await issue(name);
    runs.push({ i, name, wallS: round(r.wallS), cpuS: round(r.cpuS) });
    o.log(`certbot run ${i}/${o.runs}: ${r.wallS.toFixed(3)} s wall, ${r.cpuS.toFixed(3)} s CPU`);
  }
  return { runs };
}

/** `node -e 0` and `certdesk --version`, alternately (so both see the same machine load). */
async function startup(env, o) {
  const node = [];
  const cli = [];
  await timed(process.execPath, [CLI, '--version'], { env, workDir: o.workDir }); // compile cache in place
  for (let i = 0; i < o.startupRuns; i++) {
    node.push(must('node -e 0', await timed(process.execPath, ['-e', '0'], { env, workDir: o.workDir })));
    const v = must('certdesk --version', await timed(process.execPath, [CLI, '--version'], { env, workDir: o.workDir }));
    if (!/^\d+\.\d+\.\d+/.test(v.stdout)) throw new Error(`certdesk --version printed ${JSON.stringify(v.stdout)}`);
    cli.push(v);
  }
  const s = (rs) => ({ medianWallS: round(median(rs.map((r) => r.wallS))), medianCpuS: round(median(rs.map((r) => r.cpuS))) });
  const n = s(node);
  const c = s(cli);
  return { runs: o.startupRuns, node: n, certdeskVersion: c, overheadS: round(c.medianWallS - n.medianWallS), overheadCpuS: round(c.medianCpuS - n.medianCpuS) };
}


/**
 * Runs the benchmark. Options: runs (5), startupRuns (20), only (['certdesk', 'certbot']), workDir, artifactsDir,
 * log (a function), strict. Starts and stops its own Pebble + keyring. Resolves the report (also written as JSON).
 */
export async function run(options = {}) {
  const o = {
    runs: options.runs ?? 5,
    startupRuns: options.startupRuns ?? 20,
    only: new Set(options.only ?? SIDES),
    workDir: path.resolve(options.workDir ?? (process.env.CERTDESK_BENCH_DIR ? `${path.resolve(process.env.CERTDESK_BENCH_DIR)}-scripted` : path.join(repoRoot, 'test', '.bench-scripted'))),
    artifactsDir: options.artifactsDir ?? path.join(repoRoot, 'test', 'artifacts'),
    log: options.log ?? ((m) => console.log(`[bench:scripted] ${m}`)),
  };
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (Debian package "time"): it measures each process's CPU time`);
  const runnerFile = path.join(o.workDir, 'runner');
  const other = await liveRunner(runnerFile);
  if (other) throw new Error(`another benchmark (pid ${other}) is using ${o.workDir}; wait for it or set CERTDESK_BENCH_DIR`);
  await stopAll(o.workDir);
  await rm(o.workDir, { recursive: true, force: true });
  await mkdir(o.workDir, { recursive: true });
  await claimRunner(runnerFile);
  let bed = null;
  try {
    o.log(`starting Pebble and the keyring in ${path.relative(repoRoot, o.workDir) || o.workDir}`);
    bed = await startBed({ workDir: o.workDir, services: ['pebble', 'keyring'] });
    o.log(describeBed(bed));
    // The user's own cache folder stays untouched: the CLI's compile cache lives in the work dir.
    const env = { ...process.env, ...bed.env, CERTDESK_COMPILE_CACHE: path.join(o.workDir, 'compile-cache') };
    const tag = Date.now().toString(36).slice(-5);
    const results = {};
    results.startup = await startup(env, o);
    o.log(`start-up: node -e 0 ${results.startup.node.medianWallS.toFixed(3)} s, certdesk --version ${results.startup.certdeskVersion.medianWallS.toFixed(3)} s (medians of ${o.startupRuns})`);
    for (const side of SIDES) {
      if (!o.only.has(side)) continue;
      if (side === 'certbot') {
        try {
          await findExe('certbot');
        } catch {
          results.certbot = { skipped: 'not installed (bash test/bed/install.sh)' };
          continue;
        }
      }
      o.log(`--- ${side}`);
      results[side] = await (side === 'certdesk' ? certdeskSide : certbotSide)(env, tag, o);
    }
    const report = summarize(results, o);
    await mkdir(o.artifactsDir, { recursive: true });
    const out = path.join(o.artifactsDir, 'bench-scripted.json');
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    o.log(`results: ${path.relative(repoRoot, out)}`);
    return report;
  } finally {
    if (bed) await bed.stop();
    await stopAll(o.workDir);
    await rm(runnerFile, { force: true });
  }
}

function summarize(results, o) {
  const side = (r) => (r?.runs?.length ? { n: r.runs.length, medianWallS: round(median(r.runs.map((x) => x.wallS))), medianCpuS: round(median(r.runs.map((x) => x.cpuS))), runs: r.runs } : r ?? null);
  const cd = side(results.certdesk);
  const cb = side(results.certbot);
  if (cd?.runs) {
    const d = cd.runs.map((x) => x.keychainDaemonsCpuS).filter((x) => typeof x === 'number');
    cd.medianKeychainDaemonsCpuS = d.length ? round(median(d), 2) : null;
    cd.medianCreate = { wallS: round(median(cd.runs.map((x) => x.create.wallS))), cpuS: round(median(cd.runs.map((x) => x.create.cpuS))) };
    cd.medianVerify = { wallS: round(median(cd.runs.map((x) => x.verify.wallS))), cpuS: round(median(cd.runs.map((x) => x.verify.cpuS))) };
  }
  const both = cd?.medianWallS !== undefined && cb?.medianWallS !== undefined;
  const wallRatio = both ? round(cd.medianWallS / cb.medianWallS) : null;
  const cpuRatio = both ? round(cd.medianCpuS / cb.medianCpuS) : null;
  const verdict = (ok) => (ok === null ? 'N/A' : ok ? 'PASS' : 'MISS');
  const targets = {
    wallRatio: { target: TARGETS.wallRatio, value: wallRatio, result: verdict(wallRatio === null ? null : wallRatio <= TARGETS.wallRatio) },
    cpuRatio: { target: TARGETS.cpuRatio, value: cpuRatio, result: verdict(cpuRatio === null ? null : cpuRatio <= TARGETS.cpuRatio) },
    startupOverheadS: { target: TARGETS.startupOverheadS, value: results.startup.overheadS, result: verdict(results.startup.overheadS <= TARGETS.startupOverheadS) },
  };
  const meta = { date: new Date().toISOString(), runs: o.runs, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '), node: process.version };

  console.log('');
  console.log(`One RSA-2048 certificate, http-01, existing account, each step a fresh process (${o.runs} runs; ${meta.cpus} CPUs, load avg ${meta.loadavg}; ${meta.node})`);
  const rows = [['client', 'runs', 'median wall s', 'median CPU s', 'wall vs certbot', 'CPU vs certbot']];
  for (const [name, s] of [['certdesk (create + serve + verify)', cd], ['certbot certonly --standalone', cb]]) {
    if (s?.runs) rows.push([name, s.n, s.medianWallS.toFixed(3), s.medianCpuS.toFixed(3), both ? (s.medianWallS / cb.medianWallS).toFixed(3) : 'n/a', both ? (s.medianCpuS / cb.medianCpuS).toFixed(3) : 'n/a']);
    else rows.push([name, 0, '-', '-', '-', s?.skipped ? `skipped: ${s.skipped}` : '-']);
  }
  console.log(textTable(rows));
  if (cd?.medianCreate) {
    console.log(
      `Certdesk steps (medians): create ${cd.medianCreate.wallS.toFixed(3)} s wall / ${cd.medianCreate.cpuS.toFixed(3)} s CPU, verify ${cd.medianVerify.wallS.toFixed(3)} s / ${cd.medianVerify.cpuS.toFixed(3)} s` +
        (cd.medianKeychainDaemonsCpuS !== null ? `; keychain daemons (not counted above) ${cd.medianKeychainDaemonsCpuS.toFixed(2)} s CPU per issuance` : ''),
    );
  }
  const st = results.startup;
  console.log(
    `Start-up (medians of ${st.runs}): node -e 0 ${st.node.medianWallS.toFixed(3)} s (${st.node.medianCpuS.toFixed(3)} s CPU), certdesk --version ${st.certdeskVersion.medianWallS.toFixed(3)} s (${st.certdeskVersion.medianCpuS.toFixed(3)} s CPU): overhead ${st.overheadS.toFixed(3)} s`,
  );
  console.log('');
  console.log(`Target: wall ≤ ${TARGETS.wallRatio} × certbot → ${wallRatio ?? 'n/a'} ${targets.wallRatio.result}`);
  console.log(`Target: CPU ≤ ${TARGETS.cpuRatio} × certbot → ${cpuRatio ?? 'n/a'} ${targets.cpuRatio.result}`);
  console.log(`Target: start-up overhead ≤ ${TARGETS.startupOverheadS} s → ${st.overheadS.toFixed(3)} s ${targets.startupOverheadS.result}`);
  return { ...meta, startup: st, clients: { certdesk: cd, certbot: cb }, targets };
}

async function main() {
  const usage = (msg) => {
    if (msg) console.error(`bench:scripted: ${msg}`);
    console.error('usage: node test/bench/scripted.mjs [--runs N] [--startup-runs M] [--only=certdesk,certbot] [--strict]');
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string', default: '5' },
        'startup-runs': { type: 'string', default: '20' },
        only: { type: 'string', default: SIDES.join(',') },
        strict: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    usage(err.message);
  }
  if (values.help) usage();
  const runs = Number(values.runs);
  const startupRuns = Number(values['startup-runs']);
  if (!Number.isInteger(runs) || runs < 1) usage('--runs must be a whole number ≥ 1');
  if (!Number.isInteger(startupRuns) || startupRuns < 1) usage('--startup-runs must be a whole number ≥ 1');
  const only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = only.filter((s) => !SIDES.includes(s));
  if (bad.length) usage(`unknown side(s) in --only: ${bad.join(', ')} (known: ${SIDES.join(', ')})`);
  // Ctrl-C / SIGTERM: stop this run's Pebble and keyring (and any client still running) before leaving.
  const workDir = process.env.CERTDESK_BENCH_DIR ? `${path.resolve(process.env.CERTDESK_BENCH_DIR)}-scripted` : path.join(repoRoot, 'test', '.bench-scripted');
  for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15]]) {
    process.once(sig, () => {
      console.error(`\n[bench:scripted] ${sig}: stopping the test bed...`);
      stopAll(workDir, { graceMs: 500 }).finally(() => process.exit(128 + n));
    });
  }
  const report = await run({ runs, startupRuns, only, workDir });
  const missed = Object.values(report.targets).some((t) => t.result === 'MISS');
  return values.strict && missed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[bench:scripted] ${err.stack || err}`);
      process.exit(1);
    },
  );
}
