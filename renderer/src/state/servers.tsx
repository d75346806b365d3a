// End servers, Certdesk agents and their mappings (Manage → Deploy and Windows agents, the agent-mapping icon of a
// request, the challenge window). Both kinds are mapping targets: a mapping's serverId is a server's or an agent's
// id. The lists reload on `servers:changed` and `agents:changed` (another face or a service changed them).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Agent } from '../../../shared/model/agent.ts';
import type { EndServer, ServerMapping } from '../../../shared/model/server.ts';
import type { Request } from '../../../shared/model/request.ts';
import { call, errorInfo, on } from '../api.ts';
import { upsertById } from './list.ts';

interface ServersState {
  servers: EndServer[];
  /** Paired Certdesk agents (in the order they were paired). */
  agents: Agent[];
  mappings: ServerMapping[];
  loading: boolean;
  error: ErrorInfo | null;
  reload(): Promise<void>;
  upsert(server: EndServer): void;
  server(id: string | null | undefined): EndServer | undefined;
  upsertAgent(agent: Agent): void;
  agent(id: string | null | undefined): Agent | undefined;
  /** The name of a mapping target (server or agent), or undefined when neither exists. */
  targetName(id: string | null | undefined): string | undefined;
}

const ServersContext = createContext<ServersState | null>(null);

export function ServersProvider({ children }: { children: ReactNode }) {
  const [servers, setServers] = useState<EndServer[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [mappings, setMappings] = useState<ServerMapping[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [s, a, m] = await Promise.all([call('servers:list', {}), call('agents:list', {}), call('servers:mappings', {})]);
      if (mine !== generation.current) return;
      setServers(s);
      setAgents(a);
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
    const offServers = on('servers:changed', () => void reload());
    const offAgents = on('agents:changed', () => void reload());
    return () => {
      offServers();
      offAgents();
    };
  }, [reload]);

  const upsert = useCallback((server: EndServer) => setServers((list) => upsertById(list, server)), []);
  const server = useCallback((id: string | null | undefined) => (id ? servers.find((s) => s.id === id) : undefined), [servers]);
  const upsertAgent = useCallback((agent: Agent) => setAgents((list) => upsertById(list, agent)), []);
  const agent = useCallback((id: string | null | undefined) => (id ? agents.find((a) => a.id === id) : undefined), [agents]);
  const targetName = useCallback((id: string | null | undefined) => server(id)?.name ?? agent(id)?.name, [server, agent]);
  const value = useMemo(
    () => ({ servers, agents, mappings, loading, error, reload, upsert, server, upsertAgent, agent, targetName }),
    [servers, agents, mappings, loading, error, reload, upsert, server, upsertAgent, agent, targetName],
  );
  return <ServersContext.Provider value={value}>{children}</ServersContext.Provider>;
}

export function useServers(): ServersState {
  const state = useContext(ServersContext);
  if (!state) throw new Error('useServers() needs a <ServersProvider> above it.');
  return state;
}

/** The end server (or agent) that answers an http-01 request's challenges (its first name's mapping with a webroot), or null. */
export function http01ServerName(state: Pick<ServersState, 'mappings' | 'targetName'>, r: Pick<Request, 'challengeType' | 'names' | 'commonName'>): string | null {
  if (r.challengeType !== 'http-01') return null;
  const m = serverMappingFor(state.mappings.filter((x) => x.webroot), r.names[0] ?? r.commonName);
  return m ? (state.targetName(m.serverId) ?? 'end server') : null;
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
