// Automatic http-01 and deployment through real Certdesk agents (the built bundle as child processes on loopback),
// driven by the CLI (issue 10): Pebble issues certificates whose challenge files an agent placed with no manual
// step — (a) in the webroot the bed's nginx serves (an extra Pebble dials nginx), (b) served by the agent itself on
// its challenge port (`--serve-http`, an extra Pebble dials that port) — and nothing is left afterwards. Then a
// deployment through the agent: PEM files with the configured modes, the reload run, nginx serving the new serial;
// a failing reload rolls the files back and nginx keeps serving the previous certificate.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.ts';
import { bedEnv, bedGate, failWithoutBed, findSecret, tempDir } from '../helpers/bed.ts';
import { certdesk } from '../helpers/cli.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';
import { servedSerial } from '../helpers/tls.ts';

const gate = bedGate(['NGINX_HTTP_PORT', 'NGINX_HTTPS_PORT', 'NGINX_WEBROOT', 'NGINX_TLS_DIR', 'NGINX_RELOAD', 'CHALLTESTSRV_DNS_PORT', 'DBUS_SESSION_BUS_ADDRESS']);

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const challengeDir = (webroot: string) => join(webroot, '.well-known', 'acme-challenge');
const tokenFiles = (webroot: string) => (existsSync(challengeDir(webroot)) ? readdirSync(challengeDir(webroot)).filter((f) => !f.startsWith('.')) : []);
const mode = (p: string) => statSync(p).mode & 0o777;

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

interface Verified {
  status: string;
  error: unknown;
  certificate: { serial: string; names: string[] } | null;
  challenges: { name: string; token: string; automation: string | null; answeredBy: { kind: string; name: string; webroot: string | null } | null }[];
  deployments: { status: string; reason: string | null; rolledBack: boolean; serial: string; servedSerial: string | null; files: string[]; reload: { command: string; exitCode: number | null } | null }[];
}

