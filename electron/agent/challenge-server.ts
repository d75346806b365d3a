// Self-serve http-01 (SELF_SERVE_WEBROOT): the agent answers
// http://<host>:<challenge-port>/.well-known/acme-challenge/TOKEN itself from tokens Certdesk put in memory, so a
// server without a web server on port 80 (or one the agent should not write into) can still validate.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/.well-known/acme-challenge/';
export const TOKEN_RE = /^[A-Za-z0-9_-]{1,256}$/;

export class ChallengeServer {
  private readonly tokens = new Map<string, string>();
  private server: Server | null = null;

  put(token: string, content: string): void {
    this.tokens.set(token, content);
  }

  remove(token: string): boolean {
    return this.tokens.delete(token);
  }

  get size(): number {
    return this.tokens.size;
  }

  /** Starts listening; resolves with the port (port 0 picks a free one). */
  listen(host: string, port: number, onRequest?: (path: string, status: number) => void): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const token = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : '';
      const content = (req.method === 'GET' || req.method === 'HEAD') && TOKEN_RE.test(token) ? this.tokens.get(token) : undefined;
      const status = content === undefined ? 404 : 200;
      const body = content ?? 'Not found\n';
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      onRequest?.(path, status);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}
