// Pairing with a real Certdesk agent (the built bundle, a child process on loopback) through the CLI (issue 10):
// without --accept-cert the fingerprint is shown and nothing stored; a wrong code is refused and nothing stored;
// the right code pairs (secret in the keychain only), test/show/list work over signed requests; a request without
// the secret is refused by the agent; an agent that comes back at the same URL with another certificate is refused
// with both fingerprints before anything is sent; pairing again and unpairing on delete.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROUTES } from '../../electron/agent/protocol.ts';
import { rawRequest, SignedClient } from '../helpers/agent-raw.ts';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.ts';
import { bedGate, failWithoutBed, findSecret, tempDir } from '../helpers/bed.ts';
import { certdesk, type CliResult } from '../helpers/cli.ts';

const gate = bedGate(['DBUS_SESSION_BUS_ADDRESS']);

describe('agent pairing through the CLI, with the real agent process', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let dataDir: string;
  let work: string;
  let stateDir: string;
  let agent: AgentProcess;
  let first: { code: string; fingerprint: string };
  const outputs: string[] = [];
  const cli = async (...args: string[]): Promise<CliResult> => {
    const r = await certdesk(dataDir, ...args);
    outputs.push(r.out, r.err);
    return r;
  };
  const json = async (...args: string[]) => {
    const r = await cli('--json', ...args);
    assert.equal(r.code, 0, r.err + r.out);
    return JSON.parse(r.out);
  };
  const storedAgents = (): unknown[] => (existsSync(join(dataDir, 'db.json')) ? ((JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as { agents?: unknown[] }).agents ?? []) : []);
  const agentLog = () => agent.stdout();

  before(async () => {
    dataDir = tempDir('agent-pair-data');
    work = tempDir('agent-pair-work');
    stateDir = join(tempDir('agent-pair-state'), 'state');
    agent = await startAgentProcess({ stateDir });
    const p = agent.pairing();
    assert.ok(p, `no pairing lines: ${agent.stdout()}`);
    first = p;
  });
  after(async () => {
    await agent?.stop();
  });

  it('without --accept-cert: prints the fingerprint the agent printed and the command to accept it, stores nothing (exit 2)', async () => {
    const codeFile = agent.codeFile(work);
    const r = await cli('agent', 'pair', '--name', 'iis1', '--url', agent.url, '--code-file', codeFile);
    assert.equal(r.code, 2, r.err + r.out);
    assert.match(r.out, new RegExp(`presents the certificate ${first.fingerprint.replace(/[+/]/g, '\\$&')}`));
    assert.match(r.out, /Nothing was stored/);
    assert.ok(r.out.includes(`--accept-cert ${first.fingerprint}`), r.out);
    assert.deepEqual(storedAgents(), [], 'no agent in db.json');
    assert.ok(!/POST \/v1\/pair/.test(agentLog()), 'no pairing was attempted');
    assert.equal((await json('agent', 'list')).length, 0);
  });

  it('a wrong pairing code is refused (AUTH) and nothing is stored; the agent stays unpaired', async () => {
    const wrong = first.code.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const r = await cli('--json', 'agent', 'pair', '--name', 'iis1', '--url', agent.url, '--code-file', agent.codeFile(work, wrong), '--accept-cert', first.fingerprint);
    assert.equal(r.code, 1, r.err + r.out);
    const e = JSON.parse(r.out).error;
    assert.equal(e.code, 'AUTH');
    assert.match(e.message, /The agent refused the pairing code/);
    assert.equal(e.flag, '--code-file');
    assert.deepEqual(storedAgents(), []);
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.json<{ paired: boolean }>().paired, false);
  });

  it('an accepted fingerprint that is not the one offered is refused with both, before the code is sent', async () => {
    const other = `SHA256:${'A'.repeat(43)}`;
    const r = await cli('--json', 'agent', 'pair', '--name', 'iis1', '--url', agent.url, '--code-file', agent.codeFile(work), '--accept-cert', other);
    assert.equal(r.code, 1, r.err + r.out);
    const e = JSON.parse(r.out).error;
    assert.equal(e.code, 'HOST_KEY');
    assert.ok(e.message.includes(first.fingerprint) && e.message.includes(other), e.message);
    assert.equal(e.flag, '--accept-cert');
    assert.deepEqual(storedAgents(), []);
  });

  let agentId: string;

  it('the right code pairs: the agent is listed with its report, the secret only in the keychain, test passes over signed requests', async () => {
    const paired = await json('agent', 'pair', '--name', 'iis1', '--url', agent.url, '--code-file', agent.codeFile(work), '--accept-cert', first.fingerprint);
    agentId = paired.id;
    assert.equal(paired.name, 'iis1');
    assert.equal(paired.url, agent.url);
    assert.equal(paired.fingerprint, first.fingerprint);
    assert.equal(paired.secretStored, true);
    assert.equal(paired.report.os, process.platform === 'darwin' ? 'macos' : process.platform);
    assert.ok(paired.report.capabilities.includes('files'));
    assert.equal('secret' in paired, false);
    assert.ok(!existsSync(join(stateDir, 'pairing-code.txt')), 'the agent dropped its one-time code');
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.json<{ paired: boolean }>().paired, true);
    // A second Certdesk cannot take it over: CONFLICT with the way out.
    const other = await certdesk(tempDir('agent-pair-other'), '--json', 'agent', 'pair', '--name', 'x', '--url', agent.url, '--code-file', agent.codeFile(work, first.code), '--accept-cert', first.fingerprint);
    assert.equal(other.code, 1, other.out);
    assert.equal(JSON.parse(other.out).error.code, 'CONFLICT');
    assert.match(JSON.parse(other.out).error.hint, /certdesk-agent unpair/);

    const test = await cli('agent', 'test', 'iis1');
    assert.equal(test.code, 0, test.out + test.err);
    assert.match(test.out, /Agent test passed/);
    const show = await cli('agent', 'show', 'iis1');
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /Pairing secret\s+•••• \(stored in the keychain\)/);
    assert.match(show.out, /State\s+online/);
    const list = await json('agent', 'list');
    assert.equal(list.length, 1);
    assert.ok(list[0].lastSeen && list[0].lastTest?.ok === true);
    // Duplicate names are refused, case-insensitively.
    const dup = await cli('--json', 'agent', 'pair', '--name', 'IIS1', '--url', 'https://127.0.0.2:9443', '--code-file', agent.codeFile(work), '--accept-cert', first.fingerprint);
    assert.equal(dup.code, 2);
    assert.equal(JSON.parse(dup.out).error.flag, '--name');
  });

  it('agent map: webroot, --serve-http and --site checks in the CLI\'s words; show lists the mapping; unmap removes it', async () => {
    const both = await cli('--json', 'agent', 'map', 'iis1', '--domains', 'm.example.test', '--webroot', work, '--serve-http');
    assert.equal(both.code, 2);
    assert.equal(JSON.parse(both.out).error.flag, '--serve-http');
    const self = await cli('--json', 'agent', 'map', 'iis1', '--domains', 'm.example.test', '--serve-http');
    assert.equal(self.code, 2, 'this agent runs without a challenge port');
    assert.match(JSON.parse(self.out).error.message, /does not answer http-01 itself/);
    const noSite = await cli('--json', 'agent', 'map', 'iis1', '--domains', 'm.example.test', '--deploy', 'iis');
    assert.equal(noSite.code, 2);
    assert.equal(JSON.parse(noSite.out).error.flag, '--site');
    const iis = await cli('--json', 'agent', 'map', 'iis1', '--domains', 'm.example.test', '--site', 'Default Web Site', '--deploy', 'iis');
    assert.equal(iis.code, 2, 'a Linux agent has no IIS');
    assert.match(JSON.parse(iis.out).error.message, /has no IIS|cannot install into IIS/);
    const mapped = await json('agent', 'map', 'iis1', '--domains', 'm.example.test,n.example.test', '--webroot', work, '--deploy', 'pem', '--fullchain-path', join(work, 'tls', 'fullchain.pem'), '--key-path', join(work, 'tls', 'privkey.pem'), '--reload', 'true');
    assert.equal(mapped.length, 2);
    assert.equal(mapped[0].serverId, agentId);
    const show = await cli('agent', 'show', 'iis1');
    assert.match(show.out, new RegExp(`Mapping\\s+m\\.example\\.test; webroot ${work.replace(/[.]/g, '\\.')}; deploy on pem`));
    assert.equal((await json('agent', 'unmap', 'iis1', '--domains', 'm.example.test,n.example.test')).deleted, 2);
  });

  it('the pairing secret and code never appear in clear in the data directory (db.json, logs) or in any output', async () => {
    const pairing = JSON.parse(readFileSync(join(stateDir, 'pairing.json'), 'utf8')) as { secret: string };
    const secret = Buffer.from(pairing.secret, 'base64');
    assert.equal(secret.length, 32);
    assert.deepEqual(findSecret([dataDir], pairing.secret, [secret, secret.toString('hex'), secret.toString('base64url')]), [], 'secret in the data directory');
    assert.deepEqual(findSecret([dataDir], first.code, [first.code.replace(/-/g, '')]), [], 'pairing code in the data directory');
    assert.ok(existsSync(join(dataDir, 'logs', 'certdesk.log')), 'the log exists (and was searched)');
    for (const o of outputs) {
      assert.ok(!o.includes(pairing.secret), 'secret in a CLI answer');
      assert.ok(!o.includes(first.code), 'pairing code in a CLI answer');
    }
  });

  it('the agent refuses a request without the secret (plain HTTPS, no signature) and one signed with another secret', async () => {
    const bare = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.info });
    assert.equal(bare.status, 401);
    assert.equal(bare.json<{ error: { code: string } }>().error.code, 'AUTH');
    const put = await rawRequest({ port: agent.port, method: 'POST', path: ROUTES.run, body: JSON.stringify({ command: 'touch /tmp/should-not-exist' }) });
    assert.equal(put.status, 401);
    const forged = new SignedClient(agent.port, randomBytes(32), first.fingerprint);
    const a = await forged.send(forged.prepare('POST', ROUTES.run, { command: 'touch /tmp/should-not-exist' }));
    assert.equal(a.status, 401);
    assert.match(a.json<{ error: { message: string } }>().error.message, /signature is wrong/);
    assert.ok(!existsSync('/tmp/should-not-exist'));
  });

  it('an agent that comes back at the same URL with another certificate is refused with both fingerprints, before anything is sent', async () => {
    await agent.stop();
    const port = agent.port;
    agent = await startAgentProcess({ stateDir: join(tempDir('agent-pair-state2'), 'state'), port });
    const second = agent.pairing()!;
    assert.notEqual(second.fingerprint, first.fingerprint);
    const r = await cli('--json', 'agent', 'test', 'iis1');
    assert.equal(r.code, 1, r.out + r.err);
    const res = JSON.parse(r.out);
    assert.equal(res.ok, false);
    assert.match(res.message, /presents a different certificate/);
    assert.ok(res.message.includes(`pinned ${first.fingerprint}`) && res.message.includes(`offered ${second.fingerprint}`), res.message);
    // Only the handshake reached the new agent: it logged no request at all.
    assert.ok(!/\/v1\/info/.test(agent.stdout()), `the agent saw a request: ${agent.stdout()}`);
    const probe = await cli('--json', 'agent', 'pair', '--name', 'iis1', '--url', agent.url, '--code-file', agent.codeFile(work));
    assert.equal(probe.code, 2);
    const p = JSON.parse(probe.out).probe;
    assert.equal(p.state, 'mismatch');
    assert.equal(p.pinned, first.fingerprint);
    assert.equal(p.agentId, agentId);
  });

  it('pairing again at the same URL keeps the agent (id, mappings); delete unpairs it on the agent and forgets the secret', async () => {
    await json('agent', 'map', 'iis1', '--domains', 'kept.example.test', '--webroot', work);
    const second = agent.pairing()!;
    const again = await json('agent', 'pair', '--name', 'iis1', '--url', agent.url, '--code-file', agent.codeFile(work), '--accept-cert', second.fingerprint);
    assert.equal(again.id, agentId);
    assert.equal(again.fingerprint, second.fingerprint);
    assert.deepEqual(again.domains, ['kept.example.test']);
    assert.equal((await cli('agent', 'test', 'iis1')).code, 0);
    const refused = await cli('agent', 'delete', 'iis1');
    assert.equal(refused.code, 2, 'delete needs --yes');
    const del = await json('agent', 'delete', 'iis1', '--yes');
    assert.equal(del.unpaired, true);
    const hello = await rawRequest({ port: agent.port, method: 'GET', path: ROUTES.hello });
    assert.equal(hello.json<{ paired: boolean }>().paired, false, 'the agent forgot the pairing');
    assert.deepEqual(storedAgents(), []);
    assert.deepEqual((await json('server', 'list')).length, 0);
    const mappings = (JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as { serverMappings: unknown[] }).serverMappings;
    assert.deepEqual(mappings, [], 'its mappings are gone');
  });
});
