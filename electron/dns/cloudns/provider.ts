// The ClouDNS provider: one TXT record per value (ClouDNS keeps each value as its own record with an id, so
// apex and wildcard values never replace each other); cleanUp deletes exactly the records holding our value.
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.ts';
import { checkFields, normalizeName, providerError, throwFieldIssues, type CallOptions, type ConnectionTestResult, type DnsProvider, type DnsRecord, type ProviderConfig } from '../types.ts';
import { parentNames } from '../wire.ts';
import { ClouDnsApi, ClouDnsFailure, type ClouDnsApiOptions, type ClouDnsAuth, type ClouDnsZone } from './api.ts';
import { DEFAULT_ENDPOINT, descriptor } from './descriptor.ts';

export type ClouDnsSettings = ClouDnsApiOptions;

/** Reads and checks form/CLI values: exactly one of authId, subAuthId, subAuthUser, and the password. */
export function parseConfig(config: ProviderConfig): ClouDnsSettings {
  const get = (id: string) => (config[id] ?? '').trim();
  const issues = checkFields(descriptor.fields, config);
  const given = (
    [
      ['authId', 'auth-id'],
      ['subAuthId', 'sub-auth-id'],
      ['subAuthUser', 'sub-auth-user'],
    ] as const
  ).filter(([id]) => get(id));
  if (given.length !== 1) {
    issues.push({
      field: 'authId',
      message: given.length ? 'Give only one of Auth ID, Sub auth ID and Sub auth user.' : 'Give the Auth ID (or, for a sub-user, the Sub auth ID or Sub auth user).',
    });
  }
  const endpoint = get('endpoint') || DEFAULT_ENDPOINT;
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    issues.push({ field: 'endpoint', message: `Endpoint must be an http(s) URL, e.g. ${DEFAULT_ENDPOINT}.` });
  }
  throwFieldIssues(descriptor, issues);
  const [id, param] = given[0]!;
  return { auth: { param, value: get(id), password: config.password ?? '' }, endpoint };
}

const FIELD: Record<ClouDnsAuth['param'], string> = { 'auth-id': 'authId', 'sub-auth-id': 'subAuthId', 'sub-auth-user': 'subAuthUser' };
const LABEL: Record<ClouDnsAuth['param'], string> = { 'auth-id': 'Auth ID', 'sub-auth-id': 'Sub auth ID', 'sub-auth-user': 'Sub auth user' };

export class ClouDnsProvider implements DnsProvider {
  readonly descriptor = descriptor;
  readonly api: ClouDnsApi;
  private readonly auth: ClouDnsAuth;
  private readonly zones = new Map<string, Promise<ClouDnsZone>>();
  private loggedIn: Promise<void> | undefined;

  constructor(settings: ClouDnsSettings) {
    this.auth = settings.auth;
    this.api = new ClouDnsApi(settings);
  }

  private get user(): string {
    return `${LABEL[this.auth.param]} ${this.auth.value}`;
  }

  /** Turns a ClouDNS failure (also an HTTP-200 "Failed") into an AppError naming ClouDNS, the step and its reason. */
  private fail(e: unknown, doing: string, zone?: string): AppError {
    if (e instanceof AppError) return e;
    const err = this.describe(e, doing, zone);
    // No password in any message, whatever a library put in its error text.
    const pw = this.auth.password;
    if (pw.length < 4 || !(err.message.includes(pw) || (err.hint ?? '').includes(pw))) return err;
    const clean = (t: string) => t.split(pw).join('***');
    return new AppError(err.code, clean(err.message), { ...(err.field ? { field: err.field } : {}), ...(err.hint ? { hint: clean(err.hint) } : {}) });
  }

  private describe(e: unknown, doing: string, zone?: string): AppError {
    if (!(e instanceof ClouDnsFailure)) return providerError(descriptor, 'INTERNAL', `${doing} failed: ${e instanceof Error ? e.message : String(e)}.`);
    if (e.kind === 'cancelled') return new AppError('CANCELLED', `${descriptor.displayName}: ${doing} was cancelled.`);
    if (e.kind === 'network') {
      return providerError(descriptor, 'NETWORK', `could not reach ${this.api.endpoint} while ${doing}: ${e.detail}.`, {
        hint: 'Check the network connection (and the endpoint, if you changed it).',
      });
    }
    if (e.kind === 'http') return providerError(descriptor, 'NETWORK', `the API answered ${e.detail} while ${doing}.`);
    if (e.isAuth) {
      return providerError(descriptor, 'FORBIDDEN', `the API user (${this.user}) and password were not accepted while ${doing}: "${e.detail}"`, {
        field: FIELD[this.auth.param],
        hint: 'Check the API user and its password under API & Resellers → API users (not the control panel login), and that the API allows this computer\'s IP address.',
      });
    }
    return providerError(descriptor, 'FORBIDDEN', `${doing}${zone ? ` in zone ${zone}` : ''} failed: "${e.detail}"`, {
      hint: 'ClouDNS said no; the reason above is its own.',
    });
  }

