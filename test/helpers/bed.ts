// Facts about the running test bed (started by test/run.mjs), read from the environment.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before } from 'node:test';

export function bedEnv(name: string): string {
  const v = process.env[name];
  if (!process.env.CERTDESK_BED || !v) {
    throw new Error(`${name} is not set: run the tests through \`npm test\` (test/run.mjs starts Pebble, BIND, sshd and the keyring).`);
  }
  return v;
}

/**
 * For suites that need bed services: `{ skip, problem }` for the variables in `names`. All set: nothing.
 * Missing under `node test/run.mjs --no-bed` (CERTDESK_NO_BED=1): `skip` says why, the suite is skipped.
 * Missing otherwise (`npm test`, or node --test by hand): `problem` says what is missing, and the suite
 * must fail with it (see failWithoutBed), so that a run can never be green because nothing ran.
 */
export function bedGate(names: string[]): { skip: string | false; problem: string | null } {
  const missing = [...(process.env.CERTDESK_BED ? [] : ['CERTDESK_BED']), ...names.filter((n) => !process.env[n])];
  if (!missing.length) return { skip: false, problem: null };
  const what = `needs the test bed (${missing.join(', ')} not set)`;
  if (process.env.CERTDESK_NO_BED === '1') return { skip: `${what}; skipped under --no-bed`, problem: null };
  return {
    skip: false,
    problem: `${what}: run the tests through \`npm test\` or \`node test/run.mjs\` (with the services this suite needs), or pass --no-bed to skip it on purpose.`,
  };
}

/** Makes every test of the enclosing suite fail when its bed is missing (call it inside the describe). */
export function failWithoutBed(gate: { problem: string | null }): void {
  before(() => {
    if (gate.problem) throw new Error(gate.problem);
  });
}

export function pebble() {
  return {
    directory: bedEnv('PEBBLE_DIRECTORY'),
    caFile: bedEnv('PEBBLE_CA_FILE'),
    caPem: readFileSync(bedEnv('PEBBLE_CA_FILE'), 'utf8'),
    mgmt: bedEnv('PEBBLE_MGMT'),
  };
}

export function pebbleEab() {
  return {
    directory: bedEnv('PEBBLE_EAB_DIRECTORY'),
    caFile: bedEnv('PEBBLE_CA_FILE'),
    kid: bedEnv('PEBBLE_EAB_KID'),
    hmacKey: bedEnv('PEBBLE_EAB_HMAC'),
  };
}

/**
 * A TCP port on 127.0.0.1 where nothing listens: bound on port 0, then closed. (A fixed "closed" port such
 * as 9 may well be open on a machine running discard or anything else.)
 */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `certdesk-${prefix}-`));
}

export function artifactsDir(): string {
  return process.env.CERTDESK_ARTIFACTS ?? 'test/artifacts';
}

/** Every regular file below `dir`, recursively. */
export function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesBelow(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/**
 * Looks for a secret in every file below `dirs`, in the forms it could leak in: as given, and for PEM keys
 * also the base64 body, the DER bytes, and the JWK private member `d`.
 */
export function findSecret(dirs: string[], secret: string, extraForms: (string | Buffer)[] = []): string[] {
  const forms: Buffer[] = [Buffer.from(secret)];
  const body = secret.match(/-----BEGIN [^-]+-----([\s\S]+?)-----END/);
  if (body?.[1]) {
    const b64 = body[1].replace(/\s+/g, '');
    forms.push(Buffer.from(b64.slice(0, 64)));
    forms.push(Buffer.from(b64, 'base64').subarray(0, 48));
  }
  for (const f of extraForms) forms.push(Buffer.isBuffer(f) ? f : Buffer.from(f));
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const file of filesBelow(dir)) {
      const data = readFileSync(file);
      if (forms.some((f) => f.length >= 16 && data.includes(f))) hits.push(file);
    }
  }
  return hits;
}
