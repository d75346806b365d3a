// TLS plumbing for trust and transport tests: a fresh CA made with openssl, HTTPS servers with its
// certificates, a TLS front whose certificate can be swapped (to impersonate a CA's origin), a fake ACME
// server whose answers a test chooses, and a plain-HTTP listener that records whatever reaches it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { tempDir } from './bed.ts';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestCa {
  name: string;
  caFile: string;
  caPem: string;
  /** A server certificate for 127.0.0.1 (and localhost) signed by this CA. */
  issueServer(): KeyPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new self-signed CA (EC P-256), made with openssl in a temporary folder. */
export function makeCa(name: string): TestCa {
  const dir = tempDir('ca');
  openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  let serial = 0;
  return {
    name,
    caFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issueServer() {
      const n = ++serial;
      writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `srv${n}.key`, '-out', `srv${n}.csr`, '-subj', '/CN=127.0.0.1'], dir);
      openssl(
        ['x509', '-req', '-in', `srv${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + n), '-days', '2', '-out', `srv${n}.pem`, '-extfile', 'ext.cnf'],
        dir,
      );
      return { cert: readFileSync(join(dir, `srv${n}.pem`), 'utf8'), key: readFileSync(join(dir, `srv${n}.key`), 'utf8') };
    },
  };
}

function closer(server: HttpServer | HttpsServer | ReturnType<typeof createTlsServer>, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function track(server: HttpServer | HttpsServer | ReturnType<typeof createTlsServer>, event: string): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on(event, (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

async function listen(server: HttpServer | HttpsServer | ReturnType<typeof createTlsServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

export interface TlsFront {
  port: number;
  origin: string;
  /** Presents another certificate from now on; open connections are closed so clients must handshake again. */
  setCertificate(pair: KeyPair): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TLS front on its own port that forwards the bytes to an upstream TLS server (Pebble). Pebble builds its
 * URLs from the Host header, so a CA reached through the front names the front's origin everywhere: the
 * front *is* that CA's origin, and swapping its certificate impersonates the CA.
 */
export async function startTlsFront(upstreamPort: number, upstreamCa: string, pair: KeyPair): Promise<TlsFront> {
  const server = createTlsServer({ cert: pair.cert, key: pair.key }, (client: TLSSocket) => {
    const up = tlsConnect({ host: '127.0.0.1', port: upstreamPort, ca: upstreamCa });
    client.pipe(up).pipe(client);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  server.on('tlsClientError', () => undefined);
  const sockets = track(server, 'connection');
  const port = await listen(server);
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    async setCertificate(next) {
      server.setSecureContext({ cert: next.cert, key: next.key });
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
    },
    close: closer(server, sockets),
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  body: string;
}

export interface PlainListener {
  port: number;
  origin: string;
  requests: RecordedRequest[];
  /** Raw TCP connections (counted even when no full request arrives). */
  connections: number;
  close(): Promise<void>;
}

/** A plain-HTTP listener that records every connection and request reaching it (and answers 200 {}). */
export async function startPlainListener(): Promise<PlainListener> {
  const requests: RecordedRequest[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json', 'replay-nonce': nonce() }).end('{"status":"valid"}');
    });
  });
  const sockets = track(server, 'connection');
  const out: PlainListener = { port: 0, origin: '', requests, connections: 0, close: closer(server, sockets) };
  server.on('connection', () => out.connections++);
  out.port = await listen(server);
  out.origin = `http://127.0.0.1:${out.port}`;
  return out;
}

function nonce(): string {
  return randomBytes(16).toString('base64url');
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface FakeAcme {
  port: number;
  origin: string;
  directoryUrl: string;
  requests: RecordedRequest[];
  /** Bytes written by handlers that stream (see streamBytes). */
  streamed: { bytes: number };
  close(): Promise<void>;
}

/**
 * An HTTPS "ACME server" with `pair`'s certificate. By default it serves a directory naming its own
 * /nonce, /new-acct, /new-order, /revoke, /key-change, hands out nonces, and answers newAccount like a CA
 * (201, Location /acct/1, {"status":"valid"}) and any other POST with 200 {"status":"valid"}. `directory`
 * entries replace or add directory fields; `routes` replace the answer for a path.
 */
export async function startFakeAcme(
  pair: KeyPair,
  opts: { directory?: (origin: string) => Record<string, unknown>; routes?: Record<string, Handler> } = {},
): Promise<FakeAcme> {
  const requests: RecordedRequest[] = [];
  const streamed = { bytes: 0 };
  let origin = '';
  const server = createHttpsServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? '', url: path, body });
      const route = opts.routes?.[path];
      if (route) {
        route(req, res, body);
        return;
      }
      const json = (status: number, obj: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', 'replay-nonce': nonce(), ...headers }).end(JSON.stringify(obj));
      if (path === '/dir') {
        json(200, {
          newNonce: `${origin}/nonce`,
          newAccount: `${origin}/new-acct`,
          newOrder: `${origin}/new-order`,
          revokeCert: `${origin}/revoke`,
          keyChange: `${origin}/key-change`,
          meta: { termsOfService: `${origin}/terms` },
          ...(opts.directory?.(origin) ?? {}),
        });
      } else if (path === '/nonce') {
        res.writeHead(204, { 'replay-nonce': nonce(), 'cache-control': 'no-store' }).end();
      } else if (path === '/new-acct') {
        json(201, { status: 'valid', contact: [] }, { location: `${origin}/acct/1` });
      } else if (req.method === 'POST') {
        json(200, { status: 'valid', contact: [] });
      } else {
        res.writeHead(404).end();
      }
    });
  });
  const sockets = track(server, 'connection');
  const port = await listen(server);
  origin = `https://127.0.0.1:${port}`;
  return { port, origin, directoryUrl: `${origin}/dir`, requests, streamed, close: closer(server, sockets) };
}

/** A handler that streams `total` bytes of a never-ending JSON string, honouring back-pressure. */
export function streamBytes(total: number, counter: { bytes: number }): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    res.write('{"newNonce":"');
    const pump = (): void => {
      while (sent < total) {
        if (res.destroyed || res.socket?.destroyed) return;
        sent += chunk.length;
        counter.bytes += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end('"}');
    };
    pump();
  };
}
