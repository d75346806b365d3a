// Plays the administrator's part of manual challenges: serves http-01 files on the port Pebble dials,
// and sets dns-01 TXT records in pebble-challtestsrv (Pebble's DNS).
import { createServer, type Server } from 'node:http';
import type { Request } from '../../shared/model/request.ts';
import { bedEnv } from './bed.ts';

/**
 * The administrator's web server for http-01, on the port Pebble dials: serves what the test put there (what a
 * request shows, or a path and content as a person would copy them from the window). Answers can be held — all of
 * them (`holdAnswers`) or a request's paths (`serve(r, undefined, { hold: true })`) — so a test sees the window
 * while the CA keeps validating; `release` lets them go.
 */
export class Http01Server {
  private readonly files = new Map<string, string>();
  private readonly held = new Set<string>();
  private holdAll = false;
  private readonly waiting: Array<() => void> = [];
  private server: Server | null = null;
  /** The URL path of every request, in order (Pebble's validations and the pre-flight check's fetches). */
  readonly hits: string[] = [];

  get requests(): number {
    return this.hits.length;
  }

  async start(port = Number(bedEnv('PEBBLE_HTTP_PORT'))): Promise<this> {
    this.server = createServer((req, res) => {
      const url = req.url ?? '';
      this.hits.push(url);
      const answer = () => {
        const body = this.files.get(url);
        if (body === undefined) res.writeHead(404).end('not found');
        else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      };
      if (this.holdAll || this.held.has(url)) this.waiting.push(answer);
      else answer();
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  /**
   * Serves exactly what the request shows (URL path → content), or `override` content; or, given a path, that
   * path with `content`. `hold`: answers for these paths wait until `release()`.
   */
  serve(what: Request | string, content?: string, opts: { hold?: boolean } = {}): void {
    const paths: Array<[string, string]> =
      typeof what === 'string'
        ? [[what, content ?? '']]
        : what.challenges.filter((c) => c.type === 'http-01' && c.httpPath).map((c) => [c.httpPath!, content ?? c.httpContent ?? '']);
    for (const [path, body] of paths) {
      this.files.set(path, body);
      if (opts.hold) this.held.add(path);
    }
  }

  /** Every answer from now on waits until `release()`. */
  holdAnswers(): void {
    this.holdAll = true;
  }

  /** Answers everything held, and holds nothing more. */
  release(): void {
    this.holdAll = false;
    this.held.clear();
    for (const answer of this.waiting.splice(0)) answer();
  }

  clear(): void {
    this.files.clear();
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function challtest(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${bedEnv('CHALLTESTSRV_MGMT')}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`challtestsrv ${path}: HTTP ${res.status}`);
}

/** Publishes every dns-01 TXT value of the request in challtestsrv (two values may share one name). */
export async function publishTxt(req: Request): Promise<() => Promise<void>> {
  const hosts = new Set<string>();
  for (const c of req.challenges) {
    if (c.type !== 'dns-01' || !c.dnsName || !c.dnsValue) continue;
    await challtest('/set-txt', { host: `${c.dnsName}.`, value: c.dnsValue });
    hosts.add(`${c.dnsName}.`);
  }
  return async () => {
    for (const host of hosts) await challtest('/clear-txt', { host });
  };
}
