// With a CA that rejects half of all nonces (PEBBLE_WFE_NONCEREJECT=50), 20 of 20 issuances succeed: bad
// nonces are retried with the fresh nonce the error carries, never by re-sending the same signed body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.ts';
import { Http01Server } from '../helpers/challenges.ts';
import { startExtraPebble, type ExtraPebble } from '../helpers/pebble-extra.ts';

describe('issuance with a nonce-rejecting CA', () => {
  let ca: ExtraPebble;
  let t: TestApp;
  let http: Http01Server;
  before(async () => {
    ca = await startExtraPebble({ name: 'pebble-issue-nonce50', nonceReject: 50 });
    http = await new Http01Server().start(ca.httpPort);
    t = await startApp();
    await t.call('accounts:register', { name: 'Nonce', email: 'nonce@example.test', directory: ca.directoryUrl, caFile: ca.caFile, agreeTos: true });
  });
  after(async () => {
    await t?.close();
    await http?.stop();
    await ca?.stop();
  });

  it('issues 20 of 20 certificates (5 at a time)', async () => {
    const stamp = Date.now().toString(36);
    const results: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const done = await Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          const r = await t.call('requests:create', {
            domains: [`nonce-${stamp}-${batch}-${i}.example.test`],
            challengeType: 'http-01',
            key: 'ec-p256',
          });
          http.serve(r);
          const v = await t.call('requests:verify', { id: r.id });
          return v.status;
        }),
      );
      results.push(...done);
    }
    assert.deepEqual(results, Array(20).fill('available'));
  });
});
