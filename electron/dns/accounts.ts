// DNS provider accounts and per-domain DNS mappings (issue 7): metadata in db.json, secret field values in the
// keychain only (`dns/<accountId>/<fieldId>`, `dns-map/<domain>/<fieldId>`). Builds ready providers for the
// dns-01 solver and for the connection test. Plain Node; nothing here imports electron.
import { randomUUID } from 'node:crypto';
import { AppError, type FieldIssue } from '../../shared/ipc/errors.ts';
import type { DnsAccount, DnsMapping, DnsProviderInfo } from '../../shared/model/dns.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Operation } from '../core/operations.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { DnsAccountRecord, DnsMappingRecord, RequestRecord } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { descriptors, providerModule } from './registry.ts';
import { checkFields, normalizeName, type DnsProvider, type ProviderConfig, type ProviderDescriptor, type ProviderField } from './types.ts';

export type DnsStore = Pick<Store, 'data' | 'update'>;

export interface DnsServiceDeps {
  store: DnsStore;
  secrets: SecretStore;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
}

export interface AddInput {
  name: string;
  provider: string;
  fields: Record<string, string>;
  secrets: Record<string, string>;
}

export interface EditInput {
  id: string;
  name?: string | undefined;
  fields?: Record<string, string> | undefined;
  secrets?: Record<string, string> | undefined;
}

export interface MapInput {
  domain: string;
  accountId: string;
  zone?: string | undefined;
  fields?: Record<string, string> | undefined;
  secrets?: Record<string, string> | undefined;
}

/** A provider built for one name, with where its configuration came from. */
export interface ResolvedDns {
  account: DnsAccountRecord;
  mapping: DnsMappingRecord | null;
  provider: DnsProvider;
  config: ProviderConfig;
}

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function accountRef(accountId: string, fieldId: string): string {
  return `dns/${accountId}/${fieldId}`;
}

export function mappingRef(domain: string, fieldId: string): string {
  return `dns-map/${domain}/${fieldId}`;
}

/** The identifier a name is validated as: lower case, no `*.`, no trailing dot. */
export function identifierOf(name: string): string {
  return normalizeName(name).replace(/^\*\./, '');
}

/** The most specific mapping for a name: its own domain, else the nearest parent domain that has one. */
export function mappingFor<M extends { domain: string }>(mappings: readonly M[], name: string): M | null {
  let best: M | null = null;
  const id = identifierOf(name);
  for (const m of mappings) {
    if (id === m.domain || id.endsWith(`.${m.domain}`)) {
      if (!best || m.domain.length > best.domain.length) best = m;
    }
  }
  return best;
}

/** Requests that are still open (a DNS account may be needed to finish them). */
export function isOpenRequest(r: Pick<RequestRecord, 'status'>): boolean {
  return r.status === 'pending' || r.status === 'processing';
}

