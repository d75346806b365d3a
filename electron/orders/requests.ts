// Certificate requests (seed Steps 2–7): our own order flow over acme-client's protocol calls. acme-client's
// auto() cannot persist or resume, so every transition is written to the store before the next request goes
// out (order URL, authorization and challenge states, key, CSR, certificate). A killed process resumes where
// it stopped, with the same key, and never orders twice for nothing.
import { createPublicKey, randomUUID } from 'node:crypto';
import { readUserText } from '../core/files.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type acme from 'acme-client';
import { AppError, type ErrorInfo } from '../../shared/ipc/errors.ts';
import { lookalikeWarnings, parseDomains } from '../../shared/model/domains.ts';
import {
  REVOCATION_CODES,
  signaturesFor,
  type Challenge,
  type ChallengeType,
  type KeyPolicy,
  type KeySpec,
  type KeystoreType,
  type Request,
  type RevocationReason,
  type SignatureAlgorithm,
} from '../../shared/model/request.ts';
import type { AccountService } from '../acme/accounts.ts';
import { isAbort, mapAcmeError } from '../acme/errors.ts';
import { retryAcme } from '../acme/retry.ts';
import { withTransport } from '../acme/transport.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { AccountRecord, AuthorizationRecord, DeploymentRecord, OrderRecord, RequestRecord } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { validatePassword } from '../keystore/index.ts';
import { daysLeft, publicKeyDer, splitPem, summarize } from './certinfo.ts';
import { createCsr, pemBodyBase64Url } from './csr.ts';
import { alternateLinks, checkPreferredChain, pickChain } from './chains.ts';
import { checkpoint } from './checkpoints.ts';
import { generateCertificateKey, readImportedKey } from './keys.ts';
import { disabledError, type DnsService } from '../dns/accounts.ts';
import type { DeployHook, TargetDirectory } from '../deploy/types.ts';
import { ChallengeAutomation, dnsValue, type Answerer } from './automation.ts';
import type { RenewOptions } from '../renewal/types.ts';
import type { PreflightResult } from '../../shared/model/preflight.ts';
import { PreflightChecker } from './preflight.ts';

export type RequestStore = Pick<Store, 'data' | 'update' | 'writeSecret' | 'readSecret' | 'writeFile' | 'readFile' | 'removeFile' | 'removeDir' | 'exists'>;

export interface RequestServiceDeps {
  store: RequestStore;
  accounts: AccountService;
  secrets: SecretStore;
  hub: EventHub;
  logger: Logger;
  /** DNS accounts and mappings (automatic dns-01); absent: every challenge is manual. */
  dns?: DnsService;
  /** End servers with webroots (automatic http-01); also settable later with useDeployment(). */
  targets?: TargetDirectory;
  /** Deploys after issuance; also settable later with useDeployment(). */
  deployHook?: DeployHook;
  clock?: () => Date;
  /** Polling: first delay and cap, in ms (Retry-After from the CA wins when it is longer). */
  poll?: { minMs: number; maxMs: number; timeoutMs: number };
}

export interface CreateInput {
  accountId?: string | undefined;
  domains: string[];
  challengeType: ChallengeType;
  key: KeySpec;
  signatureAlgorithm?: SignatureAlgorithm | undefined;
  keystoreType: KeystoreType;
  keystorePassword?: string | undefined;
  keyPolicy: KeyPolicy;
  importKeyPem?: string | undefined;
  importKeyFile?: string | undefined;
  profile?: string | undefined;
  preferredChain?: string | undefined;
  /** Confirms names with a mixed-script or look-alike label (see lookalikeWarnings). */
  allowMixedScripts?: boolean | undefined;
  dnsAccountId?: string | undefined;
}

/** How many challenges are submitted (or authorizations read) at once. */
const SUBMIT_CONCURRENCY = 8;
/**
 * How long a polling loop waits: its own backoff (short at first: a CA often decides within milliseconds), or the
 * CA's Retry-After when that is longer (RFC 8555 §7.4, §7.5.1), never more than a minute at a time.
 */
export function pollWait(backoffMs: number, retryAfterSeconds: number | null): number {
  return Math.min(Math.max(backoffMs, (retryAfterSeconds ?? 0) * 1000), 60_000);
}

/** Up to this many open authorizations are polled one by one (live progress per name). */
const PER_AUTHZ_POLL_LIMIT = 10;

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Sends the finalize request (RFC 8555 §7.4). acme-client's finalizeOrder() turns the PEM into base64url with
 * @peculiar/x509's PEM decoder, which would load that library (and its ASN.1 stack) for one base64 conversion; its
 * API object sends the very same signed request. Older or newer acme-client without that object: its own method.
 */
async function finalizeOrder(client: acme.Client, order: AcmeOrder, csrPem: string): Promise<AcmeOrder> {
  const api = (client as unknown as { api?: { finalizeOrder?(url: string, data: { csr: string }): Promise<{ data: AcmeOrder }> } }).api;
  if (!order.finalize) throw new AppError('ACME_ERROR', 'The CA gave no finalize URL for the order.');
  if (typeof api?.finalizeOrder !== 'function') return (await client.finalizeOrder(order as never, csrPem)) as AcmeOrder;
  const resp = await api.finalizeOrder(order.finalize, { csr: pemBodyBase64Url(csrPem) });
  return resp.data;
}

/** Profiles whose policy caps the number of names (Let's Encrypt, 2025). */
const PROFILE_MAX_NAMES: Record<string, number> = { tlsserver: 25, shortlived: 25 };

type AcmeChallenge = { type: string; url: string; token: string; status: string; error?: { type?: string; detail?: string } };
type AcmeAuthz = { url: string; identifier: { type: string; value: string }; status: string; wildcard?: boolean; challenges: AcmeChallenge[] };
type AcmeOrder = acme.Order & { url: string };

export class RequestService {
  private readonly store: RequestStore;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly poll: { minMs: number; maxMs: number; timeoutMs: number };
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Live per-name progress of automatic solvers ("<request id> <name>" -> message); not persisted. */
  private readonly progress = new Map<string, string>();

  private targets: TargetDirectory | null;
  private deployHook: DeployHook | null;
  private readonly automation: ChallengeAutomation;

  constructor(private readonly deps: RequestServiceDeps) {
    this.targets = deps.targets ?? null;
    this.deployHook = deps.deployHook ?? null;
    this.store = deps.store;
    this.log = deps.logger.child('requests');
    this.now = deps.clock ?? (() => new Date());
    // Short first polls (a CA often decides in milliseconds), growing by half each time, capped.
    this.poll = deps.poll ?? { minMs: 25, maxMs: 2000, timeoutMs: 300_000 };
    this.automation = new ChallengeAutomation({
      store: deps.store,
      logger: deps.logger,
      dns: deps.dns,
      targets: () => this.targets,
      progress: this.progress,
      changed: (id) => this.changed(id),
    });
  }

