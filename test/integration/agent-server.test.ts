// The agent program as a real process (the built bundle out/agent/certdesk-agent.cjs on loopback): first start
// makes its identity and prints the pairing lines, the certificate it serves is the one printed, pairing with the
// code (wrong codes refused, replaced after five), then every action through signed requests with the answers'
// signatures checked, the security refusals (no / wrong / replayed / stale / tampered signatures), the served
// serial of nginx from the bed, restart with the same state, and unpairing (route and subcommand).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FINGERPRINT_RE, PAIRING_CODE_RE, ROUTES, certFingerprint, type AgentInfo, type ErrorBody, type Receipt, type RunResponse, type ServedResponse } from '../../electron/agent/protocol.ts';
import { agentCommand, rawRequest, SignedClient, startAgent, type AgentProcess } from '../helpers/agent-raw.ts';
import { bedEnv, bedGate, closedPort, failWithoutBed, tempDir } from '../helpers/bed.ts';
import { servedSerial } from '../helpers/tls.ts';

const gate = bedGate(['NGINX_HTTPS_PORT']);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const mode = (p: string) => statSync(p).mode & 0o777;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const errorOf = (a: { json<T>(): T }) => a.json<ErrorBody>().error;

async function pair(agent: AgentProcess, code: string, secret: Buffer) {
  return rawRequest({ port: agent.port, method: 'POST', path: ROUTES.pair, body: JSON.stringify({ code, secret: secret.toString('base64'), client: 'Certdesk on test-box' }) });
}