export class DnsService {
  private readonly store: DnsStore;
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: DnsServiceDeps) {
    this.store = deps.store;
    this.log = deps.logger.child('dns');
    this.now = deps.clock ?? (() => new Date());
  }

  providers(): DnsProviderInfo[] {
    return descriptors().map((d) => ({
      id: d.id,
      displayName: d.displayName,
      docsUrl: d.docsUrl,
      ...(d.note ? { note: d.note } : {}),
      fields: d.fields.map(fieldInfo),
      domainFields: (d.domainFields ?? []).map(fieldInfo),
    }));
  }

  list(): DnsAccount[] {
    return this.store.data.dnsAccounts.map((a) => this.view(a));
  }

  get(idOrName: string): DnsAccount {
    return this.view(this.record(idOrName));
  }

  /** By id, unique id prefix (8+ characters) or name (case-insensitive). */
  record(idOrName: string): DnsAccountRecord {
    const all = this.store.data.dnsAccounts;
    const key = idOrName.trim();
    const exact = all.find((a) => a.id === key) ?? all.find((a) => a.name.toLowerCase() === key.toLowerCase());
    if (exact) return exact;
    const hits = key.length >= 8 ? all.filter((a) => a.id.startsWith(key)) : [];
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw AppError.invalid('id', `The id ${key} matches ${hits.length} DNS accounts: give more of it.`);
    throw new AppError('NOT_FOUND', `No DNS account named or with id "${key}".`, { field: 'id', hint: 'List them with `certdesk dns list`.' });
  }

  async add(input: AddInput): Promise<DnsAccount> {
    const mod = providerModule(input.provider);
    const name = input.name.trim();
    this.checkName(name, null);
    const { fields, secrets } = this.split(mod.descriptor, mod.descriptor.fields, input.fields, input.secrets, 'fields', 'secrets');
    const issues = checkFields(mod.descriptor.fields, { ...fields, ...secrets });
    this.throwIssues(mod.descriptor, issues, 'fields');
    // The provider checks what checkFields cannot (e.g. a TSIG secret that is not base64) without network.
    this.tryCreate(mod.descriptor.id, { ...fields, ...secrets });
    const id = randomUUID();
    for (const [k, v] of Object.entries(secrets)) {
      this.log.redact(v);
      await this.deps.secrets.set(accountRef(id, k), v);
    }
    const stamp = this.now().toISOString();
    const rec: DnsAccountRecord = {
      id,
      name,
      provider: mod.descriptor.id,
      enabled: true,
      fields,
      secretFields: Object.keys(secrets).sort(),
      createdAt: stamp,
      updatedAt: stamp,
    };
    await this.store.update((d) => {
      d.dnsAccounts.push(rec);
    });
    this.changed(id);
    this.log.info('dns account added', { id, provider: rec.provider });
    return this.get(id);
  }

  async edit(input: EditInput): Promise<DnsAccount> {
    const rec = this.record(input.id);
    const mod = providerModule(rec.provider);
    const name = input.name?.trim() ?? rec.name;
    this.checkName(name, rec.id);
    const split = this.split(mod.descriptor, mod.descriptor.fields, input.fields ?? {}, input.secrets ?? {}, 'fields', 'secrets');
    // Fields sent replace; an empty value clears an optional field; secrets not sent stay as stored.
    const fields = { ...rec.fields };
    for (const [k, v] of Object.entries(split.fields)) {
      if (v.trim() === '') delete fields[k];
      else fields[k] = v;
    }
    const stored = await this.secretValues(rec);
    const merged = { ...stored, ...split.secrets };
    this.throwIssues(mod.descriptor, checkFields(mod.descriptor.fields, { ...fields, ...merged }), 'fields');
    this.tryCreate(rec.provider, { ...fields, ...merged });
    for (const [k, v] of Object.entries(split.secrets)) {
      this.log.redact(v);
      await this.deps.secrets.set(accountRef(rec.id, k), v);
    }
    await this.patch(rec.id, { name, fields, secretFields: [...new Set([...rec.secretFields, ...Object.keys(split.secrets)])].sort() });
    this.log.info('dns account changed', { id: rec.id });
    return this.get(rec.id);
  }

  async setEnabled(idOrName: string, enabled: boolean): Promise<DnsAccount> {
    const rec = this.record(idOrName);
    await this.patch(rec.id, { enabled });
    this.log.info(enabled ? 'dns account enabled' : 'dns account disabled', { id: rec.id });
    return this.get(rec.id);
  }

  async remove(idOrName: string): Promise<void> {
    const rec = this.record(idOrName);
    const used = this.usedBy(rec.id);
    if (used.length) {
      throw new AppError(
        'CONFLICT',
        `The DNS account "${rec.name}" is used by ${used.length} pending request${used.length === 1 ? '' : 's'}: ${used.map((u) => `${u.requestId.slice(0, 8)} (${u.domains.join(', ')})`).join('; ')}.`,
        { hint: 'Finish or delete those requests, or give them another DNS account (request assign-dns), then delete it.' },
      );
    }
    const mappings = this.store.data.dnsMappings.filter((m) => m.accountId === rec.id);
    if (mappings.length) {
      throw new AppError('CONFLICT', `The DNS account "${rec.name}" is used by the domain mapping${mappings.length === 1 ? '' : 's'} of ${mappings.map((m) => m.domain).join(', ')}.`, {
        hint: 'Remove those mappings first (dns unmap DOMAIN).',
      });
    }
    await this.store.update((d) => {
      d.dnsAccounts = d.dnsAccounts.filter((a) => a.id !== rec.id);
    });
    for (const f of rec.secretFields) await this.deps.secrets.delete(accountRef(rec.id, f)).catch(() => false);
    this.changed(rec.id);
    this.log.info('dns account deleted', { id: rec.id });
  }

  /** Signs in with the account and finds the zone for a sample domain. */
  async test(idOrName: string, domain: string | undefined, op: Operation): Promise<{ zone: string; message: string }> {
    const rec = this.record(idOrName);
    const mod = providerModule(rec.provider);
    const sample = domain ? identifierOf(domain) : this.sampleDomain(rec.id);
    if (!sample) {
      throw AppError.invalid('domain', `Testing the DNS account "${rec.name}" needs a domain it manages: give one (--domain example.com).`);
    }
    op.step('dns-test', `${mod.descriptor.displayName}: checking access to the zone of ${sample}`);
    const mapping = mappingFor(this.store.data.dnsMappings.filter((m) => m.accountId === rec.id), sample);
    const config = await this.configFor(rec, mapping);
    const provider = this.build(rec.provider, config);
    try {
      if (provider.test) {
        const r = await provider.test(sample, { signal: op.signal });
        return { zone: r.zone, message: `${mod.descriptor.displayName}: ${r.detail}` };
      }
      const zone = provider.zoneFor ? await provider.zoneFor(`_acme-challenge.${sample}`, { signal: op.signal }) : sample;
      return { zone, message: `${mod.descriptor.displayName}: the zone of ${sample} is ${zone}.` };
    } catch (err) {
      throw prefixed(mod.descriptor, err);
    }
  }

  // ------------------------------------------------------------------ mappings

  mappings(): DnsMapping[] {
    return this.store.data.dnsMappings.map((m) => mappingView(m));
  }

  async map(input: MapInput): Promise<DnsMapping> {
    const domain = identifierOf(input.domain);
    if (!DOMAIN_RE.test(domain)) throw AppError.invalid('domain', `Domain "${input.domain}" is not a valid domain name (e.g. example.com).`);
    const account = this.record(input.accountId);
    const mod = providerModule(account.provider);
    const domainFields = mod.descriptor.domainFields ?? [];
    const existing = this.store.data.dnsMappings.find((m) => m.domain === domain);
    const given = { ...(input.fields ?? {}) };
    if (input.zone !== undefined) given.zone = input.zone;
    const split = this.split(mod.descriptor, domainFields, given, input.secrets ?? {}, 'fields', 'secrets');
    const sameAccount = existing?.accountId === account.id;
    const fields: Record<string, string> = { ...(sameAccount ? existing.fields : {}) };
    for (const [k, v] of Object.entries(split.fields)) {
      if (k === 'zone') continue;
      if (v.trim() === '') delete fields[k];
      else fields[k] = v.trim();
    }
    const zoneRaw = split.fields.zone ?? (sameAccount ? (existing.zone ?? undefined) : undefined);
    const zone = zoneRaw && zoneRaw.trim() ? normalizeName(zoneRaw) : null;
    if (zone && !(domain === zone || domain.endsWith(`.${zone}`))) {
      throw AppError.invalid('zone', `Zone ${zone} does not hold ${domain}: give the zone the domain is in (e.g. ${domain.split('.').slice(-2).join('.')}).`);
    }
    // A mapping's domain fields are checked only when the account's mode needs them (RFC 2136 per-domain).
    const keep = sameAccount ? existing.secretFields : [];
    const config: ProviderConfig = { ...(await this.configFor(account, null)), ...fields, ...(zone ? { zone } : {}), ...(await this.mappingSecrets(domain, keep)), ...split.secrets };
    if (Object.keys(split.fields).length || Object.keys(split.secrets).length || zone) {
      const issues = checkFields(domainFields.filter((f) => f.id !== 'zone' || zone !== null || config.mode === 'per-domain'), config);
      this.throwIssues(mod.descriptor, issues, 'fields');
    }
    this.tryCreate(account.provider, config);
    if (existing && !sameAccount) await this.dropMappingSecrets(existing);
    for (const [k, v] of Object.entries(split.secrets)) {
      this.log.redact(v);
      await this.deps.secrets.set(mappingRef(domain, k), v);
    }
    const rec: DnsMappingRecord = {
      domain,
      accountId: account.id,
      zone,
      fields,
      secretFields: [...new Set([...keep, ...Object.keys(split.secrets)])].sort(),
      updatedAt: this.now().toISOString(),
    };
    await this.store.update((d) => {
      d.dnsMappings = [...d.dnsMappings.filter((m) => m.domain !== domain), rec];
    });
    this.deps.hub.emit('dns:changed', { id: account.id });
    this.log.info('dns mapping set', { domain, accountId: account.id });
    return mappingView(rec);
  }

  async unmap(domainRaw: string): Promise<void> {
    const domain = identifierOf(domainRaw);
    const rec = this.store.data.dnsMappings.find((m) => m.domain === domain);
    if (!rec) throw new AppError('NOT_FOUND', `No DNS mapping for ${domain}.`, { field: 'domain', hint: 'List them with `certdesk dns mappings`.' });
    await this.store.update((d) => {
      d.dnsMappings = d.dnsMappings.filter((m) => m.domain !== domain);
    });
    await this.dropMappingSecrets(rec);
    this.deps.hub.emit('dns:changed', { id: rec.accountId });
    this.log.info('dns mapping removed', { domain });
  }

  // ------------------------------------------------------------------ settings

  settings(): { dnsServers: string[] } {
    const v = this.store.data.settings.dnsServers;
    return { dnsServers: Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [] };
  }

  async setSettings(input: { dnsServers?: string[] | undefined }): Promise<{ dnsServers: string[] }> {
    if (input.dnsServers) {
      const list = input.dnsServers.map((s) => s.trim());
      list.forEach((s, i) => {
        if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:]+)(:\d{1,5})?$/i.test(s)) {
          throw AppError.invalid(`dnsServers.${i}`, `DNS server "${s}" is not host or host:port.`);
        }
      });
      await this.store.update((d) => {
        d.settings = { ...d.settings, dnsServers: list };
      });
    }
    return this.settings();
  }

  // ------------------------------------------------------------------ for the solver

  /** The mapping that applies to a name, or null. */
  mappingOf(name: string): DnsMappingRecord | null {
    return mappingFor(this.store.data.dnsMappings, name);
  }

  accountRecord(id: string): DnsAccountRecord | null {
    return this.store.data.dnsAccounts.find((a) => a.id === id) ?? null;
  }

  /** A provider for `account` (with `mapping`'s domain fields when given). A disabled account is refused. */
  async resolve(account: DnsAccountRecord, mapping: DnsMappingRecord | null): Promise<ResolvedDns> {
    if (!account.enabled) throw disabledError(account);
    const config = await this.configFor(account, mapping);
    return { account, mapping, config, provider: this.build(account.provider, config) };
  }

  usedBy(accountId: string): { requestId: string; domains: string[] }[] {
    const out: { requestId: string; domains: string[] }[] = [];
    const mappings = this.store.data.dnsMappings;
    for (const r of this.store.data.requests) {
      if (!isOpenRequest(r) || r.challengeType !== 'dns-01') continue;
      const domains = r.names.filter((n) => {
        const m = mappingFor(mappings, n);
        return m ? m.accountId === accountId : r.dnsAccountId === accountId;
      });
      if (domains.length) out.push({ requestId: r.id, domains });
    }
    return out;
  }

  // ------------------------------------------------------------------ helpers

  private async configFor(account: DnsAccountRecord, mapping: DnsMappingRecord | null): Promise<ProviderConfig> {
    const config: ProviderConfig = { ...account.fields, ...(await this.secretValues(account)) };
    if (mapping) {
      Object.assign(config, mapping.fields, await this.mappingSecrets(mapping.domain, mapping.secretFields));
      if (mapping.zone) config.zone = mapping.zone;
    }
    return config;
  }

  private async secretValues(account: DnsAccountRecord): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of account.secretFields) {
      const v = await this.deps.secrets.get(accountRef(account.id, f));
      if (v !== null) {
        this.log.redact(v);
        out[f] = v;
      }
    }
    return out;
  }

  private async mappingSecrets(domain: string, fieldIds: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of fieldIds) {
      const v = await this.deps.secrets.get(mappingRef(domain, f));
      if (v !== null) {
        this.log.redact(v);
        out[f] = v;
      }
    }
    return out;
  }

  private async dropMappingSecrets(m: DnsMappingRecord): Promise<void> {
    for (const f of m.secretFields) await this.deps.secrets.delete(mappingRef(m.domain, f)).catch(() => false);
  }

  private build(providerId: string, config: ProviderConfig): DnsProvider {
    const mod = providerModule(providerId);
    try {
      return mod.create(config);
    } catch (err) {
      throw prefixed(mod.descriptor, err);
    }
  }

  private tryCreate(providerId: string, config: ProviderConfig): void {
    // Per-domain modes need a mapping's zone; an account alone is still valid for them.
    this.build(providerId, { ...config, zone: config.zone ?? 'example.invalid' });
  }

  /** Splits given values into the descriptor's non-secret and secret fields; unknown ids are refused. */
  private split(
    d: ProviderDescriptor,
    fieldsOf: ProviderField[],
    fields: Record<string, string>,
    secrets: Record<string, string>,
    fieldsName: string,
    secretsName: string,
  ): { fields: Record<string, string>; secrets: Record<string, string> } {
    const byId = new Map(fieldsOf.map((f) => [f.id, f]));
    const known = fieldsOf.map((f) => f.id).join(', ') || 'none';
    const outF: Record<string, string> = {};
    const outS: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      const f = byId.get(k);
      if (!f) throw AppError.invalid(`${fieldsName}.${k}`, `${d.displayName}: unknown field "${k}".`, `Fields: ${known}.`);
      if (f.secret) {
        throw AppError.invalid(`${fieldsName}.${k}`, `${d.displayName}: ${f.label} ("${k}") is a secret: give it as a secret (CLI: --secret-file ${k}=FILE), never as a plain field.`);
      }
      outF[k] = v;
    }
    for (const [k, v] of Object.entries(secrets)) {
      const f = byId.get(k);
      if (!f) throw AppError.invalid(`${secretsName}.${k}`, `${d.displayName}: unknown field "${k}".`, `Fields: ${known}.`);
      if (!f.secret) throw AppError.invalid(`${secretsName}.${k}`, `${d.displayName}: ${f.label} ("${k}") is not a secret: give it as a field (CLI: --field ${k}=VALUE).`);
      if (v.trim() === '') throw AppError.invalid(`${secretsName}.${k}`, `${d.displayName}: ${f.label} is empty.`);
      outS[k] = v.trim();
    }
    return { fields: outF, secrets: outS };
  }

  private throwIssues(d: ProviderDescriptor, issues: FieldIssue[], prefix: string): void {
    if (!issues.length) return;
    const mapped = issues.map((i) => ({ field: `${prefix}.${i.field}`, message: i.message }));
    throw new AppError('INVALID_INPUT', `${d.displayName}: ${issues.map((i) => i.message).join(' ')}`, { field: mapped[0]!.field, issues: mapped });
  }

  private checkName(name: string, selfId: string | null): void {
    if (!name) throw AppError.invalid('name', 'Name is required: give the DNS account a name you will recognise.');
    const clash = this.store.data.dnsAccounts.find((a) => a.id !== selfId && a.name.toLowerCase() === name.toLowerCase());
    if (clash) throw new AppError('CONFLICT', `A DNS account named "${name}" already exists.`, { field: 'name', hint: 'Choose another name.' });
  }

  private sampleDomain(accountId: string): string | null {
    const used = this.usedBy(accountId)[0]?.domains[0];
    if (used) return identifierOf(used);
    return this.store.data.dnsMappings.find((m) => m.accountId === accountId)?.domain ?? null;
  }

  private async patch(id: string, changes: Partial<DnsAccountRecord>): Promise<void> {
    await this.store.update((d) => {
      const rec = d.dnsAccounts.find((a) => a.id === id);
      if (!rec) return;
      Object.assign(rec, changes);
      rec.updatedAt = this.now().toISOString();
    });
    this.changed(id);
  }

  private changed(id: string): void {
    this.deps.hub.emit('dns:changed', { id });
  }

  private view(a: DnsAccountRecord): DnsAccount {
    // A provider this build does not know (a record from a newer version) still lists, with what it stored.
    const known = descriptors().find((x) => x.id === a.provider);
    const secrets: Record<string, boolean> = {};
    for (const id of a.secretFields) secrets[id] = true;
    for (const f of known?.fields.filter((x) => x.secret) ?? []) secrets[f.id] = a.secretFields.includes(f.id);
    return {
      id: a.id,
      name: a.name,
      provider: a.provider,
      enabled: a.enabled,
      fields: { ...a.fields },
      secrets,
      usedBy: this.usedBy(a.id),
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    };
  }
}

