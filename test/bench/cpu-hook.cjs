// Loaded with `node --require` by the scale benchmark (test/bench/scale-worker.ts) into the CLI it times: writes
// the process's own CPU time (user + system, ms, start-up included) to $CERTDESK_BENCH_CPU_FILE at exit. Wall time
// on a busy machine mostly measures the other processes; CPU time is what the command itself cost.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require hook is CommonJS */
const { writeFileSync } = require('node:fs');

const file = process.env.CERTDESK_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (user + system) / 1000 }));
  });
}