  /** Connects the end servers (automatic http-01) and the Deployer (deploy after issuance): built after this service. */
  useDeployment(targets: TargetDirectory | null, deployHook: DeployHook | null): void {
    this.targets = targets;
    this.deployHook = deployHook;
  }

  list(): Request[] {
    return this.store.data.requests.map((r) => this.view(r));
  }

  get(id: string): Request {
    return this.view(this.record(id));
  }

  // ---------------------------------------------------------------- create

  async create(input: CreateInput, op: Operation): Promise<Request> {
    op.step('validate', 'Checking the request');
    const account = this.deps.accounts.usableAccount(input.accountId);
    const dnsAccountId = input.dnsAccountId ? this.usableDnsAccount(input.dnsAccountId, input.challengeType) : null;
    if (input.profile) await this.checkProfile(account, input.profile, op);
    const checked = await this.validate(input);
    const id = randomUUID();
    if (input.keystorePassword) {
      this.log.redact(input.keystorePassword);
      await this.deps.secrets.set(passwordRef(id), input.keystorePassword);
    }

    op.step('key', `Generating the ${checked.key} key`);
    // The key is made while the order is placed (it is first needed for the CSR); it is sealed before the
    // request leaves the "ordering" phase, and finish() makes a new one if a crash came in between.
    const keyFile = `requests/${id}/key-1.key`;
    const keyReady = (checked.importedKeyPem ? Promise.resolve(checked.importedKeyPem) : generateCertificateKey(checked.key)).then(
      async (pem) => {
        this.log.redact(pem);
        await this.store.writeSecret(keyFile, Buffer.from(pem));
      },
    );
    keyReady.catch(() => undefined);
    let importKeyFile: string | null = null;
    if (checked.importedKeyPem) {
      importKeyFile = `requests/${id}/imported.key`;
      await this.store.writeSecret(importKeyFile, Buffer.from(checked.importedKeyPem));
    }
    const stamp = this.now().toISOString();
    const rec: RequestRecord = {
      id,
      accountId: account.id,
      names: checked.names.map((n) => n.ascii),
      namesUnicode: checked.names.map((n) => n.unicode),
      challengeType: input.challengeType,
      dnsAccountId,
      presented: [],
      placed: [],
      key: checked.key,
      signatureAlgorithm: checked.signature,
      keystoreType: input.keystoreType,
      keystorePasswordRef: input.keystorePassword ? passwordRef(id) : null,
      keyPolicy: input.keyPolicy,
      profile: input.profile ?? null,
      preferredChain: checked.preferredChain,
      chainWarning: null,
      status: 'pending',
      phase: 'ordering',
      keyFile,
      issuedKeyFile: null,
      importKeyFile,
      csrFile: null,
      order: null,
      certFile: null,
      certificate: null,
      error: null,
      savedCertificateId: null,
      savedSha256: null,
      renewal: false,
      replaces: null,
      ordersCreated: 0,
      createdAt: stamp,
      updatedAt: stamp,
    };
    // Persisted before the CA is asked, so that whatever happens next, the key and the intent survive.
    await this.store.update((d) => {
      d.requests.push(rec);
    });
    this.changed(id);
    // Under the request's lock: a Verify or Delete clicked meanwhile waits for the order to exist.
    return this.exclusive(id, async () => {
      try {
        await Promise.all([keyReady, this.placeOrder(id, account, op, keyReady)]);
      } catch (err) {
        await keyReady.catch(() => undefined);
        await this.fail(id, err);
        throw err;
      }
      return this.get(id);
    });
  }

  /** A profile must be one the CA's directory lists (meta.profiles). */
  private async checkProfile(account: AccountRecord, profile: string, op: Operation): Promise<void> {
    const offered = (await this.deps.accounts.directoryOf(account, op.signal)).meta?.profiles ?? {};
    const names = Object.keys(offered);
    if (names.length === 0) {
      throw AppError.invalid('profile', `Profile "${profile}": this CA offers no profiles.`, 'Leave the profile empty to get the CA\'s default certificate.');
    }
    if (!names.includes(profile)) {
      throw AppError.invalid('profile', `Profile "${profile}" is not offered by this CA.`, `Choose one of: ${names.join(', ')}.`);
    }
  }

  private async validate(input: CreateInput): Promise<{
    names: ReturnType<typeof parseDomains>['names'];
    key: KeySpec;
    signature: SignatureAlgorithm;
    importedKeyPem: string | null;
    preferredChain: string | null;
  }> {
    const maxNames = input.profile ? PROFILE_MAX_NAMES[input.profile] : undefined;
    const { names, issues } = parseDomains(input.domains, {
      challengeType: input.challengeType,
      ...(maxNames !== undefined ? { maxNames } : {}),
    });
    if (issues.length > 0) {
      const first = issues[0]!;
      throw new AppError('INVALID_INPUT', issues.length === 1 ? first.message : `${issues.length} domain names need attention. ${first.message}`, {
        field: `domains.${first.index}`,
        issues: issues.map((i) => ({ field: `domains.${i.index}`, message: i.message })),
      });
    }
    // A name that can pass for another one (a Cyrillic "а" in "exаmple") is ordered only once confirmed.
    const lookalikes = lookalikeWarnings(names);
    if (lookalikes.length > 0 && input.allowMixedScripts !== true) {
      const first = lookalikes[0]!;
      throw new AppError(
        'CONFIRMATION_REQUIRED',
        lookalikes.length === 1 ? first.message : `${lookalikes.length} names can look like other names. ${lookalikes.map((w) => w.message).join(' ')}`,
        { field: 'allowMixedScripts', hint: 'Check that these are the names you mean; if they are, confirm them (CLI: --allow-mixed-scripts).' },
      );
    }
    const preferredChain = input.preferredChain !== undefined ? checkPreferredChain(input.preferredChain) : null;
    let key = input.key;
    let importedKeyPem: string | null = null;
    if (input.keyPolicy === 'import') {
      let pem = input.importKeyPem;
      const field = input.importKeyFile ? 'importKeyFile' : 'importKeyPem';
      if (!pem && input.importKeyFile) {
        pem = await readUserText(input.importKeyFile, { field: 'importKeyFile', label: 'Key file', hint: 'Choose the PEM file of the private key to import.' });
      }
      if (!pem) throw AppError.invalid('importKeyPem', 'Key policy "Import key" needs the key: choose its PEM file.');
      const imported = readImportedKey(pem, field);
      if (imported.spec !== input.key) {
        throw AppError.invalid('key', `The imported key is ${imported.spec}, but the request says ${input.key}.`, `Choose ${imported.spec} as the key algorithm and length.`);
      }
      importedKeyPem = imported.pem;
      key = imported.spec;
    } else if (input.importKeyPem || input.importKeyFile) {
      throw AppError.invalid('keyPolicy', 'A key to import was given, but the key policy is not "import".', 'Choose the Import key policy, or remove the key.');
    }
    const allowed = signaturesFor(key);
    const signature = input.signatureAlgorithm ?? allowed[0]!;
    if (!allowed.includes(signature)) {
      throw AppError.invalid('signatureAlgorithm', `Signature algorithm ${signature} does not fit a ${key} key.`, `Choose one of: ${allowed.join(', ')}.`);
    }
    if (input.keystorePassword !== undefined) validatePassword(input.keystorePassword, 'keystorePassword');
    return { names, key, signature, importedKeyPem, preferredChain };
  }

