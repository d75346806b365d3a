// ACME profiles (meta.profiles, Let's Encrypt 2025): offered in the directory, checked before ordering,
// their name limits applied (25 for tlsserver/shortlived), sent with the order; tlsserver has no CN.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.ts';
import { execFileSync } from 'node:child_process';
import { filesBelow, pebble } from '../helpers/bed.ts';
import { exportPem, leafOf } from '../helpers/certs.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { startDirectoryProxy, type DirectoryProxy } from '../helpers/directory-proxy.ts';

const PROFILES = {
  classic: 'The same profile you have always known',
  tlsserver: 'https://letsencrypt.org/docs/profiles#tlsserver',
  shortlived: 'https://letsencrypt.org/docs/profiles#shortlived',
};

describe('ACME profiles', () => {
  let proxy: DirectoryProxy;
  let t: TestApp;
  let http: Http01Server;
  before(async () => {
    proxy = await startDirectoryProxy({ profiles: PROFILES });
    http = await new Http01Server().start();
    t = await startApp();
    await t.call('accounts:register', { name: 'Profiles', email: 'p@example.test', directory: proxy.directoryUrl, caFile: pebble().caFile, agreeTos: true });
  });
  after(async () => {
    await t.close();
    await http.stop();
    await proxy.close();
  });

  it('shows the profiles the directory offers', async () => {
    const info = await t.call('accounts:directory-info', { directory: proxy.directoryUrl, caFile: pebble().caFile });
    assert.deepEqual(info.profiles, PROFILES);
    // The request dialog asks by account: the main process reads it with the account's extra CA.
    const [account] = await t.call('accounts:list', {});
    assert.deepEqual((await t.call('accounts:directory', { id: account!.id })).profiles, PROFILES);
  });

  it('applies the 25-name limit of tlsserver and shortlived before anything is sent', async () => {
    const names = Array.from({ length: 26 }, (_, i) => `p${i}.limit.example.test`);
    const before = (await t.call('requests:list', {})).length;
    const ordersBefore = proxy.newOrders.length;
    for (const profile of ['tlsserver', 'shortlived']) {
      const env = await t.raw('requests:create', { domains: names, challengeType: 'http-01', key: 'ec-p256', profile });
      assert.equal(!env.ok && env.error.field, 'domains.25', profile);
      assert.match(!env.ok ? env.error.message : '', /at most 25 with this profile/);
    }
    assert.equal((await t.call('requests:list', {})).length, before, 'nothing created');
    assert.equal(proxy.newOrders.length, ordersBefore, 'no order reached the CA');
  });

  it('refuses a profile the CA does not offer, naming the offered ones', async () => {
    const env = await t.raw('requests:create', { domains: ['x.example.test'], challengeType: 'http-01', key: 'ec-p256', profile: 'extended' });
    assert.equal(!env.ok && env.error.field, 'profile');
    assert.match(!env.ok ? (env.error.hint ?? '') : '', /classic, tlsserver, shortlived/);
  });

  it('orders with tlsserver: no common name in the certificate', async () => {
    const name = `tls-${Date.now()}.example.test`;
    const ordersBefore = proxy.newOrders.length;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'http-01', key: 'ec-p256', profile: 'tlsserver' });
    assert.equal(r.profile, 'tlsserver');
    // What reached the CA: the newOrder payload, as the directory front recorded it on its way to Pebble.
    const sent = proxy.newOrders.slice(ordersBefore);
    assert.equal(sent.length, 1, `one newOrder: ${JSON.stringify(sent)}`);
    assert.equal(sent[0]!.profile, 'tlsserver', `the profile was sent with the order: ${JSON.stringify(sent[0])}`);
    assert.deepEqual(sent[0]!.identifiers, [{ type: 'dns', value: name }]);
    http.serve(r);
    const v = await t.call('requests:verify', { id: r.id });
    assert.equal(v.status, 'available');
    const leaf = leafOf((await exportPem(t, v.id)).cert);
    assert.match(leaf.subjectAltName ?? '', new RegExp(name.replace(/\./g, '\\.')));
    // tlsserver certificates carry no CN; Pebble adds one anyway, so the CSR we sent is what proves it.
    const csrFile = filesBelow(t.dataDir).find((f) => f.includes(r.id) && f.endsWith('.csr'))!;
    const subject = execFileSync('openssl', ['req', '-in', csrFile, '-noout', '-subject'], { encoding: 'utf8' });
    assert.doesNotMatch(subject, /CN\s*=/, `CSR subject: ${subject}`);
  });
  it('orders without a profile: no profile field reaches the CA', async () => {
    const name = `noprofile-${Date.now()}.example.test`;
    const ordersBefore = proxy.newOrders.length;
    const r = await t.call('requests:create', { domains: [name], challengeType: 'http-01', key: 'ec-p256' });
    assert.equal(r.profile ?? null, null);
    const sent = proxy.newOrders.slice(ordersBefore);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.identifiers, [{ type: 'dns', value: name }]);
    assert.equal('profile' in sent[0]!, false, `no profile member: ${JSON.stringify(sent[0])}`);
  });
});
