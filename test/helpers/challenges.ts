// Plays the administrator's part of manual challenges: serves http-01 files on the port Pebble dials,
// and sets dns-01 TXT records in pebble-challtestsrv (Pebble's DNS).
import { createServer, type Server } from 'node:http';
import type { Request } from '../../shared/model/request.ts';
import { bedEnv } from './bed.ts';

export class Http01Server {
  private readonly files = new Map<string, string>();
  private server: Server | null = null;
  requests = 0;

  async start(port = Number(bedEnv('PEBBLE_HTTP_PORT'))): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests++;
      const body = this.files.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  /** Serves exactly what the request shows (URL path → content), or `override` content. */
  serve(req: Request, override?: string): void {
    for (const c of req.challenges) {
      if (c.type !== 'http-01' || !c.httpPath) continue;
      this.files.set(c.httpPath, override ?? c.httpContent ?? '');
    }
  }

  clear(): void {
    this.files.clear();
  }

  async stop(): Promise<void> {
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
