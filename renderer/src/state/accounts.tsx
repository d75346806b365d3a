// The account list, shared by the Let's Encrypt page and the Manage dialog. It reloads on the
// `accounts:changed` event (another face or a service changed it) and after every action here.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Account } from '../../../shared/model/account.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { call, errorInfo, on } from '../api.ts';

interface AccountsState {
  accounts: Account[];
  /** True until the first list arrived (or failed). */
  loading: boolean;
  error: ErrorInfo | null;
  reload(): Promise<void>;
  /** Puts a fresh copy of one account in the list (after an action returned it). */
  upsert(account: Account): void;
}

const AccountsContext = createContext<AccountsState | null>(null);

export function AccountsProvider({ children }: { children: ReactNode }) {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // Only the newest list request may write the state (a slow old answer must not win).
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const list = await call('accounts:list', {});
      if (mine !== generation.current) return;
      setAccounts(list);
      setError(null);
    } catch (err) {
      if (mine !== generation.current) return;
      setError(errorInfo(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  const upsert = useCallback((account: Account) => {
    setAccounts((list) => {
      const i = list.findIndex((a) => a.id === account.id);
      if (i < 0) return [...list, account];
      const next = list.slice();
      next[i] = account;
      return next;
    });
  }, []);

  useEffect(() => {
    void reload();
    return on('accounts:changed', () => void reload());
  }, [reload]);

  const value = useMemo(() => ({ accounts, loading, error, reload, upsert }), [accounts, loading, error, reload, upsert]);
  return <AccountsContext.Provider value={value}>{children}</AccountsContext.Provider>;
}

export function useAccounts(): AccountsState {
  const state = useContext(AccountsContext);
  if (!state) throw new Error('useAccounts() needs an <AccountsProvider> above it.');
  return state;
}
