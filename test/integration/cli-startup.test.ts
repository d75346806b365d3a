// What a CLI process loads at start (issue 11, "Speed as a script sees it"): each command evaluates only what it
// needs. out/cli/certdesk.cjs run with CERTDESK_DEBUG_MODULES=1 prints one stderr line `certdesk-modules {json}`:
// the heavy packages bundled in certdesk-main.cjs that were evaluated (build/build.mjs marks them) and the files
// require() loaded from node_modules (the externals: keychain, SDKs, ssh2, mailer). No timing is asserted here
// (test/bench/scripted.mjs measures); what is asserted is which code ran, and that the commands still work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bedGate, failWithoutBed, pebble, tempDir } from '../helpers/bed.ts';
import { Http01Server } from '../helpers/challenges.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const MAIN = join(process.cwd(), 'out/cli/certdesk-main.cjs');
const built = ' (run `npm run build` first; npm test does)';

// Externals (node_modules files) that no listing command may load, and bundled packages that only ACME work needs.
const EXTERNAL_HEAVY = ['ssh2', '@aws-sdk', '@azure', 'nodemailer', 'cloudflare', 'node-schedule'];
const ACME_ONLY = ['acme-client', 'axios', '@peculiar/x509', 'node-forge'];

// What ACME work (request create / verify) must not evaluate: CSRs are written by hand (no x509 or ASN.1 stack) and
// axios' unused parts stay unloaded (build/build.mjs gives axios lazy stand-ins), among them Node's undici
// (loaded by reading globalThis.fetch/FormData) and http2.
const NOT_FOR_ISSUANCE = ['@peculiar/x509', 'asn1js', 'tsyringe', 'node-forge', 'mime-db'];
const NOT_FOR_ISSUANCE_EXTERNAL = ['form-data', 'https-proxy-agent', 'follow-redirects', 'mime-types', 'mime-db'];
const NOT_FOR_ISSUANCE_BUILTINS = ['internal/deps/undici/undici', 'http2', 'worker_threads'];

interface Loaded {
  bundled: string[];
  required: string[];
  /** Node's own modules loaded (process.moduleLoadList). */
  builtins: string[];
}

/** Runs the CLI (asynchronously: the test's own http-01 server must keep answering meanwhile). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; loaded: Loaded }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CERTDESK_DEBUG_MODULES: '1', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const lines = err.split('\n');
      const line = lines.find((l) => l.startsWith('certdesk-modules '));
      if (!line) return reject(new Error(`no certdesk-modules line on stderr (exit ${code}): ${err}`));
      const loaded = JSON.parse(line.slice('certdesk-modules '.length)) as Loaded;
      resolve({ code, stdout: out, stderr: lines.filter((l) => !l.startsWith('certdesk-modules ')).join('\n'), loaded });
    });
  });
}

/** Packages of `files` (node_modules paths), e.g. "@napi-rs/keyring", "ssh2". */
function packagesOf(files: string[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f);
    if (m) out.add(m[1]!.replace(/\\/g, '/'));
  }
  return [...out].sort();
}

function assertNone(loaded: Loaded, what: string, bundled: string[], external: string[]): void {
  const pkgs = packagesOf(loaded.required);
  assert.deepEqual(loaded.bundled.filter((p) => bundled.includes(p)), [], `${what} evaluated bundled ${loaded.bundled.join(', ')}`);
  assert.deepEqual(pkgs.filter((p) => external.some((e) => p === e || p.startsWith(`${e}/`))), [], `${what} required ${pkgs.join(', ')}`);
}

function assertNoBuiltins(loaded: Loaded, what: string, builtins: string[]): void {
  assert.ok(loaded.builtins.includes('fs'), `${what}: the list of Node's modules is missing (${loaded.builtins.length} entries)`);
  assert.deepEqual(loaded.builtins.filter((b) => builtins.includes(b)), [], `${what} loaded Node's ${builtins.join(', ')}`);
}

