// Loaded with `node --require test/bench/loop-delay-hook.cjs ...` by the renewal benchmark: measures how long the
// process's event loop could not run a timer, from this hook's load to exit, and writes it to
// $CERTDESK_LOOP_OUT at exit as JSON. Two measures:
// - perf_hooks.monitorEventLoopDelay (10 ms resolution): max, p99, mean over the whole process — its first
//   sample includes the synchronous load of the CLI bundle, which runs before the loop turns at all;
// - a 10 ms interval that notes each late tick with its time since start, so the start-up load (the first tick)
//   can be told from a block during the work: `maxAfterStartMs` is the longest delay after the first tick;
// - with $CERTDESK_LOOP_MARK (a regular expression), the time the process first writes a matching line to stderr
//   (the CLI's progress line "… N certificates due for renewal"), and `maxAfterMarkMs`, the longest delay from
//   then to exit: the blocks while renewing, without the loading of the modules the command needs first.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require hook is CommonJS */
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const fs = require('node:fs');

const out = process.env.CERTDESK_LOOP_OUT;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const STEP = 10;
  let expected = t0 + STEP;
  let first = true;
  let firstMs = 0;
  let maxAfterStart = 0;
  let markMs = null;
  let maxAfterMark = 0;
  const mark = process.env.CERTDESK_LOOP_MARK ? new RegExp(process.env.CERTDESK_LOOP_MARK) : null;
  if (mark) {
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk, ...rest) => {
      if (markMs === null && mark.test(String(chunk))) markMs = performance.now() - t0;
      return write(chunk, ...rest);
    };
  }
  const late = []; // [atMs, delayMs] of ticks later than 20 ms
  const timer = setInterval(() => {
    const now = performance.now();
    const delay = Math.max(0, now - expected);
    if (first) {
      firstMs = delay;
      first = false;
    } else if (delay > maxAfterStart) maxAfterStart = delay;
    // A tick that was due before the mark but ran after it belongs to the time before: count from the mark on.
    if (markMs !== null && now - t0 - delay >= markMs && delay > maxAfterMark) maxAfterMark = delay;
    if (delay > 20 && late.length < 200) late.push([Math.round(now - t0), Math.round(delay * 10) / 10]);
    expected = now + STEP;
  }, STEP);
  timer.unref();
  const r = (ns) => Math.round(ns / 1e5) / 10;
  process.on('exit', () => {
    h.disable();
    const worst = [...late].sort((a, b) => b[1] - a[1]).slice(0, 10);
    fs.writeFileSync(
      out,
      JSON.stringify({
        maxMs: r(h.max),
        p99Ms: r(h.percentile(99)),
        meanMs: r(h.mean),
        startupMs: Math.round(firstMs * 10) / 10,
        maxAfterStartMs: Math.round(maxAfterStart * 10) / 10,
        markMs: markMs === null ? null : Math.round(markMs),
        maxAfterMarkMs: markMs === null ? null : Math.round(maxAfterMark * 10) / 10,
        lateTicks: late.length,
        worst: worst.map(([atMs, delayMs]) => ({ atMs, delayMs })),
        runMs: Math.round(performance.now() - t0),
      }),
    );
  });
}