  /**
   * Creates the ACME order and reads its challenges. Counts the order before sending it. A renewal that names the
   * certificate it replaces (ARI) sends `replaces`; when the CA refuses the order for that, it is sent once more
   * without it (and the request notes why), so an ARI quirk never blocks a renewal.
   */
  private async placeOrder(id: string, account: AccountRecord, op: Operation, keyReady?: Promise<void>): Promise<void> {
    const rec = this.record(id);
    const client = await this.deps.accounts.clientFor(account);
    op.step('order', `Creating the order for ${rec.names.length} name${rec.names.length === 1 ? '' : 's'}`);
    await this.patch(id, { phase: 'ordering', ordersCreated: rec.ordersCreated + 1, error: null });
    const replaces = rec.replaces && rec.replaces.refused === null ? rec.replaces.certId : null;
    const create = (withReplaces: string | null) =>
      this.call('Creating the order', account, op, () =>
        client.createOrder({
          identifiers: rec.names.map((n) => ({ type: 'dns', value: n })),
          ...(rec.profile ? { profile: rec.profile } : {}),
          ...(withReplaces ? { replaces: withReplaces } : {}),
        } as never),
        { idempotent: false },
      ) as Promise<AcmeOrder>;
    let order: AcmeOrder;
    try {
      order = await create(replaces);
    } catch (err) {
      const refusal = replaces ? replacesRefusal(err) : null;
      if (!replaces || refusal === null) throw err;
      // Refused before any order existed: the next attempt is still this request's one order.
      op.step('order', 'The CA refused the order as a replacement (ARI); ordering again without "replaces"');
      this.log.warn('replaces refused: ordering without it', { id, replaces, reason: refusal });
      await this.patch(id, { replaces: { certId: replaces, refused: refusal } });
      order = await create(null);
    }
    await this.patch(id, {
      order: {
        url: order.url,
        status: order.status,
        expires: order.expires ?? null,
        finalizeUrl: order.finalize,
        certificateUrl: order.certificate ?? null,
        authorizations: [],
      },
    });
    await checkpoint('order-created');
    await this.readChallenges(id, client, account, op, order, keyReady);
    this.log.info('order created', { id, order: order.url, names: rec.names.length });
  }

  /** Reads the order's authorizations and the challenge of our type, then marks the request Pending. */
  private async readChallenges(id: string, client: acme.Client, account: AccountRecord, op: Operation, order: AcmeOrder, keyReady?: Promise<void>): Promise<void> {
    const rec = this.record(id);
    op.step('challenges', 'Reading the challenges');
    const authzs = (await this.call('Reading the authorizations', account, op, () => client.getAuthorizations(order))) as unknown as AcmeAuthz[];
    const records: AuthorizationRecord[] = [];
    for (const a of authzs) {
      const ch = a.challenges.find((c) => c.type === rec.challengeType) ?? null;
      if (!ch && a.status !== 'valid') {
        throw new AppError('ACME_ERROR', `The CA offers no ${rec.challengeType} challenge for ${a.identifier.value}.`, {
          hint: a.wildcard ? 'Wildcard names need dns-01.' : 'Choose another challenge type.',
        });
      }
      records.push({
        url: a.url,
        identifier: a.identifier.value,
        wildcard: a.wildcard === true,
        status: a.status,
        challenge: ch ? { type: rec.challengeType, url: ch.url, token: ch.token, status: ch.status, error: null } : null,
        // The other challenge a server mapping may answer instead (http-01 for a dns-01 request).
        alternates: a.challenges
          .filter((c): c is AcmeChallenge & { type: ChallengeType } => c !== ch && (c.type === 'http-01' || c.type === 'dns-01'))
          .map((c) => ({ type: c.type, url: c.url, token: c.token, status: c.status })),
      });
    }
    await keyReady;
    await this.patch(id, {
      phase: 'challenges',
      status: 'pending',
      order: { ...this.record(id).order!, authorizations: records },
    });
  }

  private async recoverChallenges(id: string, account: AccountRecord, op: Operation): Promise<void> {
    const client = await this.deps.accounts.clientFor(account);
    const order = await this.getOrder(client, this.record(id).order!, account, op);
    await this.readChallenges(id, client, account, op, order);
  }

  /** The id of a DNS account a dns-01 request may use (by id or name); refuses a disabled one. */
  private usableDnsAccount(idOrName: string, challengeType: ChallengeType): string {
    if (challengeType !== 'dns-01') {
      throw AppError.invalid('dnsAccountId', 'A DNS account answers dns-01 challenges only: choose the dns-01 challenge, or leave the DNS account out.');
    }
    if (!this.deps.dns) throw new AppError('INTERNAL', 'DNS accounts are not available in this build.');
    const rec = this.deps.dns.record(idOrName);
    if (!rec.enabled) throw disabledError(rec);
    return rec.id;
  }

  /** Sets (or removes, with null) the DNS account of a dns-01 request that is not finished. */
  async assignDns(idOrPrefix: string, accountId: string | null): Promise<Request> {
    return this.exclusive(idOrPrefix, async (id) => {
      const rec = this.record(id);
      if (rec.status === 'processing') throw new AppError('CONFLICT', 'The CA is validating this request right now; wait for the result.');
      if (rec.status !== 'pending' && rec.status !== 'failed') {
        throw new AppError('CONFLICT', `This request is ${rec.status}: a DNS account can be set on Pending or Failed requests.`);
      }
      const dnsAccountId = accountId === null ? null : this.usableDnsAccount(accountId, rec.challengeType);
      await this.patch(id, { dnsAccountId });
      this.deps.hub.emit('dns:changed', {});
      this.log.info('dns account assigned', { id, dnsAccountId });
      return this.get(id);
    });
  }

  // ---------------------------------------------------------------- pre-flight

