// Account operations survive a CA that rejects half of all nonces (PEBBLE_WFE_NONCEREJECT=50): acme-client's
// own badNonce retry takes the fresh nonce from the error, our retry re-signs whole steps, and nothing is
// re-sent with a stale nonce (acme-client issue #103).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';

describe('accounts with a nonce-rejecting CA', () => {
  let ca: ExtraPebble;
  const apps: TestApp[] = [];
  before(async () => {
    ca = await startExtraPebble({ name: 'pebble-nonce50', nonceReject: 50 });
  });
  after(async () => {
    for (const a of apps) await a.close();
    await ca.stop();
  });

  it('registers, updates and rolls over 10 accounts without a single failure', async () => {
    for (let i = 0; i < 10; i++) {
      const t = await startApp();
      apps.push(t);
      const acct = await t.call('accounts:register', {
        name: `Nonce ${i}`,
        email: `n${i}@example.test`,
        directory: ca.directoryUrl,
        caFile: ca.caFile,
        agreeTos: true,
      });
      assert.equal(acct.status, 'valid');
      assert.equal((await t.call('accounts:update', { id: acct.id, email: `m${i}@example.test` })).email, `m${i}@example.test`);
      const rolled = await t.call('accounts:rollover', { id: acct.id });
      assert.equal(rolled.url, acct.url);
      assert.equal((await t.call('accounts:refresh', { id: acct.id })).status, 'valid');
    }
  });
});
