// The account list, shared by the Let's Encrypt page and the Manage dialog. It reloads on the
// `accounts:changed` event (another face or a service changed it) and after every action here.
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { Account } from '../../../shared/model/account.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { useChannelList } from './list.ts';

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
  const { items: accounts, loading, error, reload, upsert } = useChannelList('accounts:list', 'accounts:changed');

  const value = useMemo(() => ({ accounts, loading, error, reload, upsert }), [accounts, loading, error, reload, upsert]);
  return <AccountsContext.Provider value={value}>{children}</AccountsContext.Provider>;
}

export function useAccounts(): AccountsState {
  const state = useContext(AccountsContext);
  if (!state) throw new Error('useAccounts() needs an <AccountsProvider> above it.');
  return state;
}
