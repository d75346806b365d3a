// The renewal scheduler on a fake clock, in Europe/Berlin: a 3-day sleep then resume (with every missed wake-up
// firing at once) renews once, not three times; the back-off sequence between failed attempts; daylight-saving
// changes (last Sunday of March and of October) neither skip nor double a wake-up; the random minute is chosen
// once and kept; an observer that throws leaves the result unchanged.
process.env.TZ = 'Europe/Berlin';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import schedule from 'node-schedule';
import type { RenewalResult } from '../../shared/model/renewal.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { RenewalScheduler, utcRule, wakeRule, WAKE_SETTINGS_KEY, type WakeDriver, type WakeRule } from '../../electron/renewal/scheduler.ts';
import { DAY, op, renewalFixture, type Fixture } from '../helpers/renewal-fixtures.ts';

const HOUR = 3_600_000;
const MIN = 60_000;

/** A wake-up driver the test fires by hand (what node-schedule does with real timers). */
function manualDriver(): WakeDriver & { rule: WakeRule | null; fire: ((at: Date) => void) | null; cancelled: boolean } {
  const d = {
    rule: null as WakeRule | null,
    fire: null as ((at: Date) => void) | null,
    cancelled: false,
    async every(rule: WakeRule, fire: (at: Date) => void) {
      d.rule = rule;
      d.fire = fire;
      return () => {
        d.cancelled = true;
      };
    },
  };
  return d;
}

function schedulerFor(f: Fixture, driver: WakeDriver, random = () => 0.5) {
  let resume: (() => void) | null = null;
  let reconciles = 0;
  const scheduler = new RenewalScheduler({
    reconcile: (reason) => {
      reconciles++;
      return f.service.reconcile(reason);
    },
    store: f.store,
    logger: createMemoryLogger(),
    driver,
    random,
    onResume: (cb) => {
      resume = cb;
      return () => {
        resume = null;
      };
    },
  });
  return { scheduler, resume: () => resume?.(), reconciles: () => reconciles };
}

