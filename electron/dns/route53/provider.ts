// The Route 53 provider: adds/removes one TXT value at a name, keeping the other values of that record set.
// Route 53 replaces whole record sets, so each change is a read then one atomic DELETE(exact old set) +
// CREATE(new set) batch, serialised per name in this process, and retried when someone else changed the set
// in between (Route 53 refuses a DELETE whose values no longer match). Every change is polled until Route 53
// reports it INSYNC (on all its name servers) before present/cleanUp return.
import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode } from '../../../shared/ipc/errors.ts';
import { checkHttpEndpoint } from '../http-endpoint.ts';
import { withNameLock } from '../name-lock.ts';
import { checkFields, normalizeName, providerError, throwFieldIssues, type CallOptions, type ConnectionTestResult, type DnsProvider, type DnsRecord, type ProviderConfig } from '../types.ts';
import { isSubdomain, parentNames } from '../wire.ts';
import { Route53Api, type HostedZone, type TxtSet } from './api.ts';
import { descriptor, ROUTE53_ACTIONS } from './descriptor.ts';

type Action = (typeof ROUTE53_ACTIONS)[number] | 'route53:GetHostedZone';

export interface Route53Settings {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  hostedZoneId?: string;
  endpoint?: string;
  /** How long to wait for INSYNC (ms). */
  insyncTimeoutMs?: number;
  /** Delays between GetChange polls (ms); the last one repeats. */
  pollDelaysMs?: number[];
  /** ListHostedZones page size (the service's default is 100). */
  zonePageSize?: number;
  maxAttempts?: number;
}

