// Renewal due times on a fake clock: 90-, 45- and 6-day certificates under each policy (lifetime, days before
// expiry, ARI window), the ARI instant kept across reconciles (and re-chosen only for a new window or a new
// certificate), a window already over is due now, Retry-After respected, `replaces` sent; which certificates can
// renew by themselves (the resolver's rules); the back-off sequence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { automationOf, computeDue, daysBeforeDue, lifetimeDue } from '../../electron/renewal/policy.ts';
import { backoffMs } from '../../electron/renewal/types.ts';
import type { AriInfo, AriSource } from '../../electron/renewal/types.ts';
import { DAY, op, renewalFixture } from '../helpers/renewal-fixtures.ts';

const NB = new Date('2027-01-01T00:00:00Z');
const at = (ms: number) => new Date(NB.getTime() + ms);
const iso = (d: Date) => d.toISOString();
const noRandom = () => {
  throw new Error('random must not be used without an ARI window');
};

describe('renewal due times', () => {
  for (const [days, lifetimeDueDay, days30DueDay] of [
    // lifetime: a third of 90 = 30 days left → day 60; 30 days before expiry → day 60
    [90, 60, 60],
    // a third of 45 = 15 left → day 30; 30 before → day 15
    [45, 30, 15],
    // under 10 days: half of 6 = 3 left → day 3; 30 before 6 → never before the start: day 0
    [6, 3, 0],
  ] as const) {
    test(`${days}-day certificate: lifetime due at day ${lifetimeDueDay}, 30 days before expiry at day ${days30DueDay}, ARI inside the window`, () => {
      const notAfter = at(days * DAY);
      const now = at(DAY / 2);
      const lt = computeDue({ notBefore: NB, notAfter, policy: 'lifetime', days: 30, window: null, random: noRandom, now });
      assert.deepEqual({ dueAt: iso(lt.dueAt), reason: lt.reason }, { dueAt: iso(at(lifetimeDueDay * DAY)), reason: 'lifetime' });
      const d30 = computeDue({ notBefore: NB, notAfter, policy: 'days', days: 30, window: null, random: noRandom, now });
      assert.deepEqual({ dueAt: iso(d30.dueAt), reason: d30.reason }, { dueAt: iso(at(days30DueDay * DAY)), reason: 'days-before' });
      // ARI without a window: as lifetime.
      const noWindow = computeDue({ notBefore: NB, notAfter, policy: 'ari', days: 30, window: null, random: noRandom, now });
      assert.deepEqual({ dueAt: iso(noWindow.dueAt), reason: noWindow.reason }, { dueAt: iso(lt.dueAt), reason: 'lifetime' });
      // ARI with a window: start + random × length.
      const window = { start: at((days / 2) * DAY), end: at((days / 2 + 2) * DAY) };
      for (const r of [0, 0.25, 0.999]) {
        const a = computeDue({ notBefore: NB, notAfter, policy: 'ari', days: 30, window, random: () => r, now });
        assert.equal(a.reason, 'ari-window');
        assert.equal(iso(a.dueAt), iso(new Date(window.start.getTime() + Math.floor(r * 2 * DAY))));
        assert.ok(a.dueAt >= window.start && a.dueAt < window.end);
      }
    });
  }

  test('the seed\'s "renew at day 75" of a 90-day certificate is 15 days before expiry', () => {
    assert.equal(iso(daysBeforeDue(NB, at(90 * DAY), 15)), iso(at(75 * DAY)));
    assert.equal(iso(lifetimeDue(NB, at(10 * DAY))), iso(at((10 * DAY * 2) / 3)), 'exactly 10 days is not "under 10 days"');
  });

  test('an ARI window already over is due now; a kept instant inside the window stays', () => {
    const notAfter = at(90 * DAY);
    const window = { start: at(50 * DAY), end: at(52 * DAY) };
    const past = computeDue({ notBefore: NB, notAfter, policy: 'ari', days: 30, window, random: () => 0.5, now: at(60 * DAY) });
    assert.deepEqual({ dueAt: iso(past.dueAt), reason: past.reason }, { dueAt: iso(at(60 * DAY)), reason: 'ari-window' });
    const kept = at(51 * DAY + 123);
    const again = computeDue({ notBefore: NB, notAfter, policy: 'ari', days: 30, window, keptAriDue: kept, random: () => 0.9, now: at(10 * DAY) });
    assert.equal(iso(again.dueAt), iso(kept));
    // A kept instant outside the (new) window is not reused.
    const moved = computeDue({ notBefore: NB, notAfter, policy: 'ari', days: 30, window, keptAriDue: at(40 * DAY), random: () => 0, now: at(10 * DAY) });
    assert.equal(iso(moved.dueAt), iso(window.start));
  });

  test('back-off after consecutive failures: 1 min, 10 min, 100 min, then daily', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(backoffMs), [0, 60_000, 600_000, 6_000_000, 86_400_000, 86_400_000, 86_400_000]);
  });
});

