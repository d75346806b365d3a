// Certificate requests as every screen sees them: the list (reloaded on `requests:changed`), and the long
// operations running for a request (verify, new challenge, renew). Operations live here rather than in a
// dialog, so closing the challenge window does not lose the live progress: reopening it, or the table's
// Processing chip, shows where the CA is.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Request } from '../../../shared/model/request.ts';
import { call, errorInfo, newOpId, on } from '../api.ts';
import { upsertById } from './list.ts';
import { applyProgress, NO_PROGRESS, type Progress } from './operation.ts';

export type ActivityKind = 'verify' | 'new-challenge' | 'renew';

export interface Activity extends Progress {
  kind: ActivityKind;
  opId: string;
  /** When it started (Date.now()), for the elapsed time a long Verify shows. */
  startedAt: number;
  running: boolean;
  cancelling: boolean;
  /** Set when the call failed (anything but a request that ended Failed, which the request itself says). */
  error: ErrorInfo | null;
  /**
   * An automatic solver's latest word per name (adding the record, "2 of 3 name servers see the record"),
   * kept while the CA's steps follow: the propagation can pass in milliseconds, and the card still says so.
   */
  solver: Record<string, string>;
}

interface RequestsState {
  requests: Request[];
  /** True until the first list arrived (or failed). */
  loading: boolean;
  error: ErrorInfo | null;
  reload(): Promise<void>;
  /** Puts a fresh copy of one request in the list (after an action returned it). */
  upsert(request: Request): void;
  /** The running (or last) operation of a request. */
  activity(id: string): Activity | undefined;
  /** Runs a request operation with a fresh opId and tracks its progress under the request's id. */
  run(id: string, kind: ActivityKind, work: (opId: string) => Promise<Request>): Promise<Request>;
  cancel(id: string): void;
  /** Forgets the finished activity of a request (its steps and error). */
  clear(id: string): void;
}

const RequestsContext = createContext<RequestsState | null>(null);

export function RequestsProvider({ children }: { children: ReactNode }) {
  const [requests, setRequests] = useState<Request[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [activities, setActivities] = useState<Record<string, Activity>>({});
  // opId → request id, for routing progress events.
  const opRequest = useRef(new Map<string, string>());
  // One list request at a time; changes that arrive meanwhile ask for one more afterwards (a verify emits
  // `requests:changed` at every step: coalesce them instead of queueing dozens of reloads).
  const inFlight = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const reload = useCallback(async (): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return inFlight.current;
    }
    const work = (async () => {
      do {
        again.current = false;
        try {
          setRequests(await call('requests:list', {}));
          setError(null);
        } catch (err) {
          setError(errorInfo(err));
        }
      } while (again.current);
      setLoading(false);
    })();
    inFlight.current = work;
    try {
      await work;
    } finally {
      inFlight.current = null;
    }
  }, []);

  const upsert = useCallback((request: Request) => setRequests((list) => upsertById(list, request)), []);

  useEffect(() => {
    void reload();
    const offChanged = on('requests:changed', () => void reload());
    // A deployment changes the request's deployments.
    const offDeploy = on('deploy:changed', () => void reload());
    // Who answers a challenge (the engine's automation label) follows the server and agent mappings.
    const offServers = on('servers:changed', () => void reload());
    const offAgents = on('agents:changed', () => void reload());
    const offProgress = on('ops:progress', ({ opId, ...step }) => {
      const id = opRequest.current.get(opId);
      if (!id) return;
      setActivities((all) => {
        const a = all[id];
        if (!a || a.opId !== opId) return all;
        const next = { ...a, ...applyProgress(a, step) };
        // Its clean-up after the CA's verdict is no news about the propagation.
        if (step.step === 'dns' && step.item && !/remov/i.test(step.message)) {
          const message = step.message.startsWith(`${step.item}: `) ? step.message.slice(step.item.length + 2) : step.message;
          next.solver = { ...a.solver, [step.item]: message };
        }
        return { ...all, [id]: next };
      });
    });
    return () => {
      offChanged();
      offDeploy();
      offServers();
      offAgents();
      offProgress();
    };
  }, [reload]);

  const patchActivity = useCallback((id: string, opId: string, changes: Partial<Activity>) => {
    setActivities((all) => {
      const a = all[id];
      if (!a || a.opId !== opId) return all;
      return { ...all, [id]: { ...a, ...changes } };
    });
  }, []);

  const run = useCallback(
    async (id: string, kind: ActivityKind, work: (opId: string) => Promise<Request>): Promise<Request> => {
      const opId = newOpId();
      opRequest.current.set(opId, id);
      setActivities((all) => ({ ...all, [id]: { kind, opId, startedAt: Date.now(), running: true, cancelling: false, error: null, solver: {}, ...NO_PROGRESS } }));
      try {
        const result = await work(opId);
        upsert(result);
        patchActivity(id, opId, { running: false, cancelling: false });
        return result;
      } catch (err) {
        patchActivity(id, opId, { running: false, cancelling: false, error: errorInfo(err) });
        throw err;
      } finally {
        opRequest.current.delete(opId);
        void reload();
      }
    },
    [patchActivity, reload, upsert],
  );

  const activitiesRef = useRef(activities);
  activitiesRef.current = activities;

  const cancel = useCallback(
    (id: string) => {
      const a = activitiesRef.current[id];
      if (!a?.running) return;
      patchActivity(id, a.opId, { cancelling: true });
      call('ops:cancel', { opId: a.opId }).catch(() => patchActivity(id, a.opId, { cancelling: false }));
    },
    [patchActivity],
  );

  const clear = useCallback((id: string) => {
    setActivities((all) => {
      if (!all[id] || all[id].running) return all;
      const { [id]: _gone, ...rest } = all;
      return rest;
    });
  }, []);

  const activity = useCallback((id: string) => activities[id], [activities]);

  const value = useMemo(
    () => ({ requests, loading, error, reload, upsert, activity, run, cancel, clear }),
    [requests, loading, error, reload, upsert, activity, run, cancel, clear],
  );
  return <RequestsContext.Provider value={value}>{children}</RequestsContext.Provider>;
}

export function useRequests(): RequestsState {
  const state = useContext(RequestsContext);
  if (!state) throw new Error('useRequests() needs a <RequestsProvider> above it.');
  return state;
}
