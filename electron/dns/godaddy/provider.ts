// The GoDaddy provider: adds/removes one TXT value at a name, keeping the other values there. GoDaddy's PUT
// replaces all records of a type at a name, so each change is read → modify → PUT (or DELETE when nothing is
// left), serialised per name in this process so the apex's and the wildcard's values never clobber each other.
import { AppError } from '../../../shared/ipc/errors.ts';
import { checkHttpEndpoint } from '../http-endpoint.ts';
import { withNameLock } from '../name-lock.ts';
import { checkFields, normalizeName, providerError, throwFieldIssues, type CallOptions, type ConnectionTestResult, type DnsProvider, type DnsRecord, type ProviderConfig } from '../types.ts';
import { parentNames } from '../wire.ts';
import { GoDaddyApi, GoDaddyApiError, GoDaddyNetworkError, type GoDaddyRecord } from './api.ts';
import { descriptor, GODADDY_ACCESS_LIMIT } from './descriptor.ts';

/** GoDaddy refuses TTLs under 600 s (422). */
export const GODADDY_MIN_TTL = 600;

export interface GoDaddySettings {
  apiKey: string;
  apiSecret: string;
  endpoint: string;
  /** `limit` of GET /v1/domains. */
  domainPageSize?: number;
  timeoutMs?: number;
}

export function parseConfig(config: ProviderConfig): GoDaddySettings {
  const get = (id: string) => (config[id] || descriptor.fields.find((f) => f.id === id)?.default || '').trim();
  const issues = checkFields(descriptor.fields, config);
  const endpoint = get('endpoint');
  const bad = checkHttpEndpoint(endpoint, 'https://api.godaddy.com');
  if (bad) issues.push({ field: 'endpoint', message: bad });
  if (/[:\s]/.test(get('apiKey'))) issues.push({ field: 'apiKey', message: 'Key must not contain spaces or ":" (paste the key alone, without the secret).' });
  throwFieldIssues(descriptor, issues);
  return { apiKey: get('apiKey'), apiSecret: get('apiSecret'), endpoint };
}

export class GoDaddyProvider implements DnsProvider {
  readonly descriptor = descriptor;
  readonly api: GoDaddyApi;
  private readonly settings: GoDaddySettings;
  private domains: Promise<string[]> | null = null;

  constructor(settings: GoDaddySettings) {
    this.settings = settings;
    this.api = new GoDaddyApi({
      endpoint: settings.endpoint,
      apiKey: settings.apiKey,
      apiSecret: settings.apiSecret,
      ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    });
  }

  /** GoDaddy's answer as a message that names the cause; the secret is only ever in the request header. */
  private explain(e: unknown, what: string): AppError {
    if (e instanceof AppError) return e;
    if ((e as Error)?.name === 'AbortError') return new AppError('CANCELLED', `${descriptor.displayName}: cancelled.`);
    if (e instanceof GoDaddyNetworkError) {
      return providerError(descriptor, 'NETWORK', `${e.message} to ${what}.`, { hint: 'Check the network connection and the endpoint.' });
    }
    if (!(e instanceof GoDaddyApiError)) return providerError(descriptor, 'INTERNAL', `could not ${what}: ${String((e as Error)?.message ?? e)}.`);
    const said = `${e.status} ${e.code}: ${(this.settings.apiSecret ? e.detail.replaceAll(this.settings.apiSecret, '[secret]') : e.detail)}`;
    switch (e.status) {
      case 401:
        return providerError(descriptor, 'FORBIDDEN', `GoDaddy rejected the key ${this.settings.apiKey} and its secret (${said}).`, {
          hint: 'Check the key and the secret; keys made for the test environment (OTE) work only with https://api.ote-godaddy.com.',
        });
      case 403:
        return providerError(descriptor, 'FORBIDDEN', `access denied to ${what} (${said}). ${GODADDY_ACCESS_LIMIT}`, {
          hint: 'Use another DNS provider for this domain, or delegate _acme-challenge with a CNAME to a zone Certdesk can change.',
        });
      case 404:
        return providerError(descriptor, 'NOT_FOUND', `could not ${what}: ${said}.`);
      case 422:
      case 400: {
        const fields = e.fields.map((f) => `${f.path ?? '?'}: ${f.message ?? f.code ?? ''}`).join('; ');
        return providerError(descriptor, 'INVALID_INPUT', `GoDaddy refused to ${what} (${said}${fields ? ` — ${fields}` : ''}).`);
      }
      case 429:
        return providerError(descriptor, 'NETWORK', `GoDaddy is limiting requests (${said}) while trying to ${what}.`, { hint: 'GoDaddy allows 60 requests a minute; try again shortly.' });
      default:
        return providerError(descriptor, 'NETWORK', `GoDaddy could not ${what} (${said}).`);
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.explain(e, what);
    }
  }