describe('certdesk-agent serve (built bundle, real process)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let stateDir: string;
  let work: string;
  let agent: AgentProcess;
  let client: SignedClient;
  let firstCode: string;
  let fingerprint: string;
  const secret = randomBytes(32);

  before(async () => {
    stateDir = join(tempDir('agent'), 'state');
    work = tempDir('agent-files');
    agent = await startAgent(stateDir, ['--challenge-port', '0', '--challenge-host', '127.0.0.1', '--site', `127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`]);
  });
  after(async () => {
    await agent?.stop();
  });

  it('prints a pairing code and the fingerprint of the certificate it really serves', async () => {
    const p = agent.pairing();
    assert.ok(p, `no pairing lines in: ${agent.stdout()}`);
    assert.match(p.code, PAIRING_CODE_RE);
    assert.match(p.fingerprint, FINGERPRINT_RE);
    firstCode = p.code;
    fingerprint = p.fingerprint;
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.status, 200);
    assert.equal(hello.fingerprint, fingerprint, 'the served certificate is the one printed');
    assert.deepEqual(hello.json(), { product: 'certdesk-agent', protocol: 'certdesk-agent/1', version: pkg.version, paired: false });
    // The identity on disk: 0600 files, CN = host name, SANs for the host name, localhost and 127.0.0.1, 20 years.
    for (const f of ['key.pem', 'cert.pem', 'identity.json', 'pairing-code.txt']) assert.equal(mode(join(stateDir, f)), 0o600, f);
    assert.equal(mode(stateDir), 0o700);
    assert.equal(readFileSync(join(stateDir, 'pairing-code.txt'), 'utf8').trim(), p.code);
    const cert = new X509Certificate(readFileSync(join(stateDir, 'cert.pem')));
    assert.match(cert.subject, new RegExp(`CN=${hostname().toLowerCase().replace(/[.]/g, '\\.')}`));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
    const years = (Date.parse(cert.validTo) - Date.now()) / (365.25 * 86400_000);
    assert.ok(years > 19.9 && years < 20.1, `valid for ${years} years`);
  });

  it('refuses signed requests while unpaired', async () => {
    const a = await new SignedClient(agent.port, secret, fingerprint).send(new SignedClient(agent.port, secret, fingerprint).prepare('GET', ROUTES.info));
    assert.equal(a.status, 401);
    assert.equal(errorOf(a).code, 'AUTH');
    assert.match(errorOf(a).message, /not paired/);
  });

  it('refuses a wrong pairing code (403 AUTH), pairs with the right one, then answers 409 to any further pairing', async () => {
    const wrong = firstCode.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const refused = await pair(agent, wrong, secret);
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused).code, 'AUTH');
    assert.equal(errorOf(refused).field, 'code');
    assert.ok(existsSync(join(stateDir, 'pairing-code.txt')));
    assert.ok(!existsSync(join(stateDir, 'pairing.json')));

    // Typed the way people type it: lower case, spaces instead of dashes.
    const ok = await pair(agent, firstCode.toLowerCase().replace(/-/g, ' '), secret);
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(ok.fingerprint, fingerprint);
    const info = ok.json<{ info: AgentInfo }>().info;
    assert.equal(info.product, 'certdesk-agent');
    assert.ok(!existsSync(join(stateDir, 'pairing-code.txt')), 'the code file is gone once paired');
    assert.equal(mode(join(stateDir, 'pairing.json')), 0o600);
    assert.equal(JSON.parse(readFileSync(join(stateDir, 'pairing.json'), 'utf8')).secret, secret.toString('base64'));

    const again = await pair(agent, firstCode, randomBytes(32));
    assert.equal(again.status, 409);
    assert.equal(errorOf(again).code, 'CONFLICT');
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.json<{ paired: boolean }>().paired, true);
    client = new SignedClient(agent.port, secret, fingerprint);
  });

  it('reports its version, OS and capabilities (signed answer)', async () => {
    const info = await client.call<AgentInfo>(ROUTES.info, undefined, 'GET');
    assert.equal(info.version, pkg.version);
    assert.equal(info.os, process.platform === 'darwin' ? 'macos' : process.platform);
    assert.equal(info.arch, process.arch);
    assert.equal(info.hostname, hostname());
    assert.equal(info.challengePort, agent.challengePort);
    assert.equal(info.site, `127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`);
    assert.deepEqual([...info.capabilities].sort(), ['files', 'run', 'self-serve', 'served-serial', 'webroot']);
    assert.match(info.osVersion, /\S/);
  });

  it('puts files (folders made, mode on disk), removes them, checks folders, and names a folder it may not write', async () => {
    const file = join(work, 'site', '.well-known', 'acme-challenge', 'tok1');
    await client.call(ROUTES.filePut, { path: file, content: b64('token.thumb'), mode: 0o600 });
    assert.equal(readFileSync(file, 'utf8'), 'token.thumb');
    assert.equal(mode(file), 0o600);
    await client.call(ROUTES.filePut, { path: file, content: b64('replaced'), mode: 0o644 });
    assert.equal(readFileSync(file, 'utf8'), 'replaced');
    assert.equal(mode(file), 0o644);
    assert.deepEqual(await client.call(ROUTES.fileRemove, { path: file }), { removed: true });
    assert.ok(!existsSync(file));
    assert.deepEqual(await client.call(ROUTES.fileRemove, { path: file }), { removed: false });
    await client.call(ROUTES.checkWritable, { dir: join(work, 'new', 'dir') });
    assert.ok(statSync(join(work, 'new', 'dir')).isDirectory());

    // A folder the kernel refuses even to root: PERMISSION naming the folder.
    const denied = await client.send(client.prepare('POST', ROUTES.filePut, { path: '/sys/certdesk-test/x/token', content: b64('x'), mode: 0o644 }));
    assert.equal(denied.status, 403);
    assert.ok(denied.signed, 'error answers are signed too');
    assert.equal(errorOf(denied).code, 'PERMISSION');
    assert.match(errorOf(denied).message, /cannot create folders in \/sys: permission denied/);
    const relative = await client.send(client.prepare('POST', ROUTES.filePut, { path: 'relative/x', content: b64('x'), mode: 0o644 }));
    assert.equal(relative.status, 400);
    assert.equal(errorOf(relative).field, 'path');
  });

  it('installs with backups (mode, owner) and restores; a failure part way puts back what it replaced', async () => {
    const dir = join(work, 'tls');
    mkdirSync(dir, { recursive: true });
    const cert = join(dir, 'fullchain.pem');
    const key = join(dir, 'privkey.pem');
    writeFileSync(cert, 'OLD CERT');
    chmodSync(cert, 0o644);
    const me = userInfo().username;
    const receipt = await client.call<Receipt>(ROUTES.install, {
      files: [
        { path: cert, content: b64('NEW CERT'), mode: 0o644, owner: me },
        { path: key, content: b64('NEW KEY'), mode: 0o600, owner: null },
      ],
    });
    assert.deepEqual(receipt, { entries: [{ path: cert, backup: `${cert}.certdesk-backup` }, { path: key, backup: null }] });
    assert.equal(readFileSync(cert, 'utf8'), 'NEW CERT');
    assert.equal(readFileSync(key, 'utf8'), 'NEW KEY');
    assert.equal(mode(key), 0o600);
    assert.equal(statSync(cert).uid, userInfo().uid);
    assert.equal(readFileSync(`${cert}.certdesk-backup`, 'utf8'), 'OLD CERT');
    assert.equal(mode(`${cert}.certdesk-backup`), 0o644);

    await client.call(ROUTES.restore, { receipt });
    assert.equal(readFileSync(cert, 'utf8'), 'OLD CERT');
    assert.ok(!existsSync(key), 'a file that did not exist before is removed');
    assert.ok(!existsSync(`${cert}.certdesk-backup`));

    // An unknown owner is refused before anything changes.
    const badOwner = await client.send(client.prepare('POST', ROUTES.install, { files: [{ path: cert, content: b64('X'), mode: 0o644, owner: 'no-such-user-certdesk' }] }));
    assert.equal(badOwner.status, 400);
    assert.equal(errorOf(badOwner).field, 'owner');
    assert.match(errorOf(badOwner).message, /no-such-user-certdesk/);
    assert.equal(readFileSync(cert, 'utf8'), 'OLD CERT');

    // The second file's folder is a file: the first one is put back.
    writeFileSync(join(work, 'not-a-dir'), 'x');
    const partWay = await client.send(client.prepare('POST', ROUTES.install, {
      files: [
        { path: cert, content: b64('HALF'), mode: 0o644 },
        { path: join(work, 'not-a-dir', 'key.pem'), content: b64('K'), mode: 0o600 },
      ],
    }));
    assert.equal(partWay.status, 500);
    assert.equal(errorOf(partWay).code, 'DEPLOY_FAILED');
    assert.match(errorOf(partWay).message, /not-a-dir/);
    assert.equal(readFileSync(cert, 'utf8'), 'OLD CERT');
  });

  it('runs commands: exit code and output, a failing one, a timeout', async () => {
    const ok = await client.call<RunResponse>(ROUTES.run, { command: 'echo hello; echo oops >&2; exit 3' });
    assert.equal(ok.exitCode, 3);
    assert.match(ok.output, /hello/);
    assert.match(ok.output, /oops/);
    const missing = await client.call<RunResponse>(ROUTES.run, { command: 'certdesk-no-such-command-xyz' });
    assert.equal(missing.exitCode, 127);
    assert.match(missing.output, /not found/);
    const slow = await client.call<RunResponse>(ROUTES.run, { command: 'echo started; sleep 30', timeoutMs: 700 });
    assert.equal(slow.exitCode, null);
    assert.match(slow.output, /started[\s\S]*stopped the command/);
    const big = await client.call<RunResponse>(ROUTES.run, { command: "head -c 200000 /dev/zero | tr '\\0' a; echo END" });
    assert.equal(big.exitCode, 0);
    assert.ok(big.output.length <= 64 * 1024 && big.output.endsWith('END\n'), 'only the tail of the output is kept');
  });

  it('serves http-01 itself on its challenge port', async () => {
    const token = `tok_${randomBytes(8).toString('hex')}`;
    const url = `http://127.0.0.1:${agent.challengePort}/.well-known/acme-challenge/${token}`;
    assert.equal((await fetch(url)).status, 404);
    await client.call(ROUTES.challengePut, { token, content: `${token}.thumbprint` });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), `${token}.thumbprint`);
    assert.deepEqual(await client.call(ROUTES.challengeRemove, { token }), { removed: true });
    assert.equal((await fetch(url)).status, 404);
  });

  it('reports the serial nginx serves (its configured site or an address), or why it could not', async () => {
    const expected = await servedSerial(bedEnv('NGINX_HTTPS_PORT'), 'www.example.test');
    const bySite = await client.call<ServedResponse>(ROUTES.served, { sni: 'www.example.test' });
    assert.deepEqual(bySite, { serial: expected, error: null });
    const byAddress = await client.call<ServedResponse>(ROUTES.served, { address: `127.0.0.1:${bedEnv('NGINX_HTTPS_PORT')}`, sni: 'www.example.test' });
    assert.equal(byAddress.serial, expected);
    const closed = await client.call<ServedResponse>(ROUTES.served, { address: `127.0.0.1:${await closedPort()}`, sni: 'x.test' });
    assert.equal(closed.serial, null);
    assert.match(closed.error ?? '', /ECONNREFUSED/);
  });

  it('refuses IIS deployment off Windows, unknown routes and oversized bodies', async () => {
    const iis = await client.send(client.prepare('POST', ROUTES.iisDeploy, { pfx: b64('x'), password: 'pw', site: 'Default Web Site' }));
    assert.equal(iis.status, 400);
    assert.match(errorOf(iis).message, /needs a Windows agent/);
    const unknown = await client.send(client.prepare('POST', '/v1/nope', {}));
    assert.equal(unknown.status, 404);
    assert.ok(unknown.signed);
    const huge = await client.send(client.prepare('POST', ROUTES.filePut, { path: join(work, 'huge'), content: 'A'.repeat(5 * 1024 * 1024), mode: 0o644 }));
    assert.equal(huge.status, 413);
    assert.ok(!existsSync(join(work, 'huge')));
  });

  it('refuses requests without a signature, with another secret, replayed, stale or tampered with', async () => {
    const body = JSON.stringify({ command: 'echo unsigned' });
    const none = await rawRequest({ port: agent.port, method: 'POST', path: ROUTES.run, body });
    assert.equal(none.status, 401);
    assert.equal(errorOf(none).code, 'AUTH');
    assert.match(errorOf(none).message, /no valid signature headers/);

    const other = await client.send(client.prepare('POST', ROUTES.run, { command: 'echo other' }, Date.now(), randomBytes(32)));
    assert.equal(other.status, 401);
    assert.match(errorOf(other).message, /signature is wrong/);
    assert.equal(other.signed, false);

    const p = client.prepare('POST', ROUTES.fileRemove, { path: join(work, 'nothing-here') });
    assert.equal((await client.send(p)).status, 200);
    const replay = await client.send(p);
    assert.equal(replay.status, 401);
    assert.match(errorOf(replay).message, /replayed/);

    const stale = await client.send(client.prepare('POST', ROUTES.info, {}, Date.now() - 10 * 60_000));
    assert.equal(stale.status, 401);
    assert.match(errorOf(stale).message, /clocks/);

    const marker = join(work, 'tampered');
    const honest = client.prepare('POST', ROUTES.filePut, { path: join(work, 'honest'), content: b64('x'), mode: 0o644 });
    const tampered = await client.send({ ...honest, body: Buffer.from(JSON.stringify({ path: marker, content: b64('x'), mode: 0o644 })) });
    assert.equal(tampered.status, 401);
    assert.match(errorOf(tampered).message, /signature is wrong/);
    assert.ok(!existsSync(marker));
    // Same headers on another route.
    const moved = await client.send({ ...honest, path: ROUTES.run });
    assert.equal(moved.status, 401);
  });

  it('keeps the secret and the pairing code out of its log and output', () => {
    const log = readFileSync(join(stateDir, 'agent.log'), 'utf8');
    assert.match(log, /POST \/v1\/files\/put 200/);
    assert.match(log, /paired with Certdesk on test-box/);
    assert.equal(mode(join(stateDir, 'agent.log')), 0o600);
    for (const text of [log, agent.stdout().split('paired with')[1] ?? '']) {
      for (const form of [secret.toString('base64'), secret.toString('base64url'), secret.toString('hex')]) assert.ok(!text.includes(form), 'secret in the log');
    }
    assert.ok(!log.includes(firstCode), 'pairing code in agent.log');
    assert.ok(!log.includes('token.thumb') && !log.includes('NEW KEY'), 'file contents in agent.log');
  });

  it('keeps its certificate and pairing across a restart (SIGTERM stops it cleanly)', async () => {
    assert.equal(await agent.stop('SIGTERM'), 0);
    assert.match(readFileSync(join(stateDir, 'agent.log'), 'utf8'), /Stopping \(SIGTERM\)/);
    agent = await startAgent(stateDir, ['--challenge-port', '0', '--challenge-host', '127.0.0.1']);
    assert.equal(agent.pairing(), null, 'a paired agent prints no pairing code');
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.fingerprint, fingerprint);
    assert.equal(hello.json<{ paired: boolean }>().paired, true);
    client = new SignedClient(agent.port, secret, fingerprint);
    const info = await client.call<AgentInfo>(ROUTES.info, undefined, 'GET');
    assert.equal(info.site, null);
    const status = await agentCommand('pairing-code', '--state-dir', stateDir);
    assert.equal(status.code, 0);
    assert.match(status.out, /paired with Certdesk on test-box/);
  });

  it('unpairs through the route: the old secret is refused and a new code is printed', async () => {
    const from = agent.stdout().length;
    const res = await client.send(client.prepare('POST', ROUTES.unpair, {}));
    assert.equal(res.status, 200);
    assert.ok(res.signed);
    const m = await agent.waitFor(/Pairing code: (\S+)/, from);
    assert.notEqual(m[1], firstCode);
    assert.equal(readFileSync(join(stateDir, 'pairing-code.txt'), 'utf8').trim(), m[1]);
    assert.ok(!existsSync(join(stateDir, 'pairing.json')));
    const refused = await client.send(client.prepare('GET', ROUTES.info));
    assert.equal(refused.status, 401);
    const printed = await agentCommand('pairing-code', '--state-dir', stateDir);
    assert.equal(printed.out, `Pairing code: ${m[1]}\nCertificate: ${fingerprint}\n`);
  });

  it('replaces the code after five wrong ones', async () => {
    const code = agent.pairing()!.code;
    const from = agent.stdout().length;
    for (let i = 1; i <= 5; i++) {
      const r = await pair(agent, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', secret);
      assert.equal(r.status, 403);
      if (i === 5) assert.match(errorOf(r).message, /made a new one/);
    }
    const m = await agent.waitFor(/Pairing code: (\S+)/, from);
    assert.notEqual(m[1], code);
    assert.equal((await pair(agent, code, secret)).status, 403, 'the old code is dead');
    assert.equal((await pair(agent, m[1]!, secret)).status, 200);
  });

  it('`unpair` on the command line: a new code at the next start', async () => {
    assert.equal(await agent.stop('SIGINT'), 0);
    const r = await agentCommand('unpair', '--state-dir', stateDir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Unpaired/);
    assert.ok(!existsSync(join(stateDir, 'pairing.json')));
    agent = await startAgent(stateDir);
    const p = agent.pairing();
    assert.ok(p);
    assert.equal(p.fingerprint, fingerprint);
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.json<{ paired: boolean }>().paired, false);
    assert.equal((await pair(agent, p.code, secret)).status, 200);
  });

  it('--version, and usage errors exit 2', async () => {
    const v = await agentCommand('--version');
    assert.equal(v.out, `certdesk-agent ${pkg.version}\n`);
    const bad = await agentCommand('serve', '--listen', 'nonsense', '--state-dir', stateDir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /"nonsense" is not host:port/);
    const noDir = await agentCommand('serve');
    assert.equal(noDir.code, 2);
    assert.match(noDir.err, /--state-dir/);
  });

  it('binds the challenge port before its own: a main port the OS picks can never be the challenge port', async () => {
    // Both on one port: the challenge listener takes it first, so the main listener is the one refused and the
    // agent never says it listens. (In the other order a --listen HOST:0 could be handed the challenge port in
    // the moment before it was bound, as a test run once saw.)
    const port = await closedPort();
    const r = await agentCommand('serve', '--listen', `127.0.0.1:${port}`, '--challenge-port', String(port), '--challenge-host', '127.0.0.1', '--state-dir', join(tempDir('agent-ports'), 'state'));
    assert.notEqual(r.code, 0);
    assert.match(r.err, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(r.out, /Listening on/, 'the main listener did not get the port');
  });
});

