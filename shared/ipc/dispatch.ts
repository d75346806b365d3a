// dispatch(): the one entry point every face uses. Pure: parse the request against the contract, run the
// handler, parse its result, and return an envelope. Electron's invoke() drops error details, so errors
// travel as data (the same trick Signal-Desktop uses for its SQL channel).
import type { z } from 'zod';
import { contract, isChannel, type Channel, type ParsedReq, type Res } from './contract.ts';
import { AppError, type Envelope, type FieldIssue } from './errors.ts';
import type { EventName, EventPayload } from './events.ts';

export type Face = 'electron' | 'bridge' | 'cli';

export interface CallContext {
  face: Face;
  /** Aborted when the caller cancels (ops:cancel) or goes away. */
  signal?: AbortSignal;
  /** Sends a push event to the calling face (and, by the host's choice, to all faces). */
  emit?: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
}

export type Handlers = {
  [C in Channel]: (req: ParsedReq<C>, ctx: CallContext) => Promise<Res<C>>;
};

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(request)';
    // Our schemas carry full sentences; zod's defaults get the field name in front.
    const custom = /[.:!?]$/.test(issue.message) && /\s/.test(issue.message);
    return { field, message: custom ? issue.message : `${field}: ${issue.message}` };
  });
}

export function validationError(issues: FieldIssue[]): AppError {
  const first = issues[0];
  const message =
    issues.length === 1 && first ? first.message : `${issues.length} fields need attention: ${issues.map((i) => i.message).join(' ')}`;
  return new AppError('INVALID_INPUT', message, first ? { field: first.field, issues } : { issues });
}

export function toEnvelopeError(err: unknown): Envelope<never> {
  if (err instanceof AppError) return { ok: false, error: err.toInfo() };
  if (err instanceof Error && err.name === 'AbortError') {
    return { ok: false, error: { code: 'CANCELLED', message: 'The operation was cancelled.' } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, error: { code: 'INTERNAL', message: `Unexpected error: ${message}` } };
}

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  raw: unknown,
  ctx: CallContext,
): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `Unknown channel: ${String(channel)}` } };
  }
  const spec = contract[channel];
  const parsed = spec.req.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, error: validationError(issuesOf(parsed.error)).toInfo() };
  try {
    const handler = handlers[channel] as (req: unknown, ctx: CallContext) => Promise<unknown>;
    const value = await handler(parsed.data, ctx);
    const out = spec.res.safeParse(value);
    if (!out.success) {
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `The ${channel} result did not match the contract: ${out.error.message}` },
      };
    }
    return { ok: true, value: out.data };
  } catch (err) {
    return toEnvelopeError(err);
  }
}