  private listDomains(signal?: AbortSignal): Promise<string[]> {
    if (!this.domains) {
      this.domains = this.call('list the account\'s domains', () => this.api.listDomains(signal, this.settings.domainPageSize)).then((list) =>
        list.map((d) => normalizeName(d.domain)),
      );
      this.domains.catch(() => (this.domains = null));
    }
    return this.domains;
  }

  /** The account's domain that holds `fqdn` (the deepest one, for sub-domains with their own zone). */
  async zoneFor(fqdn: string, opts: CallOptions = {}): Promise<string> {
    const name = normalizeName(fqdn);
    const domains = await this.listDomains(opts.signal);
    const candidates = parentNames(name).map((n) => n.toLowerCase());
    const found = candidates.find((c) => domains.includes(c));
    if (!found) {
      const shown = domains.length > 20 ? `${domains.slice(0, 20).join(', ')} and ${domains.length - 20} more` : domains.join(', ');
      throw providerError(
        descriptor,
        'NOT_FOUND',
        `no domain in the GoDaddy account of key ${this.settings.apiKey} holds ${name}: looked for ${candidates.slice(1).join(', ')}; the account has ${shown || 'no domains'}.`,
        { hint: 'Use the key of the GoDaddy account that holds the domain, or a DNS account of the provider that hosts its DNS.' },
      );
    }
    return found;
  }

  private async target(fqdn: string, opts: CallOptions): Promise<{ name: string; domain: string; rel: string }> {
    const name = normalizeName(fqdn);
    const domain = await this.zoneFor(name, opts);
    return { name, domain, rel: name === domain ? '@' : name.slice(0, -(domain.length + 1)) };
  }

  async present(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const { name, domain, rel } = await this.target(record.fqdn, opts);
    await withNameLock(`godaddy|${this.settings.endpoint}|${domain}|${name}`, async () => {
      const records = await this.call(`read the TXT records of ${name}`, () => this.api.getRecords(domain, 'TXT', rel, opts.signal));
      if (records.some((r) => r.data === record.value)) return;
      const next: GoDaddyRecord[] = [...records, { data: record.value, ttl: Math.max(GODADDY_MIN_TTL, record.ttl) }];
      await this.call(`add a TXT value at ${name}`, () => this.api.putRecords(domain, 'TXT', rel, next, opts.signal));
    });
  }

  async cleanUp(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const { name, domain, rel } = await this.target(record.fqdn, opts);
    await withNameLock(`godaddy|${this.settings.endpoint}|${domain}|${name}`, async () => {
      const records = await this.call(`read the TXT records of ${name}`, () => this.api.getRecords(domain, 'TXT', rel, opts.signal));
      if (!records.some((r) => r.data === record.value)) return;
      const keep = records.filter((r) => r.data !== record.value);
      if (keep.length) {
        await this.call(`remove a TXT value at ${name}`, () => this.api.putRecords(domain, 'TXT', rel, keep, opts.signal));
        return;
      }
      try {
        await this.api.deleteRecords(domain, 'TXT', rel, opts.signal);
      } catch (e) {
        if (e instanceof GoDaddyApiError && e.status === 404) return; // already gone
        throw this.explain(e, `remove the TXT record at ${name}`);
      }
    });
  }

  /**
   * Authenticates (GET /v1/domains: a bad key gives 401, an account below GoDaddy's API threshold 403), finds
   * the domain that holds `_acme-challenge.<sample>` and reads its TXT records there. GoDaddy has no dry run
   * for changes; its keys carry no per-operation permissions, so reading proves the key may also write.
   */
  async test(sampleDomain: string, opts: CallOptions = {}): Promise<ConnectionTestResult> {
    const { name, domain, rel } = await this.target(`_acme-challenge.${normalizeName(sampleDomain).replace(/^\*\./, '')}`, opts);
    const records = await this.call(`read the TXT records of ${name}`, () => this.api.getRecords(domain, 'TXT', rel, opts.signal));
    return {
      zone: domain,
      detail: `GoDaddy accepted the key ${this.settings.apiKey}; the account holds ${domain}, and the TXT records at ${name} can be read (${records.length} now).`,
    };
  }
}

export function create(config: ProviderConfig): DnsProvider {
  return new GoDaddyProvider(parseConfig(config));
}
