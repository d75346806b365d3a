// A long operation started from the UI: it gets a fresh opId, collects the `ops:progress` steps sent for
// that id (so the user sees what is happening, never a bare spinner), and can be cancelled (ops:cancel).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventPayload } from '../../../shared/ipc/events.ts';
import { call, newOpId, on } from '../api.ts';

export type OperationStep = Omit<EventPayload<'ops:progress'>, 'opId'>;

export interface Operation {
  running: boolean;
  cancelling: boolean;
  steps: OperationStep[];
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
  const [steps, setSteps] = useState<OperationStep[]>([]);

  useEffect(
    () =>
      on('ops:progress', ({ opId, ...step }) => {
        if (opId !== current.current) return;
        setSteps((list) => {
          // One line per step (and item): later events update it in place.
          const key = `${step.step}\u0000${step.item ?? ''}`;
          const i = list.findIndex((s) => `${s.step}\u0000${s.item ?? ''}` === key);
          if (i < 0) return [...list, step];
          const next = list.slice();
          next[i] = step;
          return next;
        });
      }),
    [],
  );

  const run = useCallback(async <T,>(work: (opId: string) => Promise<T>): Promise<T> => {
    const opId = newOpId();
    current.current = opId;
    setSteps([]);
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

  const reset = useCallback(() => setSteps([]), []);

  return { running, cancelling, steps, run, cancel, reset };
}
