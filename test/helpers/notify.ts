// A real store (in-memory keychain) with the services the alerts and the notifier read, a fake clock, and
// builders for the records they derive from (saved certificates, requests, renewal plans, deployments).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AccountService } from '../../electron/acme/accounts.ts';
import { AlertService } from '../../electron/alerts/alerts.ts';
import { Notifier } from '../../electron/alerts/notifier.ts';
import type { TrayState } from '../../electron/app/platform-services.ts';
import { EventHub } from '../../electron/core/events.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import { DnsService } from '../../electron/dns/accounts.ts';
import { RequestService } from '../../electron/orders/requests.ts';
import { SettingsService } from '../../electron/renewal/settings-service.ts';
import type { Clock } from '../../electron/renewal/types.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import type { CertificateRecord, DeploymentRecord, RenewalRecord, RequestRecord } from '../../electron/store/schema.ts';
import { openStore } from '../../electron/store/store.ts';

export const DAY = 86_400_000;

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export async function notifyWorld(opts: { start?: string; notify?: (n: { title: string; body: string }) => void } = {}) {
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'certdesk-notify-')), 'data');
  const clock = new FakeClock(Date.parse(opts.start ?? '2027-01-01T00:00:00Z'));
  const secrets = new MemorySecretStore();
  const logger = createMemoryLogger();
  const store = await openStore({ dataDir, secrets, face: 'cli', logger });
  const hub = new EventHub();
  const events: string[] = [];
  hub.on((e) => events.push(e));
  const dns = new DnsService({ store, secrets, hub, logger });
  const accounts = new AccountService({ store, hub, logger });
  const requests = new RequestService({ store, accounts, secrets, hub, logger, dns, clock: () => clock.now() });
  const settings = new SettingsService({ store, secrets, dns, hub, logger });
  const alerts = new AlertService({ store, requests, hub, logger, clock });
  const notes: { title: string; body: string }[] = [];
  const trays: TrayState[] = [];
  const platform = {
    notify: opts.notify ?? ((n: { title: string; body: string }) => void notes.push(n)),
    setTray: (s: TrayState) => void trays.push(s),
  };
  const notifier = new Notifier({ store, platform, alerts, logger, clock });

  /** A saved certificate expiring `days` after now (fractional days fine). */
  async function addCert(name: string, days: number, extra: Partial<CertificateRecord> = {}): Promise<CertificateRecord> {
    const id = randomUUID();
    const now = clock.now();
    const notAfter = new Date(now.getTime() + days * DAY).toISOString();
    const rec: CertificateRecord = {
      id,
      requestId: null,
      names: [name],
      namesUnicode: [name],
      summary: {
        serial: randomBytes(8).toString('hex').toUpperCase(),
        issuer: 'CN=Test CA',
        notBefore: new Date(now.getTime() - DAY).toISOString(),
        notAfter,
        sha256: randomBytes(32).toString('hex'),
        sha1: randomBytes(20).toString('hex'),
        names: [name],
        keyType: 'EC P-256',
      },
      certFile: `certificates/${id}/fullchain.pem`,
      keyFile: `certificates/${id}/key.sealed`,
      savedAt: now.toISOString(),
      revoked: false,
      history: [],
      ...extra,
    };
    await store.update((d) => void d.certificates.push(rec));
    return rec;
  }

  /** A request in `status`; pending ones carry one http-01 authorization nobody answers automatically. */
  async function addRequest(name: string, status: RequestRecord['status'], extra: Partial<RequestRecord> = {}): Promise<RequestRecord> {
    const id = randomUUID();
    const at = clock.now().toISOString();
    const rec: RequestRecord = {
      id,
      accountId: 'no-account',
      names: [name],
      namesUnicode: [name],
      challengeType: 'http-01',
      dnsAccountId: null,
      presented: [],
      placed: [],
      key: 'ec-p256',
      signatureAlgorithm: 'SHA256withECDSA',
      keystoreType: 'pkcs12',
      keystorePasswordRef: null,
      keyPolicy: 'new',
      profile: null,
      preferredChain: null,
      status,
      phase: status === 'failed' ? 'failed' : 'challenges',
      keyFile: `requests/${id}/key.sealed`,
      issuedKeyFile: null,
      importKeyFile: null,
      csrFile: null,
      order:
        status === 'pending'
          ? {
              url: `https://ca.test/order/${id}`,
              status: 'pending',
              expires: null,
              finalizeUrl: `https://ca.test/finalize/${id}`,
              certificateUrl: null,
              authorizations: [{ url: `https://ca.test/authz/${id}`, identifier: name, wildcard: false, status: 'pending', challenge: { type: 'http-01', url: `https://ca.test/chall/${id}`, token: 'tok', status: 'pending', error: null } }],
            }
          : null,
      certFile: null,
      certificate: null,
      error: status === 'failed' ? { code: 'ACME_ERROR', message: `The CA refused ${name}.` } : null,
      savedCertificateId: null,
      savedSha256: null,
      renewal: false,
      ordersCreated: 1,
      createdAt: at,
      updatedAt: at,
      ...extra,
    };
    await store.update((d) => void d.requests.push(rec));
    return rec;
  }

  async function setRenewal(cert: CertificateRecord, r: Partial<RenewalRecord>): Promise<void> {
    const rec: RenewalRecord = {
      certificateId: cert.id,
      policy: null,
      days: null,
      serial: cert.summary.serial,
      dueAt: null,
      reason: 'lifetime',
      state: 'scheduled',
      automated: true,
      automation: 'DNS account Test',
      ari: null,
      failures: 0,
      nextAttemptAt: null,
      lastAttempt: null,
      updatedAt: clock.now().toISOString(),
      ...r,
    };
    await store.update((d) => {
      d.renewals = [...d.renewals.filter((x) => x.certificateId !== cert.id), rec];
    });
  }

  async function addDeployment(cert: CertificateRecord, status: DeploymentRecord['status'], serverId = 'srv-1'): Promise<DeploymentRecord> {
    const at = clock.now().toISOString();
    const rec: DeploymentRecord = {
      id: randomUUID(),
      requestId: null,
      certificateId: cert.id,
      serverId,
      serverName: 'web1',
      domain: cert.names[0]!,
      serial: cert.summary.serial,
      status,
      reason: status === 'failed' ? 'nginx -t failed' : null,
      rolledBack: status === 'failed',
      files: [],
      reload: null,
      servedSerial: null,
      trigger: 'manual',
      startedAt: at,
      finishedAt: at,
    };
    await store.update((d) => void d.deployments.push(rec));
    return rec;
  }

  return { dataDir, clock, store, hub, events, logger, settings, requests, alerts, notifier, notes, trays, addCert, addRequest, setRenewal, addDeployment };
}
