// The Cloudflare provider: one TXT record per value (Cloudflare keeps each value as its own record, so apex and
// wildcard values never replace each other); cleanUp deletes exactly the records holding our value.
import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode } from '../../../shared/ipc/errors.ts';
import { checkFields, normalizeName, providerError, throwFieldIssues, type CallOptions, type ConnectionTestResult, type DnsProvider, type DnsRecord, type ProviderConfig } from '../types.ts';
import { isSubdomain, parentNames } from '../wire.ts';
import { CloudflareApi, describeFailure, type CfFailure, type CfZone, type CloudflareApiOptions, type CloudflareAuth } from './api.ts';
import { DEFAULT_ENDPOINT, descriptor } from './descriptor.ts';

/** Cloudflare accepts TTL 60..86400 (1 = automatic). */
const MIN_TTL = 60;
const MAX_TTL = 86_400;

/** Cloudflare error codes that mean "these credentials are not valid at all". */
const TOKEN_REJECTED = new Set([1000, 1001, 6111, 9106]);
const KEY_REJECTED = new Set([9103, 9106, 6102, 6103]);
/** "Record already exists" (identical record) and "record does not exist". */
const IDENTICAL_RECORD = new Set([81057, 81058]);
const NO_SUCH_RECORD = new Set([81044]);

export interface CloudflareSettings extends Omit<CloudflareApiOptions, 'auth'> {
  auth: CloudflareAuth;
}

/** Reads and checks form/CLI values: an API token, or the e-mail address with the Global API key. */
export function parseConfig(config: ProviderConfig): CloudflareSettings {
  const get = (id: string) => (config[id] ?? '').trim();
  const issues = checkFields(descriptor.fields, config);
  const token = get('apiToken');
  const email = get('email');
  const key = get('apiKey');
  if (!token) {
    if (!email && !key) {
      issues.push({ field: 'apiToken', message: 'Give an API token (recommended), or the e-mail address with the Global API key.' });
    } else if (!email) {
      issues.push({ field: 'email', message: 'The Global API key needs the account\'s e-mail address.' });
    } else if (!key) {
      issues.push({ field: 'apiKey', message: 'With the e-mail address, give the Global API key (or give an API token instead).' });
    }
  }
  // A header value with spaces or control characters makes fetch throw a message that quotes the value.
  const printable = /^[\x21-\x7e]+$/;
  if (token && !printable.test(token)) issues.push({ field: 'apiToken', message: 'API token must be one word of visible ASCII characters, as Cloudflare showed it.' });
  if (!token && key && !printable.test(key)) issues.push({ field: 'apiKey', message: 'Global API key must be one word of visible ASCII characters, as Cloudflare showed it.' });
  if (!token && email && !/^[^@\s]+@[^@\s]+$/.test(email)) issues.push({ field: 'email', message: 'E-mail address must look like name@example.com.' });
  const endpoint = get('endpoint') || DEFAULT_ENDPOINT;
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    issues.push({ field: 'endpoint', message: 'Endpoint must be an http(s) URL, e.g. https://api.cloudflare.com/client/v4.' });
  }
  throwFieldIssues(descriptor, issues);
  return { auth: token ? { kind: 'token', token } : { kind: 'key', email, key }, endpoint };
}

export class CloudflareProvider implements DnsProvider {
  readonly descriptor = descriptor;
  readonly api: CloudflareApi;
  private readonly auth: CloudflareAuth;
  private zonesPromise: Promise<CfZone[]> | undefined;

  constructor(settings: CloudflareSettings) {
    this.auth = settings.auth;
    this.api = new CloudflareApi(settings);
  }

  private get credentials(): string {
    return this.auth.kind === 'token' ? 'the API token' : `the Global API key of ${this.auth.email}`;
  }

  /** Turns an SDK failure into an AppError that names Cloudflare, the step and Cloudflare's own reason. */
  private fail(e: unknown, doing: string, zone?: string): AppError {
    if (e instanceof AppError) return e;
    return this.redact(this.describe(e, doing, zone));
  }

