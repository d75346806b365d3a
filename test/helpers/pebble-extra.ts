// Starts an extra Pebble (e.g. one that rejects nonces) beside the bed's, for tests that need its own CA.
import { bedEnv } from './bed.ts';

export interface ExtraPebble {
  directoryUrl: string;
  mgmtUrl: string;
  /** Pebble's management API: /roots/N and /intermediates/N give the issuing hierarchies. */
  caFile: string;
  httpPort: number;
  stop(): Promise<void>;
}

interface PebbleModule {
  startPebble(opts: { workDir: string; dnsPort: number; nonceReject?: number; validityPeriod?: number; alternateRoots?: number; httpPort?: number; name?: string; eab?: boolean }): Promise<ExtraPebble>;
}

/** httpPort: the port this Pebble dials for http-01 (e.g. Number(NGINX_HTTP_PORT)); a free, unused port otherwise. */
export async function startExtraPebble(opts: { name: string; nonceReject?: number; validityPeriod?: number; alternateRoots?: number; httpPort?: number }): Promise<ExtraPebble> {
  const mod = (await import('../bed/pebble.mjs' as string)) as PebbleModule;
  return mod.startPebble({
    workDir: bedEnv('BED_WORK_DIR'),
    dnsPort: Number(bedEnv('CHALLTESTSRV_DNS_PORT')),
    name: opts.name,
    ...(opts.nonceReject !== undefined ? { nonceReject: opts.nonceReject } : {}),
    ...(opts.validityPeriod !== undefined ? { validityPeriod: opts.validityPeriod } : {}),
    ...(opts.alternateRoots !== undefined ? { alternateRoots: opts.alternateRoots } : {}),
    ...(opts.httpPort !== undefined ? { httpPort: opts.httpPort } : {}),
  });
}
