// Pebble resolving through BIND issues example.test + *.example.test with the ClouDNS provider against the fake
// ClouDNS API that writes into BIND; nothing is left behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createProvider } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { issueApexAndWildcard, startDnsPebble, type DnsPebble } from '../helpers/dns01-issue.ts';
import { startClouDnsFake, type ClouDnsFake } from '../helpers/fakes/cloudns.ts';

const ZONE = bedEnv('BIND_ZONE');

describe('dns-01 through ClouDNS (fake API → BIND), validated by Pebble', () => {
  let pebble: DnsPebble;
  let fake: ClouDnsFake;
  const password = randomBytes(12).toString('base64url');

  before(async () => {
    fake = await startClouDnsFake({ zones: [{ name: 'other.invalid' }, { name: ZONE }], bindZone: ZONE, users: [{ id: '4321', password }] });
    pebble = await startDnsPebble('cloudns');
  });
  after(async () => {
    await pebble?.stop();
    await fake?.close();
  });

  it(`issues ${ZONE} + *.${ZONE} with no manual step and leaves no TXT record behind`, async () => {
    await issueApexAndWildcard(pebble, createProvider('cloudns', { authId: '4321', password, endpoint: fake.url }));
    assert.deepEqual(fake.records(ZONE), []);
  });
});