describe('CLI start-up: the built files', () => {
  it('certdesk.cjs is a small launcher; the main bundle is minified ASCII with no source map reference', () => {
    assert.ok(existsSync(CLI) && existsSync(MAIN), `out/cli is not built${built}`);
    const launcher = readFileSync(CLI, 'utf8');
    assert.ok(launcher.length < 20_000, `certdesk.cjs is ${launcher.length} bytes: it should only start the main bundle`);
    assert.match(launcher, /^#!\/usr\/bin\/env node\n/);
    const main = readFileSync(MAIN);
    assert.equal(main.findIndex((b) => b > 0x7f), -1, 'certdesk-main.cjs has non-ASCII bytes (slow UTF-8 decode at every start)');
    const text = main.toString('latin1');
    assert.doesNotMatch(text, /sourceMappingURL/, 'the main bundle must not point at a source map');
    // Minified: few, long lines (a readable bundle has ~100k lines).
    assert.ok(text.split('\n').length < 2000, 'certdesk-main.cjs does not look minified');
  });
});

describe('CLI start-up: no bed needed', () => {
  it('--version evaluates no heavy package and requires nothing from node_modules', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
    assert.deepEqual(r.loaded.bundled, [], 'bundled packages evaluated by --version');
    assert.deepEqual(r.loaded.required, [], 'node_modules files required by --version');
  });

  it('--help still lists every command of every group (the groups load on demand)', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const cmd of ['info', 'renew', 'account register', 'request create', 'request verify', 'cert list', 'cert export', 'cert deploy', 'cert policy', 'dns add', 'server add', 'agent', 'settings', 'email']) {
      assert.ok(r.stdout.includes(`  ${cmd}`), `--help does not list "${cmd}"`);
    }
    assertNone(r.loaded, '--help', ACME_ONLY, EXTERNAL_HEAVY);
  });

  it('an unknown group command is refused with the group\'s commands; an unknown command with exit 2', async () => {
    const sub = await run(['request', 'frobnicate']);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /Unknown request command "frobnicate"\. Hint: Use one of: .*\bcreate\b.*\bverify\b/);
    const top = await run(['toString']);
    assert.equal(top.code, 2);
    assert.match(top.stderr, /Unknown command "toString"/);
  });

  it('the compile cache: written in the user cache folder, reused, a corrupt one ignored, "off" writes none', async () => {
    const files = (dir: string) => (existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()) : []);
    const env = (cacheHome: string, own: string) => ({ XDG_CACHE_HOME: cacheHome, CERTDESK_COMPILE_CACHE: own, NODE_COMPILE_CACHE: '' });
    const home = tempDir('compile-cache');
    // Where it goes by default (Linux: $XDG_CACHE_HOME/certdesk/compile); CERTDESK_COMPILE_CACHE=DIR moves it.
    const dir = process.platform === 'linux' ? join(home, 'certdesk', 'compile') : join(home, 'own');
    const first = await run(['--version'], env(home, process.platform === 'linux' ? '' : dir));
    assert.equal(first.code, 0, first.stderr);
    assert.ok(files(dir).length > 0, `no cache file was written in ${dir}`);
    // Node 20 (no module.enableCompileCache): our own V8 code cache files. Spoilt, they must not matter.
    const own = files(dir).filter((f) => f.endsWith('.v8'));
    for (const f of own) writeFileSync(f, 'not a code cache');
    const again = await run(['--version'], env(home, process.platform === 'linux' ? '' : dir));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, first.stdout);
    for (const f of own) assert.notEqual(readFileSync(f, 'utf8'), 'not a code cache', 'a rejected cache is written again');

    const offHome = tempDir('compile-cache-off');
    const off = await run(['--version'], env(offHome, 'off'));
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(files(offHome), [], 'CERTDESK_COMPILE_CACHE=off still wrote a cache');
  });
});

