// `npm run preview`: the real Certdesk services behind the loopback bridge, for a browser instead of
// Electron. Prints the URL (with its one-time token) and opens nothing.
//
//   node out/bridge/preview.cjs [--data-dir DIR] [--port N] [--export-dir DIR] [--memory-secrets] [--verbose]
//
// --data-dir / CERTDESK_DATA_DIR: as the app and the CLI (one process owns a data directory at a time).
// --export-dir: where "Export key" writes (no native save dialog here); without it exports are cancelled.
// --memory-secrets: keep the data key in memory instead of the OS keychain (throw-away data dir only:
//   nothing encrypted with it can be read after a restart).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrap } from '../app/bootstrap.ts';
import { headlessPlatform } from '../app/platform-services.ts';
import { MemorySecretStore } from '../secrets/memory-store.ts';
import { resolveDataDir } from '../store/paths.ts';
import { startBridge } from './server.ts';

const USAGE = `Usage: npm run preview -- [--data-dir DIR] [--port N] [--export-dir DIR] [--memory-secrets] [--no-scheduler] [--verbose]`
  + '\n  --no-scheduler: no automatic renewal wake-ups (also CERTDESK_RENEWAL_SCHEDULER=off; renewal:run-due still renews).';

/** The built renderer and shim sit beside this bundle (out/bridge/preview.cjs) or under out/ when run by tsx. */
function outDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..'), resolve(here, '../../out'), resolve(process.cwd(), 'out')];
  const hit = candidates.find((d) => existsSync(join(d, 'renderer', 'index.html')) && existsSync(join(d, 'bridge-shim', 'shim.js')));
  if (!hit) throw new Error(`The renderer is not built (looked in ${candidates.join(', ')}): run \`node build/build.mjs\` first.`);
  return hit;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'export-dir': { type: 'string' },
      'memory-secrets': { type: 'boolean' },
      'no-scheduler': { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0–65535), not ${values.port}.\n${USAGE}`);
    return 2;
  }
  const dataDir = resolveDataDir(values['data-dir'] ? { flag: values['data-dir'] } : {});
  mkdirSync(dirname(dataDir), { recursive: true });
  const exportDir = values['export-dir'] ? resolve(values['export-dir']) : null;
  if (exportDir) mkdirSync(exportDir, { recursive: true });
  const out = outDir();

  const app = await bootstrap({
    dataDir,
    face: 'bridge',
    verbose: values.verbose ?? false,
    platform: headlessPlatform({ exportDir }),
    ...(values['memory-secrets'] ? { secrets: new MemorySecretStore() } : {}),
    ...(values['no-scheduler'] ? { renewal: { scheduler: false } } : {}),
  });
  const bridge = await startBridge({
    handlers: app.handlers,
    port,
    staticDir: join(out, 'renderer'),
    shimFile: join(out, 'bridge-shim', 'shim.js'),
    logger: app.logger,
  });
  // Service events (progress, account changes) go to every page connected to this preview.
  const unsubscribe = app.events.on((event, payload) => bridge.emit(event, payload));

  console.log(`Certdesk preview (data: ${dataDir})`);
  if (values['memory-secrets']) console.log('Secrets are kept in memory: this data directory is unreadable after a restart.');
  console.log(exportDir ? `Exported keys go to ${exportDir}` : 'Export key answers "cancelled" (start with --export-dir DIR to write exports).');
  console.log(`\nOpen: ${bridge.url}\n`);
  console.log('Ctrl-C stops it.');

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  unsubscribe();
  await bridge.close();
  await app.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as { code?: string; message?: string; hint?: string };
    console.error(`certdesk preview: ${e.message ?? String(err)}`);
    if (e.hint) console.error(e.hint);
    if (e.code === 'KEYCHAIN_UNAVAILABLE') console.error('For a throw-away preview without a keychain: --memory-secrets with a new --data-dir.');
    process.exit(1);
  },
);
