// dns-01 end to end through Azure DNS: the real @azure/identity + @azure/arm-dns clients talk to the local fake
// of Entra ID and Resource Manager (HTTPS, throwaway CA trusted by that client only), the fake writes the record
// sets into the bed's BIND, and a Pebble that resolves through BIND issues `example.test` + `*.example.test`
// (two TXT values in one Azure record set at the same time). The records are gone afterwards, in "Azure" and
// in BIND.
import assert from 'node:assert/strict';
import { bedEnv } from '../helpers/bed.ts';
import { dns01IssuanceThrough } from '../helpers/dns01-issuance.ts';
import { digTxt } from '../helpers/dns-tools.ts';
import { azureProvider, startBedAzureFake } from '../helpers/fakes/azure.ts';

const ZONE = bedEnv('BIND_ZONE');
const bindServer = `127.0.0.1:${bedEnv('BIND_PORT')}`;

let fake: Awaited<ReturnType<typeof startBedAzureFake>>;
dns01IssuanceThrough({
  title: 'dns-01 through Azure DNS (fake Azure writing into BIND), validated by Pebble resolving through BIND',
  label: 'azure',
  start: async () => {
    fake = await startBedAzureFake({ pageSize: 2 });
  },
  stop: async () => fake?.stop(),
  provider: () => azureProvider(fake),
  // Apex and wildcard at the same moment: one Azure record set, replaced whole, must end up with both; and
  // both removed at the same moment, too.
  cleanUp: 'together',
  whilePresented: async (values) => {
    assert.deepEqual(fake.txt(ZONE, '_acme-challenge'), values, 'Azure holds both values in one record set');
    assert.deepEqual(await digTxt(bindServer, `_acme-challenge.${ZONE}`), values, 'BIND serves both values');
    const writes = fake.requests.filter((r) => r.service === 'arm' && r.method === 'PUT');
    assert.equal(writes.length, 2);
    assert.equal(writes[0]!.ifNoneMatch, '*', 'the record set is created only if absent');
    assert.ok(writes[1]!.ifMatch, 'the second value is added on top of the etag just read');
    assert.ok(writes.every((w) => w.status < 300), 'serialised: no write was refused with 412');
  },
  afterIssued: async () => {
    assert.deepEqual(fake.txt(ZONE, '_acme-challenge'), [], 'the record set is gone in Azure');
    assert.deepEqual(await digTxt(bindServer, `_acme-challenge.${ZONE}`), [], 'no TXT record left behind in BIND');
    const del = fake.requests.filter((q) => q.service === 'arm' && q.method === 'DELETE');
    assert.equal(del.length, 1, 'the last value removed deletes the record set, once');
    assert.ok(del[0]!.ifMatch, 'the delete is conditional on the etag just read');
  },
});