describe('renewal scheduler (fake clock, TZ=Europe/Berlin)', () => {
  test('the time zone of this test is really Europe/Berlin (CET, then CEST)', () => {
    assert.equal(new Date('2027-03-27T12:00:00Z').getTimezoneOffset(), -60);
    assert.equal(new Date('2027-03-29T12:00:00Z').getTimezoneOffset(), -120);
  });

  test('a 3-day sleep, then resume with every missed wake-up firing at once, renews once (not three times)', async () => {
    const t0 = new Date('2027-03-01T00:00:00Z');
    const f = await renewalFixture({ now: t0 });
    // A 90-day certificate due (a third of its lifetime left) one day after t0.
    const c = await f.addCertificate({ name: 'sleepy.example.test', notBefore: new Date(t0.getTime() - 59 * DAY), lifetimeMs: 90 * DAY });
    const driver = manualDriver();
    const s = schedulerFor(f, driver);
    await s.scheduler.start();
    await s.scheduler.idle();
    assert.equal(f.renewer.renews.length, 0, 'not due at start');
    assert.equal(f.service.plan(c.certificateId).state, 'scheduled');

    // The machine sleeps for 3 days. On waking, node-schedule's overdue timers and the resume event all fire.
    f.clock.set(new Date(t0.getTime() + 3 * DAY + 5 * MIN));
    const rule = driver.rule!;
    const missed: Date[] = [];
    for (let d = 0; d < 3; d++) for (const h of rule.hours) missed.push(new Date(Date.UTC(2027, 2, 1 + d, h, rule.minute)));
    // A slow CA: the renewal is still running while the wake-ups arrive.
    let release!: () => void;
    f.renewer.gate = new Promise((r) => (release = r));
    s.resume();
    for (const at of missed) driver.fire!(at);
    s.resume();
    await new Promise((r) => setTimeout(r, 20));
    release();
    await s.scheduler.idle();
    assert.equal(f.renewer.renews.length, 1, 'renewed once');
    assert.equal(f.cert(c.certificateId).history.length, 1, 'one new version saved, the old one in history');
    const plan = f.service.plan(c.certificateId);
    assert.equal(plan.state, 'scheduled');
    assert.equal(plan.lastAttempt?.ok, true);
    assert.ok(Date.parse(plan.dueAt!) > f.clock.now().getTime(), 'the new version is due later');

    // The next days' wake-ups find nothing due.
    for (let d = 3; d < 6; d++) {
      f.clock.set(new Date(Date.UTC(2027, 2, 1 + d, rule.hours[0], rule.minute)));
      driver.fire!(f.clock.now());
    }
    await s.scheduler.idle();
    assert.equal(f.renewer.renews.length, 1, 'still once');
    s.scheduler.stop();
    assert.equal(driver.cancelled, true, 'stop cancels the wake-ups');
  });

  test('failed renewals back off 1 min, 10 min, 100 min, then daily; an observer that throws changes nothing', async () => {
    const t0 = new Date('2027-05-01T08:00:00Z');
    const f = await renewalFixture({ now: t0 });
    const c = await f.addCertificate({ name: 'failing.example.test', notBefore: new Date(t0.getTime() - 80 * DAY), lifetimeMs: 90 * DAY });
    const seen: RenewalResult[] = [];
    f.service.addObserver({
      renewalFinished() {
        throw new Error('notifier down');
      },
    });
    f.service.addObserver({ renewalFinished: async (r) => void seen.push(r) });
    f.renewer.failWith = 'The CA refused: rate limited';
    const attempts: number[] = [];
    let last = await f.service.reconcile('test', op);
    attempts.push(f.clock.now().getTime());
    assert.equal(last.results.length, 1);
    assert.deepEqual([last.results[0]!.ok, last.results[0]!.message], [false, 'The CA refused: rate limited']);
    for (let i = 0; i < 5; i++) {
      const plan = f.service.plan(c.certificateId);
      assert.equal(plan.state, 'retrying');
      assert.equal(plan.failures, i + 1);
      const next = Date.parse(plan.nextAttemptAt!);
      // Just before the back-off ends: nothing happens.
      f.clock.set(new Date(next - 1000));
      last = await f.service.reconcile('test', op);
      assert.equal(last.results.length, 0, `no attempt before the back-off of failure ${i + 1} ends`);
      f.clock.set(new Date(next));
      last = await f.service.reconcile('test', op);
      assert.equal(last.results.length, 1);
      attempts.push(next);
    }
    const gaps = attempts.slice(1).map((a, i) => a - attempts[i]!);
    assert.deepEqual(gaps, [MIN, 10 * MIN, 100 * MIN, DAY, DAY]);
    assert.equal(seen.length, 6, 'the working observer saw every result');
    assert.ok(seen.every((r) => r.ok === false && r.message === 'The CA refused: rate limited'), 'the throwing observer changed no result');
    // The CA works again: the next attempt renews and clears the failures.
    f.renewer.failWith = null;
    f.clock.set(new Date(f.service.plan(c.certificateId).nextAttemptAt!));
    last = await f.service.reconcile('test', op);
    assert.equal(last.results[0]?.ok, true, last.results[0]?.message);
    const plan = f.service.plan(c.certificateId);
    assert.deepEqual([plan.failures, plan.nextAttemptAt, plan.state], [0, null, 'scheduled']);
    // The request had failed: the engine asked for a fresh order (New challenge) rather than Renew.
    assert.equal(f.renewer.renews.length, 7);
  });

  test('daylight saving (Europe/Berlin, last Sunday of March and October) neither skips nor doubles a wake-up', async () => {
    const rule = wakeRule(2 * 60 + 30); // 02:30 and 14:30 UTC — 02:30 local does not exist on the March change day
    const r = utcRule(schedule, rule);
    for (const [from, to] of [
      ['2027-03-26T00:00:00Z', '2027-03-31T00:00:00Z'],
      ['2027-10-29T00:00:00Z', '2027-11-03T00:00:00Z'],
    ] as const) {
      const fires: Date[] = [];
      let base = new Date(from);
      for (;;) {
        const next = r.nextInvocationDate(base);
        if (!next || next >= new Date(to)) break;
        fires.push(next);
        base = next;
      }
      assert.equal(fires.length, 10, `${from}: two wake-ups a day for five days`);
      fires.forEach((d, i) => {
        if (i > 0) assert.equal(d.getTime() - fires[i - 1]!.getTime(), 12 * HOUR, `${d.toISOString()}: 12 h after the one before`);
        assert.equal(d.getUTCMinutes(), 30);
      });
      // Local time did move by an hour across the change: the rule is UTC, not the wall clock.
      assert.notEqual(fires[0]!.getTimezoneOffset(), fires.at(-1)!.getTimezoneOffset());

      // The scheduler runs each once even when a timer fires twice around the change.
      const f = await renewalFixture({ now: new Date(from) });
      await f.addCertificate({ name: 'dst.example.test', notBefore: new Date(from), lifetimeMs: 90 * DAY });
      const s = schedulerFor(f, manualDriver());
      let ran = 0;
      for (const d of fires) {
        f.clock.set(d);
        if (await s.scheduler.scheduled(d)) ran++;
        if (await s.scheduler.scheduled(new Date(d))) ran++;
      }
      // A late, out-of-order fire for an earlier instant is not run again either.
      if (await s.scheduler.scheduled(fires[3]!)) ran++;
      await s.scheduler.idle();
      assert.equal(ran, 10);
      assert.equal(s.reconciles(), 10);
    }
  });

  test('the random minute is chosen once per data directory and kept; node-schedule holds one job until stop', async () => {
    const f = await renewalFixture({ now: new Date('2027-06-01T00:00:00Z') });
    // Nothing saved yet: the minute is not written (a new data directory stays unwritten).
    const early = schedulerFor(f, manualDriver(), () => 0.75);
    assert.deepEqual(await early.scheduler.rule(), { hours: [9, 21], minute: 0 });
    assert.equal(f.store.data.settings[WAKE_SETTINGS_KEY], undefined);
    await f.addCertificate({ name: 'minute.example.test', notBefore: new Date('2027-06-01T00:00:00Z'), lifetimeMs: 90 * DAY });
    const a = schedulerFor(f, manualDriver(), () => 0.25);
    assert.deepEqual(await a.scheduler.rule(), { hours: [3, 15], minute: 0 });
    const b = schedulerFor(f, manualDriver(), () => 0.9);
    assert.deepEqual(await b.scheduler.rule(), { hours: [3, 15], minute: 0 }, 'the stored minute wins over a new random one');
    assert.equal((f.store.data.settings[WAKE_SETTINGS_KEY] as unknown as { minute: number }).minute, 180);

    // The production driver: a real node-schedule job, cancelled by stop().
    const real = new RenewalScheduler({ reconcile: (reason) => f.service.reconcile(reason), store: f.store, logger: createMemoryLogger() });
    const jobsBefore = Object.keys(schedule.scheduledJobs).length;
    await real.start();
    assert.equal(Object.keys(schedule.scheduledJobs).length, jobsBefore + 1);
    const job = Object.values(schedule.scheduledJobs).at(-1)!;
    const raw = job.nextInvocation() as unknown as { toDate?: () => Date } | Date;
    const next = typeof (raw as { toDate?: () => Date }).toDate === 'function' ? (raw as { toDate: () => Date }).toDate() : new Date(raw as Date);
    assert.deepEqual([next.getUTCMinutes(), [3, 15].includes(next.getUTCHours())], [0, true]);
    real.stop();
    await real.idle();
    assert.equal(Object.keys(schedule.scheduledJobs).length, jobsBefore);
  });
});
