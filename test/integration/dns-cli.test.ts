// Automatic dns-01 through the `certdesk` CLI as a user runs it (issue 7): DNS accounts (RFC 2136 against the
// bed's BIND), domain mappings, and `request verify` that presents the TXT records, waits until every
// authoritative server sees them, lets a Pebble that resolves through BIND validate, and removes them again —
// also when the CA says no, when the user cancels, and after a crash. dig is the witness of what BIND holds.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bedEnv, closedPort, findSecret, pebble, tempDir } from '../helpers/bed.ts';
import { digTxt, nsupdate, run as runCmd } from '../helpers/dns-tools.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const BIND_PORT = bedEnv('BIND_PORT');
const ZONE = bedEnv('BIND_ZONE');
const BIND = `127.0.0.1:${BIND_PORT}`;
const TSIG_NAME = bedEnv('BIND_TSIG_NAME');
const TSIG_ALG = bedEnv('BIND_TSIG_ALGORITHM');
const TSIG_SECRET = bedEnv('BIND_TSIG_SECRET');

interface PebbleModule {
  startPebble(o: { workDir: string; dnsPort: number; name: string }): Promise<{ directoryUrl: string; caFile: string; stop(): Promise<void> }>;
}

type Run = { code: number | null; stdout: string; stderr: string };

/** The propagation check asks BIND (the zone's only name server, ns1.<zone>, reached on the bed's port). */
const DNS_ENV = { CERTDESK_DNS_SERVERS: BIND, CERTDESK_DNS_NS_ADDRESSES: `ns1.${ZONE}=${BIND}` };

function certdesk(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...DNS_ENV, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function refused(r: Run, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout} ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

/** Starts the CLI and resolves once stderr matches `until`, with the child still running. */
function startUntil(dataDir: string, args: string[], until: RegExp, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: { ...process.env, ...DNS_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const reached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`never reached ${until}: ${stderr}`));
    }, 90_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (until.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      if (!until.test(stderr)) reject(new Error(`the CLI ended before ${until}: ${stderr}`));
    });
  });
  return { child, reached, exited, output: () => ({ stdout, stderr }) };
}

const txt = (name: string) => digTxt(BIND, `_acme-challenge.${name}`);

