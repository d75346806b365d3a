// The RFC 2136 provider: present/cleanUp one TXT value through a TSIG-signed DNS UPDATE.
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.ts';
import { checkFields, normalizeName, providerError, type CallOptions, type ConnectionTestResult, type DnsProvider, type DnsRecord, type ProviderConfig } from '../types.ts';
import { formatServer, isSubdomain, parseServer, type ServerAddress } from '../wire.ts';
import { Rfc2136Client } from './api.ts';
import { descriptor } from './descriptor.ts';
import { decodeSecret, isTsigAlgorithm, type TsigKey } from './tsig.ts';

export interface Rfc2136Settings {
  server: ServerAddress;
  key: TsigKey;
  mode: 'global' | 'per-domain';
  /** Per-domain mode: the zone from the domain's mapping. */
  zone?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** Reads and checks form/CLI values (account fields merged with a domain mapping's fields). */
export function parseConfig(config: ProviderConfig): Rfc2136Settings {
  const get = (id: string) => (config[id] ?? descriptor.fields.find((f) => f.id === id)?.default ?? '').trim();
  const issues = checkFields(descriptor.fields, config);
  const mode = get('mode') === 'per-domain' ? 'per-domain' : 'global';
  if (mode === 'per-domain' && !get('zone')) {
    issues.push({ field: 'zone', message: 'Per-domain mode needs the zone: set it in the domain\'s DNS mapping.' });
  }
  const secret = get('keySecret');
  if (secret) {
    try {
      decodeSecret(secret);
    } catch {
      issues.push({ field: 'keySecret', message: 'TSIG key secret must be base64, as tsig-keygen printed it.' });
    }
  }
  let server: ServerAddress | undefined;
  const endpoint = get('endpoint');
  try {
    server = endpoint ? parseServer(endpoint, Number(get('port')) || 53) : { host: get('server'), port: Number(get('port')) || 53 };
  } catch (e) {
    issues.push({ field: 'endpoint', message: (e as Error).message });
  }
  if (issues.length) {
    throw new AppError('INVALID_INPUT', `${descriptor.displayName}: ${issues.map((i) => i.message).join(' ')}`, {
      field: issues[0]!.field,
      issues,
    });
  }
  const algorithm = get('algorithm');
  return {
    server: server!,
    key: { name: get('keyName'), secret, algorithm: isTsigAlgorithm(algorithm) ? algorithm : 'hmac-sha256' },
    mode,
    ...(mode === 'per-domain' ? { zone: normalizeName(get('zone')) } : {}),
  };
}

export class Rfc2136Provider implements DnsProvider {
  readonly descriptor = descriptor;
  private readonly client: Rfc2136Client;
  private readonly settings: Rfc2136Settings;
  /** Zones already found, per record name (an order asks for the same names again at cleanUp). */
  private readonly zones = new Map<string, string>();

  constructor(settings: Rfc2136Settings) {
    this.settings = settings;
    this.client = new Rfc2136Client({
      server: settings.server,
      key: settings.key,
      label: descriptor.displayName,
      ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.now ? { now: settings.now } : {}),
    });
  }

  get server(): ServerAddress {
    return this.settings.server;
  }

  async zoneFor(fqdn: string, opts: CallOptions = {}): Promise<string> {
    const name = normalizeName(fqdn);
    const { zone } = this.settings;
    if (zone) {
      if (!isSubdomain(name, zone)) {
        throw providerError(descriptor, 'INVALID_INPUT', `${name} is not inside the zone ${zone} given in the domain mapping.`, {
          field: 'zone',
          hint: 'Set the mapping\'s zone to the zone that holds this name.',
        });
      }
      return zone;
    }
    const cached = this.zones.get(name);
    if (cached) return cached;
    const found = await this.client.findZone(name, opts.signal);
    this.zones.set(name, found);
    return found;
  }

  async present(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.zoneFor(name, opts);
    await this.client.addTxt(zone, name, record.value, record.ttl, opts.signal);
  }

  async cleanUp(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.zoneFor(name, opts);
    // Class NONE deletes this value only; a value that is not there is no error (RFC 2136 §3.4.2.4).
    await this.client.deleteTxt(zone, name, record.value, opts.signal);
  }

  /**
   * Finds the zone of `_acme-challenge.<sampleDomain>` and proves the key may change it: deletes a random
   * value that cannot exist there (a change that changes nothing, but is checked against the key and the
   * update policy like a real one).
   */
  async test(sampleDomain: string, opts: CallOptions = {}): Promise<ConnectionTestResult> {
    const name = `_acme-challenge.${normalizeName(sampleDomain).replace(/^\*\./, '')}`;
    const zone = await this.zoneFor(name, opts);
    await this.client.deleteTxt(zone, name, `certdesk-connection-test-${randomBytes(8).toString('hex')}`, opts.signal);
    return {
      zone,
      detail: `${formatServer(this.settings.server)} accepted the key "${this.settings.key.name}" (${this.settings.key.algorithm}) for changes to ${name} in zone ${zone}.`,
    };
  }
}

export function create(config: ProviderConfig): DnsProvider {
  return new Rfc2136Provider(parseConfig(config));
}
