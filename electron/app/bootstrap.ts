// Composition root: builds every service with its dependencies, once per process and data directory.
// No module-level singletons, so tests build as many independent instances as they need.
import { join } from 'node:path';
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import type { EventName, EventPayload } from '../../shared/ipc/events.ts';
import { AccountService } from '../acme/accounts.ts';
import { EventHub } from '../core/events.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { Operations } from '../core/operations.ts';
import { createKeyringStore } from '../secrets/keyring-store.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { openStore } from '../store/store.ts';
import { RequestService } from '../orders/requests.ts';
import { Repository } from '../repository/certificates.ts';
import { createHandlers } from './handlers.ts';
import type { PlatformServices } from './platform-services.ts';
import { VERSION } from './version.ts';

export interface BootstrapOptions {
  dataDir: string;
  face: 'electron' | 'bridge' | 'cli';
  secrets?: SecretStore;
  logger?: Logger;
  platform?: PlatformServices;
  /** Also log to stderr (CLI --verbose). */
  verbose?: boolean;
}

export interface App {
  handlers: Handlers;
  events: { on(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void };
  services: { accounts: AccountService; requests: RequestService; repository: Repository; ops: Operations };
  logger: Logger;
  dataDir: string;
  close(): Promise<void>;
}

export async function bootstrap(opts: BootstrapOptions): Promise<App> {
  const logger =
    opts.logger ?? createLogger({ file: join(opts.dataDir, 'logs', 'certdesk.log'), level: 'info', stderr: opts.verbose ?? false });
  const secrets = opts.secrets ?? createKeyringStore({ logger });
  // Fail closed: without a working keychain nothing secret can be stored, so nothing starts.
  await secrets.check();
  const store = await openStore({ dataDir: opts.dataDir, secrets, face: opts.face, logger });
  const hub = new EventHub();
  const ops = new Operations(hub);
  const accounts = new AccountService({
    store,
    hub,
    logger,
    ...(opts.platform ? { chooseSavePath: (o) => opts.platform!.chooseSavePath(o) } : {}),
  });
  const requests = new RequestService({ store, accounts, secrets, hub, logger });
  const repository = new Repository({
    store,
    requests,
    hub,
    logger,
    ...(opts.platform ? { chooseSavePath: (o) => opts.platform!.chooseSavePath(o) } : {}),
  });
  const handlers = createHandlers({
    accounts,
    requests,
    repository,
    ops,
    ...(opts.platform?.copyText ? { copyText: (text: string) => opts.platform!.copyText!(text) } : {}),
    ...(opts.platform ? { chooseOpenPath: (o) => opts.platform!.chooseOpenPath(o) } : {}),
    redact: (secret) => logger.redact(secret),
    info: async () => {
      let available = true;
      let detail: string | null = null;
      try {
        await secrets.check();
      } catch (err) {
        available = false;
        detail = (err as Error).message;
      }
      return { version: VERSION, dataDir: opts.dataDir, keychain: { available, backend: secrets.backend, detail } };
    },
  });
  logger.info('certdesk started', { face: opts.face, dataDir: opts.dataDir, version: VERSION });
  // Long-running faces finish what a killed process left mid-validation; the CLI resumes on `request verify`.
  if (opts.face !== 'cli') {
    void requests.resumeInterrupted((id, fn) => ops.run(`resume-${id}`, undefined, fn));
  }
  return {
    handlers,
    events: { on: (l) => hub.on(l) },
    services: { accounts, requests, repository, ops },
    logger,
    dataDir: opts.dataDir,
    close: async () => {
      await store.close();
    },
  };
}
