// The object a face exposes to the renderer as `window.certdesk`: the Electron preload and the browser
// bridge shim both implement exactly this, so the renderer cannot tell them apart.
import type { Channel, Req, Res } from './contract.ts';
import type { Envelope } from './errors.ts';
import type { EventName, EventPayload } from './events.ts';

export interface RawApi {
  /** Calls a contract channel; resolves with an envelope, never rejects for handler errors. */
  invoke(channel: string, request: unknown): Promise<Envelope<unknown>>;
  /** Subscribes to a push event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** Which face serves this renderer. */
  readonly face: 'electron' | 'bridge';
}

export interface TypedApi {
  invoke<C extends Channel>(channel: C, request: Req<C>): Promise<Envelope<Res<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  readonly face: 'electron' | 'bridge';
}

export const GLOBAL_API_NAME = 'certdesk';