export function parseConfig(config: ProviderConfig): Route53Settings {
  const get = (id: string) => (config[id] ?? descriptor.fields.find((f) => f.id === id)?.default ?? '').trim();
  const issues = checkFields(descriptor.fields, config);
  const endpoint = get('endpoint');
  const bad = endpoint ? checkHttpEndpoint(endpoint, 'https://route53.amazonaws.com') : null;
  if (bad) issues.push({ field: 'endpoint', message: bad });
  const zoneId = get('hostedZoneId').replace(/^\/hostedzone\//, '');
  if (zoneId && !/^[A-Z0-9]{1,32}$/i.test(zoneId)) issues.push({ field: 'hostedZoneId', message: 'Hosted zone ID looks like Z0123456789ABC (letters and digits).' });
  throwFieldIssues(descriptor, issues);
  return {
    accessKeyId: get('accessKeyId'),
    secretAccessKey: get('secretAccessKey'),
    region: get('region'),
    ...(zoneId ? { hostedZoneId: zoneId } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError('CANCELLED', `${descriptor.displayName}: cancelled.`));
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(new AppError('CANCELLED', `${descriptor.displayName}: cancelled.`));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class Route53Provider implements DnsProvider {
  readonly descriptor = descriptor;
  readonly api: Route53Api;
  private readonly settings: Route53Settings;
  private readonly zones = new Map<string, HostedZone>();

  constructor(settings: Route53Settings) {
    this.settings = settings;
    this.api = new Route53Api({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
    });
  }

  private get where(): string {
    return this.settings.endpoint ?? 'Route 53';
  }

  /** An SDK error as a message that names the cause and what to do; never contains the secret. */
  private explain(e: unknown, action: Action, what: string): AppError {
    if (e instanceof AppError) return e;
    const err = (e ?? {}) as AwsError;
    const name = err.name ?? 'Error';
    const status = err.$metadata?.httpStatusCode;
    const said = `${name}${status ? ` ${status}` : ''}: ${this.hideSecret(err.message ?? '')}`;
    const key = `the access key ${this.settings.accessKeyId}`;
    const fail = (code: ErrorCode, message: string, hint?: string) => providerError(descriptor, code, message, hint ? { hint } : {});
    if (err.name === 'AbortError') return new AppError('CANCELLED', `${descriptor.displayName}: cancelled.`);
    switch (name) {
      case 'InvalidClientTokenId':
      case 'UnrecognizedClientException':
        return fail('FORBIDDEN', `AWS does not know ${key} (${said}).`, 'Check the access key ID; the key may have been deleted or made inactive in IAM.');
      case 'SignatureDoesNotMatch':
      case 'IncompleteSignature':
        return fail('FORBIDDEN', `AWS rejected the signature made with the secret access key of ${key} (${said}).`, 'The secret access key is wrong (paste it again), or this computer\'s clock is off.');
      case 'AccessDenied':
      case 'AccessDeniedException':
        return fail('FORBIDDEN', `${key} lacks the permission ${action}, needed to ${what} (${said}).`, `Grant ${action} to the IAM user (e.g. the policy AmazonRoute53FullAccess, or one with ${ROUTE53_ACTIONS.join(', ')}).`);
      case 'NoSuchHostedZone':
        return fail('NOT_FOUND', `the hosted zone ${this.settings.hostedZoneId ?? '(none given)'} does not exist or is not in this account (${said}).`, 'Check the hosted zone ID, or leave it empty to find the zone automatically.');
      case 'Throttling':
      case 'ThrottlingException':
      case 'PriorRequestNotComplete':
        return fail('NETWORK', `Route 53 is throttling requests while trying to ${what} (${said}).`, 'Try again in a minute.');
    }
    const code = (err as { code?: string }).code;
    if (!status && (code || name === 'TimeoutError')) {
      return fail('NETWORK', `could not reach ${this.where} to ${what} (${code ?? name}: ${this.hideSecret(err.message ?? '')}).`, 'Check the network connection and the endpoint.');
    }
    return fail('NETWORK', `Route 53 could not ${what} (${said}).`);
  }

  private hideSecret(text: string): string {
    const secret = this.settings.secretAccessKey;
    return secret ? text.replaceAll(secret, '[secret]') : text;
  }

  private async call<T>(action: Action, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.explain(e, action, what);
    }
  }

  /** The hosted zone that holds `name`: the configured one, or the deepest public zone the account has. */
  async hostedZoneFor(fqdn: string, opts: CallOptions = {}): Promise<HostedZone> {
    const name = normalizeName(fqdn);
    const cached = this.zones.get(name);
    if (cached) return cached;
    let zone: HostedZone;
    const { hostedZoneId } = this.settings;
    if (hostedZoneId) {
      zone = await this.call('route53:GetHostedZone', `read the hosted zone ${hostedZoneId}`, () => this.api.getZone(hostedZoneId, opts.signal));
      if (!isSubdomain(name, zone.name)) {
        throw providerError(descriptor, 'INVALID_INPUT', `${name} is not inside the hosted zone ${hostedZoneId} (${zone.name}).`, {
          field: 'hostedZoneId',
          hint: 'Give the hosted zone that holds this name, or leave Hosted zone ID empty to find it automatically.',
        });
      }
    } else {
      const all = await this.call('route53:ListHostedZones', 'list the hosted zones', () => this.api.listZones(opts.signal, this.settings.zonePageSize));
      const candidates = parentNames(name).map((n) => n.toLowerCase());
      const found = candidates.map((c) => all.find((z) => !z.privateZone && z.name === c)).find((z) => z);
      if (!found) {
        const privates = all.filter((z) => z.privateZone && candidates.includes(z.name)).map((z) => `${z.name} (${z.id})`);
        const seen = all.filter((z) => !z.privateZone).map((z) => z.name);
        throw providerError(
          descriptor,
          'NOT_FOUND',
          `no public hosted zone for ${name} in the account of ${this.settings.accessKeyId}: looked for ${candidates.slice(1).join(', ')}; ` +
            `the account has ${seen.length ? seen.join(', ') : 'no public hosted zones'}${privates.length ? `; only private zones match: ${privates.join(', ')}` : ''}.`,
          { hint: 'Create the hosted zone for the domain in Route 53 (and delegate the domain to its name servers), or use the access key of the account that holds it.' },
        );
      }
      zone = found;
    }
    this.zones.set(name, zone);
    return zone;
  }

  async zoneFor(fqdn: string, opts: CallOptions = {}): Promise<string> {
    return (await this.hostedZoneFor(fqdn, opts)).name;
  }

  async present(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    await this.modify(record, opts, (set) => {
      const values = set?.values ?? [];
      if (values.includes(record.value)) return set;
      return { ttl: set?.ttl ?? record.ttl, values: [...values, record.value] };
    });
  }

  async cleanUp(record: DnsRecord, opts: CallOptions = {}): Promise<void> {
    await this.modify(record, opts, (set) => {
      if (!set || !set.values.includes(record.value)) return set;
      return { ttl: set.ttl, values: set.values.filter((v) => v !== record.value) };
    });
  }

  /** Read, compute, swap atomically; again when the set changed under us; then wait for INSYNC. */
  private async modify(record: DnsRecord, opts: CallOptions, next: (set: TxtSet | null) => TxtSet | null): Promise<void> {
    const name = normalizeName(record.fqdn);
    const zone = await this.hostedZoneFor(name, opts);
    await withNameLock(`route53|${this.settings.endpoint ?? ''}|${zone.id}|${name}`, async () => {
      for (let attempt = 1; ; attempt++) {
        const before = await this.call('route53:ListResourceRecordSets', `read the TXT records of ${name}`, () => this.api.getTxt(zone.id, name, opts.signal));
        const after = next(before);
        if (after === before) return;
        let changeId: string | null;
        try {
          changeId = await this.api.replaceTxt(zone.id, name, before, after, opts.signal);
        } catch (e) {
          if ((e as AwsError).name === 'InvalidChangeBatch' && attempt < 4) continue; // changed meanwhile: read again
          throw this.explain(e, 'route53:ChangeResourceRecordSets', `change the TXT records of ${name} in ${zone.name}`);
        }
        if (changeId) await this.waitInsync(changeId, name, opts.signal);
        return;
      }
    });
  }

  /** Polls GetChange until INSYNC: Route 53 then answers the new set from all its name servers. */
  async waitInsync(changeId: string, name: string, signal?: AbortSignal): Promise<void> {
    const delays = this.settings.pollDelaysMs ?? [250, 500, 1000, 2000, 4000, 5000];
    const timeoutMs = this.settings.insyncTimeoutMs ?? 180_000;
    const started = Date.now();
    for (let i = 0; ; i++) {
      const status = await this.call('route53:GetChange', `check whether the change of ${name} is in sync`, () => this.api.changeStatus(changeId, signal));
      if (status === 'INSYNC') return;
      if (Date.now() - started >= timeoutMs) {
        throw providerError(descriptor, 'NETWORK', `the change ${changeId} of ${name} was still PENDING after ${Math.round(timeoutMs / 1000)} s; Route 53 has not put it on all its name servers.`, {
          hint: 'Route 53 normally syncs within a minute; try again later.',
        });
      }
      await sleep(Math.min(delays[Math.min(i, delays.length - 1)]!, Math.max(0, timeoutMs - (Date.now() - started))), signal);
    }
  }

  /**
   * Proves each permission dns-01 needs, without changing anything: finds the zone (ListHostedZones or
   * GetHostedZone), reads the TXT set (ListResourceRecordSets), asks to delete a value that does not exist
   * (ChangeResourceRecordSets: IAM is checked before the batch, which Route 53 then refuses as
   * InvalidChangeBatch), and asks for an unknown change (GetChange: NoSuchChange when allowed).
   */
  async test(sampleDomain: string, opts: CallOptions = {}): Promise<ConnectionTestResult> {
    const name = `_acme-challenge.${normalizeName(sampleDomain).replace(/^\*\./, '')}`;
    const zone = await this.hostedZoneFor(name, opts);
    const current = await this.call('route53:ListResourceRecordSets', `read the TXT records of ${name}`, () => this.api.getTxt(zone.id, name, opts.signal));
    const probe = `certdesk-connection-test-${randomBytes(8).toString('hex')}`;
    try {
      await this.api.replaceTxt(zone.id, name, { ttl: current?.ttl ?? 60, values: [...(current?.values ?? []), probe] }, null, opts.signal);
      throw providerError(descriptor, 'INTERNAL', `Route 53 accepted deleting a TXT value that does not exist at ${name}; the endpoint does not behave like Route 53.`);
    } catch (e) {
      if ((e as AwsError).name !== 'InvalidChangeBatch') throw this.explain(e, 'route53:ChangeResourceRecordSets', `change the TXT records of ${name} in ${zone.name}`);
    }
    try {
      await this.api.changeStatus(`C${randomBytes(8).toString('hex').toUpperCase()}`, opts.signal);
    } catch (e) {
      if ((e as AwsError).name !== 'NoSuchChange') throw this.explain(e, 'route53:GetChange', 'check whether changes are in sync');
    }
    return {
      zone: zone.name,
      detail: `${this.settings.accessKeyId} may read and change TXT records of ${name} in the hosted zone ${zone.name} (${zone.id}) and follow changes until INSYNC.`,
    };
  }
}

export function create(config: ProviderConfig): DnsProvider {
  return new Route53Provider(parseConfig(config));
}
