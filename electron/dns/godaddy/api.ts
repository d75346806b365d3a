// GoDaddy REST API v1 client (no vendor SDK exists): `Authorization: sso-key KEY:SECRET`, JSON bodies, errors as
// `{ code, message, fields? }`. Only what dns-01 needs: list the account's domains (paged by `marker`), read,
// replace and delete the records of one type and name.

export interface GoDaddyRecord {
  data: string;
  ttl: number;
  name?: string;
  type?: string;
}

export interface GoDaddyDomain {
  domain: string;
  status?: string;
}

export interface GoDaddyApiOptions {
  /** Base URL, e.g. https://api.godaddy.com. */
  endpoint: string;
  apiKey: string;
  apiSecret: string;
  /** Per request, ms. */
  timeoutMs?: number;
  /** Most seconds to wait when GoDaddy answers 429 with retryAfterSec before trying again. */
  maxRetryWaitSec?: number;
}

/** A non-2xx answer, as GoDaddy described it. */
export class GoDaddyApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: { path?: string; message?: string; code?: string }[] = [],
  ) {
    super(`${status} ${code}: ${detail}`);
    this.name = 'GoDaddyApiError';
  }
}

/** The request never got an answer (refused, timed out, TLS). */
export class GoDaddyNetworkError extends Error {
  constructor(message: string, override readonly cause: unknown) {
    super(message);
    this.name = 'GoDaddyNetworkError';
  }
}

const seg = (s: string) => encodeURIComponent(s);

export class GoDaddyApi {
  private readonly base: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly maxRetryWaitSec: number;

  constructor(opts: GoDaddyApiOptions) {
    this.base = opts.endpoint.replace(/\/+$/, '');
    this.auth = `sso-key ${opts.apiKey}:${opts.apiSecret}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxRetryWaitSec = opts.maxRetryWaitSec ?? 10;
  }

  /** Every domain of the account, page by page (`marker` = the last domain of the previous page). */
  async listDomains(signal?: AbortSignal, pageSize = 500): Promise<GoDaddyDomain[]> {
    const out: GoDaddyDomain[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const q = new URLSearchParams({ limit: String(pageSize), ...(marker ? { marker } : {}) });
      const batch = (await this.request('GET', `/v1/domains?${q}`, undefined, signal)) as GoDaddyDomain[];
      out.push(...batch);
      if (batch.length < pageSize) break;
      const last = batch.at(-1)?.domain;
      if (!last || last === marker) break;
      marker = last;
    }
    return out;
  }

  async getRecords(domain: string, type: string, name: string, signal?: AbortSignal): Promise<GoDaddyRecord[]> {
    return (await this.request('GET', `/v1/domains/${seg(domain)}/records/${seg(type)}/${seg(name)}`, undefined, signal)) as GoDaddyRecord[];
  }

  /** Replaces all records of `type` at `name` with `records`. */
  async putRecords(domain: string, type: string, name: string, records: GoDaddyRecord[], signal?: AbortSignal): Promise<void> {
    await this.request('PUT', `/v1/domains/${seg(domain)}/records/${seg(type)}/${seg(name)}`, records.map((r) => ({ data: r.data, ttl: r.ttl })), signal);
  }

  /** Deletes all records of `type` at `name` (PUT cannot: it needs at least one record). */
  async deleteRecords(domain: string, type: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.request('DELETE', `/v1/domains/${seg(domain)}/records/${seg(type)}/${seg(name)}`, undefined, signal);
  }

  private async request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(this.timeoutMs);
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            Authorization: this.auth,
            Accept: 'application/json',
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (e) {
        if (signal?.aborted) throw e;
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = timeout.aborted ? `no answer within ${Math.round(this.timeoutMs / 1000)} s` : (cause?.code ?? cause?.message ?? (e as Error).message);
        throw new GoDaddyNetworkError(`could not reach ${this.base} (${why})`, e);
      }
      const text = await res.text();
      if (res.ok) return text ? (JSON.parse(text) as unknown) : undefined;
      let err: { code?: string; message?: string; fields?: GoDaddyApiError['fields']; retryAfterSec?: number } = {};
      try {
        err = JSON.parse(text) as typeof err;
      } catch {
        err = { message: text.slice(0, 200) };
      }
      if (res.status === 429 && attempt < 3) {
        const wait = Math.min(Number(err.retryAfterSec ?? res.headers.get('retry-after') ?? 1) || 1, this.maxRetryWaitSec);
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      throw new GoDaddyApiError(res.status, err.code ?? res.statusText ?? 'ERROR', err.message ?? '', Array.isArray(err.fields) ? err.fields : []);
    }
  }
}
