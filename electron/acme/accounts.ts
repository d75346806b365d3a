// ACME accounts (seed Step 1): register, import by key, update, refresh, key rollover, deactivate, delete,
// export the key. One account per directory. Keys are sealed by the store's vault; the EAB HMAC key is used
// once and never stored.
import { randomUUID } from 'node:crypto';
import type acme from 'acme-client';
import { loadAcmeLibs } from './lib.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Account, DirectoryInfo } from '../../shared/model/account.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import { readUserText, writeUserFile } from '../core/files.ts';
import type { AccountRecord } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import {
  directoryInfo,
  endpointUrls,
  fetchDirectory,
  presetDirectory,
  resolveDirectory,
  type AcmeDirectory,
  type DirectoryChoice,
  type ResolvedDirectory,
} from './directory.ts';
import { checkpoint } from '../orders/checkpoints.ts';
import { isAbort, mapAcmeError } from './errors.ts';
import { createAccountChecked, lookupExistingAccount } from './existing.ts';
import { generateAccountKey, jwkThumbprint, keyAlgorithm, parsePrivateKey, toPkcs8Pem } from './keys.ts';
import { retryAcme } from './retry.ts';
import { poolNonces, trustFor, withTransport, type Trust } from './transport.ts';

/** What the account service needs from the store. */
export type AccountStore = Pick<Store, 'dataDir' | 'data' | 'update' | 'writeSecret' | 'readSecret' | 'writeFile' | 'readFile' | 'removeFile'>;

export interface AccountServiceDeps {
  store: AccountStore;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
  /** Asks the user where to save a file (native dialog); null when they cancel. */
  chooseSavePath?: (opts: { title: string; defaultName: string }) => Promise<string | null>;
}

export interface RegisterInput extends DirectoryChoice {
  name: string;
  email: string;
  agreeTos: boolean;
  eab?: { kid: string; hmacKey: string } | undefined;
}

export interface ImportInput extends DirectoryChoice {
  name?: string | undefined;
  keyPem?: string | undefined;
  keyFile?: string | undefined;
}

type AcmeAccountObject = { status?: string; contact?: string[]; termsOfServiceAgreed?: boolean };

const CLIENT_BACKOFF = { backoffAttempts: 10, backoffMin: 100, backoffMax: 2000 };

export class AccountService {
  private readonly store: AccountStore;
  private readonly hub: EventHub;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Serialises changes per account so a rollover and a deactivate never race. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly clients = new Map<string, { keyFile: string; client: acme.Client }>();
  /** Directory objects by account id (and CA file): each is read with that account's own CA only. */
  private readonly directories = new Map<string, { at: number; caFile: string | null; body: AcmeDirectory }>();
  /** Extra CAs (PEM) by account id, read once from the account's stored CA file. */
  private readonly caPems = new Map<string, { caFile: string; pem: string }>();
  /** Each account's Trust, rebuilt when its CA or directory object changes. */
  private readonly trusts = new Map<string, { body: AcmeDirectory; caPem: string; trust: Trust | null }>();
  /** Accounts whose key change is under way: their pending key is not settled by other callers meanwhile. */
  private readonly rollingOver = new Set<string>();
  private readonly settling = new Map<string, Promise<AccountRecord>>();

  constructor(private readonly deps: AccountServiceDeps) {
    this.store = deps.store;
    this.hub = deps.hub;
    this.log = deps.logger.child('accounts');
    this.now = deps.clock ?? (() => new Date());
  }

  list(): Account[] {
    return this.store.data.accounts.map(toView);
  }

  get(id: string): Account {
    return toView(this.record(id));
  }

  async directoryInfo(choice: DirectoryChoice, signal?: AbortSignal): Promise<DirectoryInfo> {
    const dir = await resolveDirectory(choice);
    return directoryInfo(dir, await fetchDirectory(dir, signal));
  }

