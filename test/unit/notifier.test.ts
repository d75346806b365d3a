// OS notifications and the tray on a fake clock over a real store: each threshold fires once per certificate
// version however often the clock ticks, renewal results notify once, a notifier that throws changes nothing —
// also behind the real renewal service (its fixture: a fake CA).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RenewalPlan, RenewalResult } from '../../shared/model/renewal.ts';
import type { RenewalObserver } from '../../electron/renewal/types.ts';
import { AlertService } from '../../electron/alerts/alerts.ts';
import { isoWeek } from '../../electron/alerts/notices.ts';
import { Notifier } from '../../electron/alerts/notifier.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { op, renewalFixture } from '../helpers/renewal-fixtures.ts';
import { DAY, notifyWorld } from '../helpers/notify.ts';

function result(certificateId: string, ok: boolean, extra: Partial<RenewalResult> = {}): RenewalResult {
  return { certificateId, requestId: null, commonName: 'www.example.test', ok, serial: ok ? 'AB12' : null, message: ok ? 'Renewed.' : 'DNS update refused.', replaced: false, deployments: [], ...extra };
}

function plan(certificateId: string, extra: Partial<RenewalPlan> = {}): RenewalPlan {
  return { certificateId, requestId: null, commonName: 'www.example.test', names: ['www.example.test'], notAfter: '2027-02-01T00:00:00Z', policyOverride: null, policy: 'lifetime', days: null, dueAt: null, reason: 'lifetime', window: null, state: 'scheduled', automated: true, automation: 'DNS account Test', failures: 0, nextAttemptAt: null, lastAttempt: null, ...extra };
}

/**
 * What the renewal engine does with a final result (electron/renewal/types.ts RenewalObserver): tells every
 * observer, logs one that throws or rejects, and returns the result it was given.
 */
async function tellObservers(observers: RenewalObserver[], r: RenewalResult, p: RenewalPlan, failures: unknown[]): Promise<RenewalResult> {
  for (const o of observers) {
    try {
      await o.renewalFinished(r, p);
    } catch (err) {
      failures.push(err);
    }
  }
  return r;
}

describe('notifier', () => {
  test('ticking every minute for 35 days fires each threshold exactly once, then "expired" once', async () => {
    const w = await notifyWorld();
    const c = await w.addCert('www.example.test', 33);
    const end = w.clock.t + 35 * DAY;
    while (w.clock.t <= end) {
      await w.notifier.tick();
      w.clock.advance(60_000);
    }
    const titles = w.notes.map((n) => n.title);
    assert.deepEqual(
      w.notes.map((n) => /threshold (\d+) days/.exec(n.body)?.[1] ?? 'expired'),
      ['30', '14', '7', '1', 'expired'],
      titles.join(' | '),
    );
    const keys = w.store.data.notices.map((n) => n.key);
    for (const t of [30, 14, 7, 1]) assert.ok(keys.includes(`threshold:${c.id}:${c.summary.serial}:${t}`), `notice for ${t}`);
  });

  test('after a long sleep several crossed thresholds make one notification; a new certificate version starts over', async () => {
    const w = await notifyWorld();
    const c = await w.addCert('sleepy.example.test', 40);
    await w.notifier.tick();
    assert.equal(w.notes.length, 0);
    w.clock.advance(35 * DAY); // 5 days left: 30, 14 and 7 crossed at once
    await w.notifier.tick();
    await w.notifier.tick();
    assert.equal(w.notes.length, 1);
    assert.match(w.notes[0]!.body, /threshold 7 days/);
    // The renewal replaces the version (a new serial): its thresholds fire again in their time.
    await w.store.update((d) => {
      const x = d.certificates.find((y) => y.id === c.id)!;
      x.summary = { ...x.summary, serial: 'NEWSERIAL01', notAfter: new Date(w.clock.t + 29.5 * DAY).toISOString() };
    });
    await w.notifier.tick();
    assert.equal(w.notes.length, 2);
    assert.match(w.notes[1]!.body, /threshold 30 days/);
  });

  test('renewal results: success and failure notify once each; onSuccess off silences successes only', async () => {
    const w = await notifyWorld();
    const c = await w.addCert('www.example.test', 20);
    const ok = result(c.id, true);
    await w.notifier.renewalFinished(ok, plan(c.id));
    await w.notifier.renewalFinished(ok, plan(c.id));
    assert.equal(w.notes.length, 1);
    assert.match(w.notes[0]!.title, /Renewed www\.example\.test/);
    const failedPlan = plan(c.id, { lastAttempt: { at: '2027-01-01T00:00:00.000Z', ok: false, message: 'DNS update refused.' }, nextAttemptAt: '2027-01-01T00:01:00.000Z' });
    await w.notifier.renewalFinished(result(c.id, false), failedPlan);
    await w.notifier.renewalFinished(result(c.id, false), failedPlan);
    assert.equal(w.notes.length, 2);
    assert.match(w.notes[1]!.title, /Renewal of www\.example\.test failed/);
    assert.match(w.notes[1]!.body, /Next attempt 2027-01-01T00:01:00/);
    await w.settings.set({ notifications: { onSuccess: false } });
    await w.notifier.renewalFinished(result(c.id, true, { serial: 'CD34' }), plan(c.id));
    assert.equal(w.notes.length, 2, 'success not notified');
    await w.notifier.renewalFinished(result(c.id, false), plan(c.id, { lastAttempt: { at: '2027-01-01T00:05:00.000Z', ok: false, message: 'again' } }));
    assert.equal(w.notes.length, 3, 'failures always notify');
  });

  test('a notify() that throws is logged: the result is unchanged and the other observers still run', async () => {
    const w = await notifyWorld({
      notify: () => {
        throw new Error('no notification daemon');
      },
    });
    const c = await w.addCert('www.example.test', 20);
    const seen: string[] = [];
    const other: RenewalObserver = { renewalFinished: (r) => void seen.push(r.certificateId) };
    const r = result(c.id, false);
    const before = structuredClone(r);
    const failures: unknown[] = [];
    const out = await tellObservers([w.notifier, other], r, plan(c.id), failures);
    assert.deepEqual(out, before, 'the result is unchanged');
    assert.deepEqual(failures, [], 'the notifier swallowed its own failure');
    assert.deepEqual(seen, [c.id], 'the next observer ran');
    assert.ok(w.logger.lines.some((l) => l.includes('notification could not be shown') && l.includes('no notification daemon')));
    // An observer that throws by itself (not through notify) does not stop the others either.
    const boom: RenewalObserver = { renewalFinished: () => Promise.reject(new Error('boom')) };
    const out2 = await tellObservers([boom, w.notifier, other], r, plan(c.id), failures);
    assert.deepEqual(out2, before);
    assert.equal(seen.length, 2);
  });

  test('tray: fine, expiring within 14 days, failed; redrawn only when it changes', async () => {
    const w = await notifyWorld();
    const a = await w.addCert('a.example.test', 60);
    await w.addCert('b.example.test', 20);
    await w.notifier.tick();
    assert.equal(w.trays.at(-1)?.worst, 'fine');
    assert.match(w.trays.at(-1)!.tooltip, /2 certificates; next expiry in 20 days \(b\.example\.test\)/);
    assert.deepEqual(w.trays.at(-1)!.next.map((n) => n.label), ['b.example.test — 20 days', 'a.example.test — 60 days']);
    await w.notifier.tick();
    assert.equal(w.trays.length, 1, 'unchanged: not redrawn');
    w.clock.advance(7 * DAY);
    await w.notifier.tick();
    assert.equal(w.trays.at(-1)?.worst, 'expiring');
    await w.setRenewal(a, { lastAttempt: { at: w.clock.now().toISOString(), ok: false, message: 'boom' } });
    await w.notifier.tick();
    assert.equal(w.trays.at(-1)?.worst, 'failed');
  });

  test('ISO weeks for the weekly digest', () => {
    assert.equal(isoWeek(new Date('2027-01-01T12:00:00Z')), '2026-W53');
    assert.equal(isoWeek(new Date('2027-01-04T00:00:00Z')), '2027-W01');
    assert.equal(isoWeek(new Date('2026-12-31T23:59:59Z')), '2026-W53');
    assert.equal(isoWeek(new Date('2025-12-29T00:00:00Z')), '2026-W01');
  });
});

