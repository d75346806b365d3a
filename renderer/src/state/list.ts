// A list read from a channel and read again whenever its change event arrives (another face or a service
// changed it). Only the newest read may write the state: a slow old answer must not win.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Res } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EventName } from '../../../shared/ipc/events.ts';
import { call, errorInfo, on } from '../api.ts';

/** The list channels that take no arguments. */
type ListChannel = 'accounts:list' | 'certs:list';
type Item<C extends ListChannel> = Res<C>[number];

export interface ChannelList<T> {
  items: T[];
  /** True until the first list arrived (or failed). */
  loading: boolean;
  error: ErrorInfo | null;
  reload(): Promise<void>;
  /** Puts a fresh copy of one item in the list (after an action returned it). */
  upsert(item: T): void;
}

/** The list with `item` in place of the one with its id, or added at the end. */
export function upsertById<T extends { id: string }>(list: T[], item: T): T[] {
  const i = list.findIndex((x) => x.id === item.id);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

export function useChannelList<C extends ListChannel>(channel: C, changed: EventName): ChannelList<Item<C>> {
  const [items, setItems] = useState<Item<C>[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const list = (await call<ListChannel>(channel, {})) as Item<C>[];
      if (mine !== generation.current) return;
      setItems(list);
      setError(null);
    } catch (err) {
      if (mine === generation.current) setError(errorInfo(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [channel]);

  const upsert = useCallback((item: Item<C>) => setItems((list) => upsertById(list, item)), []);

  useEffect(() => {
    void reload();
    return on(changed, () => void reload());
  }, [reload, changed]);

  return { items, loading, error, reload, upsert };
}
