// One conformance suite for every DNS provider (cert-manager's test/acme/suite.go, DESIGN.md §3): present →
// visible at the authoritative server → cleanUp → gone; two values at one name kept independently, also when
// presented at the same moment (apex + wildcard); cleanUp of an absent value is harmless; bad credentials →
// a message naming the provider and the cause; a name outside every zone the account sees → which zone was
// missing. Each provider's test file calls dnsConformance() with its own target.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import type { DnsProvider } from '../../electron/dns/types.ts';

export interface ConformanceTarget {
  /** Suite title, e.g. "rfc2136 against BIND". */
  title: string;
  /** A provider with working credentials. */
  provider(): DnsProvider;
  /** The same provider with credentials the service rejects. */
  badCredentials(): DnsProvider;
  /** `cause` must appear in the bad-credentials message (e.g. /refused the key.*BADSIG/). */
  badCredentialsCause: RegExp;
  /** A zone the account can change. */
  zone: string;
  /** A record name outside every zone the account can see, and what the error must say about it. */
  outside: { fqdn: string; message: RegExp };
  /** TXT values at `fqdn` as the authoritative server answers them (not through the provider), sorted. */
  visible(fqdn: string): Promise<string[]>;
}

const uniq = () => Math.random().toString(36).slice(2, 10);
const value = () => Buffer.from(`${uniq()}${uniq()}${uniq()}${uniq()}`).toString('base64url').slice(0, 43).padEnd(43, 'A');

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

export function dnsConformance(t: ConformanceTarget): void {
  describe(`DNS provider conformance: ${t.title}`, () => {
    it('present → visible at the authoritative server → cleanUp → gone', async () => {
      const p = t.provider();
      const rec = { fqdn: `_acme-challenge.conf-${uniq()}.${t.zone}`, value: value(), ttl: 60 };
      await p.present(rec);
      assert.deepEqual(await t.visible(rec.fqdn), [rec.value]);
      await p.cleanUp(rec);
      assert.deepEqual(await t.visible(rec.fqdn), []);
    });

    it('two values on one name, presented at the same moment, are kept and removed independently', async () => {
      const p = t.provider();
      const fqdn = `_acme-challenge.conf-${uniq()}.${t.zone}`;
      const [a, b] = [value(), value()].map((v) => ({ fqdn, value: v, ttl: 60 }));
      await Promise.all([p.present(a!), p.present(b!)]);
      assert.deepEqual(await t.visible(fqdn), [a!.value, b!.value].sort());
      await p.cleanUp(a!);
      assert.deepEqual(await t.visible(fqdn), [b!.value]);
      await p.cleanUp(b!);
      assert.deepEqual(await t.visible(fqdn), []);
    });

    it('cleanUp of an absent value is harmless', async () => {
      const p = t.provider();
      const fqdn = `_acme-challenge.conf-${uniq()}.${t.zone}`;
      await p.cleanUp({ fqdn, value: value(), ttl: 60 });
      const kept = { fqdn, value: value(), ttl: 60 };
      await p.present(kept);
      await p.cleanUp({ fqdn, value: value(), ttl: 60 });
      assert.deepEqual(await t.visible(fqdn), [kept.value]);
      await p.cleanUp(kept);
    });

    it('bad credentials → a message naming the provider and the cause', async () => {
      const p = t.badCredentials();
      const fqdn = `_acme-challenge.conf-${uniq()}.${t.zone}`;
      const e = await failure(p.present({ fqdn, value: value(), ttl: 60 }));
      assert.ok(e.message.startsWith(`${p.descriptor.displayName}: `), `message names the provider: ${e.message}`);
      assert.match(e.message, t.badCredentialsCause);
      assert.deepEqual(await t.visible(fqdn), []);
    });

    it('a name outside every zone the account sees → says which zone was missing', async () => {
      const p = t.provider();
      const e = await failure(p.present({ fqdn: t.outside.fqdn, value: value(), ttl: 60 }));
      assert.ok(e.message.startsWith(`${p.descriptor.displayName}: `), `message names the provider: ${e.message}`);
      assert.match(e.message, t.outside.message);
    });
  });
}
