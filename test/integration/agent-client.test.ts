// Certdesk's agent client (electron/deploy/agent/client.ts) against a real agent and against an impostor holding
// the agent's own key and certificate (so the pinned handshake succeeds) but not the pairing secret: an answer
// without the agent's signature, signed with another secret, or signed for another request is refused; a silent
// agent times out as NETWORK naming the URL; a cancel ends the call as CANCELLED; a closed port is NETWORK; URL
// checks say which part is wrong. Plus the agent as a deploy target (ServerService.target → AgentSession) and the
// mapping checks for what a Linux agent cannot do.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HEADER, ROUTES, canonicalResponse, hmac, newSecret } from '../../electron/agent/protocol.ts';
import { AgentClient, parseAgentUrl } from '../../electron/deploy/agent/client.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { bedGate, closedPort, failWithoutBed, tempDir } from '../helpers/bed.ts';

const gate = bedGate(['DBUS_SESSION_BUS_ADDRESS']);

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, `not an AppError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('agent URLs', () => {
  it('https only, default port 9443, no path, query, fragment or user info', () => {
    assert.deepEqual(parseAgentUrl('https://IIS1.example.com'), { url: 'https://iis1.example.com:9443', host: 'iis1.example.com', port: 9443 });
    assert.equal(parseAgentUrl('iis1.example.com:8443').url, 'https://iis1.example.com:8443');
    assert.equal(parseAgentUrl('https://[::1]:9443/').url, 'https://[::1]:9443');
    for (const [bad, why] of [
      ['http://iis1:9443', /HTTPS only/],
      ['https://iis1:9443/v1/hello', /no path/],
      ['https://iis1:9443?x=1', /no path, query/],
      ['https://admin:pw@iis1:9443', /no user name/],
      ['https://', /not a URL|host is missing/],
    ] as const) {
      const e = (() => {
        try {
          parseAgentUrl(bad);
        } catch (err) {
          return err as AppError;
        }
        return null;
      })();
      assert.ok(e, `${bad} accepted`);
      assert.equal(e.code, 'INVALID_INPUT');
      assert.equal(e.field, 'url');
      assert.match(e.message, why, bad);
    }
  });
});

describe('the agent client against a real agent and an impostor with its certificate', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let t: TestApp;
  let agent: AgentProcess;
  let agentId: string;
  let stateDir: string;
  let port: number;
  let impostor: Server | null = null;
  /** What the impostor answers: a function of the request's nonce and body. */
  let answer: (nonce: string) => { status: number; body: string; signature?: string } | null = () => null;

  /** The agent as db.json holds it (URL, pinned certificate). */
  const stored = () => (JSON.parse(readFileSync(join(t.dataDir, 'db.json'), 'utf8')) as { agents: { id: string; url: string; certPem: string; fingerprint: string }[] }).agents.find((a) => a.id === agentId)!;
  const startImpostor = async (): Promise<void> => {
    const srv = createServer({ key: readFileSync(join(stateDir, 'key.pem')), cert: readFileSync(join(stateDir, 'cert.pem')) }, (req, res) => {
      const nonce = String(req.headers[HEADER.nonce] ?? '');
      req.resume();
      req.on('end', () => {
        const a = answer(nonce);
        if (a === null) return; // never answers
        res.writeHead(a.status, { 'content-type': 'application/json', ...(a.signature ? { [HEADER.signature]: a.signature } : {}) });
        res.end(a.body);
      });
    });
    await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
    impostor = srv;
  };

  before(async () => {
    t = await startApp();
    stateDir = join(tempDir('agent-client'), 'state');
    agent = await startAgentProcess({ stateDir });
    port = agent.port;
    const p = agent.pairing()!;
    const paired = await t.call('agents:pair', { name: 'lin1', url: agent.url, code: p.code.toLowerCase().replace(/-/g, ' '), acceptCert: p.fingerprint });
    agentId = paired.id;
  });
  after(async () => {
    await agent?.stop();
    impostor?.closeAllConnections();
    impostor?.close();
    await t?.close();
  });

  it('the agent is a deploy target: a session writes, checks and removes files and runs commands through signed calls', async () => {
    const dir = tempDir('agent-target');
    const target = t.app.services.servers.target(agentId);
    assert.equal(target.kind, 'agent');
    const s = await target.open(AbortSignal.timeout(30_000));
    try {
      assert.equal(s.description, `lin1 (agent ${agent.url})`);
      const signal = AbortSignal.timeout(30_000);
      await s.checkWritable(dir, signal);
      await s.putFile(`${dir}/.well-known/acme-challenge/tok`, 'tok.thumb', 0o644, signal);
      assert.equal(readFileSync(`${dir}/.well-known/acme-challenge/tok`, 'utf8'), 'tok.thumb');
      assert.equal(await s.removeFile(`${dir}/.well-known/acme-challenge/tok`, signal), true);
      assert.equal(await s.removeFile(`${dir}/.well-known/acme-challenge/tok`, signal), false, 'already gone: false, no error');
      const r = await s.run('echo hello-from-agent; exit 3', signal);
      assert.equal(r.exitCode, 3);
      assert.match(r.output, /hello-from-agent/);
      const e = await rejection(s.putFile('relative/path', 'x', 0o644, signal));
      assert.equal(e.code, 'INVALID_INPUT', 'the agent\'s own error comes back with its code');
      assert.match(e.message, new RegExp(`The agent at ${agent.url}`));
    } finally {
      s.close();
    }
    const info = t.app.services.servers.targetInfo('lin1');
    assert.equal(info.kind, 'agent');
    assert.equal(info.windows, false);
  });

  it('mapping refuses what a Linux agent without a challenge port cannot do (agent:self, IIS), naming why', async () => {
    const self = await t.raw('servers:map', { serverId: agentId, domains: ['x.example.test'], webroot: 'agent:self' });
    assert.equal(self.ok, false);
    assert.match((self as { error: { message: string } }).error.message, /does not answer http-01 itself/);
    const iis = await t.raw('servers:map', { serverId: agentId, domains: ['x.example.test'], webroot: '/srv/www', deploy: { format: 'iis', site: 'Default Web Site' } });
    assert.equal(iis.ok, false);
    assert.match((iis as { error: { message: string } }).error.message, /cannot install into IIS: the agent does not run on Windows/);
  });

  it('an answer the agent did not sign, signed with another secret, or signed for another request is refused', async () => {
    await agent.stop();
    await startImpostor();
    const other = newSecret();
    const real = Buffer.from((JSON.parse(readFileSync(join(stateDir, 'pairing.json'), 'utf8')) as { secret: string }).secret, 'base64');
    const body = JSON.stringify({ product: 'certdesk-agent' });
    const cases: [string, (nonce: string) => { status: number; body: string; signature?: string }][] = [
      ['no signature', () => ({ status: 200, body })],
      ['another secret', (nonce) => ({ status: 200, body, signature: hmac(other, canonicalResponse(200, nonce, body)) })],
      ['another request', () => ({ status: 200, body, signature: hmac(real, canonicalResponse(200, 'x'.repeat(24), body)) })],
      ['another status', (nonce) => ({ status: 200, body, signature: hmac(real, canonicalResponse(201, nonce, body)) })],
    ];
    for (const [what, fn] of cases) {
      answer = fn;
      const r = await t.call('agents:test', { id: agentId });
      assert.equal(r.ok, false, what);
      assert.match(r.message, /without a valid signature: the answer was refused/, what);
    }
    const s = await t.app.services.servers.target(agentId).open(AbortSignal.timeout(10_000));
    answer = () => ({ status: 200, body: '{}' });
    const e = await rejection(s.putFile('/tmp/x', 'x', 0o644, AbortSignal.timeout(10_000)));
    assert.equal(e.code, 'AUTH');
  });

  it('an agent that never answers: the call ends as NETWORK naming the URL after its timeout; a cancel ends it as CANCELLED', async () => {
    answer = () => null;
    const secret = Buffer.from((JSON.parse(readFileSync(join(stateDir, 'pairing.json'), 'utf8')) as { secret: string }).secret, 'base64');
    const rec = stored();
    const client = new AgentClient({ url: rec.url, certPem: rec.certPem, fingerprint: rec.fingerprint, secret });
    const slow = await rejection(client.call('GET', ROUTES.info, undefined, { signal: AbortSignal.timeout(60_000), timeoutMs: 300 }));
    assert.equal(slow.code, 'NETWORK');
    assert.match(slow.message, new RegExp(`Cannot reach the agent at ${rec.url}: no answer within`));
    const ac = new AbortController();
    const pending = client.call('GET', ROUTES.info, undefined, { signal: ac.signal, timeoutMs: 60_000 });
    setTimeout(() => ac.abort(), 200);
    assert.equal((await rejection(pending)).code, 'CANCELLED');
  });

  it('a closed port is NETWORK naming the URL and saying the connection was refused', async () => {
    const free = await closedPort();
    const rec = stored();
    const client = new AgentClient({ url: `https://127.0.0.1:${free}`, certPem: rec.certPem, fingerprint: rec.fingerprint, secret: newSecret() });
    const e = await rejection(client.call('GET', ROUTES.info, undefined, { signal: AbortSignal.timeout(10_000) }));
    assert.equal(e.code, 'NETWORK');
    assert.match(e.message, new RegExp(`https://127\\.0\\.0\\.1:${free}: the connection was refused`));
  });
});