describe('notifier and alerts behind the real renewal service', () => {
  test('a failed automatic renewal: one notification (notify throws: logged, the result and the other observers unaffected), a renewal-failed alert; the next failure notifies again', async () => {
    const t0 = new Date('2027-05-01T08:00:00Z');
    const f = await renewalFixture({ now: t0 });
    const c = await f.addCertificate({ name: 'failing.example.test', notBefore: new Date(t0.getTime() - 80 * DAY), lifetimeMs: 90 * DAY });
    const logger = createMemoryLogger();
    const alerts = new AlertService({ store: f.store, requests: { list: () => [] }, hub: f.hub, logger, clock: f.clock });
    let calls = 0;
    const notifier = new Notifier({
      store: f.store,
      platform: {
        notify: () => {
          calls++;
          throw new Error('no notification daemon');
        },
      },
      alerts,
      logger,
      clock: f.clock,
    });
    const seen: RenewalResult[] = [];
    f.service.addObserver(notifier);
    f.service.addObserver({ renewalFinished: (r) => void seen.push(r) });
    f.renewer.failWith = 'The CA refused: rate limited';
    const first = await f.service.reconcile('test', op);
    assert.equal(first.results.length, 1);
    assert.deepEqual([first.results[0]!.ok, first.results[0]!.message], [false, 'The CA refused: rate limited']);
    assert.deepEqual(seen, first.results, 'the next observer saw the same result');
    assert.equal(calls, 1, 'one notification attempted');
    assert.ok(logger.lines.some((l) => l.includes('notification could not be shown')));
    const plan = f.service.plan(c.certificateId);
    assert.deepEqual([plan.state, plan.failures], ['retrying', 1], 'the renewal record is the engine\'s, untouched');
    const alert = alerts.list().find((a) => a.id === `renewal-failed:${c.certificateId}`);
    assert.equal(alert?.message.startsWith('The CA refused: rate limited'), true, alert?.message);
    // The next attempt after the back-off fails again: a new attempt, a new notification and alert state.
    await alerts.dismiss(`renewal-failed:${c.certificateId}`);
    f.clock.set(new Date(Date.parse(plan.nextAttemptAt!)));
    await f.service.reconcile('test', op);
    assert.equal(calls, 2);
    assert.equal(alerts.list().find((a) => a.id === `renewal-failed:${c.certificateId}`)?.dismissed, false);
  });
});
