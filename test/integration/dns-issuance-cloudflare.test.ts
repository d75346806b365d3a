// Pebble resolving through BIND issues example.test + *.example.test with the Cloudflare provider (official
// SDK, API token) against the fake Cloudflare API that writes into BIND; nothing is left behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createProvider } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { dns01IssuanceThrough } from '../helpers/dns01-issuance.ts';
import { startCloudflareFake, type CloudflareFake } from '../helpers/fakes/cloudflare.ts';

const ZONE = bedEnv('BIND_ZONE');
const token = randomBytes(30).toString('base64url');

let fake: CloudflareFake;
dns01IssuanceThrough({
  title: 'dns-01 through Cloudflare (fake API → BIND), validated by Pebble',
  label: 'cloudflare',
  start: async () => {
    fake = await startCloudflareFake({ zones: ['other.invalid', ZONE], bindZone: ZONE, tokens: { [token]: { zones: [ZONE] } } });
  },
  stop: async () => fake?.close(),
  provider: () => createProvider('cloudflare', { apiToken: token, endpoint: fake.url }),
  afterIssued: () => {
    assert.deepEqual(fake.records(ZONE), []);
  },
});