  /**
   * Looks from this computer whether every manual challenge is in place (http-01 file served, TXT value on
   * every authoritative name server) before the CA is asked. Read-only: the request does not change.
   */
  async preflight(idOrPrefix: string, op: Operation): Promise<PreflightResult> {
    const rec = this.record(idOrPrefix);
    const checker = new PreflightChecker({ dnsServers: () => this.deps.dns?.settings().dnsServers ?? [], logger: this.deps.logger, clock: this.now });
    return checker.check(this.view(rec), op);
  }

  // ---------------------------------------------------------------- verify

  /** Submits the challenges and follows the order to the end (or resumes an interrupted one). */
  async verify(idOrPrefix: string, op: Operation): Promise<Request> {
    return this.exclusive(idOrPrefix, async (id) => {
      const rec = this.record(id);
      if (rec.status === 'available' || rec.status === 'renewed' || rec.status === 'revoked') return this.view(rec);
      if (rec.status === 'failed') {
        throw new AppError('CONFLICT', 'This request failed; its order cannot be verified again.', {
          hint: 'Use New challenge to get a fresh order and try again.',
        });
      }
      const account = this.deps.accounts.usableAccount(rec.accountId);
      if (!rec.order) {
        // Interrupted before the order existed (or its URL was saved): place it now (at most one extra order).
        await this.placeOrder(id, account, op);
        return this.get(id);
      }
      if (rec.phase === 'ordering') {
        // Interrupted after the order was created but before its challenges were read: read them from the
        // same order (no new one). Nobody has seen them yet, so they are shown before anything is submitted.
        await this.recoverChallenges(id, account, op);
        return this.get(id);
      }
      try {
        const client = await this.deps.accounts.clientFor(account);
        if (rec.phase === 'challenges' || rec.phase === 'validating') {
          const ok = await this.validateAuthorizations(id, client, account, op);
          if (!ok) return this.get(id);
        }
        await this.finish(id, client, account, op);
      } catch (err) {
        if (err instanceof AppError && err.code === 'CANCELLED') {
          throw err;
        }
        await this.fail(id, err);
        throw err;
      }
      await this.deployIssued(id, op);
      return this.get(id);
    });
  }

  private async validateAuthorizations(id: string, client: acme.Client, account: AccountRecord, op: Operation): Promise<boolean> {
    try {
      // Present and check while the request is still Pending: a failure here leaves nothing submitted.
      await this.automation.prepare(this.record(id), op);
      return await this.submitAndWait(id, client, account, op);
    } finally {
      // Always: after the verdict, on failure and on cancel. Exactly what was made (the persisted lists).
      await this.automation.cleanUp(id, op);
    }
  }

  /**
   * After issuance: the Deployer installs the new certificate on every server mapped with Deploy on. A failed
   * deployment never fails the request (the certificate is issued); each result is on the request.
   */
  private async deployIssued(id: string, op: Operation): Promise<void> {
    const rec = this.record(id);
    if (!this.deployHook || (rec.status !== 'available' && rec.status !== 'renewed')) return;
    try {
      const result = await this.deployHook.afterIssued(id, rec.status === 'renewed' ? 'renewed' : 'issued', {
        signal: op.signal,
        step: (step, message, item) => op.step(step, message, item),
      });
      if (result.count) op.step('deployed', result.ok ? `Deployed to ${result.count} server${result.count === 1 ? '' : 's'}` : 'Deployment failed on at least one server: see the request');
    } catch (err) {
      if (err instanceof AppError && err.code === 'CANCELLED') throw err;
      this.log.warn('deploy after issuance failed', { id, error: (err as Error).message });
    }
    this.changed(id);
  }

  private async submitAndWait(id: string, client: acme.Client, account: AccountRecord, op: Operation): Promise<boolean> {
    const firstSubmit = this.record(id).phase === 'challenges';
    await this.patch(id, { status: 'processing', phase: 'validating' });
    await checkpoint('validating');
    const rec = this.record(id);
    const authzs = rec.order!.authorizations;
    const label = (a: AuthorizationRecord) => (a.wildcard ? '*.' : '') + a.identifier;

    // 1. Submit every challenge that still waits (a few at a time: a 100-name order must not flood the CA).
    await mapLimit(authzs, SUBMIT_CONCURRENCY, async (a) => {
      const name = label(a);
      if (a.status === 'valid') {
        op.step('valid', `${name}: already valid`, name);
        return;
      }
      if (firstSubmit && a.challenge && a.status === 'pending') {
        const ch = a.challenge;
        op.step('submit', `${name}: asking the CA to validate`, name);
        await this.call('Submitting the challenge', account, op, () =>
          client.completeChallenge({ type: ch.type, url: ch.url, token: ch.token, status: ch.status } as never),
        );
        return;
      }
      // Resuming: read the current state first, the challenge may already be submitted or decided.
      const authz = await this.fetchAuthz(client, a.url, account, op);
      const ch = authz.challenges.find((c) => c.type === rec.challengeType);
      if (authz.status === 'pending' && ch && ch.status === 'pending') {
        op.step('submit', `${name}: asking the CA to validate`, name);
        await this.call('Submitting the challenge', account, op, () => client.completeChallenge(ch as never));
      }
    });
    await checkpoint('polling');

    // 2. Wait for the CA. Small orders: each authorization, for live per-name progress. Large ones: the
    //    order (one request per round instead of one per name), then every authorization once at the end.
    const open = authzs.filter((a) => a.status !== 'valid');
    for (const a of open) op.step('validating', `${label(a)}: the CA is validating`, label(a));
    if (open.length <= PER_AUTHZ_POLL_LIMIT) {
      // The first poll that fails stops its siblings (they would otherwise go on writing to the store).
      const stop = new AbortController();
      const sub: Operation = { ...op, signal: AbortSignal.any([op.signal, stop.signal]), check: () => op.check() };
      await Promise.all(
        open.map((a) =>
          this.pollAuthz(id, client, a.url, account, sub).catch((err: unknown) => {
            stop.abort();
            throw err;
          }),
        ),
      );
    } else {
      await this.pollOrderWhilePending(id, client, account, op);
      const fetched = await mapLimit(open, SUBMIT_CONCURRENCY, (a) => this.fetchAuthz(client, a.url, account, op));
      await this.recordAuthzs(id, fetched);
    }
    const after = this.record(id).order!.authorizations;
    for (const a of after.filter((x) => open.some((o) => o.url === x.url))) {
      if (a.status === 'valid') op.step('valid', `${label(a)}: valid`, label(a));
      else if (a.status === 'invalid') op.step('invalid', `${label(a)}: invalid — ${a.challenge?.error?.detail ?? 'validation failed'}`, label(a));
    }
    if (after.every((a) => a.status === 'valid')) return true;

    const invalid = after.filter((a) => a.status === 'invalid');
    const undecided = after.filter((a) => a.status !== 'valid' && a.status !== 'invalid');
    const details = invalid.map((a) => `${label(a)}: ${a.challenge?.error?.detail ?? 'invalid'}`);
    const message =
      invalid.length > 0
        ? `Validation failed for ${invalid.length} name${invalid.length === 1 ? '' : 's'}. ${details.join('; ')}` +
          (undecided.length ? ` (${undecided.length} other name${undecided.length === 1 ? ' was' : 's were'} not validated because the order failed.)` : '')
        : `The order failed before ${undecided.length} name${undecided.length === 1 ? ' was' : 's were'} validated.`;
    await this.patch(id, {
      status: 'failed',
      phase: 'failed',
      error: {
        code: 'ACME_ERROR',
        message,
        hint: 'Fix the challenge response (file content or TXT record), then use New challenge to try again.',
        ...(invalid[0]?.challenge?.error?.type ? { acmeType: invalid[0].challenge.error.type } : {}),
      },
    });
    return false;
  }