  async register(input: RegisterInput, op: Operation): Promise<Account> {
    op.step('validate', 'Checking the registration details');
    if (!input.agreeTos) {
      throw AppError.invalid(
        'agreeTos',
        "Terms of Service: you must accept the CA's Terms of Service to register.",
        'Read them (link next to the check-box) and tick "I agree to the Terms of Service" (CLI: --agree-tos).',
      );
    }
    const dir = await resolveDirectory(input);
    this.assertNoAccountFor(dir.url);
    if (input.eab) validateEab(input.eab);

    op.step('directory', `Reading the directory ${dir.url}`);
    const body = await fetchDirectory(dir, op.signal);
    if (body.meta?.externalAccountRequired && !input.eab) {
      throw AppError.invalid(
        'eab',
        'External Account Binding is required by this CA: enter the EAB key ID and HMAC key.',
        'Your CA account portal gives both (CLI: --eab-kid and --eab-hmac-key-file).',
      );
    }
    const tos = body.meta?.termsOfService ?? null;

    op.step('key', 'Generating the account key (EC P-256)');
    const keyPem = generateAccountKey();
    this.log.redact(keyPem);
    if (input.eab) this.log.redact(input.eab.hmacKey);
    const id = randomUUID();
    const keyFile = `accounts/${id}.key`;
    // The sealed key is written before the CA sees it, so a crash never leaves an account whose key we lost.
    await this.store.writeSecret(keyFile, Buffer.from(keyPem));

    op.step('register', 'Registering the account with the CA');
    // The pending registration's own trust: its extra CA for its directory's origins, nobody else's.
    const trust = trustFor(dir.caPem, [dir.url, ...endpointUrls(body)]);
    const client = presetDirectory(await this.client(dir.url, keyPem, null, input.eab), body);
    let account: AcmeAccountObject;
    let accountUrl: string;
    try {
      const created = await this.call('Registering the account', dir.url, trust, op, () =>
        createAccountChecked(client, { termsOfServiceAgreed: true, contact: [`mailto:${input.email.trim()}`] }),
        { idempotent: false },
      );
      account = created;
      accountUrl = created.url;
    } catch (err) {
      await this.store.removeFile(keyFile).catch(() => undefined);
      const e = err as AppError;
      if (e.acmeType === 'urn:ietf:params:acme:error:unauthorized' && input.eab) {
        throw new AppError('ACME_ERROR', e.message, {
          field: 'eab.hmacKey',
          acmeType: e.acmeType,
          hint: 'The CA rejected the External Account Binding: check the key ID and the HMAC key (base64url).',
        });
      }
      throw err;
    }
    const rec = this.newRecord({
      id,
      name: input.name.trim(),
      email: input.email.trim(),
      dir,
      url: accountUrl,
      status: account.status,
      keyPem,
      keyFile,
      termsOfServiceUrl: tos,
      eabKid: input.eab?.kid ?? null,
    });
    await this.saveNew(rec, dir);
    this.log.info('account registered', { id, url: rec.url, directory: dir.url, eab: Boolean(input.eab) });
    return toView(rec);
  }

