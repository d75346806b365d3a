// Files in and out (issue 6, items 3 and 4) as users meet them, against a real Pebble and keychain:
// - the CLI's exports never overwrite a file unless --force, never write into the data directory (db.json
//   included, also through a symlinked folder), and a FIFO given as --ca-file fails at once;
// - a window (bridge face) picks keys through files:open and sends only the handle: an account is added and a
//   certificate issued with keys that never crossed to the window.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bootstrap, type App } from '../../electron/app/bootstrap.ts';
import { headlessPlatform } from '../../electron/app/platform-services.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../shared/ipc/errors.ts';
import { findSecret, pebble, tempDir } from '../helpers/bed.ts';
import { leafOf, spkiOf } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const P = pebble();
const run = promisify(execFile);

function certdesk(dataDir: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    // A CLI that hangs (e.g. on a FIFO) is killed, and the test then fails on the exit code and the time.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    });
  });
}

async function json(dataDir: string, ...args: string[]) {
  const r = await certdesk(dataDir, '--json', ...args);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('CLI exports: no silent overwrite, never into the data directory', () => {
  let http: Http01Server;
  const d = tempDir('fileio-cli');
  const out = tempDir('fileio-out');
  let certId = '';
  const dbPath = join(d, 'db.json');

  before(async () => {
    http = await new Http01Server().start();
    await json(d, 'account', 'register', '--email', 'files@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
    const pw = join(out, 'pw.txt');
    writeFileSync(pw, 'correct horse battery\n', { mode: 0o600 });
    const created = await json(d, 'request', 'create', '--domains', `files-${Date.now()}.example.test`, '--challenge', 'http-01', '--key', 'ec-p256', '--keystore', 'jks', '--keystore-password-file', pw);
    http.serve(created);
    await json(d, 'request', 'verify', created.id);
    certId = (await json(d, 'cert', 'save', created.id)).id;
  });
  after(() => http.stop());

  it('account export-key: an existing file is refused and left as it was; --force replaces it', async () => {
    const target = join(out, 'account.pem');
    writeFileSync(target, 'my notes, not a key\n');
    const r = await certdesk(d, 'account', 'export-key', '--out', target);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /account\.pem already exists: Certdesk does not overwrite a file unless told to\. Hint: Choose another path for --out, or add --force to replace it\./);
    assert.equal(readFileSync(target, 'utf8'), 'my notes, not a key\n');
    const forced = await json(d, 'account', 'export-key', '--out', target, '--force');
    assert.equal(forced.path, target);
    assert.match(readFileSync(target, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });

  it('cert export: an existing keystore is refused (untouched), --force replaces it with a valid one', async () => {
    const jks = join(out, 'site.jks');
    await json(d, 'cert', 'export', certId, '--format', 'jks', '--out', jks);
    const first = sha(jks);
    const again = await certdesk(d, 'cert', 'export', certId, '--format', 'pfx', '--out', jks);
    assert.equal(again.code, 1);
    assert.match(again.err, /site\.jks already exists.*--force/);
    assert.equal(sha(jks), first, 'the JKS is untouched');
    await json(d, 'cert', 'export', certId, '--format', 'pfx', '--out', jks, '--force');
    assert.notEqual(sha(jks), first);
    const info = await run('openssl', ['pkcs12', '-info', '-noout', '-in', jks, '-passin', 'pass:correct horse battery'], { encoding: 'utf8' });
    assert.match(info.stdout + info.stderr, /AES-256-CBC/, 'the replacement is the new PKCS#12');
  });

  it('cert export pem: a folder holding any of the files is refused (nothing written); --force replaces', async () => {
    const folder = join(out, 'pem');
    mkdirSync(folder);
    writeFileSync(join(folder, 'fullchain.pem'), 'old chain');
    const r = await certdesk(d, 'cert', 'export', certId, '--format', 'pem', '--out', folder);
    assert.equal(r.code, 1);
    assert.match(r.err, /already holds fullchain\.pem/);
    assert.deepEqual(readdirSync(folder), ['fullchain.pem']);
    await json(d, 'cert', 'export', certId, '--format', 'pem', '--out', folder, '--force');
    assert.deepEqual(readdirSync(folder).sort(), ['cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem']);
    assert.match(readFileSync(join(folder, 'fullchain.pem'), 'utf8'), /BEGIN CERTIFICATE/);
  });

  it('nothing is ever written into the data directory: db.json, a new file, a PEM folder, a symlinked folder', async () => {
    const before = sha(dbPath);
    const link = join(out, 'looks-harmless');
    symlinkSync(d, link);
    const attempts: string[][] = [
      ['account', 'export-key', '--out', dbPath],
      ['cert', 'export', certId, '--format', 'pem', '--out', d],
      ['account', 'export-key', '--out', dbPath, '--force'],
      ['cert', 'export', certId, '--format', 'pfx', '--out', dbPath, '--force'],
      ['cert', 'export', certId, '--format', 'jks', '--out', join(d, 'backup.jks')],
      ['cert', 'export', certId, '--format', 'pem', '--out', d, '--force'],
      ['cert', 'export', certId, '--format', 'pem', '--out', join(d, 'pem')],
      ['cert', 'export', certId, '--format', 'pfx', '--out', join(link, 'db.json'), '--force'],
      ['account', 'export-key', '--out', join(link, 'accounts', 'x.pem')],
    ];
    const listing = readdirSync(d).sort();
    for (const args of attempts) {
      const r = await certdesk(d, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /is inside Certdesk's data directory .*: exports are never written there.* Hint: Choose a path outside the data directory for --out\./);
    }
    assert.equal(sha(dbPath), before, 'db.json is untouched');
    assert.deepEqual(readdirSync(d).sort(), listing, 'nothing new in the data directory');
    // The store still opens and lists the certificate.
    assert.equal((await json(d, 'cert', 'list')).length, 1);
  });

  it('a FIFO as --ca-file fails at once with a clear message instead of hanging', async () => {
    const fifo = join(out, 'ca.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await certdesk(tempDir('fileio-fifo'), 'account', 'register', '--email', 'f@example.test', '--directory', P.directory, '--ca-file', fifo, '--agree-tos');
    assert.equal(r.code, 2, r.err);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.match(r.err, /CA file .*ca\.fifo is not a regular file: it is a named pipe \(FIFO\)/);
    const dev = await certdesk(tempDir('fileio-dev'), 'account', 'register', '--email', 'f@example.test', '--directory', P.directory, '--ca-file', '/dev/zero', '--agree-tos');
    assert.match(dev.err, /is not a regular file: it is a character device/);
    const pwFifo = join(out, 'pw.fifo');
    execFileSync('mkfifo', [pwFifo]);
    const pw = await certdesk(d, 'cert', 'export', certId, '--format', 'pfx', '--out', join(out, 'never.pfx'), '--password-file', pwFifo);
    assert.equal(pw.code, 2);
    assert.match(pw.err, /--password-file .*pw\.fifo is not a regular file/);
    assert.equal(existsSync(join(out, 'never.pfx')), false);
  });
});

describe('window face: keys picked with files:open never reach the window', () => {
  let http: Http01Server;
  let app: App;
  let picked: string | null = null;
  const exportDir = tempDir('fileio-win-exports');
  const call = async <C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> => {
    const env = await dispatch(app.handlers, channel, req, { face: 'bridge' });
    if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}`);
    // Whatever reaches the window is checked for key material.
    assert.doesNotMatch(JSON.stringify(env.value), /PRIVATE KEY/, `${channel} sent a key to the window`);
    return env.value as Res<C>;
  };

  before(async () => {
    http = await new Http01Server().start();
    const platform = { ...headlessPlatform({ exportDir }), chooseOpenPath: async () => picked };
    app = await bootstrap({ dataDir: tempDir('fileio-win'), face: 'bridge', platform });
  });
  after(async () => {
    await app.close();
    await http.stop();
  });

  it('adds an existing account by a picked key file, then issues with a picked certificate key', async () => {
    // An account made by the CLI, its key exported to a file the user then picks in the window.
    const cliData = tempDir('fileio-win-cli');
    await json(cliData, 'account', 'register', '--email', 'win@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
    const accountKey = join(tempDir('fileio-win-key'), 'account.pem');
    await json(cliData, 'account', 'export-key', '--out', accountKey);

    picked = accountKey;
    const keyFile = (await call('files:open', { purpose: 'account-key' })).file;
    assert.ok(keyFile);
    assert.equal(keyFile.name, 'account.pem');
    const account = await call('accounts:import', { directory: P.directory, caPem: P.caPem, keyHandle: keyFile.handle, name: 'Picked' });
    assert.equal(account.status, 'valid');

    const certKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    const certKeyPath = join(tempDir('fileio-win-ck'), 'server.key');
    writeFileSync(certKeyPath, certKeyPem, { mode: 0o600 });
    picked = certKeyPath;
    const ck = (await call('files:open', { purpose: 'certificate-key' })).file;
    assert.ok(ck);
    assert.equal(ck.keySpec, 'ec-p384');

    const created = await call('requests:create', {
      accountId: account.id,
      domains: [`picked-${Date.now()}.example.test`],
      challengeType: 'http-01',
      key: 'ec-p384',
      keyPolicy: 'import',
      importKeyHandle: ck.handle,
      keystoreType: 'pem',
    });
    http.serve(created);
    const issued = await call('requests:verify', { id: created.id });
    assert.equal(issued.status, 'available', JSON.stringify(issued.error));

    // The headless save "dialog" picks a fresh path in exportDir; the certificate carries the picked key.
    const paths = (await call('certs:export', { id: created.id, format: 'pem' })).paths;
    assert.ok(paths && paths.every((p) => p.startsWith(exportDir)));
    const cert = leafOf(readFileSync(paths.find((p) => p.endsWith('cert.pem'))!, 'utf8'));
    assert.ok(spkiOf(cert).equals(spkiOf(certKeyPem)), 'the certificate is for the picked key');
    // A second export never overwrites the first: the headless dialog picks the next free name.
    const second = (await call('certs:export', { id: created.id, format: 'pem' })).paths;
    assert.ok(second && second[0] !== paths[0]);
    assert.deepEqual(findSecret([app.dataDir], certKeyPem), [], 'the picked key is sealed at rest');
  });

  it('a picked FIFO is refused at once', async () => {
    const fifo = join(tempDir('fileio-win-fifo'), 'key.fifo');
    execFileSync('mkfifo', [fifo]);
    picked = fifo;
    const env = await dispatch(app.handlers, 'files:open', { purpose: 'certificate-key' }, { face: 'bridge' });
    assert.equal(env.ok, false);
    assert.match((env as { error: ErrorInfo }).error.message, /is not a regular file: it is a named pipe/);
  });
});
