// The loopback browser bridge: serves the built renderer over http://127.0.0.1 and carries the typed IPC
// contract over one WebSocket, so end-to-end tests (and `npm run preview`) drive the real services from a
// plain Chromium. Anything local could connect to a loopback port, so the socket demands a per-run random
// token *and* the bridge's own Origin; every HTTP request must name the bridge's own Host (DNS rebinding).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { dispatch, type Handlers } from '../../shared/ipc/dispatch.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import { events as eventSchemas, isEventName, type EventName, type EventPayload } from '../../shared/ipc/events.ts';
import { CONTENT_TYPES } from '../app/content-types.ts';
import { contentSecurityPolicy, htmlWithNonce, newCspNonce } from '../app/window-policy.ts';
import type { Logger } from '../core/logger.ts';

export const BRIDGE_WS_PATH = '/__bridge/ws';
export const BRIDGE_SHIM_PATH = '/__bridge/shim.js';
/** Largest accepted WebSocket message; the contract carries PEM text at most. */
export const BRIDGE_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface BridgeOptions {
  handlers: Handlers;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** The built renderer (out/renderer): index.html, app.js and its assets. */
  staticDir: string;
  /** The built browser shim (out/bridge-shim/shim.js) that defines window.certdesk. */
  shimFile: string;
  logger?: Logger;
  /** Called for every event a handler emits through its call context (after it went to the calling page). */
  onEvent?: (event: EventName, payload: unknown) => void;
}

export interface Bridge {
  /** Open this in a browser: it carries the token, which the shim removes from the address bar. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Pushes an event to every connected page (service events: progress, account changes). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
}

/** A request frame from the shim. */
interface CallFrame {
  id: string | number;
  channel: string;
  request: unknown;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);


function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison; hashing first makes the lengths equal without leaking the token's length. */
export function tokensMatch(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Puts the shim in front of the app's first script and drops any meta CSP: the header is the policy here. */
export function injectShim(html: string): string {
  const tag = `<script src="${BRIDGE_SHIM_PATH}"></script>`;
  const withoutMetaCsp = html.replace(/<meta[^>]+http-equiv=["']?Content-Security-Policy["']?[^>]*>\s*/gi, '');
  const firstScript = withoutMetaCsp.search(/<script\b/i);
  if (firstScript >= 0) return withoutMetaCsp.slice(0, firstScript) + tag + '\n    ' + withoutMetaCsp.slice(firstScript);
  const headEnd = withoutMetaCsp.search(/<\/head>/i);
  if (headEnd >= 0) return withoutMetaCsp.slice(0, headEnd) + tag + '\n' + withoutMetaCsp.slice(headEnd);
  return tag + withoutMetaCsp;
}

function parseFrame(text: string): { frame: CallFrame } | { id: string | number | null; error: string; field?: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { id: null, error: 'The bridge message is not valid JSON.' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { id: null, error: 'The bridge message must be an object {id, channel, request}.' };
  }
  const obj = data as Record<string, unknown>;
  const id = obj.id;
  const validId = (typeof id === 'string' && id.length > 0 && id.length <= 128) || (typeof id === 'number' && Number.isFinite(id));
  if (!validId) return { id: null, error: 'The bridge message needs an id (a string or a number).', field: 'id' };
  if (typeof obj.channel !== 'string' || obj.channel.length === 0) {
    return { id, error: 'The bridge message needs a channel name.', field: 'channel' };
  }
  return { frame: { id, channel: obj.channel, request: obj.request } };
}

function rawToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function refuseUpgrade(socket: Socket, status: 403 | 404 | 400, reason: string): void {
  const text = `${status} ${reason}`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
  socket.destroy();
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`The bridge listens on loopback only (127.0.0.1, ::1 or localhost), not on ${host}.`);
  }
  const log = options.logger?.child('bridge');
  const staticRoot = resolve(options.staticDir);
  const token = randomBytes(32).toString('base64url');
  const clients = new Set<WebSocket>();

  // Filled in once the port is known (port 0 picks one).
  let port = 0;
  let origin = '';
  let hostHeader = '';
  let csp = '';

  const securityHeaders = (nonce?: string): Record<string, string> => ({
    'Content-Security-Policy': nonce ? contentSecurityPolicy({ nonce, connectSrc: [`ws://${hostHeader}`] }) : csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  });

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, nonce?: string): void => {
    res.writeHead(status, { ...securityHeaders(nonce), 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };

  /** Resolves a URL path inside staticRoot, following symlinks; null when it would leave it. */
  const staticPath = async (pathname: string): Promise<string | null> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null;
    const candidate = resolve(staticRoot, '.' + decoded);
    const inside = (p: string, root: string): boolean => {
      const rel = relative(root, p);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
    };
    if (!inside(candidate, staticRoot)) return null;
    try {
      const [real, realRoot] = await Promise.all([realpath(candidate), realpath(staticRoot)]);
      if (!inside(real, realRoot)) return null;
      const info = await stat(real);
      return info.isFile() ? real : null;
    } catch {
      return null;
    }
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.host !== hostHeader) {
      send(res, 403, 'Forbidden: unexpected Host header.', 'text/plain; charset=utf-8');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'Method not allowed.', 'text/plain; charset=utf-8');
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', origin).pathname;
    } catch {
      send(res, 400, 'Bad request.', 'text/plain; charset=utf-8');
      return;
    }
    if (pathname === '/' || pathname === '/index.html') {
      const html = await readFile(resolve(staticRoot, 'index.html'), 'utf8');
      // A style nonce per page load, as the app:// protocol does (see contentSecurityPolicy()).
      const nonce = newCspNonce();
      send(res, 200, htmlWithNonce(injectShim(html), nonce), CONTENT_TYPES['.html']!, nonce);
      return;
    }
    if (pathname === BRIDGE_SHIM_PATH) {
      send(res, 200, await readFile(options.shimFile), CONTENT_TYPES['.js']!);
      return;
    }
    const file = await staticPath(pathname);
    if (!file) {
      send(res, 404, 'Not found.', 'text/plain; charset=utf-8');
      return;
    }
    send(res, 200, await readFile(file), CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  };

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      log?.error('bridge HTTP request failed', { path: req.url?.split('?')[0], error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) send(res, 500, 'Internal error.', 'text/plain; charset=utf-8');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: BRIDGE_MAX_MESSAGE_BYTES });