  /** Polls the order until the CA has decided every authorization (status no longer "pending"). */
  private async pollOrderWhilePending(id: string, client: acme.Client, account: AccountRecord, op: Operation): Promise<void> {
    const start = Date.now();
    let delay = this.poll.minMs;
    for (;;) {
      const { order, retryAfter } = await this.pollOrder(client, this.record(id).order!, account, op);
      if (order.status !== 'pending') return;
      if (Date.now() - start > this.poll.timeoutMs) {
        throw new AppError('NETWORK', `The CA did not finish validating within ${Math.round(this.poll.timeoutMs / 1000)} s.`, {
          hint: 'Verify again later: Certdesk continues where it stopped.',
        });
      }
      await sleep(pollWait(delay, retryAfter), undefined, { signal: op.signal }).catch(() => op.check());
      delay = Math.min(Math.round(delay * 1.5), this.poll.maxMs);
    }
  }

  private async fetchAuthz(client: acme.Client, url: string, account: AccountRecord, op: Operation): Promise<AcmeAuthz> {
    const [authz] = (await this.call('Reading the authorization', account, op, () =>
      client.getAuthorizations({ authorizations: [url] } as never),
    )) as unknown as AcmeAuthz[];
    return authz!;
  }

  /** Polls one authorization until it is decided, with short backoff, honouring Retry-After. */
  private async pollAuthz(id: string, client: acme.Client, url: string, account: AccountRecord, op: Operation): Promise<AcmeAuthz> {
    const start = Date.now();
    let delay = this.poll.minMs;
    for (;;) {
      const { value: authz, retryAfter } = await this.callWithRetryAfter('Reading the authorization', account, op, async () => {
        const [a] = (await client.getAuthorizations({ authorizations: [url] } as never)) as unknown as AcmeAuthz[];
        return a!;
      });
      await this.recordAuthz(id, url, authz);
      if (authz.status !== 'pending' && authz.status !== 'processing') return authz;
      if (Date.now() - start > this.poll.timeoutMs) {
        throw new AppError('NETWORK', `The CA did not finish validating within ${Math.round(this.poll.timeoutMs / 1000)} s.`, {
          hint: 'Verify again later: Certdesk continues where it stopped.',
        });
      }
      await sleep(pollWait(delay, retryAfter), undefined, { signal: op.signal }).catch(() => op.check());
      delay = Math.min(Math.round(delay * 1.5), this.poll.maxMs);
    }
  }

  private async recordAuthz(id: string, _url: string, authz: AcmeAuthz): Promise<void> {
    await this.recordAuthzs(id, [authz]);
  }

  /**
   * Writes the CA's view of some authorizations into the request. The merge happens inside the store
   * update, on the current data: several names are polled at once and must not overwrite each other.
   */
  private async recordAuthzs(id: string, fetched: AcmeAuthz[]): Promise<void> {
    const byUrl = new Map(fetched.map((a) => [a.url, a]));
    let changed = false;
    await this.store.update((d) => {
      const rec = d.requests.find((r) => r.id === id);
      if (!rec?.order) return;
      rec.order.authorizations = rec.order.authorizations.map((a) => {
        const authz = byUrl.get(a.url);
        if (!authz) return a;
        const ch = authz.challenges.find((c) => c.type === rec.challengeType);
        const next: AuthorizationRecord = {
          ...a,
          status: authz.status,
          challenge: a.challenge
            ? {
                ...a.challenge,
                status: ch?.status ?? a.challenge.status,
                error: ch?.error ? { type: ch.error.type ?? 'urn:ietf:params:acme:error:unknown', detail: ch.error.detail ?? '' } : a.challenge.error,
              }
            : null,
        };
        if (JSON.stringify(next) !== JSON.stringify(a)) changed = true;
        return next;
      });
      if (changed) rec.updatedAt = this.now().toISOString();
    });
    if (changed) this.changed(id);
  }

