// A RenewalService on a real store (temporary data directory, in-memory keychain) with saved certificates and
// their requests written as the order flow writes them, a fake clock, and a renewer that stands in for the CA:
// renew + verify produce a new version (new serial, new validity from the fake clock's now), save replaces the
// saved version keeping the old one in history. The real order flow is exercised in
// test/integration/renewal.test.ts; these fixtures are for the timing logic (due times, back-off, sleeps, DST).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Certificate, Request } from '../../shared/model/request.ts';
import { EventHub } from '../../electron/core/events.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';
import type { Operation } from '../../electron/core/operations.ts';
import { RenewalService } from '../../electron/renewal/service.ts';
import type { AriSource, Clock, RenewOptions } from '../../electron/renewal/types.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import type { CertificateRecord, RequestRecord } from '../../electron/store/schema.ts';
import { openStore, type Store } from '../../electron/store/store.ts';

export const DAY = 86_400_000;

export class FakeClock implements Clock {
  constructor(private t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  set(d: Date | string): void {
    this.t = new Date(d).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const op: Operation = { id: 'test', signal: new AbortController().signal, step: () => undefined, check: () => undefined };

export interface Renewer {
  renews: { requestId: string; opts: RenewOptions | undefined; at: string }[];
  /** Make the next verify fail with this message (null: succeed). */
  failWith: string | null;
  /** While set, renew() waits for it (a slow CA). */
  gate: Promise<void> | null;
  /** Validity of the certificates the fake CA issues. */
  lifetimeMs: number;
}

let serialSeq = 0x1000;

export interface Fixture {
  store: Store;
  service: RenewalService;
  clock: FakeClock;
  renewer: Renewer;
  hub: EventHub;
  /** Adds a saved certificate valid from `notBefore` for `lifetimeMs`; `automated`: its request has a DNS account. */
  addCertificate(opts: { name: string; notBefore: Date; lifetimeMs: number; automated?: boolean }): Promise<{ certificateId: string; requestId: string }>;
  cert(id: string): CertificateRecord;
}

export async function renewalFixture(opts: { now: Date; ari?: AriSource; random?: () => number }): Promise<Fixture> {
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'certdesk-renewal-')), 'data');
  const logger = createMemoryLogger();
  const store = await openStore({ dataDir, secrets: new MemorySecretStore(), face: 'cli', logger });
  const hub = new EventHub();
  const clock = new FakeClock(opts.now.getTime());
  const renewer: Renewer = { renews: [], failWith: null, gate: null, lifetimeMs: 90 * DAY };
  const stamp = opts.now.toISOString();
  await store.update((d) => {
    d.dnsAccounts.push({ id: 'dns-1', name: 'Office BIND', provider: 'rfc2136', enabled: true, fields: {}, secretFields: [], createdAt: stamp, updatedAt: stamp });
  });
  const summaryFor = (name: string, notBefore: Date, lifetimeMs: number) => {
    const serial = (serialSeq++).toString(16).toUpperCase().padStart(8, '0');
    return {
      serial,
      issuer: 'Pebble Intermediate CA',
      notBefore: notBefore.toISOString(),
      notAfter: new Date(notBefore.getTime() + lifetimeMs).toISOString(),
      sha256: serial.repeat(8),
      sha1: serial.repeat(5),
      names: [name],
      keyType: 'EC P-256',
    };
  };
  const record = (id: string): RequestRecord => {
    const r = store.data.requests.find((x) => x.id === id);
    if (!r) throw new Error(`no request ${id}`);
    return r;
  };
  const patchRequest = (id: string, changes: Partial<RequestRecord>) =>
    store.update((d) => {
      Object.assign(d.requests.find((x) => x.id === id)!, changes);
    });
  const requests = {
    record,
    async renew(id: string, _op: Operation, o?: RenewOptions): Promise<Request> {
      renewer.renews.push({ requestId: id, opts: o, at: clock.now().toISOString() });
      if (renewer.gate) await renewer.gate;
      await patchRequest(id, { status: 'pending', phase: 'challenges', renewal: true });
      return { status: 'pending' } as unknown as Request;
    },
    async newChallenge(id: string): Promise<Request> {
      renewer.renews.push({ requestId: id, opts: undefined, at: clock.now().toISOString() });
      await patchRequest(id, { status: 'pending', phase: 'challenges', error: null });
      return { status: 'pending' } as unknown as Request;
    },
    async verify(id: string): Promise<Request> {
      if (renewer.failWith) {
        const error = { code: 'ACME_ERROR', message: renewer.failWith };
        await patchRequest(id, { status: 'failed', phase: 'failed', error });
        return { status: 'failed', error } as unknown as Request;
      }
      const certificate = summaryFor(record(id).names[0]!, clock.now(), renewer.lifetimeMs);
      await patchRequest(id, { status: 'renewed', phase: 'done', certificate, certFile: `requests/${id}/cert-2.pem`, issuedKeyFile: `requests/${id}/key-1.key`, error: null });
      return { status: 'renewed', error: null, certificate } as unknown as Request;
    },
  };
  const repository = {
    async save(id: string): Promise<Certificate> {
      const req = record(id);
      await store.update((d) => {
        const c = d.certificates.find((x) => x.id === req.savedCertificateId)!;
        c.history.push({ serial: c.summary.serial, notBefore: c.summary.notBefore, notAfter: c.summary.notAfter, sha256: c.summary.sha256, savedAt: c.savedAt, certFile: c.certFile });
        c.summary = req.certificate!;
        c.savedAt = clock.now().toISOString();
        d.requests.find((x) => x.id === id)!.savedSha256 = req.certificate!.sha256;
      });
      return { serial: req.certificate!.serial, notAfter: req.certificate!.notAfter } as Certificate;
    },
  };
  const service = new RenewalService({
    store,
    requests: requests as never,
    repository,
    hub,
    logger,
    clock,
    ...(opts.ari ? { ari: opts.ari } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  let n = 0;
  return {
    store,
    service,
    clock,
    renewer,
    hub,
    cert: (id) => store.data.certificates.find((c) => c.id === id)!,
    async addCertificate(c) {
      n++;
      const requestId = `req-${n}`;
      const certificateId = `cert-${n}`;
      const summary = summaryFor(c.name, c.notBefore, c.lifetimeMs);
      const at = clock.now().toISOString();
      await store.update((d) => {
        d.requests.push({
          id: requestId,
          accountId: 'acct-1',
          names: [c.name],
          namesUnicode: [c.name],
          challengeType: c.automated === false ? 'http-01' : 'dns-01',
          dnsAccountId: c.automated === false ? null : 'dns-1',
          presented: [],
          placed: [],
          key: 'ec-p256',
          signatureAlgorithm: 'SHA256withECDSA',
          keystoreType: 'pem',
          keystorePasswordRef: null,
          keyPolicy: 'new',
          profile: null,
          preferredChain: null,
          status: 'available',
          phase: 'done',
          keyFile: `requests/${requestId}/key-1.key`,
          issuedKeyFile: `requests/${requestId}/key-1.key`,
          importKeyFile: null,
          csrFile: null,
          order: null,
          certFile: `requests/${requestId}/cert-1.pem`,
          certificate: summary,
          error: null,
          savedCertificateId: certificateId,
          savedSha256: summary.sha256,
          renewal: false,
          ordersCreated: 1,
          createdAt: at,
          updatedAt: at,
        });
        d.certificates.push({
          id: certificateId,
          requestId,
          names: [c.name],
          namesUnicode: [c.name],
          summary,
          certFile: `certificates/${certificateId}/v1.pem`,
          keyFile: `certificates/${certificateId}/v1.key`,
          savedAt: at,
          revoked: false,
          history: [],
        });
      });
      return { certificateId, requestId };
    },
  };
}
