// DNS accounts, their providers and the per-domain DNS mappings, shared by the Manage dialog (DNS and Deploy
// tabs), the Certificate Request dialog, Assign DNS and the challenge window. The lists reload on
// `dns:changed` (another face or a service changed them) and after every action here.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DnsAccount, DnsMapping, DnsProviderInfo } from '../../../shared/model/dns.ts';
import { call, errorInfo, on } from '../api.ts';
import { upsertById } from './list.ts';

/** The last Test connection of a DNS account in this session (the service keeps no test history). */
export interface TestOutcome {
  ok: boolean;
  zone?: string;
  message: string;
  at: string;
}

interface DnsState {
  providers: DnsProviderInfo[];
  accounts: DnsAccount[];
  mappings: DnsMapping[];
  /** True until the first lists arrived (or failed). */
  loading: boolean;
  error: ErrorInfo | null;
  reload(): Promise<void>;
  /** Puts a fresh copy of one DNS account in the list (after an action returned it). */
  upsert(account: DnsAccount): void;
  provider(id: string): DnsProviderInfo | undefined;
  account(id: string | null | undefined): DnsAccount | undefined;
  /** Last test per DNS account id, kept while the window is open (closing Manage keeps them). */
  tests: Record<string, TestOutcome>;
  recordTest(id: string, outcome: TestOutcome): void;
}

const DnsContext = createContext<DnsState | null>(null);

export function DnsProvider({ children }: { children: ReactNode }) {
  const [providers, setProviders] = useState<DnsProviderInfo[]>([]);
  const [accounts, setAccounts] = useState<DnsAccount[]>([]);
  const [mappings, setMappings] = useState<DnsMapping[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [tests, setTests] = useState<Record<string, TestOutcome>>({});
  // Only the newest read may write the state: a slow old answer must not win.
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [p, a, m] = await Promise.all([call('dns:providers', {}), call('dns:list', {}), call('dns:mappings', {})]);
      if (mine !== generation.current) return;
      setProviders(p);
      setAccounts(a);
      setMappings(m);
      setError(null);
    } catch (err) {
      if (mine === generation.current) setError(errorInfo(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
    // A request that starts or stops using an account changes its "used by".
    const offDns = on('dns:changed', () => void reload());
    // A verify emits requests:changed at every step: one read after the burst is enough.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const offRequests = on('requests:changed', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 400);
    });
    return () => {
      clearTimeout(timer);
      offDns();
      offRequests();
    };
  }, [reload]);

  const upsert = useCallback((account: DnsAccount) => setAccounts((list) => upsertById(list, account)), []);
  const provider = useCallback((id: string) => providers.find((p) => p.id === id), [providers]);
  const account = useCallback((id: string | null | undefined) => (id ? accounts.find((a) => a.id === id) : undefined), [accounts]);

  const recordTest = useCallback((id: string, outcome: TestOutcome) => setTests((t) => ({ ...t, [id]: outcome })), []);

  const value = useMemo(
    () => ({ providers, accounts, mappings, loading, error, reload, upsert, provider, account, tests, recordTest }),
    [providers, accounts, mappings, loading, error, reload, upsert, provider, account, tests, recordTest],
  );
  return <DnsContext.Provider value={value}>{children}</DnsContext.Provider>;
}

export function useDns(): DnsState {
  const state = useContext(DnsContext);
  if (!state) throw new Error('useDns() needs a <DnsProvider> above it.');
  return state;
}

/** The provider's display name, or its id when the provider is unknown to this build. */
export function providerName(state: Pick<DnsState, 'provider'>, id: string): string {
  return state.provider(id)?.displayName ?? id;
}