describe('http-01 and deployment through a Certdesk agent (real agent processes, Pebble, nginx)', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  let dataDir: string;
  let viaNginx: ExtraPebble;
  let viaAgent: ExtraPebble;
  let web: AgentProcess;
  let self: AgentProcess;
  let webroot: string;
  let accountNginx: string;
  let accountSelf: string;
  const outputs: string[] = [];
  const savedEnv = process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
  const json = async (...args: string[]) => {
    const r = await certdesk(dataDir, '--json', ...args);
    outputs.push(r.out, r.err);
    assert.equal(r.code, 0, r.err + r.out);
    return JSON.parse(r.out);
  };
  const pair = async (name: string, agent: AgentProcess) => {
    const p = agent.pairing()!;
    return json('agent', 'pair', '--name', name, '--url', agent.url, '--code-file', agent.codeFile(tempDir('agent-code')), '--accept-cert', p.fingerprint);
  };
  /** request create + verify through the CLI; the pre-flight check connects to `preflight` (the names do not resolve). */
  const issue = async (names: string[], account: string, preflight: string): Promise<Verified & { id: string; created: Verified }> => {
    process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = preflight;
    const created = (await json('request', 'create', '--domains', names.join(','), '--challenge', 'http-01', '--key', 'ec-p256', '--account', account)) as Verified & { id: string };
    const v = (await json('request', 'verify', created.id)) as Verified;
    return { ...v, id: created.id, created };
  };

  before(async () => {
    dataDir = tempDir('agent-http01');
    webroot = bedEnv('NGINX_WEBROOT');
    viaNginx = await startExtraPebble({ name: 'pebble-agent-nginx', httpPort: Number(bedEnv('NGINX_HTTP_PORT')) });
    viaAgent = await startExtraPebble({ name: 'pebble-agent-self' });
    web = await startAgentProcess({ stateDir: join(tempDir('agent-web'), 'state') });
    self = await startAgentProcess({ stateDir: join(tempDir('agent-self'), 'state'), challengePort: viaAgent.httpPort });
    assert.equal(self.challengePort, viaAgent.httpPort);
    accountNginx = (await json('account', 'register', '--name', 'via-nginx', '--email', 'agent-nginx@example.test', '--directory', viaNginx.directoryUrl, '--ca-file', viaNginx.caFile, '--agree-tos')).id;
    accountSelf = (await json('account', 'register', '--name', 'via-agent', '--email', 'agent-self@example.test', '--directory', viaAgent.directoryUrl, '--ca-file', viaAgent.caFile, '--agree-tos')).id;
    await pair('web1', web);
    const s = await pair('self1', self);
    assert.ok(s.report.capabilities.includes('self-serve'), 'the agent with a challenge port can answer http-01 itself');
    await json('agent', 'map', 'web1', '--domains', 'agent-nginx.example.test', '--webroot', webroot);
    await json('agent', 'map', 'self1', '--domains', 'agent-self.example.test', '--serve-http');
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS;
    else process.env.CERTDESK_HTTP01_PREFLIGHT_ADDRESS = savedEnv;
    await web?.stop();
    await self?.stop();
    await viaNginx?.stop();
    await viaAgent?.stop();
  });

  it('(a) webroot: the agent writes the challenge files into the webroot nginx serves, Pebble validates, the files are gone afterwards', async () => {
    const names = [`a-${uniq()}.agent-nginx.example.test`, `b-${uniq()}.agent-nginx.example.test`];
    const before = tokenFiles(webroot);
    const v = await issue(names, accountNginx, `127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}`);
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    assert.deepEqual([...v.certificate!.names].sort(), [...names].sort());
    for (const c of v.created.challenges) {
      assert.equal(c.automation, `agent web1 (webroot ${webroot})`, 'the request says the agent answers, in words');
      assert.deepEqual(c.answeredBy, { kind: 'agent', name: 'web1', webroot }, 'and as data');
      const file = `${challengeDir(webroot)}/${c.token}`;
      // The agent's own log: it wrote and removed exactly these files (signed requests it accepted).
      assert.ok(web.stdout().includes(`POST /v1/files/put 200 ok ${file}`), `${c.name}: placed by the agent`);
      assert.ok(web.stdout().includes(`POST /v1/files/remove 200 ok ${file}`), `${c.name}: removed by the agent`);
      assert.ok(!existsSync(file), `${c.name}: gone afterwards`);
    }
    assert.deepEqual(tokenFiles(webroot), before, 'nothing left in the webroot');
  });

  it('(b) agent:self: the agent answers http-01 itself on its challenge port, Pebble validates there, the challenge is gone afterwards', async () => {
    const name = `s-${uniq()}.agent-self.example.test`;
    const v = await issue([name], accountSelf, `127.0.0.1:${viaAgent.httpPort}`);
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    const token = v.created.challenges[0]!.token;
    assert.ok(self.stdout().includes('POST /v1/challenge/put 200 ok'), 'placed through challenge/put');
    assert.match(self.stdout(), new RegExp(`http-01 GET /\\.well-known/acme-challenge/${token} 200`), 'Pebble (or the pre-flight) fetched it from the agent');
    const after = await httpGet(viaAgent.httpPort, `/.well-known/acme-challenge/${token}`);
    assert.equal(after.status, 404, 'no longer served');
  });

  let firstSerial: string;
  let second: { id: string; serial: string };
  const deployDomain = `deploy-${uniq()}.agent-nginx.example.test`;
  const tls = (f: string) => join(bedEnv('NGINX_TLS_DIR'), f);
  const httpsPort = () => Number(bedEnv('NGINX_HTTPS_PORT'));

  it('deploys through the agent after issuance: PEM files with the configured modes, the reload ran, nginx serves the new serial', async () => {
    await json('agent', 'map', 'web1', '--domains', deployDomain, '--webroot', webroot, '--deploy', 'pem', '--cert-path', tls('cert.pem'), '--fullchain-path', tls('fullchain.pem'), '--key-path', tls('privkey.pem'), '--reload', bedEnv('NGINX_RELOAD'), '--check', `127.0.0.1:${httpsPort()}`, '--mode', '600', '--cert-mode', '640');
    const v = await issue([deployDomain], accountNginx, `127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}`);
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    firstSerial = v.certificate!.serial.toUpperCase();
    assert.equal(v.deployments.length, 1);
    const d = v.deployments[0]!;
    assert.equal(d.status, 'deployed', d.reason ?? '');
    assert.equal(d.reload?.exitCode, 0, 'the reload ran through the agent and exited 0');
    assert.equal(d.servedSerial?.toUpperCase(), firstSerial);
    assert.equal(await servedSerial(httpsPort(), deployDomain), firstSerial, 'a TLS handshake to nginx returns the new serial');
    assert.equal(mode(tls('privkey.pem')), 0o600, 'key mode');
    assert.equal(mode(tls('cert.pem')), 0o640, 'certificate mode');
    assert.equal(mode(tls('fullchain.pem')), 0o640, 'full chain mode');
    assert.ok(readFileSync(tls('fullchain.pem'), 'utf8').startsWith(readFileSync(tls('cert.pem'), 'utf8')));
    assert.ok(web.stdout().includes('POST /v1/install 200 ok'), 'installed by the agent');
    assert.match(web.stdout(), /POST \/v1\/run 200 ok exit 0/, 'reload run by the agent');
  });

  it('a failing reload rolls back through the agent: the previous files are back and nginx still serves the previous serial', async () => {
    const beforeChain = readFileSync(tls('fullchain.pem'));
    const beforeKey = readFileSync(tls('privkey.pem'));
    await json('agent', 'map', 'web1', '--domains', deployDomain, '--webroot', webroot, '--deploy', 'pem', '--cert-path', tls('cert.pem'), '--fullchain-path', tls('fullchain.pem'), '--key-path', tls('privkey.pem'), '--reload', 'false', '--check', `127.0.0.1:${httpsPort()}`);
    const v = await issue([deployDomain], accountNginx, `127.0.0.1:${bedEnv('NGINX_HTTP_PORT')}`);
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    assert.notEqual(v.certificate!.serial.toUpperCase(), firstSerial);
    second = { id: v.id, serial: v.certificate!.serial.toUpperCase() };
    const d = v.deployments[0]!;
    assert.equal(d.status, 'failed');
    assert.equal(d.rolledBack, true);
    assert.equal(d.reload?.exitCode, 1);
    assert.match(d.reason ?? '', /The reload command `false` exited with 1/);
    assert.ok(readFileSync(tls('fullchain.pem')).equals(beforeChain), 'previous full chain back on disk');
    assert.ok(readFileSync(tls('privkey.pem')).equals(beforeKey), 'previous key back on disk');
    assert.equal(await servedSerial(httpsPort(), deployDomain), firstSerial, 'nginx still serves the previous certificate');
    assert.ok(web.stdout().includes('POST /v1/restore 200 ok'), 'restored by the agent');
    assert.deepEqual(tokenFiles(webroot), []);
  });

  it('cert deploy --server names the agent: with a working reload the second certificate is installed and served', async () => {
    await json('agent', 'map', 'web1', '--domains', deployDomain, '--webroot', webroot, '--deploy', 'pem', '--cert-path', tls('cert.pem'), '--fullchain-path', tls('fullchain.pem'), '--key-path', tls('privkey.pem'), '--reload', bedEnv('NGINX_RELOAD'), '--check', `127.0.0.1:${httpsPort()}`);
    const r = await certdesk(dataDir, 'cert', 'deploy', second.id, '--server', 'web1');
    outputs.push(r.out, r.err);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`web1: deployed serial ${second.serial}`));
    assert.equal(await servedSerial(httpsPort(), deployDomain), second.serial);
  });

  it('pairing with something that is not an agent (nginx over TLS) is refused as NOT_FOUND naming the URL; nothing stored', async () => {
    const url = `https://127.0.0.1:${httpsPort()}`;
    const r = await certdesk(dataDir, '--json', 'agent', 'pair', '--name', 'nginx', '--url', url, '--code-file', web.codeFile(tempDir('agent-code'), 'ABCD-EFGH-JKLM-NPQR'));
    assert.equal(r.code, 1, r.out + r.err);
    const e = JSON.parse(r.out).error;
    assert.equal(e.code, 'NOT_FOUND');
    assert.match(e.message, new RegExp(`${url} is not a Certdesk agent`));
    assert.deepEqual((await json('agent', 'list')).map((a: { name: string }) => a.name), ['web1', 'self1']);
  });

  it('the agents\' pairing secrets are nowhere in clear in the data directory (db.json, logs) or in the CLI answers', async () => {
    for (const a of [web, self]) {
      const secret = (JSON.parse(readFileSync(join(a.stateDir, 'pairing.json'), 'utf8')) as { secret: string }).secret;
      const raw = Buffer.from(secret, 'base64');
      assert.deepEqual(findSecret([dataDir], secret, [raw, raw.toString('hex'), raw.toString('base64url')]), []);
      for (const o of outputs) assert.ok(!o.includes(secret));
    }
  });
});
