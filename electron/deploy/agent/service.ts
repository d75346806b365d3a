// Certdesk agents (issue 10): pairing, the paired list, tests, unpairing, and each agent as a deploy target
// (AgentDirectory) so the http-01 solver and the Deployer use agents exactly like SSH end servers. Metadata (URL,
// pinned certificate, the agent's report) in db.json; the per-agent HMAC secret only in the keychain
// (`agent/<id>/secret`). Plain Node; nothing here imports electron.
import { AppError } from '../../../shared/ipc/errors.ts';
import type { Agent, AgentProbe } from '../../../shared/model/agent.ts';
import type { EventHub } from '../../core/events.ts';
import type { Logger } from '../../core/logger.ts';
import type { Operation } from '../../core/operations.ts';
import type { SecretStore } from '../../secrets/secret-store.ts';
import type { Store } from '../../store/store.ts';
import type { ServerService, TestCheck } from '../servers.ts';
import type { AgentDirectory, DeployTarget, TargetInfo } from '../types.ts';

export type AgentStore = Pick<Store, 'data' | 'update'>;

export interface AgentServiceDeps {
  store: AgentStore;
  secrets: SecretStore;
  servers: ServerService;
  hub: EventHub;
  logger: Logger;
  clock?: () => Date;
}

export interface PairInput {
  name: string;
  url: string;
  code?: string | undefined;
  /** CLI: a file holding the code. */
  codeFile?: string | undefined;
  acceptCert: string;
}

const todo = (what: string): never => {
  throw new AppError('INTERNAL', `${what}: not built yet (issue 10 in progress).`);
};

export class AgentService implements AgentDirectory {
  constructor(private readonly deps: AgentServiceDeps) {
    deps.servers.useAgents(this);
  }

  list(): TargetInfo[] {
    return [];
  }

  agents(): Agent[] {
    return [];
  }

  get(idOrName: string): Agent {
    return todo(`agent ${idOrName}`);
  }

  find(_idOrName: string): TargetInfo | undefined {
    return undefined;
  }

  target(_id: string): DeployTarget | undefined {
    return undefined;
  }

  async probe(_url: string, _op: Operation): Promise<AgentProbe> {
    return todo('agents:probe');
  }

  async pair(_input: PairInput, _op: Operation): Promise<Agent> {
    return todo('agents:pair');
  }

  async test(_idOrName: string, _op: Operation): Promise<{ agent: Agent; ok: boolean; message: string; checks: TestCheck[] }> {
    return todo('agents:test');
  }

  async remove(_idOrName: string): Promise<{ unpaired: boolean }> {
    return todo('agents:delete');
  }
}