describe('which certificates renew by themselves (the resolver\'s rules)', () => {
  const facts = {
    dnsMappings: [{ domain: 'mapped.test', accountId: 'dns-2' }],
    serverMappings: [{ domain: 'web.test', targetId: 's1', targetName: 'web1', targetKind: 'ssh' as const, webroot: '/var/www/html' }],
    dnsAccount: (id: string) => (id === 'dns-1' ? { id, name: 'Office BIND', enabled: true } : id === 'dns-2' ? { id, name: 'Mapped', enabled: true } : id === 'off' ? { id, name: 'Off', enabled: false } : null),
  };
  test('http-01 with no server mapping is manual; with a webroot mapping it is automatic', () => {
    assert.deepEqual(automationOf({ names: ['a.example.test'], challengeType: 'http-01', dnsAccountId: null }, facts), { automated: false, automation: null, manualNames: ['a.example.test'] });
    assert.deepEqual(automationOf({ names: ['www.web.test'], challengeType: 'http-01', dnsAccountId: null }, facts), { automated: true, automation: 'server web1', manualNames: [] });
  });
  test('dns-01: the request\'s DNS account or a DNS mapping; a disabled or missing account answers nothing', () => {
    assert.equal(automationOf({ names: ['a.example.test', '*.example.test'], challengeType: 'dns-01', dnsAccountId: 'dns-1' }, facts).automation, 'DNS account Office BIND');
    assert.equal(automationOf({ names: ['x.mapped.test'], challengeType: 'dns-01', dnsAccountId: null }, facts).automation, 'DNS account Mapped');
    assert.equal(automationOf({ names: ['a.example.test'], challengeType: 'dns-01', dnsAccountId: 'off' }, facts).automated, false);
    assert.equal(automationOf({ names: ['a.example.test'], challengeType: 'dns-01', dnsAccountId: 'gone' }, facts).automated, false);
  });
  test('a wildcard is not answered by a server mapping: one manual name makes the certificate manual', () => {
    const a = automationOf({ names: ['web.test', '*.web.test'], challengeType: 'dns-01', dnsAccountId: null }, facts);
    assert.deepEqual(a, { automated: false, automation: 'server web1', manualNames: ['*.web.test'] });
  });
});

