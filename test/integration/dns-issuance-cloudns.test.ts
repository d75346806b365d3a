// Pebble resolving through BIND issues example.test + *.example.test with the ClouDNS provider against the fake
// ClouDNS API that writes into BIND; nothing is left behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createProvider } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { dns01IssuanceThrough } from '../helpers/dns01-issuance.ts';
import { startClouDnsFake, type ClouDnsFake } from '../helpers/fakes/cloudns.ts';

const ZONE = bedEnv('BIND_ZONE');
const password = randomBytes(12).toString('base64url');

let fake: ClouDnsFake;
dns01IssuanceThrough({
  title: 'dns-01 through ClouDNS (fake API → BIND), validated by Pebble',
  label: 'cloudns',
  start: async () => {
    fake = await startClouDnsFake({ zones: [{ name: 'other.invalid' }, { name: ZONE }], bindZone: ZONE, users: [{ id: '4321', password }] });
  },
  stop: async () => fake?.close(),
  provider: () => createProvider('cloudns', { authId: '4321', password, endpoint: fake.url }),
  afterIssued: () => {
    assert.deepEqual(fake.records(ZONE), []);
  },
});
