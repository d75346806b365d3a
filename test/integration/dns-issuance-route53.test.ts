// Pebble resolving through BIND issues example.test + *.example.test with the Route 53 provider (the AWS SDK
// against the fake Route 53 API, which writes into BIND once a change is INSYNC).
import assert from 'node:assert/strict';
import { createProvider } from '../../electron/dns/registry.ts';
import { dns01IssuanceThrough } from '../helpers/dns01-issuance.ts';
import { ROUTE53_USER, startStandardRoute53, type FakeRoute53 } from '../helpers/fakes/route53.ts';

let fake: FakeRoute53;
dns01IssuanceThrough({
  title: 'dns-01 through Route 53 (fake API → BIND), validated by Pebble',
  label: 'route53',
  start: async () => {
    fake = await startStandardRoute53({ insyncAfterMs: 300 });
  },
  stop: async () => fake?.stop(),
  provider: () => createProvider('route53', { ...ROUTE53_USER, region: 'us-east-1', endpoint: fake.url }),
  afterIssued: () => {
    const changes = fake.requests.filter((r) => r.action === 'route53:ChangeResourceRecordSets');
    assert.equal(changes.length, 4, 'two values added and two removed, one change each');
    assert.ok(changes.every((r) => r.status === 200));
    assert.ok(fake.requests.some((r) => r.action === 'route53:GetChange'), 'waited for INSYNC');
  },
});
