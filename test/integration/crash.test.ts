// Crash safety: the CLI is killed with SIGKILL at fixed points of the order flow (checkpoints held open by
// CERTDESK_TEST_HOLD, see electron/orders/checkpoints.ts) and started again, for first issuance and for
// renewals. The request must resume to Available/Renewed with the same key, using at most one extra order,
// and never lose an issued certificate.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filesBelow, pebble, tempDir } from '../helpers/bed.ts';
import { leafOf, spkiOf } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');
const P = pebble();

/** Runs the CLI without blocking this process: the http-01 server the CA calls lives here. */
function cli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, '--json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function json(p: Promise<{ code: number | null; out: string; err: string }>) {
  const r = await p;
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** Runs the CLI until it reports the held checkpoint, then kills it with SIGKILL. */
function killAt(dataDir: string, args: string[], checkpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, '--json', ...args], {
      env: { ...process.env, CERTDESK_TEST_HOLD: checkpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`checkpoint ${checkpoint} not reached: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(`certdesk-checkpoint: ${checkpoint}`)) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && err.includes(`certdesk-checkpoint: ${checkpoint}`)) resolve();
      else reject(new Error(`the CLI ended (${signal ?? _code}) before checkpoint ${checkpoint}: ${err}`));
    });
  });
}

function sealedKeys(dataDir: string, id: string): Record<string, string> {
  return Object.fromEntries(
    filesBelow(dataDir)
      .filter((f) => f.includes(id) && f.endsWith('.key'))
      .map((f) => [f, readFileSync(f).toString('base64')]),
  );
}

describe('crash safety (kill -9 and restart)', () => {
  let http: Http01Server;
  let dataDir: string;
  let n = 0;
  before(async () => {
    http = await new Http01Server().start();
    dataDir = tempDir('crash');
    await json(cli(dataDir, ['account', 'register', '--email', 'crash@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos']));
  });
  after(() => http.stop());

  async function exportedLeaf(id: string) {
    const pemDir = join(tempDir('crash-pem'), 'out');
    await json(cli(dataDir, ['cert', 'export', id, '--format', 'pem', '--out', pemDir]));
    return { cert: leafOf(readFileSync(join(pemDir, 'cert.pem'), 'utf8')), key: readFileSync(join(pemDir, 'privkey.pem'), 'utf8') };
  }

  /** Creates a request and has it issued without interruption. */
  async function issued(prefix: string, keyPolicy: 'same' | 'new') {
    const name = `${prefix}-${Date.now()}-${n++}.example.test`;
    const req = await json(cli(dataDir, ['request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256', '--key-policy', keyPolicy]));
    http.serve(req);
    const done = await json(cli(dataDir, ['request', 'verify', req.id]));
    assert.equal(done.status, 'available', JSON.stringify(done.error));
    return done;
  }

  // validating: submitted nothing yet; polling: challenges submitted; finalized: CSR sent; downloaded: the
  // certificate is fetched and its file written, but the request does not record it yet.
  for (const checkpoint of ['validating', 'polling', 'finalized', 'downloaded'] as const) {
    it(`killed at "${checkpoint}" during verify: resumes to Available with the same key, no extra order`, async () => {
      const name = `crash-${checkpoint}-${Date.now()}-${n++}.example.test`;
      const req = await json(cli(dataDir, ['request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256']));
      http.serve(req);
      const keysBefore = sealedKeys(dataDir, req.id);
      assert.equal(Object.keys(keysBefore).length, 1, 'one sealed key');

      await killAt(dataDir, ['request', 'verify', req.id], checkpoint);
      const mid = await json(cli(dataDir, ['request', 'show', req.id]));
      assert.equal(mid.status, 'processing', 'the killed verify left the request mid-way');

      const done = await json(cli(dataDir, ['request', 'verify', req.id]));
      assert.equal(done.status, 'available', JSON.stringify(done.error));
      assert.equal(done.ordersCreated, 1, 'the same order was resumed');
      assert.deepEqual(sealedKeys(dataDir, req.id), keysBefore, 'the same key (sealed file unchanged)');
      const { cert, key } = await exportedLeaf(req.id);
      assert.ok(spkiOf(cert).equals(spkiOf(key)), 'certificate is for our key');
      assert.equal(done.certificate.serial, cert.serialNumber.toUpperCase(), 'the recorded certificate is the exported one');
      const certFiles = filesBelow(dataDir).filter((f) => f.includes(req.id) && /cert-\d+\.pem$/.test(f));
      assert.equal(certFiles.length, 1, `one certificate file: ${certFiles.join(', ')}`);
    });
  }

  for (const checkpoint of ['polling', 'downloaded'] as const) {
    it(`killed at "${checkpoint}" while a same-key renewal is verified: resumes to Renewed, same key, one renewal order`, async () => {
      const first = await issued(`crash-renew-${checkpoint}`, 'same');
      const keysBefore = sealedKeys(dataDir, first.id);
      const renewing = await json(cli(dataDir, ['cert', 'renew', first.id]));
      assert.equal(renewing.status, 'pending');
      assert.equal(renewing.ordersCreated, 2);
      http.serve(renewing);

      await killAt(dataDir, ['request', 'verify', first.id], checkpoint);
      assert.equal((await json(cli(dataDir, ['request', 'show', first.id]))).status, 'processing', 'the killed verify left the renewal mid-way');

      const done = await json(cli(dataDir, ['request', 'verify', first.id]));
      assert.equal(done.status, 'renewed', JSON.stringify(done.error));
      assert.equal(done.ordersCreated, 2, 'the renewal order was resumed, not placed again');
      assert.notEqual(done.certificate.serial, first.certificate.serial, 'a new certificate');
      assert.deepEqual(sealedKeys(dataDir, first.id), keysBefore, 'the same key (sealed file unchanged)');
      const { cert, key } = await exportedLeaf(first.id);
      assert.equal(cert.serialNumber.toUpperCase(), done.certificate.serial, 'the renewal is what gets exported');
      assert.ok(spkiOf(cert).equals(spkiOf(key)), 'certificate is for our key');
    });
  }

  it('killed while a new-key renewal is finalized: the renewal key is kept, not made again', async () => {
    const first = await issued('crash-renew-newkey', 'new');
    const firstKey = (await exportedLeaf(first.id)).key;
    const renewing = await json(cli(dataDir, ['cert', 'renew', first.id]));
    http.serve(renewing);
    const keysOfRenewal = sealedKeys(dataDir, first.id);
    assert.equal(Object.keys(keysOfRenewal).length, 2, 'the first key and the renewal key');

    await killAt(dataDir, ['request', 'verify', first.id], 'finalized');
    const done = await json(cli(dataDir, ['request', 'verify', first.id]));
    assert.equal(done.status, 'renewed', JSON.stringify(done.error));
    assert.equal(done.ordersCreated, 2);
    assert.deepEqual(sealedKeys(dataDir, first.id), keysOfRenewal, 'no third key');
    const { cert, key } = await exportedLeaf(first.id);
    assert.ok(spkiOf(cert).equals(spkiOf(key)), 'certificate is for the exported key');
    assert.ok(!spkiOf(key).equals(spkiOf(firstKey)), 'a new key, as the policy says');
  });

  it('killed in `cert renew` right after the renewal order was created: that order is recovered, then issued', async () => {
    const first = await issued('crash-renew-order', 'same');
    await killAt(dataDir, ['cert', 'renew', first.id], 'order-created');
    const mid = await json(cli(dataDir, ['request', 'show', first.id]));
    assert.equal(mid.ordersCreated, 2, 'the renewal order was counted before it was sent');

    const recovered = await cli(dataDir, ['request', 'verify', first.id]);
    assert.equal(recovered.code, 1, 'not issued yet: the challenges must be fulfilled first');
    const pending = JSON.parse(recovered.out);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.ordersCreated, 2, 'no third order');
    assert.equal(pending.challenges.length, 1);

    http.serve(pending);
    const done = await json(cli(dataDir, ['request', 'verify', first.id]));
    assert.equal(done.status, 'renewed', JSON.stringify(done.error));
    assert.equal(done.ordersCreated, 2);
    assert.notEqual(done.certificate.serial, first.certificate.serial);
  });

  it('killed right after the order was created: the same order is recovered, challenges shown, then issued', async () => {
    const name = `crash-order-${Date.now()}.example.test`;
    await killAt(dataDir, ['request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'rsa-2048'], 'order-created');
    const list = await json(cli(dataDir, ['request', 'list']));
    const req = list.find((r: { names: string[] }) => r.names[0] === name);
    assert.ok(req, 'the request survived the kill');
    assert.equal(req.ordersCreated, 1);

    const recovered = await cli(dataDir, ['request', 'verify', req.id]);
    assert.equal(recovered.code, 1, 'not issued yet: the challenges must be fulfilled first');
    const pending = JSON.parse(recovered.out);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.challenges.length, 1);
    assert.equal(pending.ordersCreated, 1, 'no second order');

    http.serve(pending);
    const done = await json(cli(dataDir, ['request', 'verify', req.id]));
    assert.equal(done.status, 'available');
    assert.equal(done.ordersCreated, 1);
  });

  it('killed after the CA accepted a key rollover but before Certdesk recorded it: the new key is adopted', async () => {
    const d = tempDir('crash-rollover');
    const reg = await json(cli(d, ['account', 'register', '--email', 'roll@example.test', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos']));
    await killAt(d, ['account', 'rollover'], 'rollover-done');
    // Next use: Certdesk asks the CA which key it knows, keeps the new one, and the account works.
    const updated = await json(cli(d, ['account', 'update', '--email', 'after-crash@example.test']));
    assert.equal(updated.email, 'after-crash@example.test');
    assert.equal(updated.url, reg.url);
    assert.notEqual(updated.keyThumbprint, reg.keyThumbprint, 'the new key is the account key now');
    const keys = filesBelow(d).filter((f) => f.includes('/accounts/') && f.endsWith('.key'));
    assert.equal(keys.length, 1, `only the current key is left: ${keys.join(', ')}`);
  });

  it('accepts the 8-character ids that lists show, and refuses shorter ones', async () => {
    const name = `crash-prefix-${Date.now()}.example.test`;
    const req = await json(cli(dataDir, ['request', 'create', '--domains', name, '--challenge', 'http-01', '--key', 'ec-p256']));
    http.serve(req);
    const short = req.id.slice(0, 8);
    const done = await json(cli(dataDir, ['request', 'verify', short]));
    assert.equal(done.status, 'available');
    assert.equal((await json(cli(dataDir, ['request', 'show', req.id]))).status, 'available', 'the change was saved under the full id');
    const tooShort = await cli(dataDir, ['request', 'show', req.id.slice(0, 4)]);
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.err, /No certificate request with id/);
    assert.equal((await json(cli(dataDir, ['cert', 'delete', short, '--yes']))).deleted, true);
    assert.deepEqual(filesBelow(dataDir).filter((f) => f.includes(req.id)), [], 'its folder is gone');
  });
});
