// Pebble resolving through BIND issues example.test + *.example.test with the Cloudflare provider (official
// SDK, API token) against the fake Cloudflare API that writes into BIND; nothing is left behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createProvider } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { issueApexAndWildcard, startDnsPebble, type DnsPebble } from '../helpers/dns01-issue.ts';
import { startCloudflareFake, type CloudflareFake } from '../helpers/fakes/cloudflare.ts';

const ZONE = bedEnv('BIND_ZONE');

describe('dns-01 through Cloudflare (fake API → BIND), validated by Pebble', () => {
  let pebble: DnsPebble;
  let fake: CloudflareFake;
  const token = randomBytes(30).toString('base64url');

  before(async () => {
    fake = await startCloudflareFake({ zones: ['other.invalid', ZONE], bindZone: ZONE, tokens: { [token]: { zones: [ZONE] } } });
    pebble = await startDnsPebble('cloudflare');
  });
  after(async () => {
    await pebble?.stop();
    await fake?.close();
  });

  it(`issues ${ZONE} + *.${ZONE} with no manual step and leaves no TXT record behind`, async () => {
    await issueApexAndWildcard(pebble, createProvider('cloudflare', { apiToken: token, endpoint: fake.url }));
    assert.deepEqual(fake.records(ZONE), []);
  });
});