  /** Finalizes with our CSR, waits for the certificate and downloads it. */
  private async finish(id: string, client: acme.Client, account: AccountRecord, op: Operation): Promise<void> {
    let rec = this.record(id);
    let order = await this.getOrder(client, rec.order!, account, op);
    if (order.status === 'invalid') throw new AppError('ACME_ERROR', 'The CA marked the order invalid.', { hint: 'Use New challenge to start over.' });
    if (order.status === 'ready' || order.status === 'pending') {
      await this.patch(id, { status: 'processing', phase: 'finalizing' });
      op.step('finalize', 'Sending the certificate signing request');
      const keyPem = await this.ensureKey(rec);
      let csr: string;
      if (rec.csrFile) csr = (await this.store.readFile(rec.csrFile)).toString();
      else {
        csr = await createCsr(keyPem, rec.names, rec.signatureAlgorithm, { noCommonName: rec.profile === 'tlsserver' });
        const csrFile = `requests/${id}/order-${rec.ordersCreated}.csr`;
        await this.store.writeFile(csrFile, csr, 0o644);
        await this.patch(id, { csrFile });
      }
      order = (await this.call('Finalizing the order', account, op, () => finalizeOrder(client, order, csr), {
        idempotent: false,
      })) as AcmeOrder;
      order.url = rec.order!.url;
      await checkpoint('finalized');
    } else {
      await this.patch(id, { status: 'processing', phase: 'finalizing' });
    }
    op.step('issuing', 'Waiting for the CA to issue the certificate');
    const start = Date.now();
    let delay = this.poll.minMs;
    let retryAfter: number | null = null;
    while (order.status === 'processing') {
      if (Date.now() - start > this.poll.timeoutMs) throw new AppError('NETWORK', 'The CA did not issue the certificate in time.', { hint: 'Verify again later: Certdesk continues where it stopped.' });
      await sleep(pollWait(delay, retryAfter), undefined, { signal: op.signal }).catch(() => op.check());
      delay = Math.min(Math.round(delay * 1.5), this.poll.maxMs);
      ({ order, retryAfter } = await this.pollOrder(client, this.record(id).order!, account, op));
    }
    if (order.status !== 'valid') throw new AppError('ACME_ERROR', `The order ended ${order.status} instead of valid.`, { hint: 'Use New challenge.' });
    rec = this.record(id);
    await this.patch(id, { phase: 'downloading', order: { ...rec.order!, status: 'valid', certificateUrl: order.certificate ?? null } });
    op.step('download', 'Downloading the certificate');
    const { chain, warning: chainWarning } = await this.call('Downloading the certificate', account, op, () =>
      this.downloadChain(client, order, rec.preferredChain),
    );
    if (chainWarning) this.log.warn('preferred chain not offered', { id, preferredChain: rec.preferredChain });
    const blocks = splitPem(chain);
    const leaf = blocks[0];
    if (!leaf) throw new AppError('ACME_ERROR', 'The CA returned no certificate.');
    const keyPem = (await this.store.readSecret(rec.keyFile)).toString();
    // Never accept a certificate for another key or other names than we asked for.
    if (!publicKeyDer(leaf).equals(createPublicKey(keyPem).export({ format: 'der', type: 'spki' }) as Buffer)) {
      throw new AppError('ACME_ERROR', "The issued certificate's public key is not the request's key.");
    }
    const summary = summarize(leaf);
    const missing = rec.names.filter((n) => !summary.names.includes(n));
    if (missing.length) throw new AppError('ACME_ERROR', `The issued certificate lacks names: ${missing.join(', ')}.`);
    const certFile = `requests/${id}/cert-${rec.ordersCreated}.pem`;
    await this.store.writeFile(certFile, blocks.join(''), 0o644);
    await checkpoint('downloaded');
    await this.patch(id, {
      status: rec.renewal ? 'renewed' : 'available',
      phase: 'done',
      certFile,
      certificate: summary,
      issuedKeyFile: rec.keyFile,
      chainWarning,
      error: null,
    });
    op.step('done', `Issued: serial ${summary.serial}, valid until ${summary.notAfter.slice(0, 10)}`);
    this.log.info('certificate issued', { id, serial: summary.serial, notAfter: summary.notAfter });
  }

  /**
   * The certificate chain: the CA's default, or with a preferred chain the alternate (Link rel="alternate")
   * that names that issuer. When none does, the default is kept with a warning listing the issuers offered.
   */
  private async downloadChain(client: acme.Client, order: AcmeOrder, preferred: string | null): Promise<{ chain: string; warning: string | null }> {
    if (!preferred) return { chain: (await client.getCertificate(order as never)) as string, warning: null };
    if (!order.certificate) throw new AppError('ACME_ERROR', 'The CA gave no certificate URL for a valid order.');
    // acme-client's getCertificate() silently falls back to the default chain; its signed request helper is
    // used to see every chain on offer.
    const api = (client as unknown as { api?: { apiRequest(url: string, payload: null, codes: number[]): Promise<{ data: unknown; headers: Record<string, unknown> }> } }).api;
    if (!api || typeof api.apiRequest !== 'function') {
      const chain = (await client.getCertificate(order as never, preferred)) as string;
      return { chain, warning: pickChain([chain], preferred).warning };
    }
    const first = await api.apiRequest(order.certificate, null, [200]);
    const links = alternateLinks(first.headers.link as string | string[] | undefined);
    const others = await Promise.all(links.map(async (url) => String((await api.apiRequest(url, null, [200])).data)));
    return pickChain([String(first.data), ...others], preferred);
  }

  /** The order's key; made anew if a crash came before it was sealed (nothing was signed with it yet). */
  private async ensureKey(rec: RequestRecord): Promise<string> {
    if ((await this.store.exists(rec.keyFile)) || rec.csrFile) return (await this.store.readSecret(rec.keyFile)).toString();
    const pem = rec.importKeyFile ? (await this.store.readSecret(rec.importKeyFile)).toString() : await generateCertificateKey(rec.key);
    this.log.redact(pem);
    await this.store.writeSecret(rec.keyFile, Buffer.from(pem));
    return pem;
  }

  /** getOrder() for a polling loop: also the Retry-After (seconds) the CA sent with the order, if any. */
  private async pollOrder(client: acme.Client, order: OrderRecord, account: AccountRecord, op: Operation): Promise<{ order: AcmeOrder; retryAfter: number | null }> {
    const { value, retryAfter } = await this.callWithRetryAfter('Reading the order', account, op, () => client.getOrder({ url: order.url } as never));
    const o = value as AcmeOrder;
    o.url = order.url;
    return { order: o, retryAfter };
  }

  private async getOrder(client: acme.Client, order: OrderRecord, account: AccountRecord, op: Operation): Promise<AcmeOrder> {
    const o = (await this.call('Reading the order', account, op, () => client.getOrder({ url: order.url } as never))) as AcmeOrder;
    o.url = order.url;
    return o;
  }

  // ---------------------------------------------------------------- new challenge, renew, revoke, delete

  /** A fresh order for the same names and key (after a failure, or to get new challenges). */
  async newChallenge(idOrPrefix: string, op: Operation): Promise<Request> {
    return this.exclusive(idOrPrefix, async (id) => {
      const rec = this.record(id);
      if (rec.status === 'processing') throw new AppError('CONFLICT', 'The CA is validating this request right now; wait for the result.');
      if (rec.status !== 'pending' && rec.status !== 'failed') {
        throw new AppError('CONFLICT', `This request is ${rec.status}: New challenge is for Pending or Failed requests.`, {
          hint: rec.certFile ? 'Use Renew for a new certificate.' : undefined,
        });
      }
      return this.reorder(id, op, {});
    });
  }

  /**
   * Seed Step 5: a new order for the same names; the key follows the request's key policy. `opts.replaces` (ARI)
   * names the certificate this order replaces (its RFC 9773 certId), sent as `replaces` in newOrder.
   */
  async renew(idOrPrefix: string, op: Operation, opts: RenewOptions = {}): Promise<Request> {
    return this.exclusive(idOrPrefix, async (id) => {
      const rec = this.record(id);
      if (!rec.certFile) throw new AppError('CONFLICT', 'Only an issued certificate can be renewed: verify the request first.');
      if (rec.status === 'revoked') throw new AppError('CONFLICT', 'This certificate was revoked. Raise a new request instead.');
      if (rec.renewal && rec.status !== 'renewed') throw new AppError('CONFLICT', 'A renewal is already under way for this request.');
      this.deps.accounts.usableAccount(rec.accountId);
      op.step('key', rec.keyPolicy === 'new' ? 'Generating a new key' : rec.keyPolicy === 'same' ? 'Keeping the same key' : 'Using the imported key');
      let keyFile = rec.issuedKeyFile ?? rec.keyFile;
      if (rec.keyPolicy === 'new') {
        const pem = await generateCertificateKey(rec.key);
        this.log.redact(pem);
        keyFile = `requests/${id}/key-${rec.ordersCreated + 1}.key`;
        await this.store.writeSecret(keyFile, Buffer.from(pem));
      } else if (rec.keyPolicy === 'import' && rec.importKeyFile) {
        keyFile = rec.importKeyFile;
      }
      const replaces = opts.replaces ? { certId: opts.replaces, refused: null } : null;
      return this.reorder(id, op, { keyFile, renewal: true, replaces });
    });
  }

