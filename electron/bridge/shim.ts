// Browser side of the loopback bridge (bundled as an IIFE, loaded before the app): defines
// `window.certdesk` with the same RawApi the Electron preload exposes, carried over one WebSocket.
// This file is type-checked with the Node project (no DOM lib), so it names the few browser APIs it uses.
import type { RawApi } from '../../shared/ipc/api.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';

interface BrowserSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}

interface ShimGlobal {
  location: { search: string; pathname: string; hash: string; host: string; protocol: string };
  history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  WebSocket: new (url: string) => BrowserSocket;
  certdesk?: RawApi;
}

const WS_PATH = '/__bridge/ws';
const TOKEN_KEY = 'certdesk.bridge.token';
const OPEN = 1;

const w = globalThis as unknown as ShimGlobal;

/** The token arrives in the URL once; it is kept for this tab only so a reload still connects. */
function takeToken(): string | null {
  const params = new URLSearchParams(w.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    params.delete('token');
    const rest = params.toString();
    w.history.replaceState(w.history.state, '', w.location.pathname + (rest ? `?${rest}` : '') + w.location.hash);
    try {
      w.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage may be disabled; a reload then needs the URL with the token again.
    }
    return fromUrl;
  }
  try {
    return w.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function networkError(message: string): Envelope<never> {
  return {
    ok: false,
    error: {
      code: 'NETWORK',
      message,
      hint: 'The Certdesk bridge is not running or refused this page. Start it again (npm run preview) and open the URL it prints.',
    },
  };
}

function createBridgeApi(): RawApi {
  const token = takeToken();
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  const queue: string[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let closedReason: string | null = token ? null : 'This page was opened without the bridge token.';
  let socket: BrowserSocket | null = null;

  const failAll = (reason: string): void => {
    closedReason = reason;
    queue.length = 0;
    for (const resolve of pending.values()) resolve(networkError(reason));
    pending.clear();
  };

  if (token) {
    const scheme = w.location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new w.WebSocket(`${scheme}//${w.location.host}${WS_PATH}?token=${encodeURIComponent(token)}`);
    const ws = socket;
    ws.addEventListener('open', () => {
      for (const text of queue.splice(0)) ws.send(text);
    });
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: unknown;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null) return;
      const m = msg as { id?: unknown; envelope?: Envelope<unknown>; event?: unknown; payload?: unknown };
      if (typeof m.id === 'number' && m.envelope) {
        const resolve = pending.get(m.id);
        pending.delete(m.id);
        resolve?.(m.envelope);
      } else if (typeof m.event === 'string') {
        for (const listener of listeners.get(m.event) ?? []) {
          try {
            listener(m.payload);
          } catch (err) {
            console.error(`certdesk: a listener for ${m.event} failed`, err);
          }
        }
      }
    });
    ws.addEventListener('close', () => failAll('The connection to the Certdesk bridge was closed.'));
  }

  const api: RawApi = {
    face: 'bridge',
    invoke(channel: string, request: unknown): Promise<Envelope<unknown>> {
      if (closedReason) return Promise.resolve(networkError(closedReason));
      const id = nextId++;
      const text = JSON.stringify({ id, channel, request });
      return new Promise((resolve) => {
        pending.set(id, resolve);
        if (socket && socket.readyState === OPEN) socket.send(text);
        else queue.push(text);
      });
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener);
      return () => {
        listeners.get(event)?.delete(listener);
      };
    },
  };
  return Object.freeze(api);
}

if (!w.certdesk) {
  Object.defineProperty(w, 'certdesk', { value: createBridgeApi(), writable: false, configurable: false, enumerable: true });
}
