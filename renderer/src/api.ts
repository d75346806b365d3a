// Typed access to the main process. Every face (Electron preload, browser bridge) exposes the same RawApi
// as window.certdesk; here envelopes become values or ApiErrors that carry the full ErrorInfo, so forms can
// put `field`/`issues` under the matching inputs and everything else in an alert with its hint.
import type { RawApi } from '../../shared/ipc/api.ts';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import type { ErrorCode, ErrorInfo, FieldIssue } from '../../shared/ipc/errors.ts';
import type { EventName, EventPayload } from '../../shared/ipc/events.ts';
import { forScreen } from './screenText.ts';

declare global {
  interface Window {
    certdesk?: RawApi;
  }
}

export class ApiError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    const shown = forScreen(info);
    super(shown.message);
    this.name = 'ApiError';
    this.info = shown;
  }
  get code(): ErrorCode {
    return this.info.code;
  }
  get field(): string | undefined {
    return this.info.field;
  }
  get hint(): string | undefined {
    return this.info.hint;
  }
  get issues(): FieldIssue[] | undefined {
    return this.info.issues;
  }
}

function rawApi(): RawApi {
  const api = window.certdesk;
  if (!api) {
    throw new ApiError({
      code: 'INTERNAL',
      message: 'Certdesk cannot reach its engine: this page was opened outside the app.',
      hint: 'Start Certdesk, or run `npm run preview` and open the URL it prints.',
    });
  }
  return api;
}

/** The face serving this page, or null outside the app. */
export function face(): RawApi['face'] | null {
  return window.certdesk?.face ?? null;
}

/** Calls a channel; resolves with its value or throws an ApiError. */
export async function call<C extends Channel>(channel: C, request: Req<C>): Promise<Res<C>> {
  const envelope = await rawApi().invoke(channel, request);
  if (envelope.ok) return envelope.value as Res<C>;
  throw new ApiError(envelope.error);
}

/** Subscribes to a push event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  const api = window.certdesk;
  if (!api) return () => undefined;
  return api.on(event, (payload) => listener(payload as EventPayload<E>));
}

/** Turns anything thrown into ErrorInfo (an ApiError's own, or an INTERNAL one). */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ApiError) return err.info;
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** Field messages keyed by request field name (`email`, `eab.hmacKey`, ...); the first message per field wins. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const issue of err.issues ?? []) out[issue.field] ??= issue.message;
  // A single-field error from a service carries its hint: keep it with the message under the field.
  if (err.field && !out[err.field]) out[err.field] = err.hint ? `${err.message} ${err.hint}` : err.message;
  return out;
}

/** True when every problem in the error is attached to one of the given fields (so no alert is needed). */
export function onlyFieldErrors(err: unknown, shownFields: readonly string[]): boolean {
  const fields = Object.keys(fieldErrors(err));
  return fields.length > 0 && fields.every((f) => shownFields.includes(f));
}

/** A fresh id for a long operation: progress events and ops:cancel refer to it. */
export function newOpId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
