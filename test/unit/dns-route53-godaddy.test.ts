// Pure parts of the Route 53 and GoDaddy providers: Route 53's TXT quoting and name escapes, the per-name
// lock that keeps apex and wildcard changes from clobbering each other, and the descriptors' field ids (the
// CLI contract of issue 7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromRoute53Name, quoteTxt, unquoteTxt } from '../../electron/dns/route53/api.ts';
import { withNameLock } from '../../electron/dns/name-lock.ts';
import { descriptors } from '../../electron/dns/registry.ts';

describe('Route 53 TXT values and names', () => {
  it('quotes values as character-strings of at most 255 bytes and reads them back', () => {
    assert.equal(quoteTxt('abc'), '"abc"');
    assert.equal(quoteTxt('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
    const long = 'x'.repeat(300);
    assert.equal(quoteTxt(long), `"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
    for (const v of ['abc', 'say "hi" \\o/', long, '']) assert.equal(unquoteTxt(quoteTxt(v)), v);
    assert.equal(unquoteTxt('"a\\101b"'), 'aAb', 'octal escapes as Route 53 returns them');
  });

  it('reads names with a trailing dot and octal escapes', () => {
    assert.equal(fromRoute53Name('\\052.Example.COM.'), '*.example.com');
    assert.equal(fromRoute53Name('_acme-challenge.example.com.'), '_acme-challenge.example.com');
  });
});

describe('withNameLock', () => {
  it('runs work for one key one at a time, in order, and other keys in parallel', async () => {
    // Gates instead of timers, so a loaded machine cannot reorder the steps: a1 holds key "a" until b1 is done,
    // which only happens if b1 did not wait for a1.
    const log: string[] = [];
    let releaseA1!: () => void;
    const a1Gate = new Promise<void>((r) => (releaseA1 = r));
    const step = (key: string, id: string, gate: Promise<void>) =>
      withNameLock(key, async () => {
        log.push(`${id}+`);
        await gate;
        log.push(`${id}-`);
        return id;
      });
    const a1 = step('a', 'a1', a1Gate);
    const a2 = step('a', 'a2', Promise.resolve());
    const b1 = step('b', 'b1', Promise.resolve()).then((v) => {
      releaseA1();
      return v;
    });
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`b1 waited for a1 (deadlock): ${log.join(' ')}`)), 10_000);
    });
    const results = await Promise.race([Promise.all([a1, a2, b1]), stuck]).finally(() => clearTimeout(timer));
    assert.deepEqual(results, ['a1', 'a2', 'b1']);
    assert.ok(log.indexOf('a1-') < log.indexOf('a2+'), `a2 waited for a1: ${log.join(' ')}`);
    assert.ok(log.indexOf('b1-') < log.indexOf('a1-'), `b1 did not wait for a1: ${log.join(' ')}`);
  });

  it('a failure releases the lock for the next one', async () => {
    await assert.rejects(withNameLock('c', () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await withNameLock('c', () => Promise.resolve('next')), 'next');
  });
});

describe('descriptors of route53 and godaddy (issue 7 field ids)', () => {
  const byId = (id: string) => descriptors().find((d) => d.id === id)!;
  it('route53: accessKeyId, secretAccessKey (secret), hostedZoneId (optional), region, endpoint (advanced)', () => {
    const d = byId('route53');
    assert.deepEqual(d.fields.map((f) => f.id), ['accessKeyId', 'secretAccessKey', 'hostedZoneId', 'region', 'endpoint']);
    assert.deepEqual(d.fields.filter((f) => f.secret).map((f) => f.id), ['secretAccessKey']);
    assert.deepEqual(d.fields.map((f) => f.label), ['Access key ID', 'Secret access key', 'Hosted zone ID', 'Region', 'Endpoint']);
    assert.equal(d.fields.find((f) => f.id === 'hostedZoneId')?.required, false);
    assert.equal(d.fields.find((f) => f.id === 'endpoint')?.advanced, true);
  });
  it('godaddy: apiKey, apiSecret (secret), endpoint (advanced); the form notes the access limit', () => {
    const d = byId('godaddy');
    assert.deepEqual(d.fields.map((f) => f.id), ['apiKey', 'apiSecret', 'endpoint']);
    assert.deepEqual(d.fields.map((f) => f.label), ['Key', 'Secret', 'Endpoint']);
    assert.deepEqual(d.fields.filter((f) => f.secret).map((f) => f.id), ['apiSecret']);
    assert.match(d.note ?? '', /GoDaddy limits API access to larger accounts/);
  });
});