  async importExisting(input: ImportInput, op: Operation): Promise<Account> {
    op.step('validate', 'Reading the account key');
    const keyPem = await this.readKeyInput(input);
    const field = input.keyFile ? 'keyFile' : 'keyPem';
    const key = parsePrivateKey(keyPem, field);
    this.log.redact(keyPem);
    const dir = await resolveDirectory(input);
    this.assertNoAccountFor(dir.url);

    op.step('directory', `Reading the directory ${dir.url}`);
    const body = await fetchDirectory(dir, op.signal);

    op.step('lookup', 'Looking the account up at the CA (onlyReturnExisting)');
    const pem = toPkcs8Pem(key);
    const trust = trustFor(dir.caPem, [dir.url, ...endpointUrls(body)]);
    const client = presetDirectory(await this.client(dir.url, pem, null), body);
    await this.call('Looking up the account', dir.url, trust, op, async () => {
      await lookupExistingAccount(client);
    }).catch((err: AppError) => {
      if (err.acmeType === 'urn:ietf:params:acme:error:accountDoesNotExist') {
        throw new AppError('NOT_FOUND', `No account with this key exists at ${dir.url}.`, {
          field,
          acmeType: err.acmeType,
          hint: 'Check that the key belongs to an account of this directory (production and staging are separate).',
        });
      }
      if (err.acmeType === 'urn:ietf:params:acme:error:unauthorized' && /deactivated/i.test(err.message)) {
        throw new AppError('CONFLICT', 'This account was deactivated at the CA, so it cannot be added back.', {
          field,
          acmeType: err.acmeType,
          hint: 'Deactivation is permanent: register a new account instead.',
        });
      }
      throw err;
    });
    const account = (await this.call('Reading the account', dir.url, trust, op, () => client.updateAccount({}))) as AcmeAccountObject;
    if (typeof account !== 'object' || account === null || typeof account.status !== 'string') {
      throw new AppError('ACME_ERROR', "Reading the account failed: the CA's answer is not an ACME account object. Nothing was stored.", {
        hint: 'The directory may not be a working ACME server: check its URL, or ask the CA.',
      });
    }
    const id = randomUUID();
    const keyFile = `accounts/${id}.key`;
    await this.store.writeSecret(keyFile, Buffer.from(pem));
    const rec = this.newRecord({
      id,
      name: input.name?.trim() || `Imported account (${new URL(dir.url).host})`,
      email: account.contact?.find((c) => c.startsWith('mailto:'))?.slice(7) ?? null,
      dir,
      url: client.getAccountUrl(),
      status: account.status,
      keyPem: pem,
      keyFile,
      termsOfServiceUrl: body.meta?.termsOfService ?? null,
      eabKid: null,
    });
    await this.saveNew(rec, dir);
    this.log.info('account imported', { id, url: rec.url });
    return toView(rec);
  }

  async update(id: string, changes: { email?: string | undefined; name?: string | undefined }, op: Operation): Promise<Account> {
    return this.exclusive(id, async () => {
      const rec = this.record(id);
      const email = changes.email?.trim();
      if (email !== undefined && email !== rec.email) {
        this.assertUsable(rec, 'update the e-mail');
        op.step('update', 'Updating the contact at the CA');
        const client = await this.clientFor(rec);
        await this.call('Updating the e-mail', rec.directoryUrl, await this.trustOf(rec), op, () => client.updateAccount({ contact: [`mailto:${email}`] }));
      }
      await this.patch(id, {
        ...(email !== undefined ? { email } : {}),
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      });
      return this.get(id);
    });
  }

  async refresh(id: string, op: Operation): Promise<Account> {
    return this.exclusive(id, async () => {
      const rec = this.record(id);
      if (rec.status !== 'valid') return toView(rec);
      op.step('refresh', 'Reading the account status from the CA');
      const client = await this.clientFor(rec);
      try {
        const acct = (await this.call('Reading the account', rec.directoryUrl, await this.trustOf(rec), op, () => client.updateAccount({}))) as AcmeAccountObject;
        await this.patch(id, { status: normaliseStatus(acct.status) });
      } catch (err) {
        const e = err as AppError;
        // A deactivated account can no longer sign requests; the CA says so with `unauthorized`.
        if (e.acmeType === 'urn:ietf:params:acme:error:unauthorized' && /deactivated|not valid/i.test(e.message)) {
          await this.patch(id, { status: 'deactivated' });
        } else throw err;
      }
      return this.get(id);
    });
  }

