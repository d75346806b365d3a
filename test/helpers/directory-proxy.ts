// Pebble 2.4 has no ACME profiles (meta.profiles). This HTTPS front stands before Pebble: it serves Pebble's
// directory with the profiles added, passes every other request on unchanged, and records the JWS payload
// of every newOrder (what the client really sent to the CA), so tests can check what arrived at the CA.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import { join } from 'node:path';
import { bedEnv } from './bed.ts';

export interface NewOrderPayload {
  identifiers?: { type: string; value: string }[];
  profile?: string;
  [k: string]: unknown;
}

export interface DirectoryProxy {
  directoryUrl: string;
  /** Decoded payloads of the newOrder requests that reached the CA through this front, oldest first. */
  newOrders: NewOrderPayload[];
  close(): Promise<void>;
}

function readBody(msg: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    msg.on('data', (d: Buffer) => parts.push(d));
    msg.on('end', () => resolve(Buffer.concat(parts)));
    msg.on('error', reject);
  });
}

/** The payload of a flattened JWS (RFC 7515 §7.2.2) as JSON, or an error naming what is wrong. */
export function jwsPayload(body: Buffer): NewOrderPayload {
  const jws = JSON.parse(body.toString('utf8')) as { protected?: string; payload?: string; signature?: string };
  if (typeof jws.payload !== 'string' || typeof jws.protected !== 'string') throw new Error('not a flattened JWS');
  return JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as NewOrderPayload;
}

export async function startDirectoryProxy(extra: { profiles?: Record<string, string> }): Promise<DirectoryProxy> {
  const tlsDir = join(bedEnv('BED_WORK_DIR'), 'pebble-tls');
  const ca = readFileSync(bedEnv('PEBBLE_CA_FILE'));
  const upstream = new URL(bedEnv('PEBBLE_DIRECTORY'));
  const newOrders: NewOrderPayload[] = [];
  let newOrderPath = '';

  /**
   * Passes a request on to Pebble with the front's Host header: Pebble builds every URL it hands out
   * (directory, account, orders) from that header and checks each JWS "url" and "kid" against it, so the
   * client talks to the front only and the signatures stay valid.
   */
  const forward = (req: IncomingMessage, body: Buffer, answer: (status: number, headers: IncomingHttpHeaders, body: Buffer) => void) => {
    const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, ca }, (res) => {
      readBody(res)
        .then((b) => answer(res.statusCode ?? 502, res.headers, b))
        .catch(() => answer(502, {}, Buffer.alloc(0)));
    });
    up.on('error', () => answer(502, {}, Buffer.alloc(0)));
    up.end(body);
  };

  const server: Server = createServer({ cert: readFileSync(join(tlsDir, 'cert.pem')), key: readFileSync(join(tlsDir, 'key.pem')) }, (req, res) => {
    const send = (status: number, headers: IncomingHttpHeaders, body: Buffer) => {
      const h = { ...headers };
      delete h['content-length'];
      delete h['transfer-encoding'];
      res.writeHead(status, { ...h, 'content-length': String(body.length) }).end(body);
    };
    readBody(req)
      .then((body) => {
        if (req.url === upstream.pathname && req.method === 'GET') {
          forward(req, body, (status, headers, raw) => {
            if (status !== 200) return send(status, headers, raw);
            const dir = JSON.parse(raw.toString('utf8')) as { meta?: Record<string, unknown>; newOrder?: string };
            dir.meta = { ...(dir.meta ?? {}), ...(extra.profiles ? { profiles: extra.profiles } : {}) };
            if (dir.newOrder) newOrderPath = new URL(dir.newOrder).pathname;
            send(200, headers, Buffer.from(JSON.stringify(dir)));
          });
          return;
        }
        if (newOrderPath && req.url === newOrderPath && req.method === 'POST') {
          try {
            newOrders.push(jwsPayload(body));
          } catch (err) {
            newOrders.push({ unreadable: (err as Error).message });
          }
        }
        forward(req, body, send);
      })
      .catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    directoryUrl: `https://127.0.0.1:${port}${upstream.pathname}`,
    newOrders,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