  /** No credential in any message, whatever a library put in its error text. */
  private redact(e: AppError): AppError {
    const secrets = (this.auth.kind === 'token' ? [this.auth.token] : [this.auth.key]).filter((x) => x.length >= 4);
    const clean = (t: string) => secrets.reduce((acc, x) => acc.split(x).join('***'), t);
    if (!secrets.some((x) => e.message.includes(x) || (e.hint ?? '').includes(x))) return e;
    return new AppError(e.code, clean(e.message), { ...(e.field ? { field: e.field } : {}), ...(e.hint ? { hint: clean(e.hint) } : {}) });
  }

  private describe(e: unknown, doing: string, zone?: string): AppError {
    const f: CfFailure = describeFailure(e);
    if (f.kind === 'cancelled') return new AppError('CANCELLED', `${descriptor.displayName}: ${doing} was cancelled.`);
    if (f.kind === 'network') {
      return providerError(descriptor, 'NETWORK', `could not reach ${this.api.endpoint} while ${doing}: ${f.text}.`, {
        hint: 'Check the network connection (and the endpoint, if you changed it).',
      });
    }
    const codes = new Set(f.errors.map((x) => x.code));
    const has = (set: Set<number>) => [...codes].some((c) => set.has(c));
    // 9109 is both "Invalid access token" and "Unauthorized to access requested resource" (a valid token
    // without the permission): only its message tells them apart.
    const invalidToken = f.errors.some((x) => x.code === 9109 && /invalid/i.test(x.message));
    if (this.auth.kind === 'token' && (has(TOKEN_REJECTED) || invalidToken || f.status === 401)) {
      const looksLikeKey = /^[0-9a-f]{37}$/i.test(this.auth.token);
      return providerError(descriptor, 'FORBIDDEN', `the API token was not accepted while ${doing}: ${f.text}.`, {
        field: 'apiToken',
        hint: looksLikeKey
          ? 'This looks like a Global API key, not an API token: put it in "Global API key" together with the e-mail address, or create an API token.'
          : 'Check the token (it may have been deleted, rolled or expired, or be limited to other IP addresses): My Profile → API Tokens.',
      });
    }
    if (this.auth.kind === 'key' && (has(KEY_REJECTED) || f.status === 401)) {
      return providerError(descriptor, 'FORBIDDEN', `the e-mail address and Global API key were not accepted while ${doing}: ${f.text}.`, {
        field: 'apiKey',
        hint: 'Check the e-mail address and the key (My Profile → API Tokens → Global API Key), or use an API token instead.',
      });
    }
    if (f.status === 403 || codes.has(10000)) {
      return providerError(descriptor, 'FORBIDDEN', `${this.credentials} may not do this${zone ? ` in zone ${zone}` : ''} (${doing}): ${f.text}.`, {
        hint:
          this.auth.kind === 'token'
            ? `Edit the token: it needs Zone → Zone → Read and Zone → DNS → Edit${zone ? `, with ${zone} among its zone resources` : ''}.`
            : 'The user of this key lacks the DNS permission on this zone: check its role in the Cloudflare account.',
      });
    }
    const code: ErrorCode = f.status === 404 ? 'NOT_FOUND' : f.status === 429 || (f.status ?? 0) >= 500 ? 'NETWORK' : 'INVALID_INPUT';
    return providerError(descriptor, code, `the API refused ${doing}${zone ? ` in zone ${zone}` : ''}: ${f.text}.`);
  }

  private zones(signal?: AbortSignal): Promise<CfZone[]> {
    if (!this.zonesPromise) {
      this.zonesPromise = this.api.listZones(signal).catch((e: unknown) => {
        this.zonesPromise = undefined;
        throw this.fail(e, 'listing the zones');
      });
    }
    return this.zonesPromise;
  }

