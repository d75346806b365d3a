#!/usr/bin/env node
// Benchmark: renewing N due certificates (default 100) against one Pebble in the same run, whole process against
// whole process — Certdesk's CLI as cron runs it (`node out/cli/certdesk.cjs --data-dir D renew --due`, dns-01
// through an RFC 2136 account on BIND, `renewal.concurrency` 16, set with `certdesk settings set`) and certbot
// (`certbot renew --force-renewal` over N lineages, http-01 standalone, its own config dirs). Wall time of each
// process (start-up included), the ratio, and the event-loop delay inside Certdesk's process (a --require hook,
// test/bench/loop-delay-hook.cjs). Certdesk's dns-01 is the heavier path: it publishes a TXT record by RFC 2136
// and waits until every authoritative name server answers it before the CA is asked to validate.
//
//   npm run bench:renew                (= build, then node test/bench/renew.mjs)
//   node test/bench/renew.mjs [--n N] [--concurrency C] [--only=certdesk,certbot] [--strict] [--profile]
//
// --profile  the Certdesk CLI run with --cpu-prof (profiles in the bench dir's cpu-prof/)

// Targets (issue 9): Certdesk ≤ 10 s for 100, ≥ 20× faster than certbot, event loop never blocked > 50 ms.
// Untimed: each side's account and first issuance of its N certificates. Starts its own bed (Pebble's helper
// services, BIND, the keyring) in test/.bench-renew/ (or $CERTDESK_BENCH_DIR) and a Pebble of 1-hour
// certificates that resolves through BIND. Results: test/artifacts/bench-renewal.json.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeBed, startBed, stopAll } from '../bed/bed.mjs';
import { startPebble } from '../bed/pebble.mjs';
import { findExe, killGroup } from '../bed/util.mjs';

const TARGET_MS = 10_000;
const TARGET_SPEEDUP = 20;
const TARGET_LOOP_MS = 50;
const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const benchDir = process.env.CERTDESK_BENCH_DIR ? path.resolve(process.env.CERTDESK_BENCH_DIR) : path.join(repoRoot, 'test', '.bench-renew');
const artifactsDir = path.join(repoRoot, 'test', 'artifacts');

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    only: { type: 'string', default: 'certdesk,certbot' },
    strict: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const N = Number(values.n);
if (!Number.isInteger(N) || N < 1) {
  console.error('bench: --n must be a whole number ≥ 1');
  process.exit(2);
}
const CONCURRENCY = Number(values.concurrency);
const only = new Set(values.only.split(',').map((s) => s.trim()));
const log = (m) => console.log(`[bench] ${m}`);
const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of children) killGroup(pid, 'SIGKILL');
    stopAll(benchDir, { graceMs: 500 }).finally(() => process.exit(130));
  });
}

