// Channels of Certdesk agents (issue 10): agents:*. Thin: the AgentService holds the logic, packageAgent makes the
// zip. Path fields (codeFile, out) are refused for windows (handlers.ts refusePaths) before these run.
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import type { Operations } from '../core/operations.ts';
import type { AgentService } from '../deploy/agent/service.ts';
import type { SavePathRequest } from './platform-services.ts';

type AgentChannels = 'agents:list' | 'agents:probe' | 'agents:pair' | 'agents:test' | 'agents:delete' | 'agents:package';

export interface AgentHandlerDeps {
  agents: AgentService;
  ops: Operations;
  refusePaths: (ctx: Parameters<Handlers['agents:pair']>[1], req: object) => void;
  /** Makes the agent zip for an architecture at `out` (the CLI's path, or what the save dialog chose). */
  packageAgent: (input: { arch: 'x64' | 'x86'; out: string; force: boolean }, op: Parameters<Parameters<Operations['run']>[2]>[0]) => Promise<{ path: string; bytes: number }>;
  /** The native save dialog (Electron face); absent: headless faces without an export folder. */
  chooseSavePath?: ((req: SavePathRequest) => Promise<string | null>) | undefined;
}

export function agentHandlers(deps: AgentHandlerDeps): Pick<Handlers, AgentChannels> {
  const { agents, ops } = deps;
  return {
    'agents:list': async () => agents.agents(),
    'agents:probe': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => agents.probe(req.url, op)),
    'agents:pair': (req, ctx) => {
      deps.refusePaths(ctx, req);
      const { opId, ...rest } = req;
      return ops.run(opId, ctx.signal, (op) => agents.pair(rest, op));
    },
    'agents:test': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => agents.test(req.id, op)),
    'agents:delete': async (req) => ({ deleted: true as const, ...(await agents.remove(req.id)) }),
    'agents:package': async (req, ctx) => {
      deps.refusePaths(ctx, req);
      let out = req.out ?? null;
      if (out === null) {
        out = deps.chooseSavePath
          ? await deps.chooseSavePath({ title: `Save the Certdesk agent for Windows (${req.arch})`, defaultName: `certdesk-agent-windows-${req.arch}.zip`, filters: [{ name: 'Zip archive', extensions: ['zip'] }] })
          : null;
        if (out === null) return { path: null, bytes: 0 };
      }
      const target = out;
      return ops.run(req.opId, ctx.signal, (op) => deps.packageAgent({ arch: req.arch, out: target, force: ctx.face === 'cli' ? req.force === true : true }, op));
    },
  };
}
