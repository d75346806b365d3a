// Azure DNS client: @azure/arm-dns (Azure Resource Manager, api-version 2018-05-01) signed in with
// @azure/identity's ClientSecretCredential. Both endpoints are injectable: `endpoint` (Resource Manager) and
// `authorityHost` (Microsoft Entra sign-in), for sovereign clouds, Azure Stack and our tests; a private CA can be
// trusted for this client only (`ca`), never process-wide.
//
// Azure replaces a record set whole (PUT), so reads return the record set's etag and writes are conditional
// (If-Match: that etag, or If-None-Match: * to create); a 412 comes back as `false` for the caller to re-read.
import https from 'node:https';
// The SDKs are loaded on the first call (dynamic import), not when the registry lists this provider: every
// Certdesk start would otherwise pay for evaluating them.
import type { DnsManagementClient, RecordSet } from '@azure/arm-dns';
import { AppError, type ErrorCode } from '../../../shared/ipc/errors.ts';
import { providerError } from '../types.ts';
import { descriptor, AZURE_ARM_ENDPOINT, AZURE_AUTHORITY_HOST } from './descriptor.ts';

export interface AzureSettings {
  subscriptionId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  resourceGroup: string;
  /** Resource Manager base URL, no trailing slash. */
  endpoint: string;
  /** Microsoft Entra sign-in host, no trailing slash. */
  authorityHost: string;
}

export interface AzureClientOptions {
  /** PEM CA certificate(s) trusted by this client only (both sign-in and Resource Manager). */
  ca?: string | string[];
  /** Retries of throttled/unavailable answers and network failures (default: 3, from 800 ms). */
  retry?: { maxRetries: number; retryDelayInMs?: number };
}

/**
 * One TXT record set as Azure holds it. `records` keeps each TXT record's strings exactly as they are (a long
 * value split into several strings stays split the same way when the set is written back); `values` are the
 * same records with their strings joined, for comparing with a dns-01 value.
 */
export interface TxtRecordSet {
  etag: string;
  ttl: number;
  records: string[][];
  values: string[];
  metadata?: Record<string, string>;
}

/** Sign-in hosts MSAL knows (instance discovery works for them); any other host is used as given. */
const KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
  'login.windows.net',
]);

/** TXT value → Azure's `value: string[]` (strings of at most 255 characters, RFC 1035 §3.3.14). */
export function txtChunks(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [''];
}

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  errorResponse?: { error?: string; errorDescription?: string };
}

type IdentitySdk = typeof import('@azure/identity');
type ArmDnsSdk = typeof import('@azure/arm-dns');
let loadingSdks: Promise<[IdentitySdk, ArmDnsSdk]> | undefined;

function loadSdks(): Promise<[IdentitySdk, ArmDnsSdk]> {
  loadingSdks ??= Promise.all([import('@azure/identity'), import('@azure/arm-dns')]).catch((e: unknown) => {
    loadingSdks = undefined;
    throw e;
  });
  return loadingSdks;
}

export class AzureDnsClient {
  readonly settings: AzureSettings;
  private armClient: Promise<DnsManagementClient> | undefined;
  private readonly opts: AzureClientOptions;
  private readonly ca: string | string[] | undefined;

  constructor(settings: AzureSettings, opts: AzureClientOptions = {}) {
    this.settings = settings;
    this.opts = opts;
    this.ca = opts.ca;
  }

  /** The Resource Manager client, made (and its SDKs loaded) on the first call. */
  private arm(): Promise<DnsManagementClient> {
    this.armClient ??= loadSdks().then(
      ([identity, armDns]) => this.makeClient(identity, armDns),
      (e: unknown) => {
        this.armClient = undefined;
        throw e;
      },
    );
    return this.armClient;
  }

