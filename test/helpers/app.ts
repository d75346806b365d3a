// Builds a real Certdesk app (real keychain from the bed, real store) and calls it through dispatch(),
// exactly as the faces do.
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import { bootstrap, type App } from '../../electron/app/bootstrap.ts';
import type { Clock } from '../../electron/renewal/types.ts';
import { tempDir } from './bed.ts';

export interface TestApp {
  app: App;
  dataDir: string;
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  raw(channel: string, req: unknown): Promise<Envelope<unknown>>;
  close(): Promise<void>;
}

/** `clock`: the renewal services' time (renewal plans, ARI Retry-After); the system clock otherwise. */
export async function startApp(opts: { dataDir?: string; face?: 'cli' | 'bridge'; clock?: Clock } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? tempDir('data');
  const app = await bootstrap({ dataDir, face: opts.face ?? 'cli', ...(opts.clock ? { renewal: { clock: opts.clock } } : {}) });
  const raw = (channel: string, req: unknown) => dispatch(app.handlers, channel, req, { face: opts.face ?? 'cli' });
  return {
    app,
    dataDir,
    raw,
    async call(channel, req) {
      const env = await raw(channel, req);
      if (!env.ok) {
        const e = new Error(`${channel}: ${env.error.code}: ${env.error.message}`) as Error & { info: unknown };
        e.info = env.error;
        throw e;
      }
      return env.value as never;
    },
    close: () => app.close(),
  };
}