/** Runs a command in its own process group; resolves { code, ms }. stdout lines go to onLine, all output to logFile. */
function runClient(cmd, args, { env, logFile, onLine, timeoutMs = 1_800_000 }) {
  return new Promise((resolve) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ ${cmd} ${args.join(' ')}\n`);
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child.pid);
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs);
    let partial = '';
    child.stdout.on('data', (b) => {
      out.write(b);
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop();
      for (const l of parts) onLine?.(l);
    });
    child.stderr.on('data', (b) => out.write(b));
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      children.delete(child.pid);
      if (partial) onLine?.(partial);
      out.end(() => resolve({ code, ms }));
    });
  });
}

/** Runs test/bench/certdesk-renew.ts (untimed setup or verify); resolves its BENCH lines by type. */
async function certdeskPhase(phase, env, common, logFile) {
  const res = {};
  const r = await runClient(process.execPath, ['--import', 'tsx', path.join('test', 'bench', 'certdesk-renew.ts'), '--phase', phase, ...common], {
    env,
    logFile,
    onLine: (l) => {
      if (!l.startsWith('BENCH ')) return;
      const m = JSON.parse(l.slice(6));
      res[m.type] = m;
    },
  });
  if (r.code !== 0 || !res[phase]) throw new Error(`certdesk ${phase} failed (exit ${r.code}): ${res.error?.message ?? 'no result'}. Log: ${logFile}`);
  return res[phase];
}

async function certdeskSide(env) {
  const logFile = path.join(benchDir, 'certdesk.log');
  const dataDir = path.join(benchDir, 'certdesk-data');
  const common = ['--n', String(N), '--data-dir', dataDir, '--state', path.join(benchDir, 'certdesk-serials.json')];
  const bind = `127.0.0.1:${env.BIND_PORT}`;
  // Where the propagation check asks: BIND, for the start servers and the zone's name server.
  const cdEnv = { ...env, CERTDESK_DNS_SERVERS: bind, CERTDESK_DNS_NS_ADDRESSES: `ns1.${env.BIND_ZONE}=${bind}` };
  const setup = await certdeskPhase('setup', cdEnv, common, logFile);
  log(`certdesk: ${setup.n} certificates issued and saved in ${(setup.issueMs / 1000).toFixed(1)} s (untimed)`);
  const cli = [path.join('out', 'cli', 'certdesk.cjs'), '--data-dir', dataDir];
  const set = await runClient(process.execPath, [...cli, 'settings', 'set', 'renewal.concurrency', String(CONCURRENCY)], { env: cdEnv, logFile });
  if (set.code !== 0) throw new Error(`certdesk settings set renewal.concurrency failed (exit ${set.code}). Log: ${logFile}`);
  // Timed: the whole CLI process, as cron runs it, with the event-loop hook inside it.
  const loopFile = path.join(benchDir, 'certdesk-loop.json');
  const profArgs = values.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(benchDir, 'cpu-prof')] : [];
  let out = '';
  const r = await runClient(process.execPath, ['--require', path.join(repoRoot, 'test', 'bench', 'loop-delay-hook.cjs'), ...profArgs, ...cli, '--json', 'renew', '--due'], {
    env: { ...cdEnv, CERTDESK_LOOP_OUT: loopFile, CERTDESK_LOOP_MARK: 'due for renewal' },
    logFile,
    onLine: (l) => {
      out += `${l}\n`;
    },
  });
  let results;
  try {
    results = JSON.parse(out).results;
  } catch {
    throw new Error(`certdesk renew --due printed no results (exit ${r.code}). Log: ${logFile}`);
  }
  const failed = results.filter((x) => !x.ok);
  const loop = JSON.parse(readFileSync(loopFile, 'utf8'));
  const verify = await certdeskPhase('verify', cdEnv, common, logFile);
  const res = {
    what: `node out/cli/certdesk.cjs renew --due, a whole process (start-up included), dns-01 via RFC 2136 on BIND, concurrency ${CONCURRENCY}`,
    wallMs: Math.round(r.ms * 10) / 10,
    exitCode: r.code,
    ok: results.length - failed.length,
    failed: failed.length,
    replaced: verify.replaced,
    concurrency: CONCURRENCY,
    eventLoopDelayMaxMs: loop.maxMs,
    eventLoopDelayMaxAfterStartMs: loop.maxAfterStartMs,
    eventLoopDelayMaxWhileRenewingMs: loop.maxAfterMarkMs,
    renewingFromMs: loop.markMs,
    eventLoopStartupMs: loop.startupMs,
    eventLoopDelayP99Ms: loop.p99Ms,
    eventLoopDelayMeanMs: loop.meanMs,
    eventLoopWorst: loop.worst,
    firstFailure: failed[0]?.message ?? null,
  };
  if (r.code !== 0 || failed.length) throw Object.assign(new Error(`certdesk renew --due: exit ${r.code}, ${failed.length} failed; first: ${res.firstFailure ?? '—'}. Log: ${logFile}`), { result: res });
  log(`certdesk: ${res.ok}/${N} renewed in ${(res.wallMs / 1000).toFixed(3)} s (whole CLI process); event loop: bundle load ${loop.startupMs} ms, longest block after it ${loop.maxAfterStartMs} ms, while renewing ${loop.maxAfterMarkMs} ms`);
  return res;
}

async function certbotSide(env, pebble) {
  const exe = await findExe('certbot');
  const dir = path.join(benchDir, 'certbot');
  await mkdir(dir, { recursive: true });
  const logFile = path.join(benchDir, 'certbot.log');
  const childEnv = { ...process.env, REQUESTS_CA_BUNDLE: pebble.caFile };
  const common = ['--config-dir', dir, '--work-dir', dir, '--logs-dir', dir, '--non-interactive'];
  const ok = async (what, p) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`certbot ${what} failed (exit ${r.code}). Log: ${logFile}`);
    return r;
  };
  await ok('register', runClient(exe, [...common, 'register', '--server', pebble.directoryUrl, '--agree-tos', '--register-unsafely-without-email'], { env: childEnv, logFile }));
  const tag = Date.now().toString(36).slice(-5);
  const zone = env.BIND_ZONE;
  const t0 = performance.now();
  for (let i = 1; i <= N; i++) {
    const name = `cb-${tag}-${i}.${zone}`;
    await ok(`certonly ${name}`, runClient(exe, [...common, 'certonly', '--standalone', '--server', pebble.directoryUrl, '--http-01-port', String(pebble.httpPort), '--http-01-address', '127.0.0.1', '-d', name, '--agree-tos', '--register-unsafely-without-email', '--key-type', 'ecdsa'], { env: childEnv, logFile }));
  }
  log(`certbot: ${N} certificates issued in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);
  const r = await ok('renew', runClient(exe, [...common, 'renew', '--force-renewal', '--no-random-sleep-on-renew'], { env: childEnv, logFile }));
  // Every lineage has a second version.
  const archive = path.join(dir, 'archive');
  const renewed = readdirSync(archive).filter((d) => existsSync(path.join(archive, d, 'cert2.pem'))).length;
  if (renewed !== N) throw new Error(`certbot renewed ${renewed} of ${N} lineages. Log: ${logFile}`);
  log(`certbot: ${renewed}/${N} renewed in ${(r.ms / 1000).toFixed(3)} s`);
  return { wallMs: Math.round(r.ms * 10) / 10, renewed };
}

