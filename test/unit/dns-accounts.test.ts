// The solver resolver's precedence (domain mapping > request's DNS account > manual) and the DNS account
// service on a real store with an in-memory keychain: secrets only in the keychain, kept when not sent, removed
// with their account or mapping; names unique; a v3 database gains the DNS collections by migration.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { DnsService, mappingFor } from '../../electron/dns/accounts.ts';
import { EventHub } from '../../electron/core/events.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { migrate } from '../../electron/store/migrations.ts';
import { openStore } from '../../electron/store/store.ts';
import { chooseSolver, chooseSolvers } from '../../electron/orders/solvers/resolver.ts';
import type { Operation } from '../../electron/core/operations.ts';

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==';

describe('solver resolver: domain mapping > request DNS account > manual', () => {
  const mappings = [
    { domain: 'example.com', accountId: 'acc-map' },
    { domain: 'deep.sub.example.com', accountId: 'acc-deep' },
  ];

  test('a mapping for the name (or its nearest parent) wins over the request account', () => {
    const facts = { challengeType: 'dns-01' as const, requestDnsAccountId: 'acc-req', dnsMappings: mappings };
    assert.deepEqual(chooseSolver('example.com', facts), { kind: 'dns', name: 'example.com', accountId: 'acc-map', mappingDomain: 'example.com' });
    assert.deepEqual(chooseSolver('*.example.com', facts), { kind: 'dns', name: '*.example.com', accountId: 'acc-map', mappingDomain: 'example.com' });
    assert.deepEqual(chooseSolver('www.example.com', facts), { kind: 'dns', name: 'www.example.com', accountId: 'acc-map', mappingDomain: 'example.com' });
    assert.equal((chooseSolver('x.deep.sub.example.com', facts) as { accountId: string }).accountId, 'acc-deep', 'the most specific mapping');
  });

  test('without a mapping the request account answers; without either it is manual', () => {
    const facts = { challengeType: 'dns-01' as const, requestDnsAccountId: 'acc-req', dnsMappings: mappings };
    assert.deepEqual(chooseSolver('other.org', facts), { kind: 'dns', name: 'other.org', accountId: 'acc-req', mappingDomain: null });
    assert.deepEqual(chooseSolver('notexample.com', facts), { kind: 'dns', name: 'notexample.com', accountId: 'acc-req', mappingDomain: null }, 'a suffix that is not a parent domain does not match');
    assert.deepEqual(chooseSolver('other.org', { ...facts, requestDnsAccountId: null }), { kind: 'manual', name: 'other.org' });
  });

  test('http-01 is manual whatever the DNS mappings say', () => {
    const facts = { challengeType: 'http-01' as const, requestDnsAccountId: 'acc-req', dnsMappings: mappings };
    assert.deepEqual(chooseSolvers(['example.com', 'other.org'], facts).map((c) => c.kind), ['manual', 'manual']);
  });

  test('mappingFor ignores case, a trailing dot and *.', () => {
    assert.equal(mappingFor(mappings, '*.WWW.Example.COM.')?.domain, 'example.com');
    assert.equal(mappingFor(mappings, 'example.org'), null);
  });
});

async function service() {
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'certdesk-dns-')), 'data');
  const secrets = new MemorySecretStore();
  const logger = createMemoryLogger();
  const store = await openStore({ dataDir, secrets, face: 'cli', logger });
  const hub = new EventHub();
  const events: string[] = [];
  hub.on((e) => events.push(e));
  return { dataDir, secrets, store, logger, events, dns: new DnsService({ store, secrets, hub, logger }) };
}

const fields = { server: '127.0.0.1', port: '5353', keyName: 'k1', algorithm: 'hmac-sha256' };

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<AppError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
  return err;
}

