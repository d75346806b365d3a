// The Azure DNS provider: adds and removes one TXT value in a record set that Azure replaces whole.
// Changes to one record set are serialised in this process (apex + wildcard put two values on one name at the
// same moment) and made conditional on the etag read before, so a change by anyone else in between is never
// overwritten: Azure answers 412 and the change is made again on a fresh read.
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.ts';
import { checkFields, normalizeName, providerError, throwFieldIssues, type CallOptions, type ConnectionTestResult, type DnsProvider, type DnsRecord, type ProviderConfig } from '../types.ts';
import { isSubdomain, parentNames } from '../wire.ts';
import { AzureDnsClient, txtChunks, type AzureClientOptions, type AzureSettings } from './api.ts';
import { descriptor } from './descriptor.ts';

/** Attempts at one change when Azure keeps answering 412 (the record set changed under us). */
const ATTEMPTS = 6;

/** Reads and checks form/CLI values. */
export function parseConfig(config: ProviderConfig): AzureSettings {
  const get = (id: string) => (config[id]?.trim() || descriptor.fields.find((f) => f.id === id)?.default || '').trim();
  const issues = checkFields(descriptor.fields, config);
  const urls: Record<string, string> = {};
  for (const id of ['endpoint', 'authorityHost']) {
    const label = descriptor.fields.find((f) => f.id === id)!.label;
    const v = get(id);
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:') throw new Error('not https');
      urls[id] = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
    } catch {
      issues.push({ field: id, message: `${label} must be an https:// URL.` });
    }
  }
  throwFieldIssues(descriptor, issues);
  return {
    subscriptionId: get('subscriptionId'),
    tenantId: get('tenantId'),
    clientId: get('clientId'),
    clientSecret: (config.clientSecret ?? '').trim(),
    resourceGroup: get('resourceGroup'),
    endpoint: urls.endpoint!,
    authorityHost: urls.authorityHost!,
  };
}

/** Record-set locks shared by every Azure provider in this process: key → the tail of its queue. */
const locks = new Map<string, Promise<unknown>>();

async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = locks.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

export class AzureDnsProvider implements DnsProvider {
  readonly descriptor = descriptor;
  readonly client: AzureDnsClient;
  private readonly settings: AzureSettings;
  /** Zones already found, per record name (an order asks for the same names again at cleanUp). */
  private readonly zones = new Map<string, string>();

  constructor(settings: AzureSettings, opts: AzureClientOptions = {}) {
    this.settings = settings;
    this.client = new AzureDnsClient(settings, opts);
  }

  private where(): string {
    return `resource group "${this.settings.resourceGroup}" (subscription ${this.settings.subscriptionId})`;
  }

  /**
   * The zone (apex) that holds `fqdn`: the longest of its names that is a zone in the resource group. The zones
   * are listed (every page); an application whose role is granted on single zones only may not list them, and
   * then each candidate zone is asked for by name.
   */
  async zoneFor(fqdn: string, opts: CallOptions = {}): Promise<string> {
    const name = normalizeName(fqdn);
    const cached = this.zones.get(name);
    if (cached) return cached;
    const candidates = parentNames(name);
    const listed = await this.client.listZones(opts.signal, { forbiddenAsNull: true });
    let zone: string | undefined;
    if (listed) {
      zone = candidates.find((c) => listed.includes(c));
      if (!zone) {
        const shown = listed.length ? `it holds ${listed.slice(0, 10).join(', ')}${listed.length > 10 ? ` and ${listed.length - 10} more` : ''}` : 'it holds no zones';
        throw providerError(descriptor, 'NOT_FOUND', `no DNS zone for ${name} in ${this.where()}: it needs a zone named ${orList(candidates.slice(1))} (${shown}).`, {
          field: 'resourceGroup',
          hint: 'Create the zone in Azure DNS, or use the resource group (or another DNS account) that holds it.',
        });
      }
    } else {
      const forbidden: string[] = [];
      for (const c of candidates.slice(1)) {
        const found = await this.client.hasZone(c, opts.signal, { forbiddenAsNull: true });
        if (found === null) forbidden.push(c);
        else if (found) {
          zone = c;
          break;
        }
      }
      if (!zone) {
        const scope = `${this.where()} (Microsoft.Network/dnsZones/read)`;
        throw providerError(
          descriptor,
          forbidden.length ? 'FORBIDDEN' : 'NOT_FOUND',
          forbidden.length
            ? `no DNS zone for ${name} that the application ${this.settings.clientId} can see: it may not list the zones of ${scope}, nor read a zone named ${orList(forbidden)} there.`
            : `no DNS zone for ${name} in ${this.where()}: it needs a zone named ${orList(candidates.slice(1))} (the application may not list the zones there, so each name was asked for).`,
          {
            field: 'resourceGroup',
            hint: 'Check the resource group, and give the app registration the "DNS Zone Contributor" role on the zone or its resource group.',
          },
        );
      }
    }
    this.zones.set(name, zone);
    return zone;
  }

