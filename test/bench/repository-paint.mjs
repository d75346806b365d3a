#!/usr/bin/env node
// Benchmark: the repository (SSL → Certificates) in Chromium with 1,000 and 10,000 saved certificates (issue 11,
// "Scale"). For each N: a worker process (test/bench/repository-paint-worker.ts) makes the data directory and
// serves the real services and the built renderer on the loopback bridge; headless Chromium opens
// `#certificates` and the page itself records when the first certificate row is in the DOM and when the frame
// after it was painted (requestAnimationFrame ×2), measured from navigation start. Then it scrolls the table
// from top to bottom in steps of one screen per frame and records every frame's duration.
//
//   npm run build && node test/bench/repository-paint.mjs [--n 1000,10000] [--runs 3] [--strict]
//   import { run } from './repository-paint.mjs'; await run({ n: [1000, 10000], runs: 3 })
//
// Targets: rows painted < 1.5 s after navigation at 10,000; scrolling smooth: median frame ≤ 20 ms, p95 ≤ 50 ms,
// at most 5 % of frames over 50 ms. Results: test/artifacts/bench-repository.json. --strict: exit 1 on a MISS.
// Untimed: building the renderer, making the data and starting the services.
//
// The renderer measured is a production build (`build.mjs --production` into a temporary folder), as the packaged
// app ships it: the development build (out/, what `npm run build` makes for tests) runs React's development mode,
// which checks and double-renders in StrictMode and was several times slower here. --renderer dev measures out/
// instead (it must be built).
/* global window, document, requestAnimationFrame */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const artifactsDir = path.join(repoRoot, 'test', 'artifacts');
const CHROMIUM = '/usr/lib/chromium/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const VIEWPORT = { width: 1366, height: 850 };

export const TARGETS = { paintMs: 1500, medianFrameMs: 20, p95FrameMs: 50, slowFramesPct: 5 };

const log = (m) => console.log(`[bench:repository] ${m}`);

const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
const median = (xs) => quantile(xs.slice().sort((a, b) => a - b), 0.5);

/** Starts the worker for `n` certificates; resolves { url, stop } once it serves. */
function startWorker(n, dir, built) {
  return new Promise((resolve, reject) => {
    const args = ['--n', String(n), '--dir', dir, '--static', path.join(built, 'renderer'), '--shim', path.join(built, 'bridge-shim', 'shim.js')];
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'bench', 'repository-paint-worker.ts'), ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, CERTDESK_RENEWAL_SCHEDULER: 'off' },
    });
    let stderr = '';
    let partial = '';
    const stop = () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
      });
    child.stderr.on('data', (b) => (stderr = (stderr + b.toString()).slice(-4000)));
    child.stdout.on('data', (b) => {
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('BENCH ')) continue;
        const msg = JSON.parse(line.slice(6));
        if (msg.type === 'ready') resolve({ ...msg, stop });
        else if (msg.type === 'error') reject(new Error(`worker: ${msg.message}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it served: ${stderr}`)));
  });
}

/** Page-side recorder, installed before the app's scripts: first row in the DOM, and the paint after it. */
const RECORDER = `(() => {
  const mark = { firstRowMs: null, paintedMs: null, rows: 0 };
  window.__repoPaint = mark;
  const seen = () => {
    const rows = document.querySelectorAll('[data-testid="certificate-row"]');
    if (!rows.length || mark.firstRowMs !== null) return;
    mark.firstRowMs = performance.now();
    mark.rows = rows.length;
    requestAnimationFrame(() => requestAnimationFrame(() => { mark.paintedMs = performance.now(); }));
    observer.disconnect();
  };
  const observer = new MutationObserver(seen);
  document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, { childList: true, subtree: true }));
})()`;

/** Scrolls the table to its end, a screen or more per frame, and returns every frame's duration (ms). */
const scrollToEnd = () => new Promise((resolve) => {
  const box = document.querySelector('[data-testid="table-scroll"]');
  const frames = [];
  let last = performance.now();
  // At least most of a screen per frame (every frame brings new rows), and the end within ~240 frames.
  const step = Math.max(100, box.clientHeight * 0.9, (box.scrollHeight - box.clientHeight) / 240);
  const tick = (now) => {
    frames.push(now - last);
    last = now;
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1 || frames.length > 1000) {
      const rows = document.querySelectorAll('tr[data-row-index]');
      resolve({ frames, rowsInDom: rows.length, lastRow: rows.length ? rows[rows.length - 1].dataset.rowIndex : null });
      return;
    }
    box.scrollTop += step;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
});

async function measure(browser, url, n) {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  await context.addInitScript(RECORDER);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const u = new URL(url);
  u.hash = '#certificates';
  await page.goto(u.toString());
  await page.waitForFunction(() => window.__repoPaint && window.__repoPaint.paintedMs !== null, null, { timeout: 60_000 });
  const mark = await page.evaluate(() => window.__repoPaint);
  const count = await page.getByTestId('repository-count').innerText();
  if (!count.includes(String(n))) throw new Error(`the page shows "${count}", expected ${n} certificates`);
  const scroll = await page.evaluate(scrollToEnd);
  await context.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  const sorted = scroll.frames.slice(1).sort((a, b) => a - b);
  return {
    firstRowMs: Math.round(mark.firstRowMs),
    paintMs: Math.round(mark.paintedMs),
    rowsAtPaint: mark.rows,
    scroll: {
      frames: sorted.length,
      medianMs: +quantile(sorted, 0.5).toFixed(1),
      p95Ms: +quantile(sorted, 0.95).toFixed(1),
      slowPct: +((100 * sorted.filter((f) => f > 50).length) / Math.max(1, sorted.length)).toFixed(1),
      rowsInDom: scroll.rowsInDom,
      reachedRow: scroll.lastRow === null ? null : Number(scroll.lastRow),
    },
  };
}

