// Pebble resolving through BIND issues example.test + *.example.test with the GoDaddy provider (our REST
// client against the fake GoDaddy API, which writes into BIND).
import assert from 'node:assert/strict';
import { createProvider } from '../../electron/dns/registry.ts';
import { dns01IssuanceThrough } from '../helpers/dns01-issuance.ts';
import { GODADDY_ACCOUNT, startStandardGoDaddy, type FakeGoDaddy } from '../helpers/fakes/godaddy.ts';

let fake: FakeGoDaddy;
dns01IssuanceThrough({
  title: 'dns-01 through GoDaddy (fake API → BIND), validated by Pebble',
  label: 'godaddy',
  start: async () => {
    fake = await startStandardGoDaddy();
  },
  stop: async () => fake?.stop(),
  provider: () => createProvider('godaddy', { ...GODADDY_ACCOUNT, endpoint: fake.url }),
  afterIssued: () => {
    const puts = fake.requests.filter((r) => r.method === 'PUT');
    assert.equal(puts.length, 3, 'first value, both values, the one left after the first cleanUp');
    assert.deepEqual((puts[1]!.body as { ttl: number }[]).map((r) => r.ttl), [600, 600], 'TTL raised to GoDaddy\'s minimum');
    assert.equal(fake.requests.filter((r) => r.method === 'DELETE').length, 1, 'the last value removed with DELETE');
  },
});
