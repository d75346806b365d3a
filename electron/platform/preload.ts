// Sandboxed preload: exposes `window.certdesk` (RawApi) and nothing else. Calls are limited to the contract's
// channels and subscriptions to its event names; ipcRenderer itself, and the IPC event objects (which carry
// `sender`), never reach the page. esbuild bundles this file: a sandboxed preload may only require 'electron'.
//
// The allow-lists come from shared/ipc/names.ts: the contract's names without zod (a few kB instead of 0.8 MB),
// kept equal to the contract by the type checker.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { GLOBAL_API_NAME, type RawApi } from '../../shared/ipc/api.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import { isChannelName as isChannel, isEventNameOnly as isEventName } from '../../shared/ipc/names.ts';

// Must equal EVENT_CHANNEL in ipc-main.ts (not imported: that module is main-process code; the preload test
// checks they match).
const EVENT_CHANNEL = 'certdesk:event';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, message: unknown) => {
  if (typeof message !== 'object' || message === null) return;
  const { event, payload } = message as { event?: unknown; payload?: unknown };
  if (!isEventName(event)) return;
  for (const listener of [...(listeners.get(event) ?? [])]) {
    try {
      listener(payload);
    } catch (err) {
      // One failing subscriber must not starve the others.
      console.error(`certdesk: a listener for ${event} threw`, err);
    }
  }
});

const api: RawApi = {
  face: 'electron',

  async invoke(channel: string, request: unknown): Promise<Envelope<unknown>> {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `Unknown channel: ${String(channel)}` } };
    }
    try {
      return (await ipcRenderer.invoke(channel, request)) as Envelope<unknown>;
    } catch (err) {
      // invoke() rejects when the request cannot be cloned or no handler is registered: keep the promise of
      // RawApi (an envelope, never a rejection).
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { code: 'INTERNAL', message: `The call to ${channel} failed: ${message}` } };
    }
  },

  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!isEventName(event)) throw new TypeError(`Unknown event: ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('The listener must be a function.');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld(GLOBAL_API_NAME, api);
