// Composition root: builds every service with its dependencies, once per process and data directory.
// No module-level singletons, so tests build as many independent instances as they need.
import { existsSync } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import type { EventName, EventPayload } from '../../shared/ipc/events.ts';
import { AccountService } from '../acme/accounts.ts';
import { EventHub } from '../core/events.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { Operations } from '../core/operations.ts';
import { createKeyringStore } from '../secrets/keyring-store.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { checkDataDir } from '../store/paths.ts';
import { DB_FILE, openStore, type StoreProblem } from '../store/store.ts';
import { buildCertListing, certListingFormat } from '../repository/cert-listing.ts';
import { RequestService } from '../orders/requests.ts';
import { DnsService } from '../dns/accounts.ts';
import { Repository } from '../repository/certificates.ts';
import { Deployer } from '../deploy/deployer.ts';
import { ServerService } from '../deploy/servers.ts';
import { AgentService } from '../deploy/agent/service.ts';
import { packageAgent } from '../deploy/agent/package.ts';
import { SettingsService } from '../renewal/settings-service.ts';
import { AriClient } from '../renewal/ari.ts';
import { RenewalService } from '../renewal/service.ts';
import { RenewalScheduler, type WakeDriver } from '../renewal/scheduler.ts';
import type { AriSource, Clock } from '../renewal/types.ts';
import { startNotifications, type Notifications } from '../alerts/wiring.ts';
import { createHandlers } from './handlers.ts';
import type { PlatformServices, SavePathRequest } from './platform-services.ts';
import { VERSION } from './version.ts';

export interface BootstrapOptions {
  dataDir: string;
  face: 'electron' | 'bridge' | 'cli';
  secrets?: SecretStore;
  logger?: Logger;
  platform?: PlatformServices;
  /** Also log to stderr (CLI --verbose). */
  verbose?: boolean;
  /**
   * Automatic renewal. The scheduler (wake-ups twice a day, at start and on resume) runs only in the long-running
   * faces ('electron', 'bridge'), unless `scheduler` is false or CERTDESK_RENEWAL_SCHEDULER=off; tests drive it
   * with their own clock and wake-up driver.
   */
  renewal?: { scheduler?: boolean; clock?: Clock; driver?: WakeDriver; ari?: AriSource; random?: () => number };
}