describe('certdesk dns + automatic dns-01 (RFC 2136 on BIND, Pebble resolving through BIND)', () => {
  let pebbleDns: Awaited<ReturnType<PebbleModule['startPebble']>>;
  const d = tempDir('dns-cli');
  const files = tempDir('dns-cli-files');
  const secretFile = join(files, 'tsig.secret');
  const wrongSecretFile = join(files, 'wrong.secret');
  const wrongSecret = randomBytes(32).toString('base64');
  const dirs: string[] = [d];
  const bindFields = ['--field', 'server=127.0.0.1', '--field', `port=${BIND_PORT}`, '--field', `keyName=${TSIG_NAME}`, '--field', `algorithm=${TSIG_ALG}`];

  before(async () => {
    writeFileSync(secretFile, `${TSIG_SECRET}\n`, { mode: 0o600 });
    writeFileSync(wrongSecretFile, `${wrongSecret}\n`, { mode: 0o600 });
    const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
    pebbleDns = await mod.startPebble({ workDir: bedEnv('BED_WORK_DIR'), dnsPort: Number(BIND_PORT), name: `pebble-dnscli-${process.pid}` });
    ok(certdesk(d, ['--json', 'account', 'register', '--email', 'dns@example.test', '--directory', pebbleDns.directoryUrl, '--ca-file', pebbleDns.caFile, '--agree-tos']));
  });
  after(async () => {
    await pebbleDns?.stop();
  });

  it('dns providers / add / list / show / test, with field errors that name the field', () => {
    const providers = ok(certdesk(d, ['--json', 'dns', 'providers']));
    const rfc = providers.find((p: { id: string }) => p.id === 'rfc2136');
    assert.ok(rfc, 'rfc2136 is listed');
    assert.ok(rfc.fields.some((f: { id: string; secret: boolean }) => f.id === 'keySecret' && f.secret));

    // A secret on the command line is refused, naming the field; so is a missing required field and an unknown one.
    refused(certdesk(d, ['dns', 'add', '--provider', 'rfc2136', '--name', 'bind', ...bindFields, '--field', `keySecret=${TSIG_SECRET}`]), 2, /keySecret.*secret/);
    refused(certdesk(d, ['dns', 'add', '--provider', 'rfc2136', '--name', 'bind', '--field', 'server=127.0.0.1']), 2, /TSIG key name is required/);
    refused(certdesk(d, ['dns', 'add', '--provider', 'rfc2136', '--name', 'bind', ...bindFields, '--field', 'colour=blue', '--secret-file', `keySecret=${secretFile}`]), 2, /unknown field "colour"/);
    refused(certdesk(d, ['dns', 'add', '--provider', 'nosuch', '--name', 'x']), 2, /Unknown DNS provider "nosuch"/);
    refused(certdesk(d, ['dns', 'add', '--provider', 'rfc2136', '--name', 'bind', ...bindFields, '--secret-file', `keySecret=${join(files, 'missing')}`]), 2, /--secret-file keySecret/);

    const added = ok(certdesk(d, ['--json', 'dns', 'add', '--provider', 'rfc2136', '--name', 'bind', ...bindFields, '--secret-file', `keySecret=${secretFile}`]));
    assert.equal(added.enabled, true);
    assert.deepEqual(added.secrets, { keySecret: true });
    assert.equal(added.fields.keySecret, undefined, 'the secret is not a field');
    refused(certdesk(d, ['dns', 'add', '--provider', 'rfc2136', '--name', 'BIND', ...bindFields, '--secret-file', `keySecret=${secretFile}`]), 1, /named "BIND" already exists/);

    const list = ok(certdesk(d, ['--json', 'dns', 'list']));
    assert.deepEqual(list.map((a: { name: string }) => a.name), ['bind']);
    const shown = certdesk(d, ['dns', 'show', 'bind']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /keySecret\s+•••• \(stored in the keychain\)/);
    assert.ok(!shown.stdout.includes(TSIG_SECRET));

    const tested = ok(certdesk(d, ['--json', 'dns', 'test', 'bind', '--domain', ZONE]));
    assert.equal(tested.zone, ZONE);
    assert.match(tested.message, /^RFC 2136: .*accepted the key/);
    refused(certdesk(d, ['dns', 'test', 'bind']), 2, /needs a domain/);

    // A key BIND does not know: the test says so, prefixed with the provider.
    ok(certdesk(d, ['--json', 'dns', 'add', '--provider', 'rfc2136', '--name', 'wrongkey', ...bindFields, '--secret-file', `keySecret=${wrongSecretFile}`]));
    refused(certdesk(d, ['dns', 'test', 'wrongkey', '--domain', ZONE]), 1, /^certdesk: RFC 2136: .*refused the key/m);
    // dns edit replaces a secret from a file (and keeps it when none is given).
    ok(certdesk(d, ['--json', 'dns', 'edit', 'wrongkey', '--secret-file', `keySecret=${secretFile}`]));
    assert.equal(ok(certdesk(d, ['--json', 'dns', 'test', 'wrongkey', '--domain', ZONE])).zone, ZONE);
    assert.equal(ok(certdesk(d, ['--json', 'dns', 'edit', 'wrongkey', '--field', `port=${BIND_PORT}`])).secrets.keySecret, true);
    assert.equal(ok(certdesk(d, ['--json', 'dns', 'test', 'wrongkey', '--domain', ZONE])).zone, ZONE, 'the secret not given stayed');
    ok(certdesk(d, ['--json', 'dns', 'edit', 'wrongkey', '--secret-file', `keySecret=${wrongSecretFile}`]));
    refused(certdesk(d, ['dns', 'test', 'wrongkey', '--domain', ZONE]), 1, /refused the key/);
  });

  it(`request create --domains ${ZONE},*.${ZONE} --dns-account, then request verify issues both names and leaves no TXT behind`, async () => {
    const req = ok(certdesk(d, ['--json', 'request', 'create', '--domains', `${ZONE},*.${ZONE}`, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']));
    assert.equal(req.status, 'pending');
    assert.equal(req.dnsAccountId, ok(certdesk(d, ['--json', 'dns', 'show', 'bind'])).id);

    // In use by a pending request: delete is refused and names it.
    const shown = ok(certdesk(d, ['--json', 'dns', 'show', 'bind']));
    assert.deepEqual(shown.usedBy, [{ requestId: req.id, domains: [ZONE, `*.${ZONE}`] }]);
    refused(certdesk(d, ['dns', 'delete', 'bind', '--yes']), 1, new RegExp(`used by 1 pending request: ${req.id.slice(0, 8)} \\(${ZONE.replace('.', '\\.')}, \\*\\.`));

    const v = certdesk(d, ['--json', 'request', 'verify', req.id]);
    assert.equal(v.code, 0, v.stderr);
    const done = JSON.parse(v.stdout);
    assert.equal(done.status, 'available');
    assert.deepEqual([...done.certificate.names].sort(), [ZONE, `*.${ZONE}`].sort());
    assert.match(v.stderr, /name servers? sees? the record/, 'live propagation progress');
    assert.deepEqual(await txt(ZONE), [], 'both TXT values removed from BIND');
  });

  it('a disabled DNS account is refused at create and stops a verify with a clear message', async () => {
    const req = ok(certdesk(d, ['--json', 'request', 'create', '--domains', `dis.${ZONE}`, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']));
    assert.equal(ok(certdesk(d, ['--json', 'dns', 'disable', 'bind'])).enabled, false);
    refused(certdesk(d, ['request', 'create', '--domains', `dis2.${ZONE}`, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']), 1, /DNS account "bind" is disabled/);
    refused(certdesk(d, ['request', 'verify', req.id]), 1, /DNS account "bind" is disabled/);
    assert.deepEqual(await txt(`dis.${ZONE}`), []);
    const after = ok(certdesk(d, ['--json', 'request', 'show', req.id]));
    assert.equal(after.status, 'pending', 'nothing was submitted to the CA');
    assert.match(after.error.message, /disabled/);

    ok(certdesk(d, ['--json', 'dns', 'enable', 'bind']));
    assert.equal(ok(certdesk(d, ['--json', 'request', 'verify', req.id])).status, 'available');
    // dns-01 only.
    refused(certdesk(d, ['request', 'create', '--domains', `h.${ZONE}`, '--challenge', 'http-01', '--key', 'ec-p256', '--dns-account', 'bind']), 2, /dns-01/);
  });

  it("a domain mapping wins over the request's DNS account; dns map / mappings / unmap", async () => {
    const name = `map.${ZONE}`;
    // The request's own account has a key BIND refuses: only the mapping's account can succeed.
    const req = ok(certdesk(d, ['--json', 'request', 'create', '--domains', name, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'wrongkey']));
    const m = ok(certdesk(d, ['--json', 'dns', 'map', name, '--account', 'bind']));
    assert.equal(m.domain, name);
    const maps = ok(certdesk(d, ['--json', 'dns', 'mappings']));
    assert.deepEqual(maps.mappings.map((x: { domain: string }) => x.domain), [name]);
    assert.equal(ok(certdesk(d, ['--json', 'request', 'verify', req.id])).status, 'available');
    assert.deepEqual(await txt(name), []);
    assert.equal(ok(certdesk(d, ['--json', 'dns', 'unmap', name])).deleted, true);
    assert.deepEqual(ok(certdesk(d, ['--json', 'dns', 'mappings'])).mappings, []);
    refused(certdesk(d, ['dns', 'unmap', name]), 1, /No DNS mapping/);
  });

  it('RFC 2136 per-domain mode: the zone and the key come from the domain mapping', async () => {
    const name = `pd.${ZONE}`;
    // The account's own key is one BIND does not know; the mapping gives the zone and the real key.
    ok(certdesk(d, ['--json', 'dns', 'add', '--provider', 'rfc2136', '--name', 'perdomain', '--field', 'server=127.0.0.1', '--field', `port=${BIND_PORT}`, '--field', 'keyName=nobody', '--field', 'mode=per-domain', '--secret-file', `keySecret=${wrongSecretFile}`]));
    refused(certdesk(d, ['dns', 'map', name, '--account', 'perdomain', '--zone', 'other.test']), 2, /Zone other\.test does not hold/);
    const m = ok(certdesk(d, ['--json', 'dns', 'map', name, '--account', 'perdomain', '--zone', ZONE, '--field', `keyName=${TSIG_NAME}`, '--secret-file', `keySecret=${secretFile}`]));
    assert.equal(m.zone, ZONE);
    assert.deepEqual(m.secrets, { keySecret: true });
    const req = ok(certdesk(d, ['--json', 'request', 'create', '--domains', name, '--challenge', 'dns-01', '--key', 'ec-p256']));
    assert.equal(ok(certdesk(d, ['--json', 'request', 'verify', req.id])).status, 'available');
    assert.deepEqual(await txt(name), []);
    ok(certdesk(d, ['--json', 'dns', 'unmap', name]));
  });

  it('cleans up when the CA refuses (a CA that cannot see BIND) and when the user cancels', async () => {
    // The bed's default Pebble resolves through challtestsrv, which never sees BIND's records: a real "no".
    const d2 = tempDir('dns-cli-refuse');
    dirs.push(d2);
    const P = pebble();
    ok(certdesk(d2, ['--json', 'account', 'register', '--email', 'r@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos']));
    ok(certdesk(d2, ['--json', 'dns', 'add', '--provider', 'rfc2136', '--name', 'bind', ...bindFields, '--secret-file', `keySecret=${secretFile}`]));
    const name = `refuse.${ZONE}`;
    const req = ok(certdesk(d2, ['--json', 'request', 'create', '--domains', name, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']));
    const v = certdesk(d2, ['--json', 'request', 'verify', req.id]);
    assert.equal(v.code, 1, v.stderr);
    assert.equal(JSON.parse(v.stdout).status, 'failed');
    assert.deepEqual(await txt(name), [], 'removed after the CA said no');

    // Cancel while the propagation check waits (its name server never answers): the record goes away too.
    const cname = `cancel.${ZONE}`;
    const creq = ok(certdesk(d, ['--json', 'request', 'create', '--domains', cname, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']));
    const dead = await closedPort();
    const run = startUntil(d, ['request', 'verify', creq.id], /of 2 name servers see the record/, { CERTDESK_DNS_NS_ADDRESSES: `ns1.${ZONE}=127.0.0.1:${dead}` });
    await run.reached;
    assert.equal((await txt(cname)).length, 1, 'the record was presented');
    run.child.kill('SIGINT');
    const end = await run.exited;
    assert.notEqual(end.code, 0);
    assert.match(run.output().stderr, /cancel/i);
    assert.deepEqual(await txt(cname), [], 'removed after cancel');
    const pending = ok(certdesk(d, ['--json', 'request', 'show', creq.id]));
    assert.equal(pending.status, 'pending');
  });

  it('a CNAME at _acme-challenge is followed: the value goes to its target, and only the value is removed', async () => {
    const name = `cn.${ZONE}`;
    const target = `delegated.${ZONE}`;
    const key = { name: TSIG_NAME, algorithm: TSIG_ALG, secret: TSIG_SECRET };
    await nsupdate(BIND, key, [`zone ${ZONE}`, `update add _acme-challenge.${name}. 60 CNAME ${target}.`]);
    try {
      const req = ok(certdesk(d, ['--json', 'request', 'create', '--domains', name, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']));
      const v = certdesk(d, ['--json', 'request', 'verify', req.id]);
      assert.equal(v.code, 0, v.stderr);
      assert.equal(JSON.parse(v.stdout).status, 'available');
      assert.match(v.stderr, new RegExp(`the record goes to ${target.replace(/\./g, '\\.')}`));
      assert.deepEqual(await digTxt(BIND, target), [], 'the value at the target was removed');
      const cname = await runCmd('dig', ['@127.0.0.1', '-p', BIND_PORT, '+short', '+norecurse', 'CNAME', `_acme-challenge.${name}`]);
      assert.equal(cname.stdout.trim(), `${target}.`, 'the CNAME itself stays');
    } finally {
      await nsupdate(BIND, key, [`zone ${ZONE}`, `update delete _acme-challenge.${name}. CNAME`]);
    }
  });

  it('a process killed after presenting resumes and removes what it presented', async () => {
    const name = `crash.${ZONE}`;
    const req = ok(certdesk(d, ['--json', 'request', 'create', '--domains', name, '--challenge', 'dns-01', '--key', 'ec-p256', '--dns-account', 'bind']));
    const run = startUntil(d, ['request', 'verify', req.id], /certdesk-checkpoint: presented/, { CERTDESK_TEST_HOLD: 'presented' });
    await run.reached;
    run.child.kill('SIGKILL');
    await run.exited;
    assert.equal((await txt(name)).length, 1, 'the killed process left its record');
    assert.equal(ok(certdesk(d, ['--json', 'request', 'verify', req.id])).status, 'available');
    assert.deepEqual(await txt(name), [], 'the resumed run removed it');
  });

  it('delete: allowed once no pending request uses the account; the TSIG secret is nowhere in the data directory or logs', () => {
    // The pending "cancel" request still uses bind: give it back to manual solving (request assign-dns ID none).
    const reqs = ok(certdesk(d, ['--json', 'request', 'list'])) as { id: string; status: string }[];
    for (const r of reqs.filter((x) => x.status === 'pending')) assert.equal(ok(certdesk(d, ['--json', 'request', 'assign-dns', r.id, 'none'])).dnsAccountId, null);
    refused(certdesk(d, ['dns', 'delete', 'bind']), 2, /--yes/);
    assert.equal(ok(certdesk(d, ['--json', 'dns', 'delete', 'bind', '--yes'])).deleted, true);
    assert.ok(!ok(certdesk(d, ['--json', 'dns', 'list'])).some((a: { name: string }) => a.name === 'bind'));
    for (const secret of [TSIG_SECRET, wrongSecret]) {
      const raw = Buffer.from(secret, 'base64');
      assert.deepEqual(findSecret(dirs, secret, [raw, raw.toString('hex')]), [], 'secret absent in clear, as base64 and as raw bytes');
    }
  });
});
