// A long operation started from the UI: it gets a fresh opId, collects the `ops:progress` steps sent for
// that id (so the user sees what is happening, never a bare spinner), and can be cancelled (ops:cancel).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventPayload } from '../../../shared/ipc/events.ts';
import { call, newOpId, on } from '../api.ts';

export type OperationStep = Omit<EventPayload<'ops:progress'>, 'opId'>;

/** What the progress events of one operation said so far. */
export interface Progress {
  /** Steps of the whole operation, one line per step, in arrival order. */
  steps: OperationStep[];
  /** The latest step per item (e.g. per domain name of an order). */
  items: Record<string, OperationStep>;
}

export const NO_PROGRESS: Progress = { steps: [], items: {} };

/**
 * Folds one progress event into the state. Services send every step as "running": a later step means the
 * earlier ones are over, so they turn "done"; the closing event (done / failed / cancelled) settles the rest.
 */
export function applyProgress(state: Progress, step: OperationStep): Progress {
  if (step.item !== undefined) {
    return { ...state, items: { ...state.items, [step.item]: step } };
  }
  const steps = state.steps.map((s) => (s.status === 'running' && s.step !== step.step ? { ...s, status: 'done' as const } : s));
  const i = steps.findIndex((s) => s.step === step.step);
  if (i < 0) {
    // The closing "Done." adds nothing a person needs when there were steps before it.
    if (step.step === 'done' && step.status === 'done' && steps.length > 0) return { ...state, steps };
    return { ...state, steps: [...steps, step] };
  }
  steps[i] = step;
  return { ...state, steps };
}

export interface Operation extends Progress {
  running: boolean;
  cancelling: boolean;
  /** Runs `work` with a new opId; progress for that id is collected until it settles. */
  run<T>(work: (opId: string) => Promise<T>): Promise<T>;
  cancel(): void;
  /** Forgets the steps of the last run. */
  reset(): void;
}

export function useOperation(): Operation {
  const current = useRef<string | null>(null);
  const [running, setRunning] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [progress, setProgress] = useState<Progress>(NO_PROGRESS);

  useEffect(
    () =>
      on('ops:progress', ({ opId, ...step }) => {
        if (opId !== current.current) return;
        setProgress((p) => applyProgress(p, step));
      }),
    [],
  );

  const run = useCallback(async <T,>(work: (opId: string) => Promise<T>): Promise<T> => {
    const opId = newOpId();
    current.current = opId;
    setProgress(NO_PROGRESS);
    setCancelling(false);
    setRunning(true);
    try {
      return await work(opId);
    } finally {
      if (current.current === opId) {
        setRunning(false);
        setCancelling(false);
      }
    }
  }, []);

  const cancel = useCallback(() => {
    const opId = current.current;
    if (!opId) return;
    setCancelling(true);
    // The operation's own call settles with CANCELLED; a failed cancel request changes nothing.
    call('ops:cancel', { opId }).catch(() => setCancelling(false));
  }, []);

  const reset = useCallback(() => setProgress(NO_PROGRESS), []);

  return { running, cancelling, steps: progress.steps, items: progress.items, run, cancel, reset };
}
