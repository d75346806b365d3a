// Cloudflare API v4 client for the few calls dns-01 needs, through the official `cloudflare` SDK: list the
// zones the credentials see (all pages), list/create/delete TXT records, verify the credentials. The base URL
// is injectable (`endpoint`), and so is `fetch` (tests). The SDK's own logging is off: it could print request
// details, and those must never carry a credential.
// The SDK is loaded on the first call (dynamic import), not when the registry lists this provider: every
// Certdesk start would otherwise pay for evaluating it.
import type Cloudflare from 'cloudflare';
import { DEFAULT_ENDPOINT } from './descriptor.ts';

type CloudflareSdk = typeof import('cloudflare');
/** The SDK once some client has loaded it; its error classes can only be met after that. */
let loadedSdk: CloudflareSdk | undefined;
let loadingSdk: Promise<CloudflareSdk> | undefined;

function loadSdk(): Promise<CloudflareSdk> {
  loadingSdk ??= import('cloudflare').then(
    (m) => (loadedSdk = m),
    (e: unknown) => {
      loadingSdk = undefined;
      throw e;
    },
  );
  return loadingSdk;
}

export type CloudflareAuth = { kind: 'token'; token: string } | { kind: 'key'; email: string; key: string };

export interface CloudflareApiOptions {
  auth: CloudflareAuth;
  /** API base URL, default https://api.cloudflare.com/client/v4. */
  endpoint?: string;
  /** Per request, ms. */
  timeoutMs?: number;
  /** Retries of network errors, 429 and 5xx (the SDK honours Retry-After). */
  maxRetries?: number;
  fetch?: typeof fetch;
}

export interface CfZone {
  id: string;
  name: string;
  status?: string;
}

export interface CfRecord {
  id: string;
  name: string;
  content: string;
  ttl: number;
}

/** One entry of Cloudflare's `errors` array (with its `error_chain` flattened). */
export interface CfErrorItem {
  code: number;
  message: string;
}

/** What went wrong with one call, in Cloudflare's own terms. */
export interface CfFailure {
  kind: 'api' | 'network' | 'cancelled';
  /** HTTP status, when there was an answer. */
  status?: number;
  errors: CfErrorItem[];
  /** Cloudflare's messages with their codes, "Invalid API Token (1000)"; or the network failure. */
  text: string;
}

function flatten(items: unknown): CfErrorItem[] {
  const out: CfErrorItem[] = [];
  if (!Array.isArray(items)) return out;
  for (const it of items as Array<{ code?: unknown; message?: unknown; error_chain?: unknown }>) {
    out.push({ code: Number(it?.code) || 0, message: typeof it?.message === 'string' ? it.message : '' });
    out.push(...flatten(it?.error_chain));
  }
  return out;
}

/** Reads an SDK error into Cloudflare's error codes and messages (never the request, so no credential). */
export function describeFailure(e: unknown): CfFailure {
  // No SDK loaded means no SDK error: whatever failed is reported as a plain error below.
  const { APIConnectionError, APIError, APIUserAbortError } = loadedSdk ?? {};
  if (APIUserAbortError && e instanceof APIUserAbortError) return { kind: 'cancelled', errors: [], text: 'cancelled' };
  if (APIConnectionError && e instanceof APIConnectionError) {
    const cause = (e as { cause?: { message?: string; cause?: { code?: string; message?: string } } }).cause;
    const detail = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? e.message;
    return { kind: 'network', errors: [], text: `${e.message.replace(/\.$/, '')}${detail && detail !== e.message ? ` (${detail})` : ''}` };
  }
  if (APIError && e instanceof APIError) {
    const errors = flatten((e.error as { errors?: unknown } | undefined)?.errors);
    const text = errors.length
      ? errors.map((x) => (x.message ? `${x.message} (${x.code})` : `error ${x.code}`)).join('; ')
      : `HTTP ${e.status ?? '?'}`;
    return { kind: 'api', ...(e.status !== undefined ? { status: e.status } : {}), errors, text };
  }
  return { kind: 'network', errors: [], text: e instanceof Error ? e.message : String(e) };
}

export class CloudflareApi {
  private client: Promise<Cloudflare> | undefined;
  private readonly opts: CloudflareApiOptions;
  readonly auth: CloudflareAuth;
  readonly endpoint: string;

  constructor(opts: CloudflareApiOptions) {
    this.opts = opts;
    this.auth = opts.auth;
    this.endpoint = (opts.endpoint || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  }

  /** The SDK client, made on the first call. */
  private sdk(): Promise<Cloudflare> {
    this.client ??= loadSdk().then(
      (m) => this.makeClient(m.default),
      (e: unknown) => {
        this.client = undefined;
        throw e;
      },
    );
    return this.client;
  }

  private makeClient(Sdk: typeof Cloudflare): Cloudflare {
    const opts = this.opts;
    return new Sdk({
      // Explicit nulls: the SDK would otherwise read CLOUDFLARE_API_TOKEN & co. from the environment.
      apiToken: opts.auth.kind === 'token' ? opts.auth.token : null,
      apiEmail: opts.auth.kind === 'key' ? opts.auth.email : null,
      apiKey: opts.auth.kind === 'key' ? opts.auth.key : null,
      userServiceKey: null,
      baseURL: this.endpoint,
      timeout: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 2,
      logLevel: 'off',
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  }

  /** Token: GET /user/tokens/verify (its status); Global API key: GET /user (its e-mail address). */
  async verify(signal?: AbortSignal): Promise<string> {
    if (this.auth.kind === 'token') {
      const r = await (await this.sdk()).user.tokens.verify({ signal });
      return r.status;
    }
    const r = (await (await this.sdk()).user.get({ signal })) as { email?: string };
    return r.email ?? '';
  }

  /** Every zone the credentials can see (GET /zones, page by page). */
  async listZones(signal?: AbortSignal): Promise<CfZone[]> {
    const out: CfZone[] = [];
    for await (const z of (await this.sdk()).zones.list({ per_page: 50 }, { signal })) {
      out.push({ id: z.id, name: z.name.toLowerCase(), status: z.status });
    }
    return out;
  }

  /** TXT records at exactly `name` (GET /zones/:id/dns_records?type=TXT&name.exact=..., every page). */
  async listTxt(zoneId: string, name: string, signal?: AbortSignal): Promise<CfRecord[]> {
    const out: CfRecord[] = [];
    for await (const r of (await this.sdk()).dns.records.list({ zone_id: zoneId, type: 'TXT', name: { exact: name }, per_page: 100 }, { signal })) {
      out.push({ id: r.id, name: r.name, content: r.content ?? '', ttl: Number(r.ttl) });
    }
    return out;
  }

  async createTxt(zoneId: string, name: string, content: string, ttl: number, signal?: AbortSignal): Promise<CfRecord> {
    const r = await (await this.sdk()).dns.records.create({ zone_id: zoneId, type: 'TXT', name, content, ttl }, { signal });
    return { id: r.id, name: r.name, content: r.content ?? content, ttl: Number(r.ttl) };
  }

  async deleteRecord(zoneId: string, recordId: string, signal?: AbortSignal): Promise<void> {
    await (await this.sdk()).dns.records.delete(recordId, { zone_id: zoneId }, { signal });
  }
}
