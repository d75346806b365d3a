// Renewal plans (renewal:plans, reloaded on `renewal:changed`) and alerts (alerts:list, reloaded on
// `alerts:changed`). Until the engine behind a channel exists it answers INTERNAL "not built yet": the views
// then say quietly that the feature is not available instead of showing an error.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Res } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EventName } from '../../../shared/ipc/events.ts';
import type { Alert, RenewalPlan } from '../../../shared/model/renewal.ts';
import { call, errorInfo, on } from '../api.ts';

/** The engine behind a channel is not part of this build (the placeholder handlers' answer). */
export function isNotBuilt(error: ErrorInfo | null | undefined): boolean {
  return error?.code === 'INTERNAL' && /not built yet/i.test(error.message);
}

type ValueChannel = 'renewal:plans' | 'alerts:list';

export interface ChannelValue<T> {
  value: T | null;
  loading: boolean;
  /** The channel answers "not built yet": hide the feature quietly. */
  unavailable: boolean;
  /** Any other failure to read it. */
  error: ErrorInfo | null;
  reload(): Promise<void>;
}

function useChannelValue<C extends ValueChannel>(channel: C, changed: EventName): ChannelValue<Res<C>> {
  const [value, setValue] = useState<Res<C> | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const v = (await call<ValueChannel>(channel, {})) as Res<C>;
      if (mine !== generation.current) return;
      setValue(v);
      setError(null);
    } catch (err) {
      if (mine === generation.current) setError(errorInfo(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [channel]);

  useEffect(() => {
    void reload();
    return on(changed, () => void reload());
  }, [reload, changed]);

  const unavailable = isNotBuilt(error);
  return { value, loading, unavailable, error: unavailable ? null : error, reload };
}

export interface RenewalPlans extends Omit<ChannelValue<RenewalPlan[]>, 'value'> {
  plans: RenewalPlan[];
  /** The plan of a saved certificate, by its id. */
  planOf(certificateId: string): RenewalPlan | undefined;
}

export function useRenewalPlans(): RenewalPlans {
  const { value, ...rest } = useChannelValue('renewal:plans', 'renewal:changed');
  const byId = useMemo(() => new Map((value ?? []).map((p) => [p.certificateId, p])), [value]);
  const planOf = useCallback((id: string) => byId.get(id), [byId]);
  return { ...rest, plans: value ?? [], planOf };
}

export interface Alerts extends Omit<ChannelValue<Alert[]>, 'value'> {
  alerts: Alert[];
  /** Not dismissed: what the bell counts. */
  active: Alert[];
  dismissed: Alert[];
}

export function useAlerts(): Alerts {
  const { value, ...rest } = useChannelValue('alerts:list', 'alerts:changed');
  const alerts = useMemo(() => value ?? [], [value]);
  const active = useMemo(() => alerts.filter((a) => !a.dismissed), [alerts]);
  const dismissed = useMemo(() => alerts.filter((a) => a.dismissed), [alerts]);
  return { ...rest, alerts, active, dismissed };
}
