// Repository paint benchmark, server side: a data directory with N saved certificates, the real services on it
// (bootstrap with an in-memory keychain, no renewal scheduler) behind the loopback bridge that serves the built
// renderer. test/bench/repository-paint.mjs starts this process and drives Chromium against the printed URL.
//
//   node --import tsx test/bench/repository-paint-worker.ts --n 10000 --dir DIR [--static OUT/renderer --shim OUT/bridge-shim/shim.js]
//
// --static and --shim name a build's renderer folder and bridge shim (the bench passes a production build); default out/.
//
// The data comes from makeScaleData (test/helpers/scale-data.ts), the same generator as the scale benchmark's.
// Output: `BENCH {json}` lines on stdout (ready: the URL and how the data was made); Ctrl-C or SIGTERM stops.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrap } from '../../electron/app/bootstrap.ts';
import { headlessPlatform } from '../../electron/app/platform-services.ts';
import { startBridge } from '../../electron/bridge/server.ts';
import { makeScaleData } from '../helpers/scale-data.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, dir: { type: 'string' }, static: { type: 'string' }, shim: { type: 'string' } } });
const N = Number(values.n);
if (!Number.isInteger(N) || N < 1) throw new Error('--n must be a whole number ≥ 1');
if (!values.dir) throw new Error('--dir is required');
const dataDir = resolve(values.dir);

const emit = (obj: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(obj)}\n`);
async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const t0 = performance.now();
  const { secrets } = await makeScaleData(dataDir, N);
  const generator = 'makeScaleData (test/helpers/scale-data.ts)';
  const dataMs = performance.now() - t0;
  const app = await bootstrap({ dataDir, face: 'bridge', secrets, platform: headlessPlatform({}), renewal: { scheduler: false } });
  // CERTDESK_BENCH_TRACE=1: how long each channel takes on the service side (BENCH call lines).
  const handlers = process.env.CERTDESK_BENCH_TRACE
    ? (new Proxy(app.handlers, {
        get: (target, channel: string) => {
          const handler = (target as Record<string, (...a: unknown[]) => Promise<unknown>>)[channel];
          if (typeof handler !== 'function') return handler;
          return async (...args: unknown[]) => {
            const t = performance.now();
            try {
              return await handler(...args);
            } finally {
              emit({ type: 'call', channel, ms: Math.round(performance.now() - t) });
            }
          };
        },
      }) as typeof app.handlers)
    : app.handlers;
  const bridge = await startBridge({ handlers, staticDir: resolve(values.static ?? join(root, 'out/renderer')), shimFile: resolve(values.shim ?? join(root, 'out/bridge-shim/shim.js')) });
  const unsubscribe = app.events.on((event, payload) => bridge.emit(event, payload));
  emit({ type: 'ready', url: bridge.url, n: app.services.repository.list().length, generator, dataMs: Math.round(dataMs) });
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    process.stdin.once('end', done);
    process.stdin.resume();
  });
  unsubscribe();
  await bridge.close();
  await app.close();
}

main().catch((err: unknown) => {
  emit({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});
