// What the fakes of the cloud DNS APIs have in common: they keep TXT record sets in memory, as the vendor
// does, and write every change of a set inside the bed's zone into the bed's BIND (RFC 2136 with the bed's
// TSIG key, through our own client), so that `dig` and Pebble see exactly what the fake API holds.
import { Rfc2136Client } from '../../../electron/dns/rfc2136/api.ts';
import type { TsigAlgorithm } from '../../../electron/dns/rfc2136/tsig.ts';
import { isSubdomain } from '../../../electron/dns/wire.ts';
import { bedEnv } from '../bed.ts';

export interface TxtSet {
  ttl: number;
  values: string[];
}

export class BindTxtMirror {
  readonly zone: string;
  private readonly client: Rfc2136Client;
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    this.zone = bedEnv('BIND_ZONE');
    this.client = new Rfc2136Client({
      server: { host: '127.0.0.1', port: Number(bedEnv('BIND_PORT')) },
      key: { name: bedEnv('BIND_TSIG_NAME'), secret: bedEnv('BIND_TSIG_SECRET'), algorithm: bedEnv('BIND_TSIG_ALGORITHM') as TsigAlgorithm },
      label: 'fake → BIND',
    });
  }

  /** Writes the change from `before` to `after` at `name` (lower case, no dot) into BIND, in order. */
  write(name: string, before: TxtSet | null, after: TxtSet | null): Promise<void> {
    if (!isSubdomain(name, this.zone)) return Promise.resolve();
    const old = before?.values ?? [];
    const now = after?.values ?? [];
    const adds = now.filter((v) => !old.includes(v)).map((value) => ({ name, value, ttl: Math.min(after?.ttl ?? 60, 60) }));
    const deletes = old.filter((v) => !now.includes(v)).map((value) => ({ name, value }));
    if (!adds.length && !deletes.length) return Promise.resolve();
    const run = this.queue.then(() => this.client.update(this.zone, adds, deletes));
    this.queue = run.catch(() => undefined);
    return run.then(() => undefined);
  }
}