export interface App {
  handlers: Handlers;
  events: { on(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void };
  services: {
    accounts: AccountService;
    requests: RequestService;
    repository: Repository;
    dns: DnsService;
    servers: ServerService;
    deployer: Deployer;
    settings: SettingsService;
    ops: Operations;
    renewal: RenewalService;
    /** Null in the CLI, or when turned off. */
    scheduler: RenewalScheduler | null;
    /** ARI (RFC 9773): renewal windows from the account's CA. */
    ari: AriClient;
  };
  /** Issue 9: alerts, OS notifications and tray, e-mail; `observers` are told of every renewal's result. */
  notifications: Notifications;
  logger: Logger;
  dataDir: string;
  /** Records of db.json set aside at open because they failed validation (kept in the file, not used). */
  storeProblems: readonly StoreProblem[];
  close(): Promise<void>;
}

/** Makes an existing logs folder and log file private (older versions created them with the default mode). */
async function restrictLogs(logsDir: string, logFile: string): Promise<void> {
  if (process.platform === 'win32') return;
  for (const [p, mode] of [
    [logsDir, 0o700],
    [logFile, 0o600],
  ] as const) {
    const s = await stat(p).catch(() => null);
    if (s && (s.mode & 0o077) !== 0) await chmod(p, mode).catch(() => undefined);
  }
}

export async function bootstrap(opts: BootstrapOptions): Promise<App> {
  const logsDir = join(opts.dataDir, 'logs');
  const logFile = join(logsDir, 'certdesk.log');
  // The log waits until the data directory is in use (db.json or logs/ exists): a command that ends up writing
  // nothing (bad input, a read on a new directory) must not create the directory just to log in it.
  let dirInUse = false;
  const logger =
    opts.logger ??
    createLogger({
      file: logFile,
      level: 'info',
      stderr: opts.verbose ?? false,
      holdFileUntil: () => (dirInUse ||= existsSync(join(opts.dataDir, DB_FILE)) || existsSync(logsDir)),
    });
  // Before anything else: a data directory that is a file or cannot be written is the first thing to fix.
  await checkDataDir(opts.dataDir);
  const secrets = opts.secrets ?? createKeyringStore({ logger });
  // Fail closed: without a working keychain nothing secret can be stored, so nothing starts. A data directory in use
  // (db.json there) proves the keychain as the store opens: its data key is read from the keychain, and a "not
  // found" there runs this same check before anything else happens (Vault.open). So the probe item (a write, a read
  // and a delete over D-Bus, ~15 ms of CPU in every CLI process) is made only for a directory not set up yet.
  if (!existsSync(join(opts.dataDir, DB_FILE))) await secrets.check();
  // The store keeps what `cert list` prints in db.json.list, for the CLI's fast path (electron/cli/fast-list.ts).
  const listing = { format: certListingFormat(VERSION), build: buildCertListing };
  const store = await openStore({ dataDir: opts.dataDir, secrets, face: opts.face, logger, listing });
  await restrictLogs(logsDir, logFile);
  const hub = new EventHub();
  const ops = new Operations(hub);
  const accounts = new AccountService({
    store,
    hub,
    logger,
    ...(opts.platform ? { chooseSavePath: (o) => opts.platform!.chooseSavePath(o) } : {}),
  });
  const dns = new DnsService({ store, secrets, hub, logger });
  const requests = new RequestService({ store, accounts, secrets, hub, logger, dns });
  const repository = new Repository({
    store,
    requests,
    hub,
    logger,
    ...(opts.platform ? { chooseSavePath: (o) => opts.platform!.chooseSavePath(o) } : {}),
  });
  const servers = new ServerService({ store, secrets, hub, logger });
  const deployer = new Deployer({ store, servers, requests, hub, logger });
  // The order flow places http-01 files on mapped servers and deploys after issuance.
  requests.useDeployment(servers, deployer);
  // Agents register with the ServerService as deploy targets (mappings, http-01, deployment).
  const agents = new AgentService({ store, secrets, servers, hub, logger });
  const settings = new SettingsService({ store, secrets, dns, hub, logger });
  // ARI (RFC 9773): windows from each account's CA, through that account's transport and trust.
  const ari = new AriClient({ store, accounts, logger, ...(opts.renewal?.clock ? { clock: opts.renewal.clock } : {}) });
  const renewal = new RenewalService({
    store,
    requests,
    repository,
    hub,
    logger,
    dns,
    servers,
    ops,
    ari: opts.renewal?.ari ?? ari,
    ...(opts.renewal?.clock ? { clock: opts.renewal.clock } : {}),
    ...(opts.renewal?.random ? { random: opts.renewal.random } : {}),
  });
  const schedulerOn = opts.face !== 'cli' && opts.renewal?.scheduler !== false && process.env.CERTDESK_RENEWAL_SCHEDULER !== 'off';
  const scheduler = schedulerOn
    ? new RenewalScheduler({
        reconcile: (reason) => renewal.reconcile(reason),
        store,
        logger,
        ...(opts.renewal?.driver ? { driver: opts.renewal.driver } : {}),
        ...(opts.renewal?.random ? { random: opts.renewal.random } : {}),
        onResume: opts.platform?.onResume ? (cb) => opts.platform!.onResume!(cb) : undefined,
      })
    : null;
  // Long-running faces re-plan at once when the default policy changes (the due times shown follow).
  if (scheduler) settings.onChange(() => void scheduler.wake('settings'));
  const notifications = await startNotifications({ store, requests, repository, settings, hub, logger, platform: opts.platform, face: opts.face });
  for (const o of notifications.observers) renewal.addObserver(o);
  const handlers = createHandlers({
    accounts,
    requests,
    repository,
    dns,
    servers,
    deployer,
    agents,
    packageAgent: (input, op) => packageAgent(input, op),
    ...(opts.platform ? { chooseSavePath: (o: SavePathRequest) => opts.platform!.chooseSavePath(o) } : {}),
    settings,
    renewal,
    ari,
    ops,
    alerts: notifications.alerts,
    mailer: notifications.mailer,
    ...(opts.platform?.copyText ? { copyText: (text: string) => opts.platform!.copyText!(text) } : {}),
    ...(opts.platform?.showItemInFolder ? { showItemInFolder: (path: string) => opts.platform!.showItemInFolder!(path) } : {}),
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
      return {
        version: VERSION,
        dataDir: opts.dataDir,
        keychain: { available, backend: secrets.backend, detail },
        storeProblems: store.problems.map((p) => ({ ...p })),
      };
    },
  });
  logger.info('certdesk started', { face: opts.face, dataDir: opts.dataDir, version: VERSION });
  // Long-running faces finish what a killed process left mid-validation; the CLI resumes on `request verify`.
  if (opts.face !== 'cli') {
    void requests.resumeInterrupted((id, fn) => ops.run(`resume-${id}`, undefined, fn));
  }
  if (scheduler) {
    await scheduler.start().catch((err: unknown) => logger.warn('renewal scheduler did not start', { error: (err as Error).message }));
  }
  return {
    handlers,
    events: { on: (l) => hub.on(l) },
    services: { accounts, requests, repository, dns, servers, deployer, settings, ops, renewal, scheduler, ari },
    notifications,
    logger,
    dataDir: opts.dataDir,
    storeProblems: store.problems,
    close: async () => {
      notifications.close();
      scheduler?.stop();
      await scheduler?.idle();
      await store.close();
    },
  };
}
