// Settings of renewal, notifications and e-mail on a real store with an in-memory keychain: defaults, partial
// changes, checks that name the field and store nothing, the SMTP password only in the keychain, a v5 database
// gaining the issue-9 collections by migration.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { EventHub } from '../../electron/core/events.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { DnsService } from '../../electron/dns/accounts.ts';
import { SettingsService } from '../../electron/renewal/settings-service.ts';
import { DEFAULT_NOTIFICATIONS, DEFAULT_RENEWAL } from '../../electron/renewal/settings.ts';
import { backoffMs } from '../../electron/renewal/types.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import { migrate } from '../../electron/store/migrations.ts';
import { openStore } from '../../electron/store/store.ts';
import { EMAIL_PASSWORD_SECRET } from '../../electron/store/schema.ts';

async function service() {
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'certdesk-settings-')), 'data');
  const secrets = new MemorySecretStore();
  const logger = createMemoryLogger();
  const store = await openStore({ dataDir, secrets, face: 'cli', logger });
  const hub = new EventHub();
  const dns = new DnsService({ store, secrets, hub, logger });
  return { dataDir, secrets, store, logger, settings: new SettingsService({ store, secrets, dns, hub, logger }) };
}

async function rejectsOn(p: Promise<unknown>, field: string): Promise<AppError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.code, 'INVALID_INPUT', err.message);
  assert.equal(err.field, field, err.message);
  return err;
}

describe('settings: renewal, notifications, e-mail', () => {
  test('defaults on a new data directory', async () => {
    const { settings } = await service();
    const s = await settings.get();
    assert.deepEqual(s.renewal, DEFAULT_RENEWAL);
    assert.deepEqual(s.notifications, DEFAULT_NOTIFICATIONS);
    assert.equal(s.email.enabled, false);
    assert.equal(s.email.hasPassword, false);
    assert.deepEqual(s.dnsServers, []);
  });

  test('a change keeps the fields not sent; thresholds are de-duplicated and sorted', async () => {
    const { settings, store } = await service();
    await settings.set({ renewal: { policy: 'days', days: 15 } });
    const s = await settings.set({ notifications: { thresholds: [7, 30, 7, 1] } });
    assert.deepEqual(s.renewal, { policy: 'days', days: 15, concurrency: DEFAULT_RENEWAL.concurrency });
    assert.deepEqual(s.notifications.thresholds, [30, 7, 1]);
    assert.deepEqual((store.data.settings.renewal as { policy: string }).policy, 'days');
  });

  test('bad values name their field and store nothing', async () => {
    const { settings } = await service();
    await rejectsOn(settings.set({ renewal: { days: 0 } }), 'renewal.days');
    await rejectsOn(settings.set({ renewal: { concurrency: 99 } }), 'renewal.concurrency');
    await rejectsOn(settings.set({ notifications: { thresholds: [400] } }), 'notifications.thresholds');
    await rejectsOn(settings.set({ email: { enabled: true, host: 'smtp.example.test', from: 'certdesk@example.test', to: [] } }), 'email.to');
    await rejectsOn(settings.set({ email: { to: ['not an address'] } }), 'email.to.0');
    await rejectsOn(settings.set({ email: { port: 70000 } }), 'email.port');
    // One bad part stops the whole change.
    await rejectsOn(settings.set({ renewal: { policy: 'lifetime' }, email: { from: 'nope' } }), 'email.from');
    assert.deepEqual((await settings.get()).renewal, DEFAULT_RENEWAL);
  });

  test('the SMTP password goes to the keychain only, and an empty one removes it', async () => {
    const { settings, secrets, dataDir, store } = await service();
    const password = 'smtp-Pa55word-that-must-stay-secret';
    const s = await settings.set({ email: { host: 'smtp.example.test', port: 2525, user: 'mailer' }, emailPassword: password });
    assert.equal(s.email.hasPassword, true);
    assert.equal(await secrets.get(EMAIL_PASSWORD_SECRET), password);
    assert.ok(!JSON.stringify(s).includes(password), 'never in an answer');
    await store.close();
    for (const f of await readdir(dataDir, { recursive: true })) {
      const file = path.join(dataDir, f);
      const text = await readFile(file).then((b) => b.toString('latin1'), () => '');
      assert.ok(!text.includes(password), `the password is in ${f}`);
    }
    assert.equal((await settings.set({ emailPassword: '' })).email.hasPassword, false);
    assert.equal(await secrets.get(EMAIL_PASSWORD_SECRET), null);
  });

  test('a CLI password file is read without its newline; a window may not name files (checked by the handler)', async () => {
    const { settings, secrets, dataDir } = await service();
    const file = path.join(path.dirname(dataDir), 'pw.txt');
    await writeFile(file, 'from-a-file\n', { mode: 0o600 });
    await settings.set({ emailPasswordFile: file });
    assert.equal(await secrets.get(EMAIL_PASSWORD_SECRET), 'from-a-file');
  });

  test('a v5 database gains renewals, notices and dismissals', () => {
    const r = migrate({ schemaVersion: 5, storeId: 's', accounts: [], requests: [], certificates: [], dnsAccounts: [], dnsMappings: [], servers: [], serverMappings: [], deployments: [], settings: {} } as never);
    const d = r.data as unknown as Record<string, unknown>;
    assert.deepEqual([d.renewals, d.notices, d.dismissals], [[], [], []]);
  });

  test('back-off after failures: 1 min, 10 min, 100 min, then daily', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 9].map(backoffMs), [0, 60_000, 600_000, 6_000_000, 86_400_000, 86_400_000]);
  });
});
