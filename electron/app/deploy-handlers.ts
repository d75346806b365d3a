// Channels of end servers and deployment (issue 8): servers:* and deploy:*.
// PLACEHOLDER while issue 8 is built: the ServerService and the Deployer replace these.
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import { AppError } from '../../shared/ipc/errors.ts';

type DeployChannels = 'servers:list' | 'servers:probe' | 'servers:add' | 'servers:edit' | 'servers:test' | 'servers:delete' | 'servers:mappings' | 'servers:map' | 'servers:unmap' | 'deploy:run' | 'deploy:history';

export function deployHandlers(): Pick<Handlers, DeployChannels> {
  const later = async (): Promise<never> => {
    throw new AppError('INTERNAL', 'End servers are being built (issue 8).');
  };
  return {
    'servers:list': later,
    'servers:probe': later,
    'servers:add': later,
    'servers:edit': later,
    'servers:test': later,
    'servers:delete': later,
    'servers:mappings': later,
    'servers:map': later,
    'servers:unmap': later,
    'deploy:run': later,
    'deploy:history': later,
  };
}