  async rollover(id: string, op: Operation): Promise<Account> {
    return this.exclusive(id, async () => {
      const rec = this.record(id);
      this.assertUsable(rec, 'roll the key over');
      const client = await this.clientFor(rec);
      op.step('key', 'Generating the new account key');
      const newPem = generateAccountKey();
      this.log.redact(newPem);
      const newFile = `accounts/${rec.id}.${Date.now()}.key`;
      await this.store.writeSecret(newFile, Buffer.from(newPem));
      // Remember the pending key before the CA switches, so an interruption cannot strand the account.
      await this.patch(id, { pendingKeyFile: newFile });
      op.step('keyChange', 'Asking the CA to switch to the new key (RFC 8555 key change)');
      this.rollingOver.add(rec.id);
      try {
        await this.call('Rolling the account key over', rec.directoryUrl, await this.trustOf(rec), op, () => client.updateAccountKey(newPem), { idempotent: false });
        await checkpoint('rollover-done');
      } catch (err) {
        const e = err as AppError;
        if (e.code === 'ACME_ERROR' && e.acmeType && e.acmeType !== 'urn:ietf:params:acme:error:serverInternal') {
          // The CA refused the change: the old key stays the account's key.
          await this.patch(id, { pendingKeyFile: undefined });
          await this.store.removeFile(newFile).catch(() => undefined);
          throw err;
        }
        // No clear answer (timeout, reset, cancel): the CA may have switched. Both keys stay; the next use of
        // the account asks the CA which one it knows (settlePendingKey).
        this.clients.delete(rec.id);
        throw new AppError(e.code ?? 'NETWORK', e.message, {
          hint: 'Certdesk kept both keys and will ask the CA which one is current the next time the account is used.',
        });
      } finally {
        this.rollingOver.delete(rec.id);
      }
      const key = parsePrivateKey(newPem, 'key');
      await this.patch(id, { keyFile: newFile, pendingKeyFile: undefined, keyAlgorithm: keyAlgorithm(key), keyThumbprint: jwkThumbprint(key) });
      await this.store.removeFile(rec.keyFile).catch(() => undefined);
      this.log.info('account key rolled over', { id, url: rec.url });
      return this.get(id);
    });
  }

  async deactivate(id: string, op: Operation): Promise<Account> {
    return this.exclusive(id, async () => {
      const rec = this.record(id);
      if (rec.status !== 'valid') {
        throw new AppError('CONFLICT', `Account "${rec.name}" is already ${rec.status}.`);
      }
      op.step('deactivate', 'Deactivating the account at the CA');
      const client = await this.clientFor(rec);
      const acct = (await this.call('Deactivating the account', rec.directoryUrl, await this.trustOf(rec), op, () =>
        client.updateAccount({ status: 'deactivated' } as never),
      )) as AcmeAccountObject;
      await this.patch(id, { status: normaliseStatus(acct.status ?? 'deactivated') });
      this.log.info('account deactivated', { id, url: rec.url });
      return this.get(id);
    });
  }

  async remove(id: string): Promise<void> {
    await this.exclusive(id, async () => {
      const rec = this.record(id);
      this.clients.delete(id);
      this.directories.delete(id);
      this.caPems.delete(id);
      this.trusts.delete(id);
      await this.store.update((d) => {
        d.accounts = d.accounts.filter((a) => a.id !== id);
      });
      for (const f of [rec.keyFile, rec.pendingKeyFile, rec.caFile]) if (f) await this.store.removeFile(f).catch(() => undefined);
      this.log.info('account deleted locally', { id, url: rec.url });
      this.hub.emit('accounts:changed', { id });
    });
  }

  /**
   * Writes the account key as PEM (mode 0600) to `out`, or where the user chooses. An existing file is replaced
   * only with `force` (CLI --force; a path from the save dialog counts as confirmed, the dialog asked); never
   * inside the data directory.
   */
  async exportKey(id: string, out: string | undefined, opts: { force?: boolean } = {}): Promise<string | null> {
    const rec = this.record(id);
    let target = out ?? null;
    let force = opts.force === true;
    if (!target) {
      if (!this.deps.chooseSavePath) throw new AppError('INVALID_INPUT', 'Choose where to save the key (--out FILE).', { field: 'out' });
      target = await this.deps.chooseSavePath({ title: 'Export account key', defaultName: `${slug(rec.name)}-account-key.pem` });
      if (!target) return null;
      force = true;
    }
    const pem = await this.store.readSecret(rec.keyFile);
    target = await writeUserFile(target, pem, 0o600, { force, dataDir: this.store.dataDir, field: 'out', ...(out ? { flag: '--out' } : {}) });
    this.log.info('account key exported', { id, path: target });
    return target;
  }