async function main() {
  await stopAll(benchDir).catch(() => undefined);
  await rm(benchDir, { recursive: true, force: true });
  await mkdir(benchDir, { recursive: true });
  log(`starting BIND, Pebble's helpers and the keyring in ${path.relative(repoRoot, benchDir)}`);
  const bed = await startBed({ workDir: benchDir, services: ['pebble', 'bind', 'keyring'] });
  let pebble = null;
  try {
    log(describeBed(bed));
    pebble = await startPebble({ workDir: benchDir, dnsPort: Number(bed.env.BIND_PORT), name: 'pebble-renew', validityPeriod: 3600 });
    const env = { ...process.env, ...bed.env, RENEW_DIRECTORY: pebble.directoryUrl, RENEW_CA_FILE: pebble.caFile };
    const results = {};
    let failed = false;
    for (const [name, side] of [
      ['certdesk', () => certdeskSide(env)],
      ['certbot', () => certbotSide(env, pebble)],
    ]) {
      if (!only.has(name)) continue;
      try {
        results[name] = await side();
      } catch (err) {
        failed = true;
        results[name] = { ...(err.result ?? {}), error: err.message };
        console.error(`[bench] ${err.message}`);
      }
    }
    const cd = results.certdesk?.wallMs;
    const cb = results.certbot?.wallMs;
    const ratio = cd && cb ? Math.round((cb / cd) * 10) / 10 : null;
    const loop = results.certdesk?.eventLoopDelayMaxWhileRenewingMs ?? null;
    const checks = {
      certdeskWithin10s: cd ? cd <= TARGET_MS : null,
      speedupAtLeast20x: ratio !== null ? ratio >= TARGET_SPEEDUP : null,
      eventLoopUnder50ms: loop !== null ? loop <= TARGET_LOOP_MS : null,
    };
    const result = Object.values(checks).every((v) => v === true) ? 'PASS' : 'MISS';
    console.log('');
    console.log(`Renewing ${N} due certificates against Pebble (${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
    if (cd) {
      const c = results.certdesk;
      console.log(`  Certdesk  ${(cd / 1000).toFixed(3)} s   (target ≤ ${TARGET_MS / 1000} s)  certdesk renew --due, whole process, dns-01 (RFC 2136, waits for every authoritative NS), ${c.concurrency} at once`);
      console.log(`            event loop: longest block while renewing ${loop} ms (target ≤ ${TARGET_LOOP_MS} ms; from ${c.renewingFromMs} ms on, after the command's modules loaded)`);
      console.log(`            whole process: bundle load ${c.eventLoopStartupMs} ms, longest block after it ${c.eventLoopDelayMaxAfterStartMs} ms (module loading on first use included); p99 ${c.eventLoopDelayP99Ms} ms`);
    }
    if (cb) console.log(`  certbot   ${(cb / 1000).toFixed(3)} s   certbot renew --force-renewal, whole process, http-01 standalone, one at a time`);
    if (ratio !== null) console.log(`  Certdesk is ${ratio}× faster (target ≥ ${TARGET_SPEEDUP}×)`);
    console.log(`  ${result}`);
    await mkdir(artifactsDir, { recursive: true });
    const out = path.join(artifactsDir, 'bench-renewal.json');
    await writeFile(out, `${JSON.stringify({ date: new Date().toISOString(), n: N, cpus: os.cpus().length, node: process.version, results, ratio, checks, result }, null, 2)}\n`);
    log(`results: ${path.relative(repoRoot, out)}; logs: ${path.relative(repoRoot, benchDir)}/`);
    if (failed) return 1;
    return values.strict && result !== 'PASS' ? 1 : 0;
  } finally {
    await pebble?.stop();
    await bed.stop();
    await stopAll(benchDir);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[bench] ${err.stack || err}`);
    process.exit(1);
  },
);