describe('DnsService', () => {
  test('add keeps secrets in the keychain only; edit keeps a secret not sent; delete removes it', async () => {
    const { dns, secrets, store, dataDir, events } = await service();
    const a = await dns.add({ name: 'Bind', provider: 'rfc2136', fields, secrets: { keySecret: SECRET } });
    assert.deepEqual(a.secrets, { keySecret: true });
    assert.deepEqual(secrets.names(), [`dns/${a.id}/keySecret`].concat(secrets.names().filter((n) => !n.startsWith('dns/'))).sort());
    assert.ok(events.includes('dns:changed'));
    const db = await readFile(path.join(dataDir, 'db.json'), 'utf8');
    assert.ok(!db.includes(SECRET), 'db.json never holds the secret');
    assert.match(db, /"secretFields": \[\s*"keySecret"\s*\]/);

    const edited = await dns.edit({ id: a.id, name: 'Bind 2', fields: { port: '53' } });
    assert.equal(edited.name, 'Bind 2');
    assert.equal(edited.fields.port, '53');
    assert.equal(await secrets.get(`dns/${a.id}/keySecret`), SECRET, 'the secret not sent stays');

    await rejects(dns.add({ name: 'bind 2', provider: 'rfc2136', fields, secrets: { keySecret: SECRET } }), 'CONFLICT', /already exists/);
    const err = await rejects(dns.add({ name: 'x', provider: 'rfc2136', fields: { ...fields, keySecret: SECRET }, secrets: {} }), 'INVALID_INPUT', /is a secret/);
    assert.equal(err.field, 'fields.keySecret');
    const missing = await rejects(dns.add({ name: 'y', provider: 'rfc2136', fields: { server: 'a' }, secrets: {} }), 'INVALID_INPUT', /TSIG key name is required/);
    assert.equal(missing.field, 'fields.keyName');

    await dns.remove(a.id);
    assert.equal(await secrets.get(`dns/${a.id}/keySecret`), null, 'the secret went with the account');
    assert.equal(store.data.dnsAccounts.length, 0);
  });

  test('mappings: secrets under dns-map/<domain>/, removed by unmap; an account with mappings cannot be deleted', async () => {
    const { dns, secrets } = await service();
    const a = await dns.add({ name: 'pd', provider: 'rfc2136', fields: { ...fields, mode: 'per-domain' }, secrets: { keySecret: SECRET } });
    const m = await dns.map({ domain: '*.Example.COM.', accountId: 'pd', zone: 'example.com', fields: { keyName: 'k2' }, secrets: { keySecret: SECRET } });
    assert.equal(m.domain, 'example.com');
    assert.deepEqual(m.secrets, { keySecret: true });
    assert.equal(await secrets.get('dns-map/example.com/keySecret'), SECRET);
    await rejects(dns.remove(a.id), 'CONFLICT', /domain mapping.*example\.com/);
    await rejects(dns.map({ domain: 'example.com', accountId: a.id, zone: 'other.com' }), 'INVALID_INPUT', /does not hold/);
    await dns.unmap('example.com');
    assert.equal(await secrets.get('dns-map/example.com/keySecret'), null);
    await dns.remove(a.id);
  });

  test('test without a domain asks for one; a disabled account cannot be resolved for a request', async () => {
    const { dns } = await service();
    const a = await dns.add({ name: 'b', provider: 'rfc2136', fields, secrets: { keySecret: SECRET } });
    const op: Operation = { id: 'op', signal: new AbortController().signal, step() {}, check() {} };
    const err = await rejects(dns.test(a.id, undefined, op), 'INVALID_INPUT', /needs a domain/);
    assert.equal(err.field, 'domain');
    await dns.setEnabled(a.id, false);
    await rejects(dns.resolve(dns.accountRecord(a.id)!, null), 'CONFLICT', /DNS account "b" is disabled/);
  });

  test('migration 4 adds the DNS collections and the request fields to a v3 database', () => {
    const v3 = { schemaVersion: 3, storeId: 's', accounts: [], requests: [{ id: 'r' }], certificates: [], settings: {} };
    const { data } = migrate(v3);
    assert.deepEqual(data.dnsAccounts, []);
    assert.deepEqual(data.dnsMappings, []);
    assert.deepEqual(data.requests[0], { id: 'r', dnsAccountId: null, presented: [], placed: [] } as never);
  });
});