  /** The account a request orders with: the given one, or the only valid one. Must be valid. */
  usableAccount(id: string | undefined, field = 'accountId'): AccountRecord {
    const accounts = this.store.data.accounts;
    let rec: AccountRecord | undefined;
    if (id) {
      rec = accounts.find((a) => a.id === id);
      if (!rec) throw new AppError('NOT_FOUND', `No account with id ${id}.`, { field });
    } else {
      const valid = accounts.filter((a) => a.status === 'valid');
      if (valid.length === 0) {
        throw new AppError('NOT_FOUND', 'There is no active ACME account to order with.', {
          field,
          hint: 'Create one first: Manage → Account → New Registration (CLI: certdesk account register).',
        });
      }
      if (valid.length > 1) throw AppError.invalid(field, 'Choose the account to order with: there are several.');
      rec = valid[0] as AccountRecord;
    }
    if (rec.status !== 'valid') {
      throw new AppError('CONFLICT', `Account "${rec.name}" is ${rec.status}: it cannot order certificates.`, { field });
    }
    return rec;
  }

  /** An acme-client Client for a stored account (resolving an interrupted rollover first). */
  async clientFor(rec: AccountRecord): Promise<acme.Client> {
    const cached = this.clients.get(rec.id);
    if (cached && cached.keyFile === rec.keyFile && !rec.pendingKeyFile) return cached.client;
    const current = rec.pendingKeyFile && !this.rollingOver.has(rec.id) ? await this.settleOnce(rec) : rec;
    const pem = (await this.store.readSecret(current.keyFile)).toString();
    this.log.redact(pem);
    // One client per account and key, given the directory read with the account's own CA (checked: HTTPS
    // endpoints), so it never fetches one itself.
    const client = presetDirectory(await this.client(current.directoryUrl, pem, current.url), await this.directoryOf(current));
    this.clients.set(rec.id, { keyFile: current.keyFile, client });
    return client;
  }

  /** One settlement per account at a time; concurrent callers share it. */
  private settleOnce(rec: AccountRecord): Promise<AccountRecord> {
    let p = this.settling.get(rec.id);
    if (!p) {
      p = this.settlePendingKey(rec).finally(() => this.settling.delete(rec.id));
      this.settling.set(rec.id, p);
    }
    return p;
  }

  private async settlePendingKey(rec: AccountRecord): Promise<AccountRecord> {
    const pendingFile = rec.pendingKeyFile as string;
    const pem = (await this.store.readSecret(pendingFile)).toString();
    const probe = await this.client(rec.directoryUrl, pem, null);
    let adopted: boolean;
    try {
      const trust = await this.trustOf(rec);
      presetDirectory(probe, await this.directoryOf(rec));
      adopted = await withTransport(undefined, trust, async () => (await lookupExistingAccount(probe)) === rec.url);
    } catch (err) {
      // Only a definite "no account with this key" discards the pending key; anything else (offline, a CA
      // hiccup) keeps both keys for the next attempt.
      const notFound = /unable to find existing account|accountDoesNotExist|does not exist/i.test((err as Error).message ?? '');
      if (!notFound) throw mapAcmeError(err, { action: 'Checking which account key the CA knows', url: rec.directoryUrl });
      adopted = false;
    }
    if (adopted) {
      const key = parsePrivateKey(pem, 'key');
      await this.patch(rec.id, { keyFile: pendingFile, pendingKeyFile: undefined, keyAlgorithm: keyAlgorithm(key), keyThumbprint: jwkThumbprint(key) });
      await this.store.removeFile(rec.keyFile).catch(() => undefined);
    } else {
      await this.patch(rec.id, { pendingKeyFile: undefined });
      await this.store.removeFile(pendingFile).catch(() => undefined);
    }
    return this.record(rec.id);
  }

  private async client(directoryUrl: string, keyPem: string, accountUrl: string | null, eab?: { kid: string; hmacKey: string }): Promise<acme.Client> {
    return poolNonces(await this.newClient(directoryUrl, keyPem, accountUrl, eab), directoryUrl);
  }

