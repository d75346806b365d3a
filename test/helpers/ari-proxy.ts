// Pebble 2.4 has no ACME Renewal Information (RFC 9773). This HTTPS front on loopback stands before a Pebble with
// its own certificate (a CA made with openssl at start: accounts register with it as their extra CA). It passes
// every request on to Pebble with the front's Host header, so Pebble builds every URL it hands out (directory,
// Location, links) with the front's address and checks each JWS "url" against it; it adds `renewalInfo` to the
// directory and serves GET /renewal-info/<certId> with the window a test sets per certId; it records each newOrder
// payload (so a test sees `replaces`), and can be told to refuse orders that carry `replaces` (alreadyReplaced).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import { join } from 'node:path';
import { tempDir } from './bed.ts';
import { jwsPayload, type NewOrderPayload } from './directory-proxy.ts';

export interface AriWindow {
  start: string;
  end: string;
  explanationURL?: string;
  /** The Retry-After header sent with it (seconds or an HTTP date); null: none. */
  retryAfter?: string | null;
}

export interface AriProxy {
  directoryUrl: string;
  /** PEM of the CA that signed the front's certificate: register the account with it (caPem / caFile). */
  caPem: string;
  caFile: string;
  /** Decoded newOrder payloads that reached the front, oldest first (refused ones included). */
  newOrders: NewOrderPayload[];
  /** certIds asked for with GET /renewal-info/<certId>, oldest first. */
  renewalInfoRequests: string[];
  /** Serves this window for this certId (others answer 404). */
  setWindow(certId: string, window: AriWindow): void;
  /** Refuses the next `count` orders that carry `replaces` with alreadyReplaced (409). */
  refuseReplaces(count: number): void;
  /** Orders refused so far. */
  refused: NewOrderPayload[];
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

/** A CA and a certificate for 127.0.0.1 it signed, made with openssl in a temporary directory. */
function makeFrontCertificate(): { caPem: string; caFile: string; cert: string; key: string; dir: string } {
  const dir = tempDir('ari-proxy');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(
    join(dir, 'x.cnf'),
    ['[req]', 'distinguished_name=dn', '[dn]', '[ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign', 'subjectKeyIdentifier=hash', '[leaf]', 'subjectAltName=IP:127.0.0.1', 'extendedKeyUsage=serverAuth', 'authorityKeyIdentifier=keyid', ''].join('\n'),
  );
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Certdesk ARI test front CA', '-days', '2', '-config', 'x.cnf', '-extensions', 'ca']);
  run(['req', '-new', ...ec, '-keyout', 'key.pem', '-out', 'front.csr', '-subj', '/CN=127.0.0.1', '-config', 'x.cnf']);
  run(['x509', '-req', '-in', 'front.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'x.cnf', '-extensions', 'leaf', '-out', 'cert.pem']);
  return { caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), caFile: join(dir, 'ca.pem'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8'), dir };
}

/** `upstream`: the Pebble's directory URL and the PEM file of the CA of its HTTPS certificate. */
export async function startAriProxy(upstream: { directoryUrl: string; caFile: string }): Promise<AriProxy> {
  const front = makeFrontCertificate();
  const up = new URL(upstream.directoryUrl);
  const upstreamCa = readFileSync(upstream.caFile);
  const windows = new Map<string, AriWindow>();
  const newOrders: NewOrderPayload[] = [];
  const refused: NewOrderPayload[] = [];
  const renewalInfoRequests: string[] = [];
  let refuseCount = 0;
  let newOrderPath = '';
  let origin = '';

  const forward = (req: IncomingMessage, body: Buffer, answer: (status: number, headers: IncomingHttpHeaders, body: Buffer) => void) => {
    // The Host header stays the front's: Pebble builds its URLs from it.
    const out = request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers, ca: upstreamCa }, (res) => {
      readBody(res)
        .then((b) => answer(res.statusCode ?? 502, res.headers, b))
        .catch(() => answer(502, {}, Buffer.alloc(0)));
    });
    out.on('error', () => answer(502, {}, Buffer.alloc(0)));
    out.end(body);
  };

  const send = (res: ServerResponse, status: number, headers: IncomingHttpHeaders, body: Buffer) => {
    const h = { ...headers };
    delete h['content-length'];
    delete h['transfer-encoding'];
    delete h.connection;
    res.writeHead(status, { ...h, 'content-length': String(body.length) }).end(body);
  };
  const problem = (res: ServerResponse, status: number, type: string, detail: string) =>
    send(res, status, { 'content-type': 'application/problem+json' }, Buffer.from(JSON.stringify({ type: `urn:ietf:params:acme:error:${type}`, detail, status })));

  const server: Server = createServer({ cert: front.cert, key: front.key }, (req, res) => {
    readBody(req)
      .then((body) => {
        const path = new URL(req.url ?? '/', origin).pathname;
        if (req.method === 'GET' && path === up.pathname) {
          forward(req, body, (status, headers, raw) => {
            if (status !== 200) return send(res, status, headers, raw);
            const dir = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
            // Checked, not assumed: every URL Pebble names must already be the front's, or the client would
            // talk to Pebble directly (with a certificate its extra CA does not cover).
            for (const [k, v] of Object.entries(dir)) {
              if (typeof v === 'string' && !v.startsWith(`${origin}/`)) {
                return send(res, 502, {}, Buffer.from(`ari-proxy: Pebble named ${k} = ${v}, not on ${origin}`));
              }
            }
            dir.renewalInfo = `${origin}/renewal-info`;
            if (typeof dir.newOrder === 'string') newOrderPath = new URL(dir.newOrder).pathname;
            send(res, 200, { ...headers, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(dir)));
          });
          return;
        }
        if (req.method === 'GET' && path.startsWith('/renewal-info/')) {
          const certId = decodeURIComponent(path.slice('/renewal-info/'.length));
          renewalInfoRequests.push(certId);
          const w = windows.get(certId);
          if (!w) return problem(res, 404, 'malformed', `no renewal information for ${certId}`);
          const headers: IncomingHttpHeaders = { 'content-type': 'application/json' };
          if (w.retryAfter) headers['retry-after'] = w.retryAfter;
          return send(res, 200, headers, Buffer.from(JSON.stringify({ suggestedWindow: { start: w.start, end: w.end }, ...(w.explanationURL ? { explanationURL: w.explanationURL } : {}) })));
        }
        if (req.method === 'POST' && newOrderPath && path === newOrderPath) {
          let payload: NewOrderPayload;
          try {
            payload = jwsPayload(body);
          } catch (err) {
            payload = { unreadable: (err as Error).message };
          }
          newOrders.push(payload);
          if (refuseCount > 0 && typeof payload.replaces === 'string') {
            refuseCount--;
            refused.push(payload);
            return problem(res, 409, 'alreadyReplaced', `The certificate ${payload.replaces} has already been replaced`);
          }
        }
        forward(req, body, (status, headers, raw) => send(res, status, headers, raw));
      })
      .catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    directoryUrl: `${origin}${up.pathname}`,
    caPem: front.caPem,
    caFile: front.caFile,
    newOrders,
    refused,
    renewalInfoRequests,
    setWindow: (certId, w) => void windows.set(certId, w),
    refuseReplaces: (count) => void (refuseCount = count),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(front.dir, { recursive: true, force: true });
      }),
  };
}
