// `certdesk cert deploy` to the test bed's nginx over its real OpenSSH server (issue 8): certificates issued by
// Pebble are installed with the configured modes and owner, the reload runs (its exit code in the history), and
// a TLS handshake to nginx returns the new serial. A failing reload and a check that still sees the old
// certificate both roll the files back (old bytes on disk, old certificate served) and say why, with a
// non-zero exit. PFX and JKS deploys open with openssl and keytool. No secret reaches the data directory, its
// logs or an answer.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bedEnv, bedGate, failWithoutBed, findSecret, pebble, tempDir } from '../helpers/bed.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { certdesk } from '../helpers/cli.ts';
import { servedSerial } from '../helpers/tls.ts';

const execFileP = promisify(execFile);

async function tool(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { encoding: 'utf8', env: { ...process.env, JAVA_TOOL_OPTIONS: '-Xmx128m -XX:TieredStopAtLevel=1' } });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const gate = bedGate(['SSHD_PORT', 'SSHD_USER', 'SSHD_CLIENT_KEY', 'SSHD_HOST_KEY_SHA256', 'NGINX_HTTPS_PORT', 'NGINX_TLS_DIR', 'NGINX_RELOAD', 'PEBBLE_HTTP_PORT']);

interface DeployResult {
  ok: boolean;
  deployments: { status: string; reason: string | null; rolledBack: boolean; serial: string; servedSerial: string | null; files: string[]; reload: { command: string; exitCode: number | null; output: string } | null }[];
}