  /** The wire form of an event, or null when it does not match its schema (never sent). */
  const eventFrame = (event: EventName, payload: unknown): string | null => {
    const checked = eventSchemas[event].safeParse(payload);
    if (!checked.success) {
      log?.warn('bridge dropped an event that does not match its schema', { event, error: checked.error.message });
      return null;
    }
    return JSON.stringify({ event, payload: checked.data });
  };
  const sendEvent = (targets: Iterable<WebSocket>, event: EventName, payload: unknown): void => {
    const text = eventFrame(event, payload);
    if (text === null) return;
    for (const ws of targets) if (ws.readyState === ws.OPEN) ws.send(text);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      refuseUpgrade(socket, 400, 'Bad Request');
      return;
    }
    if (url.pathname !== BRIDGE_WS_PATH) {
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    let originOk = false;
    try {
      originOk = typeof req.headers.origin === 'string' && new URL(req.headers.origin).origin === origin;
    } catch {
      originOk = false;
    }
    const tokenOk = tokensMatch(url.searchParams.get('token'), token);
    if (!tokenOk || !originOk || req.headers.host !== hostHeader) {
      log?.warn('bridge refused a WebSocket', { tokenOk, originOk, origin: req.headers.origin ?? null });
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    // Long operations started by this page stop when it goes away.
    const lifetime = new AbortController();
    log?.info('bridge client connected', { clients: clients.size });

    const reply = (id: string | number | null, envelope: Envelope<unknown>): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, envelope }));
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        reply(null, { ok: false, error: { code: 'INVALID_INPUT', message: 'The bridge accepts text (JSON) messages only.' } });
        return;
      }
      const parsed = parseFrame(rawToText(data));
      if (!('frame' in parsed)) {
        const error = { code: 'INVALID_INPUT' as const, message: parsed.error };
        reply(
          parsed.id,
          parsed.field
            ? { ok: false, error: { ...error, field: parsed.field, issues: [{ field: parsed.field, message: parsed.error }] } }
            : { ok: false, error },
        );
        return;
      }
      const { id, channel, request } = parsed.frame;
      // Each call starts in its own turn of the event loop. A page sends its first calls together and they arrive
      // in one packet; started in the same turn, every handler's synchronous part (listing 10,000 requests,
      // computing 10,000 plans) ran before any answer was checked and sent, so the certificate list waited for
      // all of them. One call per turn, with the socket written between turns, a quick call's answer is on its
      // way before the next call starts (the order of starting stays the order of arrival).
      queued.push(() => run(id, channel, request));
      if (queued.length === 1) setImmediate(startNext);
    });

    const queued: Array<() => void> = [];
    const startNext = (): void => {
      const next = queued.shift();
      // The next one in the next turn (immediates queued while others run wait for the loop to go round).
      if (queued.length > 0) setImmediate(startNext);
      next?.();
    };

    const run = (id: string | number, channel: string, request: unknown): void => {
      dispatch(options.handlers, channel, request, {
        face: 'bridge',
        signal: lifetime.signal,
        // As the Electron face does: a call's own events go to its caller; the host decides (onEvent)
        // whether they go anywhere else.
        emit: (event, payload) => {
          sendEvent([ws], event, payload);
          options.onEvent?.(event, payload);
        },
      })
        .then((envelope) => reply(id, envelope))
        .catch((err: unknown) => {
          // dispatch() returns envelopes; this is a last resort so a caller never waits forever.
          log?.error('bridge dispatch threw', { channel, error: err instanceof Error ? err : String(err) });
          reply(id, { ok: false, error: { code: 'INTERNAL', message: 'The bridge could not run this call.' } });
        });
    };

    ws.on('close', () => {
      clients.delete(ws);
      lifetime.abort();
      log?.info('bridge client disconnected', { clients: clients.size });
    });
    ws.on('error', (err: Error) => log?.warn('bridge socket error', { error: err }));
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The bridge could not read its own port.');
  port = address.port;
  hostHeader = `${hostForUrl(host)}:${port}`;
  origin = `http://${hostHeader}`;
  csp = contentSecurityPolicy({ connectSrc: [`ws://${hostHeader}`] });
  log?.info('bridge listening', { origin });

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    token,
    port,
    emit(event, payload) {
      if (!isEventName(event)) {
        log?.warn('bridge refused to emit an unknown event', { event: String(event) });
        return;
      }
      sendEvent(clients, event, payload);
    },
    close() {
      closing ??= new Promise<void>((done) => {
        for (const ws of clients) ws.close(1001, 'Certdesk bridge is shutting down');
        wss.close();
        server.close(() => done());
        server.closeAllConnections();
        // Sockets that ignore the close handshake must not keep the process alive.
        setTimeout(() => {
          for (const ws of clients) ws.terminate();
        }, 500).unref();
      });
      return closing;
    },
  };
}