  /** Drops the current order and places a fresh one for the same names (New challenge, Renew). */
  private async reorder(id: string, op: Operation, changes: Partial<RequestRecord>): Promise<Request> {
    const account = this.deps.accounts.usableAccount(this.record(id).accountId);
    await this.patch(id, { ...changes, order: null, csrFile: null, phase: 'ordering', status: 'pending', error: null });
    try {
      await this.placeOrder(id, account, op);
    } catch (err) {
      await this.fail(id, err);
      throw err;
    }
    return this.get(id);
  }

  async revoke(idOrPrefix: string, reason: RevocationReason, op: Operation): Promise<Request> {
    return this.exclusive(idOrPrefix, async (id) => {
      const rec = this.record(id);
      if (!rec.certFile) throw new AppError('CONFLICT', 'There is no issued certificate to revoke.');
      if (rec.status === 'revoked') throw new AppError('CONFLICT', 'This certificate is already revoked.');
      const account = this.deps.accounts.usableAccount(rec.accountId);
      const client = await this.deps.accounts.clientFor(account);
      const pem = (await this.store.readFile(rec.certFile)).toString();
      op.step('revoke', `Revoking serial ${rec.certificate?.serial} (${reason})`);
      try {
        await this.call('Revoking the certificate', account, op, () =>
          client.revokeCertificate(splitPem(pem)[0]!, { reason: REVOCATION_CODES[reason] }), { idempotent: false },
        );
      } catch (err) {
        // Revoked before (e.g. a crash came between the CA's answer and our record): that is the goal.
        if ((err as AppError).acmeType !== 'urn:ietf:params:acme:error:alreadyRevoked') throw err;
      }
      await this.patch(id, { status: 'revoked', phase: 'done' });
      await this.store.update((d) => {
        for (const c of d.certificates) if (c.requestId === id && c.summary.serial === rec.certificate?.serial) c.revoked = true;
      });
      this.deps.hub.emit('certs:changed', {});
      this.log.info('certificate revoked', { id, serial: rec.certificate?.serial, reason });
      return this.get(id);
    });
  }

  /** Removes the request, its files and its saved certificate from Certdesk. The certificate stays valid. */
  async remove(idOrPrefix: string): Promise<void> {
    await this.exclusive(idOrPrefix, async (id) => {
      const rec = this.record(id);
      const certs = this.store.data.certificates.filter((c) => c.requestId === id);
      await this.store.update((d) => {
        d.requests = d.requests.filter((r) => r.id !== id);
        d.certificates = d.certificates.filter((c) => c.requestId !== id);
      });
      // Every key, CSR and certificate the request or its saved certificate ever wrote lives in their folders.
      await this.store.removeDir(`requests/${id}`);
      for (const c of certs) await this.store.removeDir(`certificates/${c.id}`);
      if (rec.keystorePasswordRef) await this.deps.secrets.delete(rec.keystorePasswordRef).catch(() => false);
      this.changed(id);
      this.deps.hub.emit('certs:changed', {});
      this.log.info('request deleted', { id });
    });
  }

  /** Long-running faces resume requests a killed process left mid-validation. */
  async resumeInterrupted(run: (id: string, fn: (op: Operation) => Promise<Request>) => Promise<Request>): Promise<void> {
    // TXT records a killed process presented for a request that had not reached the CA yet: remove them now
    // (a request mid-validation keeps them until its resumed run below has the CA's verdict).
    for (const r of this.store.data.requests.filter((x) => (x.presented.length > 0 || x.placed.length > 0) && x.status !== 'processing')) {
      await run(r.id, (op) => this.exclusive(r.id, async (id) => {
        await this.automation.cleanUp(id, op);
        return this.get(id);
      })).catch((err: unknown) => this.log.warn('challenge cleanup at start failed', { id: r.id, error: (err as Error).message }));
    }
    for (const r of this.store.data.requests.filter((x) => x.status === 'processing')) {
      await run(r.id, (op) => this.verify(r.id, op)).catch((err: unknown) =>
        this.log.warn('resume failed', { id: r.id, error: (err as Error).message }),
      );
    }
  }

  // ---------------------------------------------------------------- helpers

  async keystorePassword(rec: RequestRecord): Promise<string | null> {
    return rec.keystorePasswordRef ? this.deps.secrets.get(rec.keystorePasswordRef) : null;
  }

  /** The request with this id, or with this unique id prefix (at least 8 characters, as lists show them). */
  record(id: string): RequestRecord {
    const all = this.store.data.requests;
    const exact = all.find((r) => r.id === id);
    if (exact) return exact;
    const matches = id.length >= 8 ? all.filter((r) => r.id.startsWith(id)) : [];
    if (matches.length > 1) throw AppError.invalid('id', `The id ${id} matches ${matches.length} requests: give more of it.`);
    const rec = matches[0];
    if (!rec) throw new AppError('NOT_FOUND', `No certificate request with id ${id}.`, { field: 'id', hint: 'List the requests to see their ids.' });
    return rec;
  }

  view(rec: RequestRecord): Request {
    const labels = this.automation.automationLabels(rec);
    const challenges: Challenge[] = (rec.order?.authorizations ?? []).map((a) => this.challengeView(rec, a, labels));
    return {
      id: rec.id,
      accountId: rec.accountId,
      names: rec.names,
      namesUnicode: rec.namesUnicode,
      commonName: rec.names[0] ?? '',
      challengeType: rec.challengeType,
      dnsAccountId: rec.dnsAccountId,
      key: rec.key,
      signatureAlgorithm: rec.signatureAlgorithm,
      keystoreType: rec.keystoreType,
      keystorePasswordStored: rec.keystorePasswordRef !== null,
      keyPolicy: rec.keyPolicy,
      profile: rec.profile,
      preferredChain: rec.preferredChain,
      chainWarning: rec.chainWarning ?? null,
      status: rec.status,
      phase: rec.phase,
      orderUrl: rec.order?.url ?? null,
      challenges,
      error: rec.error,
      certificate: rec.certificate,
      daysLeft: rec.certificate ? daysLeft(rec.certificate.notAfter, this.now()) : null,
      savedCertificateId: rec.savedCertificateId,
      unsaved: rec.certificate !== null && rec.certificate.sha256 !== rec.savedSha256,
      ordersCreated: rec.ordersCreated,
      replaces: rec.replaces ?? null,
      deployments: latestDeployments(this.store.data.deployments ?? [], rec.id),
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
    };
  }

