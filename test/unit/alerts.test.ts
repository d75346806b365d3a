// The alerts behind the bell, derived from a real store on a fake clock: each kind with the action that resolves
// it, stable ids, and a dismissal that hides an alert only until its state changes.
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { DAY, notifyWorld } from '../helpers/notify.ts';

describe('alerts', () => {
  test('a certificate crossing thresholds: expiring alert whose state moves with each threshold; expired after notAfter', async () => {
    const w = await notifyWorld();
    const c = await w.addCert('www.example.test', 40);
    assert.deepEqual(w.alerts.list(), [], '40 days left: nothing to say');
    w.clock.advance(11 * DAY); // 29 days left
    let [a] = w.alerts.list();
    assert.equal(a?.id, `expiring:${c.id}`);
    assert.equal(a?.kind, 'expiring');
    assert.equal(a?.severity, 'warning');
    assert.match(a!.title, /www\.example\.test expires in 29 days/);
    assert.deepEqual(a?.action, { kind: 'open-certificate', label: 'Open certificate', requestId: null, certificateId: c.id });
    const k30 = w.alerts.derive()[0]!.stateKey;
    w.clock.advance(16 * DAY); // 13 days left
    assert.notEqual(w.alerts.derive()[0]!.stateKey, k30, 'a new threshold is a new state');
    w.clock.advance(10 * DAY); // 3 days: threshold 7
    [a] = w.alerts.list();
    assert.equal(a?.severity, 'error');
    w.clock.advance(4 * DAY);
    [a] = w.alerts.list();
    assert.equal(a?.id, `expired:${c.id}`);
    assert.equal(a?.kind, 'expired');
  });

  test('renewal failed, manual renewal due, request failed, challenge waiting, deploy failed: each with its action', async () => {
    const w = await notifyWorld();
    const req = await w.addRequest('failed.example.test', 'failed');
    const pending = await w.addRequest('pending.example.test', 'pending');
    const failedRenewal = await w.addCert('renew.example.test', 60, { requestId: req.id });
    await w.setRenewal(failedRenewal, { lastAttempt: { at: w.clock.now().toISOString(), ok: false, message: 'DNS account Test: 403 Forbidden.' }, failures: 1, state: 'retrying', nextAttemptAt: new Date(w.clock.t + 60_000).toISOString() });
    const manual = await w.addCert('manual.example.test', 20);
    await w.setRenewal(manual, { state: 'manual', automated: false, automation: null, reason: 'manual', dueAt: new Date(w.clock.t - DAY).toISOString() });
    const notDueYet = await w.addCert('later.example.test', 80);
    await w.setRenewal(notDueYet, { state: 'manual', automated: false, automation: null, reason: 'manual', dueAt: new Date(w.clock.t + 10 * DAY).toISOString() });
    const deployed = await w.addCert('deploy.example.test', 80);
    await w.addDeployment(deployed, 'failed', 'srv-a');
    w.clock.advance(1000);
    await w.addDeployment(deployed, 'failed', 'srv-b');
    w.clock.advance(1000);
    await w.addDeployment(deployed, 'deployed', 'srv-b'); // a later success on srv-b clears it

    const byId = new Map(w.alerts.list().map((a) => [a.id, a]));
    const rf = byId.get(`renewal-failed:${failedRenewal.id}`);
    assert.equal(rf?.kind, 'renewal-failed');
    assert.match(rf!.message, /403 Forbidden/);
    assert.deepEqual(rf?.action, { kind: 'open-request', label: 'Open request', requestId: req.id, certificateId: failedRenewal.id });
    assert.equal(byId.get(`manual-renewal:${manual.id}`)?.kind, 'manual-renewal');
    assert.equal(byId.get(`manual-renewal:${notDueYet.id}`), undefined, 'not due yet: no alert');
    const reqFailed = byId.get(`request-failed:${req.id}`);
    assert.equal(reqFailed?.action.kind, 'open-request');
    assert.equal(reqFailed?.action.requestId, req.id);
    assert.match(reqFailed!.message, /The CA refused failed\.example\.test/);
    const waiting = byId.get(`challenge-waiting:${pending.id}`);
    assert.equal(waiting?.kind, 'challenge-waiting');
    assert.match(waiting!.message, /pending\.example\.test/);
    assert.equal(byId.get(`deploy-failed:${deployed.id}:srv-a`)?.kind, 'deploy-failed');
    assert.equal(byId.get(`deploy-failed:${deployed.id}:srv-b`), undefined, 'the newest deployment to srv-b succeeded');
    assert.ok([...byId.values()].every((a) => a.dismissed === false));
    // Newest first.
    const list = w.alerts.list();
    assert.deepEqual(list.map((a) => a.since), [...list.map((a) => a.since)].sort().reverse());
  });

  test('dismiss hides an alert until its state changes; an unknown id is NOT_FOUND', async () => {
    const w = await notifyWorld();
    const c = await w.addCert('fail.example.test', 60);
    const first = w.clock.now().toISOString();
    await w.setRenewal(c, { lastAttempt: { at: first, ok: false, message: 'first failure' }, failures: 1 });
    const id = `renewal-failed:${c.id}`;
    w.events.length = 0;
    await w.alerts.dismiss(id);
    assert.equal(w.alerts.list().find((a) => a.id === id)?.dismissed, true, 'dismissed, still listed');
    assert.ok(w.events.includes('alerts:changed'), 'the bell is told');
    w.clock.advance(600_000);
    assert.equal(w.alerts.list().find((a) => a.id === id)?.dismissed, true, 'time alone changes nothing');
    await w.setRenewal(c, { lastAttempt: { at: w.clock.now().toISOString(), ok: false, message: 'second failure' }, failures: 2 });
    const again = w.alerts.list().find((a) => a.id === id);
    assert.equal(again?.dismissed, false, 'another failure shows it again');
    assert.equal(again?.message, 'second failure');
    await assert.rejects(w.alerts.dismiss('renewal-failed:nope'), (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND' && e.field === 'id');
  });

  test('alerts:changed follows the inputs: a failed request emits it, an unchanged state does not', async () => {
    const w = await notifyWorld();
    w.alerts.refresh();
    w.events.length = 0;
    const r = await w.addRequest('x.example.test', 'failed');
    w.hub.emit('requests:changed', { id: r.id });
    await tick();
    await tick();
    assert.equal(w.events.filter((e) => e === 'alerts:changed').length, 1);
    w.hub.emit('requests:changed', { id: r.id });
    await tick();
    await tick();
    assert.equal(w.events.filter((e) => e === 'alerts:changed').length, 1, 'same alerts: no second event');
  });
});