describe('RenewalService plans (fake clock, real store)', () => {
  test('90-, 45- and 6-day certificates are planned by the default policy and by their own override', async () => {
    const f = await renewalFixture({ now: at(DAY / 2) });
    const c90 = await f.addCertificate({ name: 'n90.example.test', notBefore: NB, lifetimeMs: 90 * DAY });
    const c45 = await f.addCertificate({ name: 'n45.example.test', notBefore: NB, lifetimeMs: 45 * DAY });
    const c6 = await f.addCertificate({ name: 'n6.example.test', notBefore: NB, lifetimeMs: 6 * DAY });
    const manual = await f.addCertificate({ name: 'manual.example.test', notBefore: NB, lifetimeMs: 90 * DAY, automated: false });
    const byId = () => new Map(f.service.plans().map((p) => [p.certificateId, p]));
    // Default policy ari, no ARI source: by lifetime, and the plan says so.
    let plans = byId();
    assert.equal(plans.get(c90.certificateId)!.dueAt, iso(at(60 * DAY)));
    assert.equal(plans.get(c45.certificateId)!.dueAt, iso(at(30 * DAY)));
    assert.equal(plans.get(c6.certificateId)!.dueAt, iso(at(3 * DAY)));
    for (const p of plans.values()) assert.equal(p.policy, 'ari');
    assert.deepEqual([plans.get(c90.certificateId)!.reason, plans.get(c90.certificateId)!.window, plans.get(c90.certificateId)!.state], ['lifetime', null, 'scheduled']);
    assert.deepEqual([plans.get(manual.certificateId)!.state, plans.get(manual.certificateId)!.reason, plans.get(manual.certificateId)!.automated], ['manual', 'manual', false]);
    assert.equal(plans.get(c90.certificateId)!.automation, 'DNS account Office BIND');

    await f.store.update((d) => {
      d.settings = { ...d.settings, renewal: { policy: 'days', days: 20, concurrency: 2 } };
    });
    plans = byId();
    assert.equal(plans.get(c90.certificateId)!.dueAt, iso(at(70 * DAY)));
    assert.equal(plans.get(c45.certificateId)!.dueAt, iso(at(25 * DAY)));
    assert.equal(plans.get(c6.certificateId)!.dueAt, iso(NB), '20 days before a 6-day certificate: its start');
    assert.equal(plans.get(c6.certificateId)!.state, 'due');

    const own = await f.service.setPolicy(c90.certificateId, 'days', 15);
    assert.deepEqual([own.policyOverride, own.days, own.dueAt, own.reason], ['days', 15, iso(at(75 * DAY)), 'days-before']);
    const back = await f.service.setPolicy(c90.certificateId, 'lifetime');
    assert.deepEqual([back.policyOverride, back.days, back.dueAt], ['lifetime', null, iso(at(60 * DAY))]);
    await assert.rejects(f.service.setPolicy(c90.certificateId, 'ari', 10), (e: Error & { field?: string }) => e.field === 'days');
    await assert.rejects(f.service.setPolicy('nope', null), (e: Error & { code?: string; field?: string }) => e.code === 'NOT_FOUND' && e.field === 'certificateId');

    // The list (maps built once for all certificates) says what each certificate's own plan says (searched one by
    // one), with an override, a manual one and the written records in play.
    for (const p of f.service.plans()) assert.deepEqual(p, f.service.plan(p.certificateId), p.commonName);

    // Dry run at a later instant: what would renew then, without writing anything.
    const before = JSON.stringify(f.store.data.renewals);
    const dry = f.service.dryRun(at(31 * DAY));
    assert.deepEqual(new Set(dry.due), new Set([c6.certificateId, c45.certificateId]), 'the manual certificate never renews by itself');
    assert.equal(JSON.stringify(f.store.data.renewals), before, 'a dry run writes nothing');
  });

  test('the ARI instant is chosen once and kept across reconciles; a new window or a new certificate chooses again', async () => {
    let window = { start: at(55 * DAY), end: at(57 * DAY) };
    const asked: string[] = [];
    let randomCalls = 0;
    const ari: AriSource = {
      async renewalInfo(requestId): Promise<AriInfo> {
        asked.push(requestId);
        return { certId: `aki.${requestId}`, start: window.start, end: window.end, explanationUrl: null, retryAfter: new Date(0) };
      },
    };
    const f = await renewalFixture({ now: at(DAY), ari, random: () => [0.1, 0.7, 0.3, 0.9, 0.5][randomCalls++ % 5]! });
    const c = await f.addCertificate({ name: 'ari.example.test', notBefore: NB, lifetimeMs: 90 * DAY });
    await f.service.reconcile('test', op);
    const first = f.service.plan(c.certificateId);
    assert.equal(first.reason, 'ari-window');
    assert.deepEqual(first.window && [first.window.start, first.window.end], [iso(window.start), iso(window.end)]);
    assert.ok(Date.parse(first.dueAt!) >= window.start.getTime() && Date.parse(first.dueAt!) < window.end.getTime());
    // Reconcile again (Retry-After absent: asked again 6 h later) with the same window: the instant stays.
    for (let i = 0; i < 3; i++) {
      f.clock.advance(7 * 3_600_000);
      await f.service.reconcile('test', op);
      assert.equal(f.service.plan(c.certificateId).dueAt, first.dueAt, `reconcile ${i + 2}: the due instant stayed put`);
    }
    assert.equal(asked.length, 4, 'asked at each reconcile once Retry-After passed');
    // Retry-After not yet over: not asked.
    await f.service.reconcile('test', op);
    assert.equal(asked.length, 4, 'not asked again before Retry-After');
    // The CA moves the window: a new instant inside the new one.
    window = { start: at(40 * DAY), end: at(41 * DAY) };
    f.clock.advance(7 * 3_600_000);
    await f.service.reconcile('test', op);
    const moved = f.service.plan(c.certificateId);
    assert.ok(Date.parse(moved.dueAt!) >= window.start.getTime() && Date.parse(moved.dueAt!) < window.end.getTime(), 'inside the new window');
    // Past the window: renewed, with `replaces` naming the certificate it replaces.
    f.clock.set(at(41 * DAY));
    window = { start: at(30 * DAY), end: at(31 * DAY) };
    const r = await f.service.reconcile('test', op);
    assert.equal(r.results.length, 1);
    assert.equal(r.results[0]!.ok, true, r.results[0]!.message);
    assert.deepEqual(f.renewer.renews.map((x) => x.opts), [{ replaces: `aki.${c.requestId}` }]);
    assert.equal(r.results[0]!.replaced, true);
    // The record now belongs to the new certificate (its serial), with the failures cleared.
    const after = f.store.data.renewals.find((x) => x.certificateId === c.certificateId)!;
    assert.equal(after.serial, f.cert(c.certificateId).summary.serial);
    assert.equal(after.failures, 0);
  });
});
