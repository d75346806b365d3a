// Extra BIND 9 instances for the DNS tests, beside the bed's one: any zones, any TSIG keys (every algorithm),
// records given as zone-file lines. Started like the bed's services (PID recorded in the bed's work dir, so
// the runner stops it even if the test dies) and stopped by the test.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bedEnv } from './bed.ts';
import { run } from './dns-tools.ts';

export interface TestKey {
  name: string;
  algorithm: string;
  secret: string;
}

export interface TestZone {
  name: string;
  /** Zone-file lines after SOA (e.g. `@ IN NS ns1.x.test.`, `ns1 IN A 127.0.0.1`). */
  records: string[];
  /** Keys allowed to update the zone (`update-policy { grant K zonesub ANY; }`); other keys get REFUSED. */
  grant: string[];
}

export interface ExtraBind {
  port: number;
  server: string;
  dir: string;
  keys: TestKey[];
  stop(): Promise<void>;
}

interface UtilModule {
  freePort(o: { udp: boolean }): Promise<number>;
  findExe(name: string): Promise<string>;
  startAndWait(
    spawnOpts: { name: string; cmd: string; args: string[]; cwd: string; workDir: string; logFile: string },
    check: () => Promise<unknown>,
    waitOpts: { what: string },
  ): Promise<{ pid: number; stop(graceMs?: number): Promise<void> }>;
}

export function makeKey(name: string, algorithm: string): TestKey {
  const bytes = { 'hmac-md5': 16, 'hmac-sha1': 20, 'hmac-sha224': 28, 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 }[algorithm] ?? 32;
  return { name, algorithm, secret: randomBytes(bytes).toString('base64') };
}

let counter = 0;

export async function startExtraBind(label: string, zones: TestZone[], keys: TestKey[]): Promise<ExtraBind> {
  const util = (await import('../bed/util.mjs' as string)) as UtilModule;
  const workDir = bedEnv('BED_WORK_DIR');
  const dir = path.join(workDir, `bind-${label}-${process.pid}-${++counter}`);
  await mkdir(dir, { recursive: true });
  const port = await util.freePort({ udp: true });
  const keyText = keys.map((k) => `key "${k.name}" {\n\talgorithm ${k.algorithm};\n\tsecret "${k.secret}";\n};\n`).join('');
  const zoneConf: string[] = [];
  for (const z of zones) {
    const file = path.join(dir, `${z.name}.db`);
    await writeFile(file, ['$TTL 60', `@ IN SOA ns1.${z.name}. hostmaster.${z.name}. 1 3600 600 86400 60`, ...z.records, ''].join('\n'));
    const policy = z.grant.length ? `update-policy { ${z.grant.map((k) => `grant ${k} zonesub ANY;`).join(' ')} };` : '';
    zoneConf.push(`zone "${z.name}" {\n  type primary;\n  file "${file}";\n  ${policy}\n};`);
  }
  const conf = path.join(dir, 'named.conf');
  await writeFile(
    conf,
    `${keyText}
options {
  directory "${dir}";
  pid-file "${path.join(dir, 'named.pid')}";
  session-keyfile "${path.join(dir, 'session.key')}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
controls { };
${zoneConf.join('\n')}
`,
  );
  const first = zones[0]!.name;
  const svc = await util.startAndWait(
    { name: `named-${label}`, cmd: await util.findExe('named'), args: ['-g', '-4', '-n', '1', '-c', conf], cwd: dir, workDir, logFile: path.join(dir, 'named.log') },
    async () => (await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=1', '+tries=1', 'SOA', first])).stdout.includes(`ns1.${first}.`),
    { what: `did not answer SOA ${first} on 127.0.0.1:${port}` },
  );
  return { port, server: `127.0.0.1:${port}`, dir, keys, stop: () => svc.stop() };
}
