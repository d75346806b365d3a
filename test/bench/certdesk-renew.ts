// Renewal benchmark, Certdesk side, the untimed parts around the timed CLI run (test/bench/renew.mjs):
//   setup:  N saved certificates with automatic validation (dns-01 through an RFC 2136 DNS account on the bed's
//           BIND), the renewal policy `days 1` so that all of them (1-hour certificates) are due; their serials
//           go to --state FILE.
//   verify: after `certdesk --data-dir D renew --due`, every certificate has a new serial and the old one in
//           its history.
//
//   node --import tsx test/bench/certdesk-renew.ts --phase setup|verify --n N --data-dir DIR --state FILE
//
// Env (test/bench/renew.mjs sets it): RENEW_DIRECTORY, RENEW_CA_FILE (a Pebble resolving through BIND),
// BIND_PORT, BIND_ZONE, BIND_TSIG_*, the keyring's D-Bus session. Output: `BENCH {json}` lines on stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bootstrap } from '../../electron/app/bootstrap.ts';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';

const { values: args } = parseArgs({
  options: { phase: { type: 'string', default: 'setup' }, n: { type: 'string', default: '100' }, 'data-dir': { type: 'string' }, state: { type: 'string' } },
});
const N = Number(args.n);

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the benchmark through test/bench/renew.mjs.`);
  return v;
}
const emit = (obj: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(obj)}\n`);
const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;

async function main(): Promise<void> {
  const directory = need('RENEW_DIRECTORY');
  const caFile = need('RENEW_CA_FILE');
  const zone = need('BIND_ZONE');
  const bind = `127.0.0.1:${need('BIND_PORT')}`;
  process.env.CERTDESK_DNS_SERVERS = bind;
  process.env.CERTDESK_DNS_NS_ADDRESSES = `ns1.${zone}=${bind}`;
  const dataDir = args['data-dir'];
  const stateFile = args.state;
  if (!dataDir || !stateFile) throw new Error('--data-dir and --state are required');
  const app = await bootstrap({ dataDir, face: 'cli' });
  const call = async <C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> => {
    const env = await dispatch(app.handlers, channel, req, { face: 'cli' });
    if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}`);
    return env.value as Res<C>;
  };
  try {
    if (args.phase === 'verify') {
      // Every certificate replaced by a new serial, the old one in history.
      const serials = new Map(Object.entries(JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, string>));
      const after = await call('certs:list', {});
      const replaced = after.filter((c) => serials.has(c.id) && c.serial !== serials.get(c.id) && c.history.some((x) => x.serial === serials.get(c.id))).length;
      emit({ type: 'verify', n: N, replaced });
      if (replaced !== N) throw new Error(`${replaced} of ${N} certificates replaced`);
      return;
    }
    await call('accounts:register', { name: 'bench', email: 'bench@example.test', directory, caFile, agreeTos: true });
    const dns = await call('dns:add', {
      name: 'BIND',
      provider: 'rfc2136',
      fields: { server: '127.0.0.1', port: need('BIND_PORT'), keyName: need('BIND_TSIG_NAME'), algorithm: need('BIND_TSIG_ALGORITHM') },
      secrets: { keySecret: need('BIND_TSIG_SECRET') },
    });
    // The N certificates, untimed, a few at a time.
    const tag = Date.now().toString(36).slice(-5);
    const names = Array.from({ length: N }, (_, i) => `rn-${tag}-${i + 1}.${zone}`);
    const t0 = performance.now();
    const certIds: string[] = [];
    for (let i = 0; i < names.length; i += 16) {
      const batch = names.slice(i, i + 16);
      certIds.push(
        ...(await Promise.all(
          batch.map(async (name) => {
            const r = await call('requests:create', { domains: [name], challengeType: 'dns-01', key: 'ec-p256', dnsAccountId: dns.id });
            const v = await call('requests:verify', { id: r.id });
            if (v.status !== 'available') throw new Error(`${name}: ${v.status} ${v.error?.message ?? ''}`);
            return (await call('certs:save', { requestId: r.id })).id;
          }),
        )),
      );
    }
    // Due now: one day before the expiry of a 1-hour certificate is its start. (The concurrency is set by the
    // benchmark through the CLI: `settings set renewal.concurrency 16`.)
    await call('settings:set', { renewal: { policy: 'days', days: 1 } });
    const due = (await call('renewal:dry-run', {})).due;
    if (due.length !== N) throw new Error(`${due.length} of ${N} certificates are due; expected all`);
    const serials = Object.fromEntries((await call('certs:list', {})).map((c) => [c.id, c.serial]));
    writeFileSync(stateFile, JSON.stringify(serials));
    emit({ type: 'setup', n: N, issueMs: ms(t0, performance.now()), dataDir, certificates: certIds.length });
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.stderr.write(`certdesk-renew: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