describe('CLI start-up: commands load what they need', () => {
  const gate = bedGate(['PEBBLE_DIRECTORY', 'PEBBLE_CA_FILE', 'PEBBLE_HTTP_PORT', 'DBUS_SESSION_BUS_ADDRESS']);
  failWithoutBed(gate);
  let http: Http01Server;
  before(async () => {
    if (!gate.problem && !gate.skip) http = await new Http01Server().start();
  });
  after(async () => {
    await http?.stop();
  });

  it('cert list / request list / info load no ACME client, keystore, SSH, mailer or DNS SDK', { skip: gate.skip }, async () => {
    const d = tempDir('startup');
    for (const args of [['cert', 'list'], ['request', 'list'], ['info']]) {
      const r = await run(['--data-dir', d, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assertNone(r.loaded, args.join(' '), ACME_ONLY, EXTERNAL_HEAVY);
      // The check sees what does load: the store's schemas and the keychain.
      assert.ok(r.loaded.bundled.includes('zod'), `${args.join(' ')}: zod not seen (${r.loaded.bundled.join(', ')})`);
      assert.ok(packagesOf(r.loaded.required).includes('@napi-rs/keyring'), `${args.join(' ')}: the keychain was not seen`);
    }
    assert.match((await run(['--data-dir', d, 'cert', 'list'])).stdout, /The repository is empty/);
  });

  it('register, request create, verify, cert list: each works, and only create/verify evaluate the ACME client', { skip: gate.skip }, async () => {
    const P = pebble();
    const d = tempDir('startup-issue');
    const reg = await run(['--data-dir', d, '--json', 'account', 'register', '--email', 'startup@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos']);
    assert.equal(reg.code, 0, reg.stderr);
    assert.equal(JSON.parse(reg.stdout).status, 'valid');
    assert.ok(reg.loaded.bundled.includes('acme-client'), 'account register did not evaluate acme-client: the marks do not work');

    const name = `startup-${Date.now().toString(36)}.example.test`;
    const created = await run(['--data-dir', d, '--json', 'request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'rsa-2048']);
    assert.equal(created.code, 0, created.stderr);
    const req = JSON.parse(created.stdout);
    assert.equal(req.status, 'pending');
    assert.ok(created.loaded.bundled.includes('acme-client'));
    assertNone(created.loaded, 'request create', NOT_FOR_ISSUANCE, [...EXTERNAL_HEAVY, ...NOT_FOR_ISSUANCE_EXTERNAL]);
    assertNoBuiltins(created.loaded, 'request create', NOT_FOR_ISSUANCE_BUILTINS);
    http.serve(req);

    const verified = await run(['--data-dir', d, '--json', 'request', 'verify', req.id.slice(0, 8)]);
    assert.equal(verified.code, 0, verified.stderr);
    const done = JSON.parse(verified.stdout);
    assert.equal(done.status, 'available');
    assert.ok(done.certificate.notAfter);
    assert.ok(verified.loaded.bundled.includes('axios'), 'verify talks to the CA through axios: the marks do not work');
    assertNone(verified.loaded, 'request verify', NOT_FOR_ISSUANCE, [...EXTERNAL_HEAVY, ...NOT_FOR_ISSUANCE_EXTERNAL]);
    assertNoBuiltins(verified.loaded, 'request verify', NOT_FOR_ISSUANCE_BUILTINS);
    // The certificate is for the request's key and names (the CSR was right).
    assert.deepEqual(done.certificate.names, [name]);
    assert.equal(done.certificate.keyType, 'rsa-2048');

    const saved = await run(['--data-dir', d, '--json', 'cert', 'save', req.id.slice(0, 8)]);
    assert.equal(saved.code, 0, saved.stderr);
    const listed = await run(['--data-dir', d, '--json', 'cert', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((c: { commonName: string }) => c.commonName), [name]);
    assertNone(listed.loaded, 'cert list with a saved certificate', ACME_ONLY, EXTERNAL_HEAVY);
  });
});