/** Makes a production build in a temporary folder; resolves with that folder (out/ layout). */
function productionBuild(into) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join('build', 'build.mjs'), '--production', '--out', into], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(into) : reject(new Error(`the production build failed (${code}): ${stderr}`))));
  });
}

/**
 * Runs the benchmark. `n`: the sizes (default 1,000 and 10,000); `runs`: page loads per size (median taken);
 * `renderer`: 'production' (default, built here) or 'dev' (out/ as `npm run build` left it).
 * Returns { results: [{ n, generator, runs: [...], paintMs, scroll, pass }], targets }.
 */
export async function run(options = {}) {
  const sizes = options.n ?? [1000, 10_000];
  const runs = options.runs ?? 3;
  const renderer = options.renderer ?? 'production';
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package chromium (test/bed/install.sh).`);
  let built = path.join(repoRoot, 'out');
  let buildDir = null;
  if (renderer === 'dev') {
    if (!existsSync(path.join(built, 'renderer', 'app.js'))) throw new Error('The renderer is not built: run `npm run build` first.');
  } else {
    buildDir = mkdtempSync(path.join(os.tmpdir(), 'certdesk-bench-repo-build-'));
    log('production build of the renderer (untimed)');
    built = await productionBuild(path.join(buildDir, 'out'));
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const results = [];
  try {
    for (const n of sizes) {
      const dir = mkdtempSync(path.join(os.tmpdir(), `certdesk-bench-repo-${n}-`));
      const worker = await startWorker(n, path.join(dir, 'data'), built);
      try {
        log(`${n} certificates (${worker.generator}, made in ${worker.dataMs} ms): ${worker.url.replace(/\?token=.*/, '')}`);
        const each = [];
        for (let i = 0; i < runs; i++) {
          const m = await measure(browser, worker.url, n);
          log(`  run ${i + 1}/${runs}: rows painted ${m.paintMs} ms after navigation (first row ${m.firstRowMs} ms); scroll median ${m.scroll.medianMs} ms, p95 ${m.scroll.p95Ms} ms, ${m.scroll.slowPct} % > 50 ms over ${m.scroll.frames} frames, ${m.scroll.rowsInDom} rows in the page`);
          each.push(m);
        }
        const paintMs = median(each.map((m) => m.paintMs));
        const scroll = {
          medianMs: median(each.map((m) => m.scroll.medianMs)),
          p95Ms: median(each.map((m) => m.scroll.p95Ms)),
          slowPct: median(each.map((m) => m.scroll.slowPct)),
          rowsInDom: Math.max(...each.map((m) => m.scroll.rowsInDom)),
          reachedRow: each[0].scroll.reachedRow,
        };
        const pass = {
          paint: paintMs < TARGETS.paintMs,
          scroll: scroll.medianMs <= TARGETS.medianFrameMs && scroll.p95Ms <= TARGETS.p95FrameMs && scroll.slowPct <= TARGETS.slowFramesPct,
          reachedEnd: scroll.reachedRow === n - 1,
        };
        results.push({ n, generator: worker.generator, runs: each, paintMs, scroll, pass });
      } finally {
        await worker.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  }
  return { results, targets: TARGETS, viewport: VIEWPORT, renderer };
}

function table(out) {
  const ok = (b) => (b ? 'PASS' : 'MISS');
  const lines = [
    '',
    `Repository in Chromium (1366×850, ${out.renderer} renderer)   paint < 1.5 s     scroll: median ≤ 20 ms, p95 ≤ 50 ms, ≤ 5 % frames > 50 ms`,
    'certificates   rows painted         scroll median / p95 / > 50 ms      rows in page   result',
  ];
  for (const r of out.results) {
    lines.push(
      `${String(r.n).padStart(12)}   ${`${r.paintMs} ms`.padEnd(20)} ${`${r.scroll.medianMs} / ${r.scroll.p95Ms} ms / ${r.scroll.slowPct} %`.padEnd(34)} ${String(r.scroll.rowsInDom).padEnd(14)} paint ${ok(r.pass.paint)}, scroll ${ok(r.pass.scroll)}${r.pass.reachedEnd ? '' : ', did NOT reach the last row'}`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '1000,10000' }, runs: { type: 'string', default: '3' }, strict: { type: 'boolean', default: false }, renderer: { type: 'string', default: 'production' } },
  });
  if (values.renderer !== 'production' && values.renderer !== 'dev') throw new Error('--renderer is production or dev');
  const n = values.n.split(',').map((s) => Number(s.trim()));
  if (n.some((x) => !Number.isInteger(x) || x < 1)) throw new Error('--n takes whole numbers ≥ 1, e.g. --n 1000,10000');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
  const out = await run({ n, runs, renderer: values.renderer });
  console.log(table(out));
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, 'bench-repository.json');
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...out }, null, 2)}\n`);
  log(`results: ${path.relative(repoRoot, file)}`);
  const missed = out.results.some((r) => !r.pass.paint || !r.pass.scroll || !r.pass.reachedEnd);
  if (values.strict && missed) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`[bench:repository] ${err.stack ?? err}`);
    process.exit(1);
  });
}
