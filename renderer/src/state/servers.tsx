// End servers and their mappings (Manage → Deploy, the agent-mapping icon of a request, the challenge window).
// The lists reload on `servers:changed` and `deploy:changed` (another face or a service changed them).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EndServer, ServerMapping } from '../../../shared/model/server.ts';
import type { Request } from '../../../shared/model/request.ts';
import { call, errorInfo, on } from '../api.ts';
import { upsertById } from './list.ts';

interface ServersState {
  servers: EndServer[];
  mappings: ServerMapping[];
  loading: boolean;
  error: ErrorInfo | null;
  reload(): Promise<void>;
  upsert(server: EndServer): void;
  server(id: string | null | undefined): EndServer | undefined;
}

const ServersContext = createContext<ServersState | null>(null);

export function ServersProvider({ children }: { children: ReactNode }) {
  const [servers, setServers] = useState<EndServer[]>([]);
  const [mappings, setMappings] = useState<ServerMapping[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [s, m] = await Promise.all([call('servers:list', {}), call('servers:mappings', {})]);
      if (mine !== generation.current) return;
      setServers(s);
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
    const off = on('servers:changed', () => void reload());
    return off;
  }, [reload]);

  const upsert = useCallback((server: EndServer) => setServers((list) => upsertById(list, server)), []);
  const server = useCallback((id: string | null | undefined) => (id ? servers.find((s) => s.id === id) : undefined), [servers]);
  const value = useMemo(() => ({ servers, mappings, loading, error, reload, upsert, server }), [servers, mappings, loading, error, reload, upsert, server]);
  return <ServersContext.Provider value={value}>{children}</ServersContext.Provider>;
}

export function useServers(): ServersState {
  const state = useContext(ServersContext);
  if (!state) throw new Error('useServers() needs a <ServersProvider> above it.');
  return state;
}

/** The end server that answers an http-01 request's challenges (its first name's mapping with a webroot), or null. */
export function http01ServerName(state: Pick<ServersState, 'mappings' | 'server'>, r: Pick<Request, 'challengeType' | 'names' | 'commonName'>): string | null {
  if (r.challengeType !== 'http-01') return null;
  const m = serverMappingFor(state.mappings.filter((x) => x.webroot), r.names[0] ?? r.commonName);
  return m ? (state.server(m.serverId)?.name ?? 'end server') : null;
}

/** The mapping that covers a name (the most specific domain wins, as in the service). */
export function serverMappingFor(mappings: ServerMapping[], name: string): ServerMapping | undefined {
  const ascii = name.toLowerCase().replace(/^\*\./, '');
  let best: ServerMapping | undefined;
  for (const m of mappings) {
    if (ascii === m.domain || ascii.endsWith(`.${m.domain}`)) {
      if (!best || m.domain.length > best.domain.length) best = m;
    }
  }
  return best;
}
