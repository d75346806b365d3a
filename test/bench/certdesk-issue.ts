// Benchmark, Certdesk side: issues RSA-2048 http-01 certificates through the real engine (bootstrap() with the
// bed's keychain and a real store), calling it through dispatch() exactly as the faces do.
//
//   node --import tsx test/bench/certdesk-issue.ts [--runs N] [--concurrent M] [--data-dir DIR] [--tag T]
//
// Needs the bed env (PEBBLE_*, the keyring's D-Bus session): test/bench/run.mjs starts the bed and this
// process. Untimed: bootstrap, account registration, the http-01 server. Timed, per run: requests:create →
// serve the challenge files → requests:verify → status 'available'. Then M requests at once (Promise.all).
// Output: one `BENCH {json}` line per result on stdout; everything else goes to stderr.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bootstrap } from '../../electron/app/bootstrap.ts';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';
import { Http01Server } from '../helpers/challenges.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    concurrent: { type: 'string', default: '20' },
    'data-dir': { type: 'string' },
    tag: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const CONCURRENT = Number(args.concurrent);
const tag = args.tag ?? Math.random().toString(36).slice(2, 8);

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the benchmark through \`npm run bench\` (test/bench/run.mjs starts Pebble and the keyring).`);
  return v;
}

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(`BENCH ${JSON.stringify(obj)}\n`);
}

const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;

interface StepEvent {
  t: number;
  step: string;
  status: string;
}

/** requests:changed events by request id (each one follows a store write of that request). */
const changes = new Map<string, number>();

/** ops:progress events by opId, with the time they arrived. */
const opEvents = new Map<string, StepEvent[]>();

/**
 * Where the time of one issuance went: each progress step lasts until the next event of the same op; the
 * time before an op's first event is "<op>:start" (dispatch, validation), the gap between the ops "serve".
 */
function breakdown(spans: { prefix: string; opId: string; t0: number; t1: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (k: string, v: number) => (out[k] = Math.round(((out[k] ?? 0) + v) * 10) / 10);
  let prevEnd: number | null = null;
  for (const s of spans) {
    if (prevEnd !== null) add('serve', s.t0 - prevEnd);
    const evs = opEvents.get(s.opId) ?? [];
    let t = s.t0;
    let label = `${s.prefix}:start`;
    for (const e of evs) {
      add(label, e.t - t);
      t = e.t;
      label = `${s.prefix}:${e.step}`;
      if (e.status !== 'running') label = `${s.prefix}:end`;
    }
    add(label, s.t1 - t);
    prevEnd = s.t1;
    opEvents.delete(s.opId);
  }
  return out;
}

async function main(): Promise<void> {
  const directory = need('PEBBLE_DIRECTORY');
  const caFile = need('PEBBLE_CA_FILE');
  need('PEBBLE_HTTP_PORT');
  need('DBUS_SESSION_BUS_ADDRESS');
  const dataDir = args['data-dir'] ?? mkdtempSync(join(tmpdir(), 'certdesk-bench-'));

  const tBoot = performance.now();
  const app = await bootstrap({ dataDir, face: 'cli' });
  const bootstrapMs = ms(tBoot, performance.now());
  app.events.on((event, payload) => {
    if (event === 'requests:changed') {
      const id = (payload as { id: string }).id;
      changes.set(id, (changes.get(id) ?? 0) + 1);
      return;
    }
    if (event !== 'ops:progress') return;
    const p = payload as { opId: string; step: string; status: string };
    let list = opEvents.get(p.opId);
    if (!list) opEvents.set(p.opId, (list = []));
    list.push({ t: performance.now(), step: p.step, status: p.status });
  });

  async function call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
    const env = await dispatch(app.handlers, channel, req, { face: 'cli' });
    if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}${env.error.hint ? ` (${env.error.hint})` : ''}`);
    return env.value as Res<C>;
  }

  const server = new Http01Server();
  try {
    const tReg = performance.now();
    const account = await call('accounts:register', {
      name: 'bench',
      email: `bench-${tag}@example.test`,
      directory,
      caFile,
      agreeTos: true,
    });
    const registerMs = ms(tReg, performance.now());
    await server.start();
    emit({ type: 'setup', bootstrapMs, registerMs, dataDir });

    let seq = 0;
    /** One issuance: create → serve → verify → available. Returns the time and its breakdown. */
    async function issue(name: string): Promise<{ ms: number; steps: Record<string, number>; serial: string; storeWrites: number }> {
      const n = ++seq;
      const createOp = `bench-${tag}-create-${n}`;
      const verifyOp = `bench-${tag}-verify-${n}`;
      const t0 = performance.now();
      const created = await call('requests:create', {
        accountId: account.id,
        domains: [name],
        challengeType: 'http-01',
        key: 'rsa-2048',
        opId: createOp,
      });
      const t1 = performance.now();
      if (!created.challenges.some((c) => c.httpPath)) throw new Error(`${name}: the request shows no http-01 challenge`);
      server.serve(created);
      const t2 = performance.now();
      const done = await call('requests:verify', { id: created.id, opId: verifyOp });
      const t3 = performance.now();
      if (done.status !== 'available') {
        throw new Error(`${name}: request ended '${done.status}' instead of 'available'${done.error ? `: ${done.error.message}` : ''}`);
      }
      if (!done.certificate?.names.includes(name)) throw new Error(`${name}: the certificate does not carry the name`);
      const steps = breakdown([
        { prefix: 'create', opId: createOp, t0, t1 },
        { prefix: 'verify', opId: verifyOp, t0: t2, t1: t3 },
      ]);
      return { ms: ms(t0, t3), steps, serial: done.certificate.serial, storeWrites: changes.get(created.id) ?? 0 };
    }

    for (let i = 1; i <= RUNS; i++) {
      const name = `cd-${tag}-${i}.example.test`;
      const r = await issue(name);
      emit({ type: 'run', i, name, ms: r.ms, steps: r.steps, serial: r.serial, storeWrites: r.storeWrites });
    }

    if (CONCURRENT > 0) {
      const names = Array.from({ length: CONCURRENT }, (_, i) => `cdc-${tag}-${i + 1}.example.test`);
      const t0 = performance.now();
      const settled = await Promise.allSettled(names.map((n) => issue(n)));
      const wallMs = ms(t0, performance.now());
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
      const each = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.ms] : []));
      // Sum of each step over all certificates (they overlap in time, so this is CPU+wait, not wall).
      const steps: Record<string, number> = {};
      for (const s of settled) {
        if (s.status !== 'fulfilled') continue;
        for (const [k, v] of Object.entries(s.value.steps)) steps[k] = Math.round(((steps[k] ?? 0) + v) * 10) / 10;
      }
      emit({ type: 'concurrent', n: CONCURRENT, ok: each.length, wallMs, perCertMs: Math.round((wallMs / CONCURRENT) * 10) / 10, each, steps, failures });
      if (failures.length) throw new Error(`${failures.length} of ${CONCURRENT} concurrent issuances failed; first: ${failures[0]}`);
    }
  } finally {
    await server.stop();
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.stderr.write(`certdesk-issue: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