describe('certdesk cert deploy: nginx over SSH, checked over TLS, rolled back on failure', { skip: gate.skip }, () => {
  failWithoutBed(gate);
  const P = pebble();
  let http: Http01Server;
  let d: string;
  let tlsDir: string;
  let httpsPort: number;
  let user: string;
  let group: string;
  const answers: string[] = [];
  const base = `deploy-${Date.now().toString(36)}.example.test`;
  const keystorePassword = 'keystore-password-not-in-clear-9';
  const pwFile = join(tempDir('ks-pw'), 'password');
  const run = async (...args: string[]) => {
    const r = await certdesk(d, ...args);
    answers.push(r.out, r.err);
    return r;
  };
  const json = async (...args: string[]) => {
    const r = await run('--json', ...args);
    assert.equal(r.code, 0, r.err + r.out);
    return JSON.parse(r.out);
  };
  /** Issues a certificate for `names` (http-01, served by the test's own server on Pebble's port). */
  const issue = async (names: string[]): Promise<{ id: string; serial: string }> => {
    const created = await json('request', 'create', '--domains', names.join(','), '--challenge', 'http-01', '--key', 'ec-p256');
    http.serve(created);
    const v = await json('request', 'verify', created.id);
    assert.equal(v.status, 'available', JSON.stringify(v.error));
    return { id: created.id as string, serial: (v.certificate.serial as string).toUpperCase() };
  };
  const file = (name: string) => join(tlsDir, name);

  before(async () => {
    http = await new Http01Server().start();
    d = tempDir('deploy');
    tlsDir = bedEnv('NGINX_TLS_DIR');
    httpsPort = Number(bedEnv('NGINX_HTTPS_PORT'));
    user = bedEnv('SSHD_USER');
    group = execFileSync('id', ['-gn', user], { encoding: 'utf8' }).trim();
    writeFileSync(pwFile, `${keystorePassword}\n`, { mode: 0o600 });
    await json('account', 'register', '--email', 'deploy@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
    const fp = bedEnv('SSHD_HOST_KEY_SHA256');
    await json('server', 'add', '--name', 'nginx1', '--host', '127.0.0.1', '--port', bedEnv('SSHD_PORT'), '--user', user, '--key-file', bedEnv('SSHD_CLIENT_KEY'), '--accept-host-key', fp);
  });
  after(() => http?.stop());

  let first: { id: string; serial: string };

  it('PEM to nginx: files with the configured modes and owner, the reload ran (exit 0), nginx serves the new serial', async () => {
    // Issued before the mapping exists: otherwise the order flow already deploys it after issuance.
    first = await issue([`www.${base}`, base]);
    await json('server', 'map', 'nginx1', '--domains', base, '--deploy', 'pem', '--cert-path', file('cert.pem'), '--chain-path', file('chain.pem'), '--fullchain-path', file('fullchain.pem'), '--key-path', file('privkey.pem'), '--reload', bedEnv('NGINX_RELOAD'), '--check', `127.0.0.1:${httpsPort}`, '--mode', '600', '--owner', `${user}:${group}`);
    assert.notEqual(await servedSerial(httpsPort, `www.${base}`), first.serial, 'nginx serves something else before');
    const r = await run('cert', 'deploy', first.id.slice(0, 8));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`nginx1: deployed serial ${first.serial}`));
    assert.match(r.out, /Every server serves the new certificate/);
    assert.equal(await servedSerial(httpsPort, `www.${base}`), first.serial, 'a TLS handshake returns the new serial');
    assert.equal(statSync(file('privkey.pem')).mode & 0o777, 0o600, 'key 0600');
    for (const f of ['cert.pem', 'chain.pem', 'fullchain.pem']) assert.equal(statSync(file(f)).mode & 0o777, 0o644, `${f} 0644`);
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    assert.equal(statSync(file('privkey.pem')).uid, uid, 'owner set');
    const fullchain = readFileSync(file('fullchain.pem'), 'utf8');
    assert.equal(fullchain, readFileSync(file('cert.pem'), 'utf8') + readFileSync(file('chain.pem'), 'utf8'));
    const history = JSON.parse((await run('--json', 'cert', 'deploy', first.id)).out) as DeployResult;
    const dep = history.deployments[0]!;
    assert.equal(dep.status, 'deployed');
    assert.equal(dep.reload?.exitCode, 0, 'the reload ran and exited 0');
    assert.equal(dep.servedSerial?.toUpperCase(), first.serial);
    const shown = await json('request', 'show', first.id);
    assert.ok(Array.isArray(shown.deployments) && shown.deployments.length > 0, 'the request shows its deployments');
  });

  it('a reload command that fails rolls the files back (old bytes on disk, old certificate served) and says why', async () => {
    const before = readFileSync(file('fullchain.pem'));
    const beforeKey = readFileSync(file('privkey.pem'));
    await json('server', 'map', 'nginx1', '--domains', base, '--deploy', 'pem', '--cert-path', file('cert.pem'), '--chain-path', file('chain.pem'), '--fullchain-path', file('fullchain.pem'), '--key-path', file('privkey.pem'), '--reload', 'false', '--check', `127.0.0.1:${httpsPort}`);
    const second = await issue([base]);
    const r = await run('--json', 'cert', 'deploy', second.id);
    assert.equal(r.code, 1, r.out + r.err);
    const res = JSON.parse(r.out) as DeployResult;
    assert.equal(res.ok, false);
    const dep = res.deployments[0]!;
    assert.equal(dep.status, 'failed');
    assert.equal(dep.rolledBack, true);
    assert.equal(dep.reload?.exitCode, 1);
    assert.match(dep.reason ?? '', /The reload command `false` exited with 1/);
    assert.ok(readFileSync(file('fullchain.pem')).equals(before), 'old full chain back on disk');
    assert.ok(readFileSync(file('privkey.pem')).equals(beforeKey), 'old key back on disk');
    assert.equal(await servedSerial(httpsPort, base), first.serial, 'nginx still serves the previous certificate');
    const text = await run('cert', 'deploy', second.id);
    assert.equal(text.code, 1);
    assert.match(text.out, /nginx1: FAILED/);
    assert.match(text.out, /previous files were restored/);
  });

  it('a check that still sees the old certificate (a reload that does not reload) rolls back and names the served serial', async () => {
    const before = readFileSync(file('fullchain.pem'));
    await json('server', 'map', 'nginx1', '--domains', base, '--deploy', 'pem', '--fullchain-path', file('fullchain.pem'), '--key-path', file('privkey.pem'), '--reload', 'true', '--check', `127.0.0.1:${httpsPort}`);
    const third = await issue([base]);
    const r = await run('--json', 'cert', 'deploy', third.id);
    assert.equal(r.code, 1, r.out + r.err);
    const dep = (JSON.parse(r.out) as DeployResult).deployments[0]!;
    assert.equal(dep.status, 'failed');
    assert.equal(dep.rolledBack, true);
    assert.equal(dep.servedSerial?.toUpperCase(), first.serial);
    assert.ok((dep.reason ?? '').includes(`still serves another certificate`) && (dep.reason ?? '').includes(first.serial) && (dep.reason ?? '').includes(third.serial), dep.reason ?? '');
    assert.ok(readFileSync(file('fullchain.pem')).equals(before), 'old bytes on disk');
    assert.equal(await servedSerial(httpsPort, base), first.serial);
  });

  it('PFX and JKS deploys open with openssl and keytool and the keystore password', async () => {
    const out = tempDir('keystores');
    const pfxDomain = `pfx.${base}`;
    const jksDomain = `jks.${base}`;
    await json('server', 'map', 'nginx1', '--domains', pfxDomain, '--deploy', 'pfx', '--cert-path', join(out, 'site.pfx'), '--keystore-password-file', pwFile);
    await json('server', 'map', 'nginx1', '--domains', jksDomain, '--deploy', 'jks', '--cert-path', join(out, 'site.jks'), '--keystore-password-file', pwFile, '--mode', '640');
    const shown = await json('server', 'show', 'nginx1');
    const pfxMap = shown.mappings.find((m: { domain: string }) => m.domain === pfxDomain);
    assert.equal(pfxMap.deploy.keystorePasswordStored, true);
    const p = await issue([pfxDomain]);
    assert.equal((await run('cert', 'deploy', p.id)).code, 0);
    assert.equal(statSync(join(out, 'site.pfx')).mode & 0o777, 0o600);
    const info = await tool('openssl', ['pkcs12', '-info', '-noout', '-in', join(out, 'site.pfx'), '-passin', `pass:${keystorePassword}`]);
    assert.ok(info.ok, info.out);
    const leaf = await tool('openssl', ['pkcs12', '-in', join(out, 'site.pfx'), '-passin', `pass:${keystorePassword}`, '-nokeys', '-clcerts']);
    const serial = execFileSync('openssl', ['x509', '-noout', '-serial'], { input: leaf.out, encoding: 'utf8' }).trim().replace(/^serial=/, '');
    assert.equal(serial.replace(/^0+/, '').toUpperCase(), p.serial.replace(/^0+/, ''));
    assert.equal((await tool('openssl', ['pkcs12', '-info', '-noout', '-in', join(out, 'site.pfx'), '-passin', 'pass:wrong-password-x'])).ok, false);

    const j = await issue([jksDomain]);
    assert.equal((await run('cert', 'deploy', j.id, '--server', 'NGINX1')).code, 0);
    assert.equal(statSync(join(out, 'site.jks')).mode & 0o777, 0o640);
    const kl = await tool('keytool', ['-list', '-v', '-keystore', join(out, 'site.jks'), '-storepass', keystorePassword]);
    assert.ok(kl.ok, kl.out);
    assert.match(kl.out, /PrivateKeyEntry/);
    assert.ok(kl.out.toUpperCase().includes(j.serial.replace(/^0+/, '').toLowerCase().toUpperCase()), 'the keystore holds the new certificate');
  });

  it('Deploy now for a saved certificate goes to every server of a pool, one after another', async () => {
    const pool = `pool.${base}`;
    const issued = await issue([pool]);
    const saved = await json('cert', 'save', issued.id);
    assert.notEqual(saved.id, issued.id, 'the saved certificate has its own id');
    // A second end server for the same domain (the same sshd under another name, files in another folder).
    const second = tempDir('pool-second');
    await json('server', 'add', '--name', 'nginx2', '--host', '127.0.0.1', '--port', bedEnv('SSHD_PORT'), '--user', user, '--key-file', bedEnv('SSHD_CLIENT_KEY'), '--accept-host-key', bedEnv('SSHD_HOST_KEY_SHA256'));
    await json('server', 'map', 'nginx1', '--domains', pool, '--deploy', 'pem', '--fullchain-path', file('fullchain.pem'), '--key-path', file('privkey.pem'), '--reload', bedEnv('NGINX_RELOAD'), '--check', `127.0.0.1:${httpsPort}`);
    await json('server', 'map', 'nginx2', '--domains', pool, '--deploy', 'pem', '--fullchain-path', join(second, 'fullchain.pem'), '--key-path', join(second, 'privkey.pem'));
    const r = await run('--json', 'cert', 'deploy', saved.id);
    assert.equal(r.code, 0, r.out + r.err);
    const res = JSON.parse(r.out) as { ok: boolean; deployments: { serverName: string; status: string; startedAt: string; finishedAt: string }[] };
    assert.deepEqual(res.deployments.map((x) => [x.serverName, x.status]), [['nginx1', 'deployed'], ['nginx2', 'deployed']]);
    assert.ok(res.deployments[1]!.startedAt >= res.deployments[0]!.finishedAt, 'the second server starts after the first is done');
    assert.equal(await servedSerial(httpsPort, pool), issued.serial, 'nginx serves the saved certificate');
    assert.equal(statSync(join(second, 'privkey.pem')).mode & 0o777, 0o600);
    assert.ok(readFileSync(join(second, 'fullchain.pem'), 'utf8').startsWith(readFileSync(file('fullchain.pem'), 'utf8').split('-----END CERTIFICATE-----')[0]!), 'the same leaf on both servers');
    await json('server', 'unmap', 'nginx2', '--domains', pool);
  });

  it('a certificate no server is mapped for says so', async () => {
    const other = await issue([`unmapped-${Date.now().toString(36)}.example.test`]);
    const r = await run('cert', 'deploy', other.id);
    assert.equal(r.code, 1);
    assert.match(r.err, /No server is mapped with Deploy on for unmapped-/);
  });

  it('the SSH key and the keystore password are absent in clear from the data directory, its logs and every answer', () => {
    const key = readFileSync(bedEnv('SSHD_CLIENT_KEY'), 'utf8');
    assert.deepEqual(findSecret([d], key), []);
    assert.deepEqual(findSecret([d], keystorePassword), []);
    for (const a of answers) assert.ok(!a.includes(keystorePassword), 'the keystore password is in no answer');
  });
});