  private relative(name: string, zone: string): string {
    if (!isSubdomain(name, zone)) {
      throw providerError(descriptor, 'INVALID_INPUT', `${name} is not inside the zone ${zone}.`);
    }
    return name === zone ? '@' : name.slice(0, -(zone.length + 1));
  }

  private lockKey(zone: string, rel: string): string {
    const s = this.settings;
    return `${s.endpoint}|${s.subscriptionId}|${s.resourceGroup}|${zone}|${rel}`.toLowerCase();
  }

  async present(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.zoneFor(name, opts);
    const rel = this.relative(name, zone);
    await withLock(this.lockKey(zone, rel), async () => {
      for (let i = 0; i < ATTEMPTS; i++) {
        this.checkAbort(opts.signal, `${name}`);
        const cur = await this.client.getTxt(zone, rel, opts.signal);
        if (!cur) {
          if (await this.client.putTxt(zone, rel, { ttl: record.ttl, records: [txtChunks(record.value)] }, { create: true }, opts.signal)) return;
          continue;
        }
        if (cur.values.includes(record.value)) return;
        // Everything else in the set stays exactly as it is: the other records (strings untouched), TTL, metadata.
        const next = { ttl: cur.ttl, records: [...cur.records, txtChunks(record.value)], ...(cur.metadata ? { metadata: cur.metadata } : {}) };
        if (await this.client.putTxt(zone, rel, next, { ifMatch: cur.etag }, opts.signal)) return;
      }
      throw this.keptChanging(rel, zone, 'adding');
    });
  }

  async cleanUp(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.zoneFor(name, opts);
    const rel = this.relative(name, zone);
    await withLock(this.lockKey(zone, rel), async () => {
      for (let i = 0; i < ATTEMPTS; i++) {
        this.checkAbort(opts.signal, `${name}`);
        const cur = await this.client.getTxt(zone, rel, opts.signal);
        if (!cur || !cur.values.includes(record.value)) return; // nothing of ours there: nothing to do
        const rest = cur.records.filter((r) => r.join('') !== record.value);
        const done = rest.length
          ? await this.client.putTxt(zone, rel, { ttl: cur.ttl, records: rest, ...(cur.metadata ? { metadata: cur.metadata } : {}) }, { ifMatch: cur.etag }, opts.signal)
          : await this.client.deleteTxt(zone, rel, cur.etag, opts.signal);
        if (done) return;
      }
      throw this.keptChanging(rel, zone, 'removing');
    });
  }

  /**
   * Signs in, finds the zone of `_acme-challenge.<sampleDomain>`, reads its TXT record set and proves the
   * application may delete it without changing anything: a delete conditional on an etag that cannot exist
   * is checked against the application's roles first and then refused by the condition (or finds nothing).
   */
  async test(sampleDomain: string, opts: CallOptions = {}): Promise<ConnectionTestResult> {
    const name = `_acme-challenge.${normalizeName(sampleDomain).replace(/^\*\./, '')}`;
    const zone = await this.zoneFor(name, opts);
    const rel = this.relative(name, zone);
    const cur = await this.client.getTxt(zone, rel, opts.signal);
    await this.client.deleteTxt(zone, rel, `"certdesk-connection-test-${randomBytes(8).toString('hex')}"`, opts.signal);
    return {
      zone,
      detail: `Signed in as application ${this.settings.clientId}; zone ${zone} found in ${this.where()}; the application may read and change the TXT records at ${name}${cur ? ` (${cur.values.length} value${cur.values.length === 1 ? '' : 's'} there now)` : ''}.`,
    };
  }

  private checkAbort(signal: AbortSignal | undefined, name: string): void {
    if (signal?.aborted) throw providerError(descriptor, 'CANCELLED', `cancelled before changing the TXT records at ${name}.`);
  }

  private keptChanging(rel: string, zone: string, doing: string): AppError {
    return providerError(descriptor, 'CONFLICT', `the TXT record set ${rel} in zone ${zone} kept changing while ${doing} the value (${ATTEMPTS} attempts, each answered 412 Precondition Failed).`, {
      hint: 'Something else is changing that record set at the same time; try again.',
    });
  }
}

function orList(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

export function create(config: ProviderConfig, opts: AzureClientOptions = {}): DnsProvider {
  return new AzureDnsProvider(parseConfig(config), opts);
}
