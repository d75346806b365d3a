// Maps every contract channel to the services. Thin on purpose: validation happened in dispatch(), the
// logic lives in the services, so the same behaviour serves the Electron IPC, the bridge and the CLI.
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import type { AccountService } from '../acme/accounts.ts';
import type { RequestService } from '../orders/requests.ts';
import type { Repository } from '../repository/certificates.ts';
import type { Operations } from '../core/operations.ts';
import type { AppInfo } from '../../shared/ipc/contract.ts';

export interface HandlerDeps {
  accounts: AccountService;
  requests: RequestService;
  repository: Repository;
  ops: Operations;
  info: () => Promise<Omit<AppInfo, 'face'>>;
  /** Writes text to the system clipboard; absent or false where there is none (bridge, CLI). */
  copyText?: (text: string) => boolean;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const { accounts, requests, repository, ops } = deps;
  return {
    'app:info': async (_req, ctx) => ({ ...(await deps.info()), face: ctx.face }),
    'ops:cancel': async (req) => ({ cancelled: ops.cancel(req.opId) }),
    'app:copy': async (req) => ({ copied: deps.copyText?.(req.text) ?? false }),

    'accounts:list': async () => accounts.list(),
    'accounts:get': async (req) => accounts.get(req.id),
    'accounts:directory-info': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.directoryInfo(req, op.signal)),
    'accounts:directory': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.directoryInfoOf(req.id, op.signal)),
    'accounts:register': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.register(req, op)),
    'accounts:import': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.importExisting(req, op)),
    'accounts:update': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.update(req.id, req, op)),
    'accounts:refresh': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.refresh(req.id, op)),
    'accounts:rollover': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.rollover(req.id, op)),
    'accounts:deactivate': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => accounts.deactivate(req.id, op)),
    'accounts:delete': async (req) => {
      await accounts.remove(req.id);
      return { deleted: true as const };
    },
    // Only the CLI may name the output file; a renderer always goes through the native save dialog.
    'accounts:export-key': async (req, ctx) => ({
      path: await accounts.exportKey(req.id, ctx.face === 'cli' ? req.out : undefined),
    }),

    'requests:create': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.create(req, op)),
    'requests:list': async () => requests.list(),
    'requests:get': async (req) => requests.get(req.id),
    'requests:verify': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.verify(req.id, op)),
    'requests:new-challenge': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.newChallenge(req.id, op)),
    'requests:renew': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.renew(req.id, op)),
    'requests:revoke': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => requests.revoke(req.id, req.reason, op)),
    'requests:delete': async (req) => {
      await requests.remove(req.id);
      return { deleted: true as const };
    },

    'certs:save': async (req) => repository.save(req.requestId),
    'certs:list': async () => repository.list(),
    'certs:get': async (req) => repository.get(req.id),
    // As with keys: only the CLI names the output path; windows use the native save dialog.
    'certs:export': async (req, ctx) => ({
      paths: await repository.export({ ...req, out: ctx.face === 'cli' ? req.out : undefined }),
    }),
    'certs:delete': async (req) => {
      await repository.remove(req.id);
      return { deleted: true as const };
    },
  };
}
