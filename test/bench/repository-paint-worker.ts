// Repository paint benchmark, server side: a data directory with N saved certificates, the real services on it
// (bootstrap with an in-memory keychain, no renewal scheduler) behind the loopback bridge that serves the built
// renderer. test/bench/repository-paint.mjs starts this process and drives Chromium against the printed URL.
//
//   node --import tsx test/bench/repository-paint-worker.ts --n 10000 --dir DIR [--static OUT/renderer --shim OUT/bridge-shim/shim.js]
//
// --static and --shim name a build's renderer folder and bridge shim (the bench passes a production build); default out/.
//
// The data comes from makeScaleData (test/helpers/scale-data.ts) when that helper exists; until then from the
// small generator below, which writes the same kinds of records through the real Store.
// Output: `BENCH {json}` lines on stdout (ready: the URL and how the data was made); Ctrl-C or SIGTERM stops.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrap } from '../../electron/app/bootstrap.ts';
import { headlessPlatform } from '../../electron/app/platform-services.ts';
import { startBridge } from '../../electron/bridge/server.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import type { SecretStore } from '../../electron/secrets/secret-store.ts';
import type { CertificateRecord, RequestRecord } from '../../electron/store/schema.ts';
import { openStore } from '../../electron/store/store.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, dir: { type: 'string' }, static: { type: 'string' }, shim: { type: 'string' } } });
const N = Number(values.n);
if (!Number.isInteger(N) || N < 1) throw new Error('--n must be a whole number ≥ 1');
if (!values.dir) throw new Error('--dir is required');
const dataDir = resolve(values.dir);

const emit = (obj: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(obj)}\n`);
const DAY = 86_400_000;
const ISSUERS = ['R10', 'R11', 'E5', 'E6', 'Pebble Intermediate CA'];
const KEYS = [
  ['rsa-2048', 'RSA 2048'],
  ['ec-p256', 'EC P-256'],
  ['ec-p384', 'EC P-384'],
] as const;

/** Until makeScaleData is there: N certificates with their requests, written through the Store in one change. */
async function localScaleData(dir: string, n: number, secrets: SecretStore): Promise<void> {
  const store = await openStore({ dataDir: dir, secrets, face: 'cli', logger: createMemoryLogger() });
  const now = Date.now();
  const at = new Date(now).toISOString();
  await store.update((d) => {
    for (let i = 0; i < n; i++) {
      const [key, keyType] = KEYS[i % KEYS.length]!;
      const name = `host-${String(i).padStart(5, '0')}.${['shop', 'mail', 'api', 'intranet', 'eu-west.portal'][i % 5]}.example.com`;
      const names = i % 4 === 0 ? [name, `www.${name}`, `cdn.${name}`] : [name];
      const notBefore = now - ((i * 7919) % (85 * DAY));
      const serial = (0x10000000 + i).toString(16).toUpperCase();
      const summary = {
        serial,
        issuer: ISSUERS[i % ISSUERS.length]!,
        notBefore: new Date(notBefore).toISOString(),
        notAfter: new Date(notBefore + 90 * DAY).toISOString(),
        sha256: serial.padStart(64, '0'),
        sha1: serial.padStart(40, '0'),
        names,
        keyType,
      };
      const requestId = `req-${i}`;
      const certificateId = `cert-${i}`;
      const request: RequestRecord = {
        id: requestId,
        accountId: 'acct-1',
        names,
        namesUnicode: names,
        challengeType: 'http-01',
        dnsAccountId: null,
        presented: [],
        placed: [],
        key,
        signatureAlgorithm: key.startsWith('rsa') ? 'SHA256withRSA' : 'SHA256withECDSA',
        keystoreType: 'pem',
        keystorePasswordRef: null,
        keyPolicy: 'new',
        profile: null,
        preferredChain: null,
        status: 'available',
        phase: 'done',
        keyFile: `requests/${requestId}/key-1.key`,
        issuedKeyFile: `requests/${requestId}/key-1.key`,
        importKeyFile: null,
        csrFile: null,
        order: null,
        certFile: `requests/${requestId}/cert-1.pem`,
        certificate: summary,
        error: null,
        savedCertificateId: certificateId,
        savedSha256: summary.sha256,
        renewal: false,
        ordersCreated: 1,
        createdAt: at,
        updatedAt: at,
      };
      const certificate: CertificateRecord = {
        id: certificateId,
        requestId,
        names,
        namesUnicode: names,
        summary,
        certFile: `certificates/${certificateId}/v1.pem`,
        keyFile: `certificates/${certificateId}/v1.key`,
        savedAt: at,
        revoked: false,
        history: [],
      };
      d.requests.push(request);
      d.certificates.push(certificate);
    }
  });
  await store.close();
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const t0 = performance.now();
  let secrets: SecretStore = new MemorySecretStore();
  let generator = 'local (test/bench/repository-paint-worker.ts)';
  const helper = join(root, 'test/helpers/scale-data.ts');
  if (existsSync(helper)) {
    const mod = (await import(helper)) as { makeScaleData: (dir: string, n: number) => Promise<{ secrets: SecretStore }> };
    secrets = (await mod.makeScaleData(dataDir, N)).secrets;
    generator = 'makeScaleData (test/helpers/scale-data.ts)';
  } else {
    await localScaleData(dataDir, N, secrets);
  }
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