  /** The closest enclosing zone of `name` in this account: get-zone-info for the name's parents, longest first. */
  private zoneOf(fqdn: string, signal?: AbortSignal): Promise<ClouDnsZone> {
    const name = normalizeName(fqdn);
    let p = this.zones.get(name);
    if (!p) {
      p = this.findZone(name, signal);
      this.zones.set(name, p);
      p.catch(() => this.zones.delete(name));
    }
    return p;
  }

  /**
   * Logs in once per provider: afterwards a "Failed" from get-zone-info can only mean "no such zone", not
   * "wrong password" or "this IP address may not use the API".
   */
  private login(signal?: AbortSignal): Promise<void> {
    if (!this.loggedIn) {
      this.loggedIn = this.api.login(signal).then(
        () => undefined,
        (e: unknown) => {
          this.loggedIn = undefined;
          throw this.fail(e, 'logging in');
        },
      );
    }
    return this.loggedIn;
  }

  private async findZone(name: string, signal?: AbortSignal): Promise<ClouDnsZone> {
    await this.login(signal);
    const parents = parentNames(name);
    const candidates = parents.length > 2 ? parents.slice(1, -1) : parents;
    for (const candidate of candidates) {
      let z: ClouDnsZone | null;
      try {
        z = await this.api.zoneInfo(candidate, signal);
      } catch (e) {
        throw this.fail(e, `looking up the zone ${candidate}`);
      }
      if (!z) continue;
      if (z.type && z.type !== 'master') {
        throw providerError(descriptor, 'INVALID_INPUT', `zone ${z.name} is a ${z.type} zone at ClouDNS; only master zones accept record changes.`, {
          hint: 'Change the record at the zone\'s primary server, or make the zone a master zone at ClouDNS.',
        });
      }
      return z;
    }
    // Name what the account does see (every page), so the user can tell which zone is missing.
    let seen = '';
    try {
      const all = await this.api.listZones(signal);
      seen = all.length
        ? `; ${this.user} sees ${all.length} zone${all.length === 1 ? '' : 's'}: ${all
            .slice(0, 10)
            .map((z) => z.name)
            .join(', ')}${all.length > 10 ? ', ...' : ''}`
        : `; ${this.user} sees no zone at all`;
    } catch {
      // only for the message
    }
    throw providerError(descriptor, 'NOT_FOUND', `no zone for ${name}: none of ${candidates.join(', ')} is a zone in this ClouDNS account${seen}.`, {
      hint: `Add the zone that holds ${name} at ClouDNS${this.auth.param === 'auth-id' ? '' : ', or give this sub-user access to it'}.`,
    });
  }

  async zoneFor(fqdn: string, opts: CallOptions = {}): Promise<string> {
    return (await this.zoneOf(fqdn, opts.signal)).name;
  }

  private async matching(zone: string, host: string, value: string, signal?: AbortSignal) {
    try {
      return (await this.api.listTxt(zone, host, signal)).filter((r) => r.record === value);
    } catch (e) {
      throw this.fail(e, `reading the TXT records at ${host || '@'}`, zone);
    }
  }

  private hostIn(name: string, zone: string): string {
    return name === zone ? '' : name.slice(0, -(zone.length + 1));
  }

  async present(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = (await this.zoneOf(name, opts.signal)).name;
    const host = this.hostIn(name, zone);
    if ((await this.matching(zone, host, record.value, opts.signal)).length) return;
    try {
      await this.api.addTxt(zone, host, record.value, record.ttl, opts.signal);
    } catch (e) {
      // Presented twice at once: the other call already made the identical record.
      if (e instanceof ClouDnsFailure && e.kind === 'failed' && /already exists/i.test(e.detail)) return;
      throw this.fail(e, `adding the TXT record ${name}`, zone);
    }
  }

  async cleanUp(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = (await this.zoneOf(name, opts.signal)).name;
    const host = this.hostIn(name, zone);
    for (const r of await this.matching(zone, host, record.value, opts.signal)) {
      try {
        await this.api.deleteRecord(zone, r.id, opts.signal);
      } catch (e) {
        // Deleted meanwhile (another cleanUp of the same value): gone is what we wanted.
        if (e instanceof ClouDnsFailure && e.kind === 'failed' && !e.isAuth && !(await this.matching(zone, host, record.value, opts.signal)).some((x) => x.id === r.id)) continue;
        throw this.fail(e, `deleting the TXT record ${name}`, zone);
      }
    }
  }

  /**
   * Proves each step dns-01 needs: the API user logs in, the zone of `_acme-challenge.<sampleDomain>` is in
   * the account (a master zone), and a TXT record can be added there and removed again (a throwaway value).
   */
  async test(sampleDomain: string, opts: CallOptions = {}): Promise<ConnectionTestResult> {
    const name = `_acme-challenge.${normalizeName(sampleDomain).replace(/^\*\./, '')}`;
    await this.login(opts.signal);
    const zone = await this.zoneOf(name, opts.signal);
    const probe = { fqdn: name, value: `certdesk-connection-test-${randomBytes(8).toString('hex')}`, ttl: 60 };
    await this.present(probe, opts);
    await this.cleanUp(probe, opts);
    return { zone: zone.name, detail: `${this.user} logged in; master zone ${zone.name} found; a TXT record at ${name} was added and removed again.` };
  }
}

export function create(config: ProviderConfig): DnsProvider {
  return new ClouDnsProvider(parseConfig(config));
}