  private async zoneOf(fqdn: string, signal?: AbortSignal): Promise<CfZone> {
    const name = normalizeName(fqdn);
    const zones = await this.zones(signal);
    const best = zones.filter((z) => isSubdomain(name, z.name)).sort((a, b) => b.name.length - a.name.length)[0];
    if (best) return best;
    const parents = parentNames(name);
    const candidates = parents.length > 2 ? parents.slice(1, -1) : parents;
    const seen = zones.length
      ? `${credentials(this.auth)} sees ${zones.length} zone${zones.length === 1 ? '' : 's'}: ${zones
          .slice(0, 10)
          .map((z) => z.name)
          .join(', ')}${zones.length > 10 ? ', ...' : ''}`
      : `${credentials(this.auth)} sees no zone at all`;
    throw providerError(descriptor, 'NOT_FOUND', `no zone for ${name}: none of ${candidates.join(', ')} is a zone this account can see (${seen}).`, {
      hint:
        this.auth.kind === 'token'
          ? `Add the zone that holds ${name} to Cloudflare, or to the token's zone resources (the token needs Zone → Zone → Read and Zone → DNS → Edit for it).`
          : `Add the zone that holds ${name} to this Cloudflare account.`,
    });
  }

  async zoneFor(fqdn: string, opts: CallOptions = {}): Promise<string> {
    return (await this.zoneOf(fqdn, opts.signal)).name;
  }

  private async matching(zone: CfZone, name: string, value: string, signal?: AbortSignal) {
    try {
      const records = await this.api.listTxt(zone.id, name, signal);
      // Cloudflare keeps TXT content as given; records made elsewhere may carry the value in quotes.
      return records.filter((r) => r.content === value || r.content === `"${value}"`);
    } catch (e) {
      throw this.fail(e, `reading the TXT records at ${name}`, zone.name);
    }
  }

  async present(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.zoneOf(name, opts.signal);
    if ((await this.matching(zone, name, record.value, opts.signal)).length) return;
    const ttl = Math.min(MAX_TTL, Math.max(MIN_TTL, Math.round(record.ttl) || MIN_TTL));
    try {
      await this.api.createTxt(zone.id, name, record.value, ttl, opts.signal);
    } catch (e) {
      // Presented twice at once: the other call already made the identical record.
      if (describeFailure(e).errors.some((x) => IDENTICAL_RECORD.has(x.code))) return;
      throw this.fail(e, `adding the TXT record ${name}`, zone.name);
    }
  }

  async cleanUp(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.zoneOf(name, opts.signal);
    for (const r of await this.matching(zone, name, record.value, opts.signal)) {
      try {
        await this.api.deleteRecord(zone.id, r.id, opts.signal);
      } catch (e) {
        const f = describeFailure(e);
        if (f.errors.some((x) => NO_SUCH_RECORD.has(x.code)) || (f.kind === 'api' && f.status === 404)) continue; // already gone
        throw this.fail(e, `deleting the TXT record ${name}`, zone.name);
      }
    }
  }

  /**
   * Proves each permission dns-01 needs, in order: the credentials are valid, the zone of
   * `_acme-challenge.<sampleDomain>` is visible, its TXT records can be read, and a TXT record can be added
   * and removed there (a throwaway value, deleted at once).
   */
  async test(sampleDomain: string, opts: CallOptions = {}): Promise<ConnectionTestResult> {
    const name = `_acme-challenge.${normalizeName(sampleDomain).replace(/^\*\./, '')}`;
    let who: string;
    try {
      who = await this.api.verify(opts.signal);
    } catch (e) {
      throw this.fail(e, 'checking the credentials');
    }
    const zone = await this.zoneOf(name, opts.signal);
    const probe = { fqdn: name, value: `certdesk-connection-test-${randomBytes(8).toString('hex')}`, ttl: MIN_TTL };
    await this.present(probe, opts);
    await this.cleanUp(probe, opts);
    const auth = this.auth.kind === 'token' ? `API token (${who || 'active'})` : `Global API key of ${who || this.auth.email}`;
    return { zone: zone.name, detail: `${auth} accepted; zone ${zone.name} found; a TXT record at ${name} was added and removed again.` };
  }
}

function credentials(auth: CloudflareAuth): string {
  return auth.kind === 'token' ? 'the API token' : 'the account';
}

export function create(config: ProviderConfig): DnsProvider {
  return new CloudflareProvider(parseConfig(config));
}
