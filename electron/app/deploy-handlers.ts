// Channels of end servers and deployment (issue 8): servers:* and deploy:*. Thin: the ServerService and the
// Deployer hold the logic. Path fields (passwordFile, privateKeyFile, passphraseFile) are refused for windows
// by the caller (handlers.ts refusePaths) before these run.
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Operations } from '../core/operations.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { ServerService } from '../deploy/servers.ts';

type DeployChannels = 'servers:list' | 'servers:probe' | 'servers:add' | 'servers:edit' | 'servers:test' | 'servers:delete' | 'servers:mappings' | 'servers:map' | 'servers:unmap' | 'deploy:run' | 'deploy:history';

export interface DeployHandlerDeps {
  servers: ServerService;
  deployer: Deployer;
  ops: Operations;
  /** Refuses request fields naming local paths when the caller is a window. */
  refusePaths: (ctx: Parameters<Handlers['servers:add']>[1], req: object) => void;
  /** The private key text behind a `files:open` handle (purpose ssh-key), or the text sent. */
  privateKey: (text: string | undefined, handle: string | undefined) => string | undefined;
}

export function deployHandlers(deps: DeployHandlerDeps): Pick<Handlers, DeployChannels> {
  const { servers, deployer, ops } = deps;
  return {
    'servers:list': async () => servers.list(),
    'servers:probe': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => servers.probe(req.host, req.port, op)),
    'servers:add': (req, ctx) => {
      deps.refusePaths(ctx, req);
      const { privateKeyHandle, opId, ...rest } = req;
      const privateKey = deps.privateKey(req.privateKey, privateKeyHandle);
      return ops.run(opId, ctx.signal, (op) => servers.add({ ...rest, privateKey }, op));
    },
    'servers:edit': (req, ctx) => {
      deps.refusePaths(ctx, req);
      const { privateKeyHandle, opId, ...rest } = req;
      const privateKey = deps.privateKey(req.privateKey, privateKeyHandle);
      return ops.run(opId, ctx.signal, (op) => servers.edit({ ...rest, privateKey }, op));
    },
    'servers:test': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => servers.test(req.id, op)),
    'servers:delete': async (req) => {
      await servers.remove(req.id);
      return { deleted: true as const };
    },
    'servers:mappings': async () => servers.mappings(),
    'servers:map': async (req) => servers.map(req),
    'servers:unmap': async (req) => ({ deleted: await servers.unmap(req.serverId, req.domains) }),
    'deploy:run': (req, ctx) => {
      if (req.requestId === undefined && req.certificateId === undefined) throw AppError.invalid('requestId', 'Give the request (requestId) or the saved certificate (certificateId) to deploy.');
      return ops.run(req.opId, ctx.signal, (op) => deployer.deploy({ requestId: req.requestId, certificateId: req.certificateId, serverId: req.serverId, trigger: 'manual' }, op));
    },
    'deploy:history': async (req) => deployer.history(req),
  };
}