export function disabledError(account: Pick<DnsAccountRecord, 'name'>): AppError {
  return new AppError('CONFLICT', `The DNS account "${account.name}" is disabled.`, {
    field: 'dnsAccountId',
    hint: 'Enable it (dns enable NAME), or choose another DNS account for the request.',
  });
}

function fieldInfo(f: ProviderField): DnsProviderInfo['fields'][number] {
  return {
    id: f.id,
    label: f.label,
    help: f.help,
    secret: f.secret,
    required: f.required,
    ...(f.default !== undefined ? { default: f.default } : {}),
    ...(f.options ? { options: f.options.map((o) => ({ value: o.value, label: o.label })) } : {}),
    ...(f.advanced ? { advanced: true } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
  };
}

function mappingView(m: DnsMappingRecord): DnsMapping {
  const secrets: Record<string, boolean> = {};
  for (const f of m.secretFields) secrets[f] = true;
  return { domain: m.domain, accountId: m.accountId, zone: m.zone, fields: { ...m.fields }, secrets, updatedAt: m.updatedAt };
}

/** An error that names the provider first (providers' own errors already do). */
export function prefixed(d: Pick<ProviderDescriptor, 'displayName'>, err: unknown): AppError {
  const e = err instanceof AppError ? err : new AppError('NETWORK', (err as Error)?.message ?? String(err));
  if (e.message.startsWith(`${d.displayName}:`) || e.code === 'CANCELLED') return e;
  return new AppError(e.code, `${d.displayName}: ${e.message}`, e.toInfo());
}