  private async newClient(directoryUrl: string, keyPem: string, accountUrl: string | null, eab?: { kid: string; hmacKey: string }): Promise<acme.Client> {
    const { acme } = await loadAcmeLibs();
    return new acme.Client({
      directoryUrl,
      accountKey: keyPem,
      ...(accountUrl ? { accountUrl } : {}),
      ...(eab ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey } } : {}),
      ...CLIENT_BACKOFF,
    });
  }

  /** One ACME step with transport context (the account's own trust), bounded retries and mapped errors. */
  private call<T>(action: string, url: string, trust: Trust | null, op: Operation, fn: () => Promise<T>, opts: { idempotent?: boolean } = {}): Promise<T> {
    return withTransport(op.signal, trust, async (state) => {
      try {
        return await retryAcme(fn, state, {
          signal: op.signal,
          idempotent: opts.idempotent ?? true,
          onRetry: (n, reason, ms) => {
            op.step('retry', `${action}: the CA asked to retry (${reason}); attempt ${n + 1} in ${Math.round(ms)} ms`);
            this.log.warn('acme retry', { action, reason, attempt: n });
          },
        });
      } catch (err) {
        throw mapAcmeError(isAbort(err) || op.signal.aborted ? err : (state().lastNetworkError ?? err), { action, url, problem: state().lastProblem });
      }
    });
  }

  private newRecord(f: {
    id: string;
    name: string;
    email: string | null;
    dir: ResolvedDirectory;
    url: string;
    status: string | undefined;
    keyPem: string;
    keyFile: string;
    termsOfServiceUrl: string | null;
    eabKid: string | null;
  }): AccountRecord {
    const key = parsePrivateKey(f.keyPem, 'key');
    const stamp = this.now().toISOString();
    return {
      id: f.id,
      name: f.name,
      email: f.email,
      directoryUrl: f.dir.url,
      directoryKind: f.dir.kind,
      caFile: null,
      caName: f.dir.caName,
      url: f.url,
      status: normaliseStatus(f.status),
      keyAlgorithm: keyAlgorithm(key),
      keyThumbprint: jwkThumbprint(key),
      keyFile: f.keyFile,
      termsOfServiceUrl: f.termsOfServiceUrl,
      eabKid: f.eabKid,
      createdAt: stamp,
      updatedAt: stamp,
    };
  }

  /** Stores a new account; if that fails, its key and CA files go too (nothing half-made stays behind). */
  private async saveNew(rec: AccountRecord, dir: ResolvedDirectory): Promise<void> {
    try {
      if (dir.caPem) {
        rec.caFile = `accounts/${rec.id}.ca.pem`;
        await this.store.writeFile(rec.caFile, dir.caPem, 0o644);
      }
      await this.store.update((d) => {
        if (d.accounts.some((a) => a.directoryUrl === rec.directoryUrl)) {
          throw conflictFor(rec.directoryUrl);
        }
        d.accounts.push(rec);
      });
    } catch (err) {
      for (const f of [rec.keyFile, rec.caFile]) if (f) await this.store.removeFile(f).catch(() => undefined);
      throw err;
    }
    this.hub.emit('accounts:changed', { id: rec.id });
  }

  private async readKeyInput(input: ImportInput): Promise<string> {
    if (input.keyPem && input.keyFile) throw AppError.invalid('keyFile', 'Give the account key either as a file or as text, not both.');
    if (input.keyPem) return input.keyPem;
    if (input.keyFile) {
      return readUserText(input.keyFile, { field: 'keyFile', label: 'Key file', hint: 'Choose the PEM file of the account key.' });
    }
    throw AppError.invalid('keyPem', 'Account key is required: choose the PEM file of the existing account key.');
  }

  /** What the UI shows of a stored account's directory (profiles, ARI, Terms). */
  async directoryInfoOf(id: string, signal?: AbortSignal): Promise<DirectoryInfo> {
    const rec = this.record(id);
    const body = await this.directoryOf(rec, signal);
    return directoryInfo({ url: rec.directoryUrl, kind: rec.directoryKind, caPem: null, caName: rec.caName }, body);
  }

  /**
   * The directory object of an account's CA (profiles, ARI, ToS, endpoints), read at most once an hour, with
   * the account's own extra CA trusted for the directory's origin only.
   */
  async directoryOf(rec: AccountRecord, signal?: AbortSignal): Promise<AcmeDirectory> {
    const hit = this.directories.get(rec.id);
    if (hit && hit.caFile === rec.caFile && Date.now() - hit.at < 3_600_000) return hit.body;
    const caPem = await this.caPemOf(rec);
    const body = await fetchDirectory({ url: rec.directoryUrl, kind: rec.directoryKind, caPem, caName: rec.caName }, signal);
    this.directories.set(rec.id, { at: Date.now(), caFile: rec.caFile, body });
    return body;
  }

  /**
   * The trust every ACME call of this account runs with: its own extra CA (if any) for its directory's
   * origin and the endpoint origins that directory names. Built from this account's record and directory
   * only, so no other account's CA or directory can change it (see Trust in transport.ts). An account
   * without an extra CA gets null: system roots only.
   */
  async trustOf(rec: AccountRecord, signal?: AbortSignal): Promise<Trust | null> {
    const caPem = await this.caPemOf(rec);
    if (!caPem) return null;
    const body = await this.directoryOf(rec, signal);
    const hit = this.trusts.get(rec.id);
    if (hit && hit.body === body && hit.caPem === caPem) return hit.trust;
    const trust = trustFor(caPem, [rec.directoryUrl, ...endpointUrls(body)]);
    this.trusts.set(rec.id, { body, caPem, trust });
    return trust;
  }

  private async caPemOf(rec: AccountRecord): Promise<string | null> {
    if (!rec.caFile) return null;
    const hit = this.caPems.get(rec.id);
    if (hit && hit.caFile === rec.caFile) return hit.pem;
    const pem = (await this.store.readFile(rec.caFile)).toString();
    this.caPems.set(rec.id, { caFile: rec.caFile, pem });
    return pem;
  }

  private assertNoAccountFor(url: string): void {
    if (this.store.data.accounts.some((a) => a.directoryUrl === url)) throw conflictFor(url);
  }

  private assertUsable(rec: AccountRecord, what: string): void {
    if (rec.status !== 'valid') throw new AppError('CONFLICT', `Cannot ${what}: account "${rec.name}" is ${rec.status}.`);
  }

  private record(id: string): AccountRecord {
    const rec = this.store.data.accounts.find((a) => a.id === id);
    if (!rec) throw new AppError('NOT_FOUND', `No account with id ${id}.`, { field: 'id', hint: 'List the accounts to see their ids.' });
    return rec;
  }

  private async patch(id: string, changes: Partial<AccountRecord>): Promise<void> {
    await this.store.update((d) => {
      const rec = d.accounts.find((a) => a.id === id);
      if (!rec) return;
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) delete (rec as unknown as Record<string, unknown>)[k];
        else (rec as unknown as Record<string, unknown>)[k] = v;
      }
      rec.updatedAt = this.now().toISOString();
    });
    this.hub.emit('accounts:changed', { id });
  }

  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(id, next);
    return next.finally(() => {
      if (this.locks.get(id) === next) this.locks.delete(id);
    });
  }
}