  private challengeView(rec: RequestRecord, a: AuthorizationRecord, labels?: Map<string, Answerer>): Challenge {
    const name = (a.wildcard ? '*.' : '') + a.identifier;
    const idx = rec.names.indexOf(name);
    const unicode = idx >= 0 ? (rec.namesUnicode[idx] ?? name) : name;
    const ch = a.challenge;
    const thumb = this.store.data.accounts.find((x) => x.id === rec.accountId)?.keyThumbprint ?? '';
    const keyAuth = ch ? `${ch.token}.${thumb}` : null;
    const http = ch?.type === 'http-01';
    return {
      identifier: a.identifier,
      name,
      nameUnicode: unicode,
      wildcard: a.wildcard,
      type: ch?.type ?? rec.challengeType,
      status: (a.status === 'valid' ? 'valid' : a.status === 'invalid' ? 'invalid' : ch?.status === 'processing' ? 'processing' : 'pending') as Challenge['status'],
      token: ch?.token ?? '',
      httpPath: http && ch ? `/.well-known/acme-challenge/${ch.token}` : null,
      httpUrl: http && ch ? `http://${a.identifier}/.well-known/acme-challenge/${ch.token}` : null,
      httpContent: http ? keyAuth : null,
      dnsName: !http && ch ? `_acme-challenge.${a.identifier}` : null,
      dnsValue: !http && keyAuth ? dnsValue(keyAuth) : null,
      error: ch?.error ?? null,
      progress: this.progress.get(`${rec.id} ${name}`) ?? null,
      automation: labels?.get(name)?.label ?? null,
      answeredBy: labels?.get(name)?.answeredBy ?? null,
    };
  }

  /**
   * Records an error. Only a CA's verdict (an ACME problem, an invalid order, a certificate we must not
   * accept) fails the request; a network error, a timeout or a cancel leaves it where it was, so Verify (or
   * the resume at start) continues the same order instead of ordering again.
   */
  private async fail(id: string, err: unknown): Promise<void> {
    const info: ErrorInfo = err instanceof AppError ? err.toInfo() : { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
    if (info.code === 'CANCELLED') return;
    const rec = this.store.data.requests.find((r) => r.id === id);
    if (!rec) return;
    const error = {
      code: info.code,
      message: info.message,
      ...(info.hint ? { hint: info.hint } : {}),
      ...(info.acmeType ? { acmeType: info.acmeType } : {}),
    };
    if (isVerdict(info)) await this.patch(id, { status: 'failed', phase: 'failed', error });
    else await this.patch(id, { error });
  }

  private call<T>(action: string, account: AccountRecord, op: Operation, fn: () => Promise<T>, opts: { idempotent?: boolean } = {}): Promise<T> {
    return this.callWithRetryAfter(action, account, op, fn, opts).then((r) => r.value);
  }

  /** One ACME step of `account`, under that account's own trust (its extra CA, for its CA's origins only). */
  private async callWithRetryAfter<T>(
    action: string,
    account: AccountRecord,
    op: Operation,
    fn: () => Promise<T>,
    opts: { idempotent?: boolean } = {},
  ): Promise<{ value: T; retryAfter: number | null }> {
    op.check();
    const url = account.directoryUrl;
    const trust = await this.deps.accounts.trustOf(account, op.signal);
    return withTransport(op.signal, trust, async (state) => {
      try {
        const value = await retryAcme(fn, state, {
          signal: op.signal,
          idempotent: opts.idempotent ?? true,
          onRetry: (n, reason) => this.log.warn('acme retry', { action, reason, attempt: n }),
        });
        return { value, retryAfter: state().lastRetryAfterSeconds };
      } catch (err) {
        throw mapAcmeError(isAbort(err) || op.signal.aborted ? err : (state().lastNetworkError ?? err), { action, url, problem: state().lastProblem });
      }
    });
  }

  private async patch(id: string, changes: Partial<RequestRecord>): Promise<void> {
    await this.store.update((d) => {
      const rec = d.requests.find((r) => r.id === id);
      if (!rec) return;
      Object.assign(rec, changes);
      rec.updatedAt = this.now().toISOString();
    });
    this.changed(id);
  }

  private changed(id: string): void {
    this.deps.hub.emit('requests:changed', { id });
  }

  /** Runs `fn` with the request's full id, one operation per request at a time. */
  private exclusive<T>(idOrPrefix: string, fn: (id: string) => Promise<T>): Promise<T> {
    const key = this.record(idOrPrefix).id;
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => fn(key));
    this.locks.set(key, next);
    return next.finally(() => {
      if (this.locks.get(key) === next) this.locks.delete(key);
    });
  }

}

const TRANSIENT_ACME = new Set([
  'urn:ietf:params:acme:error:serverInternal',
  'urn:ietf:params:acme:error:badNonce',
  'urn:ietf:params:acme:error:rateLimited',
  'urn:ietf:params:acme:error:orderNotReady',
]);

/** A definite "no" from the CA (or from our checks of what it issued), as opposed to a passing failure. */
/** The newest deployment of a request's certificate to each server, newest first. */
export function latestDeployments(all: readonly DeploymentRecord[], requestId: string): DeploymentRecord[] {
  const seen = new Set<string>();
  const out: DeploymentRecord[] = [];
  for (const d of [...all].filter((x) => x.requestId === requestId).sort((a, b) => b.startedAt.localeCompare(a.startedAt))) {
    if (seen.has(d.serverId)) continue;
    seen.add(d.serverId);
    out.push(d);
  }
  return out;
}

function isVerdict(info: ErrorInfo): boolean {
  if (info.code !== 'ACME_ERROR') return false;
  return !info.acmeType || !TRANSIENT_ACME.has(info.acmeType);
}

function passwordRef(id: string): string {
  return `keystore-password/${id}`;
}

const ALREADY_REPLACED = 'urn:ietf:params:acme:error:alreadyReplaced';

/**
 * Why the CA refused an order because of its `replaces` field (RFC 9773 §5: alreadyReplaced, or a malformed /
 * bad request that names it), or null when the refusal is about something else.
 */
export function replacesRefusal(err: unknown): string | null {
  if (!(err instanceof AppError) || err.code !== 'ACME_ERROR') return null;
  const type = err.acmeType ?? '';
  if (type === ALREADY_REPLACED) return err.message;
  if (/:(malformed|badRequest)$/.test(type) && /replaces/i.test(err.message)) return err.message;
  return null;
}
