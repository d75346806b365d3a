// An extra CA is trusted for the account it was given for, on the origins its own directory names, and
// nowhere else: another directory read (or registered) with CA-2's file cannot make CA-1's account accept a
// CA-2-signed impostor of CA-1's origin, even when that directory names CA-1's origin (e.g. as keyChange).
//
// CA-1 is the bed's Pebble, reached through a TLS front on its own port (Pebble names the front's origin in
// every URL, from the Host header), so the test can later make CA-1's origin present a CA-2 certificate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bedEnv, pebble } from '../helpers/bed.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { makeCa, startFakeAcme, startTlsFront, type FakeAcme, type KeyPair, type TestCa, type TlsFront } from '../helpers/tls-servers.ts';

const P = pebble();

describe('extra CA trust is scoped to its own account', () => {
  let ca2: TestCa;
  let pebbleCert: KeyPair;
  const fronts: TlsFront[] = [];
  const fakes: FakeAcme[] = [];
  const apps: TestApp[] = [];
  const base = { email: 'admin@example.test', agreeTos: true };

  before(() => {
    ca2 = makeCa('Certdesk test CA-2');
    const tlsDir = join(bedEnv('BED_WORK_DIR'), 'pebble-tls');
    pebbleCert = { cert: readFileSync(join(tlsDir, 'cert.pem'), 'utf8'), key: readFileSync(join(tlsDir, 'key.pem'), 'utf8') };
  });
  after(async () => {
    for (const a of apps) await a.close().catch(() => undefined);
    for (const s of [...fakes, ...fronts]) await s.close();
  });

  /** CA-1 (Pebble behind its own front), an app with an account there, and CA-2's directory naming CA-1's origin. */
  async function setup(): Promise<{ t: TestApp; front: TlsFront; evil: FakeAcme; accountId: string }> {
    const front = await startTlsFront(Number(new URL(P.directory).port), P.caPem, pebbleCert);
    fronts.push(front);
    const evil = await startFakeAcme(ca2.issueServer(), {
      directory: () => ({ keyChange: `${front.origin}/rollover-account-key`, revokeCert: `${front.origin}/revoke-cert` }),
    });
    fakes.push(evil);
    const t = await startApp();
    apps.push(t);
    const a = await t.call('accounts:register', { ...base, name: 'CA-1', directory: `${front.origin}/dir`, caFile: P.caFile });
    assert.ok(a.url.startsWith(`${front.origin}/`), `CA-1 is reached through the front: ${a.url}`);
    assert.equal((await t.call('accounts:refresh', { id: a.id })).status, 'valid');
    return { t, front, evil, accountId: a.id };
  }

  async function assertRefused(t: TestApp, id: string): Promise<void> {
    for (const [channel, req] of [
      ['accounts:refresh', { id }],
      ['accounts:update', { id, email: 'stolen@example.test' }],
      ['requests:create', { accountId: id, domains: ['impostor.example.test'], challengeType: 'http-01', key: 'ec-p256' }],
    ] as const) {
      const r = await t.raw(channel, req);
      assert.equal(r.ok, false, `${channel} of CA-1's account must be refused when CA-1's origin shows a CA-2 certificate`);
      assert.equal(!r.ok && r.error.code, 'TLS', !r.ok ? r.error.message : '');
    }
  }

  it("a read-only preview of CA-2's directory naming CA-1's origin changes no trust", async () => {
    const { t, front, evil, accountId } = await setup();
    // What the Register form does 500 ms after typing.
    const info = await t.call('accounts:directory-info', { directory: evil.directoryUrl, caFile: ca2.caFile });
    assert.equal(info.url, evil.directoryUrl);
    await front.setCertificate(ca2.issueServer());
    await assertRefused(t, accountId);
  });

  it("an account registered with CA-2's file never makes CA-1's account accept a CA-2 certificate", async () => {
    const { t, front, evil, accountId } = await setup();
    const b = await t.call('accounts:register', { ...base, name: 'CA-2', directory: evil.directoryUrl, caFile: ca2.caFile });
    assert.equal((await t.call('accounts:refresh', { id: b.id })).status, 'valid');
    assert.equal((await t.call('accounts:update', { id: b.id, email: 'b@example.test' })).email, 'b@example.test');
    // CA-1's account still trusts CA-1 for its origin: its trust was neither replaced nor widened.
    assert.equal((await t.call('accounts:update', { id: accountId, email: 'a2@example.test' })).email, 'a2@example.test');

    await front.setCertificate(ca2.issueServer());
    await assertRefused(t, accountId);

    // The same after a restart, with CA-2's account used first.
    await t.close();
    apps.splice(apps.indexOf(t), 1);
    const t2 = await startApp({ dataDir: t.dataDir });
    apps.push(t2);
    assert.equal((await t2.call('accounts:refresh', { id: b.id })).status, 'valid');
    await assertRefused(t2, accountId);
    assert.equal((await t2.call('accounts:list', {})).find((x) => x.id === accountId)?.email, 'a2@example.test', 'the impostor changed nothing');
  });
});