function conflictFor(url: string): AppError {
  return new AppError('CONFLICT', `Certdesk already has an account for ${url}: only one account per directory.`, {
    field: 'directory',
    hint: 'Use that account, or delete it from Certdesk first.',
  });
}

function validateEab(eab: { kid: string; hmacKey: string }): void {
  const key = eab.hmacKey.trim();
  if (!/^[A-Za-z0-9_\-+/]+=*$/.test(key) || Buffer.from(key, 'base64url').length < 16) {
    throw AppError.invalid(
      'eab.hmacKey',
      'EAB HMAC key is not a base64url key of at least 16 bytes.',
      'Paste the HMAC key exactly as your CA shows it.',
    );
  }
}

function normaliseStatus(status: string | undefined): AccountRecord['status'] {
  return status === 'deactivated' || status === 'revoked' ? status : 'valid';
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'account';
}

export function toView(rec: AccountRecord): Account {
  return {
    id: rec.id,
    name: rec.name,
    email: rec.email,
    directoryUrl: rec.directoryUrl,
    directoryKind: rec.directoryKind,
    caName: rec.caName,
    url: rec.url,
    status: rec.status,
    keyAlgorithm: rec.keyAlgorithm,
    keyThumbprint: rec.keyThumbprint,
    termsOfServiceUrl: rec.termsOfServiceUrl,
    eabKid: rec.eabKid,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
  };
}
