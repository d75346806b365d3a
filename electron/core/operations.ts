// Long operations: each has an id chosen by the caller, an AbortController that `ops:cancel` trips, and
// progress steps pushed as `ops:progress` events so every face can show live status.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { AppError } from '../../shared/ipc/errors.ts';
import type { EventHub } from './events.ts';

export interface Operation {
  readonly id: string;
  readonly signal: AbortSignal;
  step(step: string, message: string, item?: string): void;
  /** Throws CANCELLED if the operation was cancelled. */
  check(): void;
}

export class Operations {
  private readonly running = new Map<string, AbortController>();
  constructor(private readonly hub: EventHub) {}

  async run<T>(opId: string | undefined, outer: AbortSignal | undefined, fn: (op: Operation) => Promise<T>): Promise<T> {
    const id = opId ?? randomUUID();
    if (this.running.has(id)) throw new AppError('CONFLICT', `Operation ${id} is already running.`);
    const controller = new AbortController();
    // Every HTTP request of the operation listens on this signal; a 100-name order has many at once.
    setMaxListeners(0, controller.signal);
    const onOuter = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    if (outer?.aborted) controller.abort(outer.reason);
    this.running.set(id, controller);
    const hub = this.hub;
    let last = 'start';
    const op: Operation = {
      id,
      signal: controller.signal,
      step(step, message, item) {
        last = step;
        hub.emit('ops:progress', { opId: id, step, status: 'running', message, ...(item ? { item } : {}) });
      },
      check() {
        if (controller.signal.aborted) throw new AppError('CANCELLED', 'The operation was cancelled.');
      },
    };
    try {
      const value = await fn(op);
      hub.emit('ops:progress', { opId: id, step: 'done', status: 'done', message: 'Done.' });
      return value;
    } catch (err) {
      const cancelled = controller.signal.aborted || (err instanceof AppError && err.code === 'CANCELLED');
      hub.emit('ops:progress', {
        opId: id,
        step: last,
        status: cancelled ? 'cancelled' : 'failed',
        message: cancelled ? 'Cancelled.' : err instanceof Error ? err.message : String(err),
      });
      if (cancelled && !(err instanceof AppError && err.code === 'CANCELLED')) {
        throw new AppError('CANCELLED', 'The operation was cancelled.');
      }
      throw err;
    } finally {
      outer?.removeEventListener('abort', onOuter);
      this.running.delete(id);
    }
  }

  cancel(id: string): boolean {
    const c = this.running.get(id);
    if (!c) return false;
    c.abort(new AppError('CANCELLED', 'The operation was cancelled.'));
    return true;
  }
}