describe('certdesk-agent serve --config FILE', () => {
  it('reads the config file (state dir relative to it), and flags win over it', async () => {
    const dir = tempDir('agent-config');
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ listen: '127.0.0.1:0', stateDir: 'state', challengePort: 0, challengeHost: '127.0.0.1', site: '127.0.0.1:1' }));
    const agent = await startAgent(null, ['--config', config, '--site', '127.0.0.1:2']);
    try {
      assert.ok(agent.challengePort, 'the challenge port came from the file');
      assert.ok(existsSync(join(dir, 'state', 'cert.pem')), 'the state dir is beside the config file');
      const p = agent.pairing()!;
      const secret = randomBytes(32);
      assert.equal((await pair(agent, p.code, secret)).status, 200);
      const info = await new SignedClient(agent.port, secret, p.fingerprint).call<AgentInfo>(ROUTES.info, undefined, 'GET');
      assert.equal(info.site, '127.0.0.1:2');
      assert.equal(info.challengePort, agent.challengePort);
    } finally {
      await agent.stop();
    }
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "listen": ');
    const r = await agentCommand('serve', '--config', broken);
    assert.equal(r.code, 2);
    assert.match(r.err, /Cannot read the config file .*broken\.json/);
  });
});

describe('the agent bundle stands alone', () => {
  it('runs from a folder with no node_modules: version, identity and pairing code', async () => {
    const dir = tempDir('agent-alone');
    const copy = join(dir, 'certdesk-agent.cjs');
    writeFileSync(copy, readFileSync('out/agent/certdesk-agent.cjs'));
    const src = readFileSync(copy, 'utf8');
    assert.ok(!/require\("(zod|@peculiar|tsyringe|reflect-metadata)/.test(src), 'a dependency is required at run time');
    assert.ok(!src.includes('sourceMappingURL'), 'no source map');
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [copy, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    assert.equal((await run('--version')).out, `certdesk-agent ${pkg.version}\n`);
    const p = await run('pairing-code', '--state-dir', join(dir, 'state'));
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /^Pairing code: [A-Z2-9-]{19}\nCertificate: SHA256:[A-Za-z0-9+/]{43}\n$/);
    assert.equal(p.out.split('\n')[1], `Certificate: ${certFingerprint(new X509Certificate(readFileSync(join(dir, 'state', 'cert.pem'))).raw)}`);
  });
});