  private makeClient(identity: IdentitySdk, armDns: ArmDnsSdk): DnsManagementClient {
    const { settings, opts } = this;
    const tls = opts.ca ? { tlsOptions: { ca: opts.ca } } : {};
    const retryOptions = opts.retry ?? { maxRetries: 3, retryDelayInMs: 800 };
    const authorityHost = settings.authorityHost || AZURE_AUTHORITY_HOST;
    const credential = new identity.ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, {
      authorityHost,
      // MSAL validates an authority against Microsoft's instance discovery; a host it cannot know (Azure Stack,
      // ADFS, a test fake) is trusted as configured instead.
      disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase()),
      retryOptions,
      ...tls,
    });
    const endpoint = settings.endpoint || AZURE_ARM_ENDPOINT;
    return new armDns.DnsManagementClient(credential, settings.subscriptionId, {
      endpoint,
      $host: endpoint,
      credentialScopes: [`${endpoint}/.default`],
      retryOptions,
      ...tls,
    });
  }

  private get rg(): string {
    return this.settings.resourceGroup;
  }

  /** Every zone in the resource group, all pages. */
  listZones(signal?: AbortSignal): Promise<string[]>;
  /** With `forbiddenAsNull`: null when the application may not list them (403), for the caller to ask by name. */
  listZones(signal: AbortSignal | undefined, opts: { forbiddenAsNull: true }): Promise<string[] | null>;
  async listZones(signal?: AbortSignal, opts: { forbiddenAsNull?: boolean } = {}): Promise<string[] | null> {
    const out: string[] = [];
    try {
      for await (const z of (await this.arm()).zones.listByResourceGroup(this.rg, { abortSignal: signal })) {
        if (z.name) out.push(z.name.toLowerCase());
      }
    } catch (e) {
      if (opts.forbiddenAsNull && (e as ErrorLike).statusCode === 403) return null;
      throw await this.explain(e, `listing the DNS zones of resource group "${this.rg}"`);
    }
    return out;
  }

  /**
   * Whether `zone` exists in the resource group (a 404 is `false`; with `forbiddenAsNull` a 403 is null;
   * other failures throw).
   */
  async hasZone(zone: string, signal?: AbortSignal, opts: { forbiddenAsNull?: boolean } = {}): Promise<boolean | null> {
    try {
      await (await this.arm()).zones.get(this.rg, zone, { abortSignal: signal });
      return true;
    } catch (e) {
      if (opts.forbiddenAsNull && (e as ErrorLike).statusCode === 403) return null;
      if ((e as ErrorLike).statusCode === 404) {
        const code = (e as ErrorLike).code;
        if (code === 'SubscriptionNotFound' || code === 'ResourceGroupNotFound') throw await this.explain(e, `reading the zone ${zone}`);
        return false;
      }
      throw await this.explain(e, `reading the zone ${zone}`);
    }
  }

  /** The TXT record set `name` (relative, `@` for the apex) in `zone`, or null when there is none. */
  async getTxt(zone: string, name: string, signal?: AbortSignal): Promise<TxtRecordSet | null> {
    let rs: RecordSet;
    try {
      rs = await (await this.arm()).recordSets.get(this.rg, zone, name, 'TXT', { abortSignal: signal });
    } catch (e) {
      const err = e as ErrorLike;
      if (err.statusCode === 404 && err.code !== 'SubscriptionNotFound' && err.code !== 'ResourceGroupNotFound' && err.code !== 'ParentResourceNotFound') {
        return null;
      }
      throw await this.explain(e, `reading the TXT record set ${name} in zone ${zone}`);
    }
    const records = (rs.txtRecords ?? []).map((r) => r.value ?? []);
    return {
      etag: rs.etag ?? '',
      ttl: rs.ttl ?? 60,
      records,
      values: records.map((r) => r.join('')),
      ...(rs.metadata ? { metadata: rs.metadata } : {}),
    };
  }

  /**
   * Writes the whole TXT record set (`records`: each record's strings, see txtChunks). `ifMatch` = the etag read before (the set must be unchanged since), or
   * `create` (the set must not exist yet). Returns false when Azure says someone changed it in between (412).
   */
  async putTxt(
    zone: string,
    name: string,
    set: { ttl: number; records: string[][]; metadata?: Record<string, string> },
    cond: { ifMatch: string } | { create: true },
    signal?: AbortSignal,
  ): Promise<boolean> {
    try {
      await (await this.arm()).recordSets.createOrUpdate(
        this.rg,
        zone,
        name,
        'TXT',
        { ttl: set.ttl, txtRecords: set.records.map((value) => ({ value })), ...(set.metadata ? { metadata: set.metadata } : {}) },
        { abortSignal: signal, ...('create' in cond ? { ifNoneMatch: '*' } : { ifMatch: cond.ifMatch }) },
      );
      return true;
    } catch (e) {
      if ((e as ErrorLike).statusCode === 412) return false;
      throw await this.explain(e, `writing the TXT record set ${name} in zone ${zone}`);
    }
  }

  /** Deletes the TXT record set if its etag is still `ifMatch`; false when it changed (412). */
  async deleteTxt(zone: string, name: string, ifMatch: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await (await this.arm()).recordSets.delete(this.rg, zone, name, 'TXT', { abortSignal: signal, ifMatch });
      return true;
    } catch (e) {
      if ((e as ErrorLike).statusCode === 412) return false;
      throw await this.explain(e, `deleting the TXT record set ${name} in zone ${zone}`);
    }
  }

  /**
   * Like fail(), but when MSAL could only say that it could not read the sign-in metadata
   * (endpoints_resolution_error, no cause given), reads it once more itself to tell the user why.
   */
  async explain(e: unknown, doing: string): Promise<AppError> {
    if (!/endpoints_resolution_error/.test((e as ErrorLike)?.message ?? '')) return this.fail(e, doing);
    const s = this.settings;
    const url = `${s.authorityHost}/${encodeURIComponent(s.tenantId)}/v2.0/.well-known/openid-configuration`;
    const make = (code: ErrorCode, message: string, field: string, hint: string) => providerError(descriptor, code, this.scrub(message), { field, hint });
    const got = await new Promise<{ status: number; body: string } | { error: NodeJS.ErrnoException }>((resolve) => {
      const req = https.get(url, { ...(this.ca ? { ca: this.ca } : {}), timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c.length + body.length < 65536 ? c : ''));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (error) => resolve({ error }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 10 s'), { code: 'ETIMEDOUT' })));
      req.on('error', (error) => resolve({ error }));
    });
    if ('error' in got) {
      const c = got.error.code ?? '';
      const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(`${c} ${got.error.message}`);
      return make(
        tls ? 'TLS' : 'NETWORK',
        `could not reach the sign-in authority ${s.authorityHost}: ${c ? `${c} ` : ''}${firstLine(got.error.message)}.`,
        'authorityHost',
        tls ? 'The sign-in authority\'s TLS certificate is not trusted.' : 'Check the network connection and, under Advanced, the sign-in authority.',
      );
    }
    let parsed: { error?: string; error_description?: string } = {};
    try {
      parsed = JSON.parse(got.body) as typeof parsed;
    } catch {
      // not JSON: reported by status below
    }
    const aad = /AADSTS(\d+)[:\s]+([^\r\n]*?)(?:\s+Trace ID:|\r|\n|$)/.exec(parsed.error_description ?? '');
    if (aad) {
      return make('NOT_FOUND', `Microsoft Entra ID (${s.authorityHost}) does not know the directory ${s.tenantId}: AADSTS${aad[1]}: ${aad[2]!.trim()}`, 'tenantId', 'Check the Directory ID (and that the sign-in authority belongs to the same cloud).');
    }
    return make(
      'NETWORK',
      `the sign-in authority ${s.authorityHost} answered ${got.status} instead of the OpenID configuration of directory ${s.tenantId}.`,
      'authorityHost',
      'Check the Directory ID and, under Advanced, the sign-in authority.',
    );
  }

  /** An error that says who refused what and what to change; never carries the client secret. */
  fail(e: unknown, doing: string): AppError {
    if (e instanceof AppError) return e;
    const err = (e ?? {}) as ErrorLike;
    const s = this.settings;
    const make = (code: ErrorCode, message: string, field?: string, hint?: string) =>
      providerError(descriptor, code, this.scrub(message), { ...(field ? { field } : {}), ...(hint ? { hint: this.scrub(hint) } : {}) });
    if (err.name === 'AbortError') return make('CANCELLED', `cancelled while ${doing}.`);

    // Sign-in (Microsoft Entra ID through MSAL): AuthenticationError, or MSAL's errors wrapped by @azure/identity.
    const aad = /AADSTS(\d+)[:\s]+([^\r\n]*?)(?:\s+Trace ID:|\r|\n|$)/.exec(`${err.errorResponse?.errorDescription ?? ''}\n${err.message ?? ''}`);
    const signInError = err.name === 'AuthenticationError' || err.name === 'AuthenticationRequiredError' || err.name === 'CredentialUnavailableError';
    if (aad || signInError) {
      const where = s.authorityHost;
      if (aad) {
        const [, num, text] = aad;
        const known: Record<string, [string, string]> = {
          '7000215': ['clientSecret', 'Paste the client secret\'s Value (not its Secret ID), or create a new one under Certificates & secrets.'],
          '7000222': ['clientSecret', 'The client secret has expired: create a new one under Certificates & secrets.'],
          '700016': ['clientId', 'Check the Application ID, and that the app is registered in that directory.'],
          '90002': ['tenantId', 'Check the Directory ID (and that the sign-in authority belongs to the same cloud).'],
          '900023': ['tenantId', 'The Directory ID must be a GUID or a domain such as contoso.onmicrosoft.com.'],
          '500011': ['endpoint', 'The Resource Manager endpoint does not belong to this cloud: use the one that matches the sign-in authority.'],
        };
        const [field, hint] = known[num!] ?? [undefined, 'Check the Directory ID, Application ID and Application key.'];
        return make('FORBIDDEN', `Microsoft Entra ID (${where}) refused to sign in the application ${s.clientId} to directory ${s.tenantId}: AADSTS${num}: ${text!.trim()}`, field, hint);
      }
      if (/endpoints_resolution_error|openid|metadata/i.test(err.message ?? '')) {
        return make(
          'FORBIDDEN',
          `could not read the sign-in configuration of directory ${s.tenantId} from ${where} (unknown Directory ID, or the authority is unreachable).`,
          'tenantId',
          'Check the Directory ID and, under Advanced, the sign-in authority.',
        );
      }
      const desc = err.errorResponse?.errorDescription ?? err.message ?? 'unknown error';
      return make('FORBIDDEN', `signing in to ${where} as application ${s.clientId} failed: ${firstLine(desc)}`, 'clientSecret', 'Check the Directory ID, Application ID and Application key.');
    }

    // Resource Manager: RestError with the status and the ARM error code.
    const status = err.statusCode;
    const code = err.code ?? '';
    const msg = firstLine(err.message ?? String(e));
    if (status === undefined) {
      const tls = /certificate|self.signed|UNABLE_TO_VERIFY|CERT_/i.test(`${code} ${msg}`);
      return make(
        tls ? 'TLS' : 'NETWORK',
        `could not reach Azure Resource Manager at ${s.endpoint} while ${doing}: ${code ? `${code} ` : ''}${msg}`,
        'endpoint',
        tls ? 'The server\'s TLS certificate is not trusted.' : 'Check the network connection and, under Advanced, the Resource Manager endpoint.',
      );
    }
    if (status === 401) {
      return make(
        'FORBIDDEN',
        `Azure Resource Manager (${s.endpoint}) refused the access token while ${doing}: ${code} — ${msg}`,
        'tenantId',
        'The Directory ID must be the directory of the subscription, and the sign-in authority and Resource Manager endpoint must belong to the same cloud.',
      );
    }
    if (status === 403) {
      const action = /perform action '([^']+)'/.exec(msg)?.[1];
      const scope = /over scope '([^']+)'/.exec(msg)?.[1];
      return make(
        'FORBIDDEN',
        action
          ? `the application ${s.clientId} lacks the permission ${action}${scope ? ` on ${scope}` : ''} (${code}) while ${doing}.`
          : `Azure refused ${doing}: ${code} — ${msg}`,
        undefined,
        'Give the app registration the "DNS Zone Contributor" role on the zone or its resource group (Access control (IAM) → Add role assignment).',
      );
    }
    if (status === 404 && code === 'SubscriptionNotFound') {
      return make('NOT_FOUND', `the subscription ${s.subscriptionId} was not found (or the application cannot see it) while ${doing}.`, 'subscriptionId', 'Check the Subscription ID and that the app has a role in it.');
    }
    if (status === 404 && code === 'ResourceGroupNotFound') {
      return make('NOT_FOUND', `the resource group "${s.resourceGroup}" was not found in subscription ${s.subscriptionId} while ${doing}.`, 'resourceGroup', 'Check the resource group that holds the DNS zones.');
    }
    if (status === 404) return make('NOT_FOUND', `not found while ${doing}: ${code} — ${msg}`);
    if (status === 429) return make('NETWORK', `Azure throttled the requests while ${doing} (429 ${code}); try again in a minute.`);
    return make(status >= 500 ? 'NETWORK' : 'INVALID_INPUT', `Azure answered ${status} ${code} while ${doing}: ${msg}`);
  }

  /** Belt and braces: the secret can never appear in a message, whatever a server echoes back. */
  private scrub(text: string): string {
    const secret = this.settings.clientSecret;
    return secret && secret.length >= 4 ? text.split(secret).join('[secret]') : text;
  }
}

function firstLine(s: string): string {
  return s.split(/\r?\n/)[0]!.trim();
}
