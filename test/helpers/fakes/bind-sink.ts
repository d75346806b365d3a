// Where the fakes of vendors' DNS APIs put their TXT changes: the bed's BIND, through RFC 2136 with the bed's
// TSIG key (our own client), so that `dig` and Pebble see exactly what the fake API holds. One sink per fake;
// its writes go out one after another, in the order the fake made them.
import { Rfc2136Client } from '../../../electron/dns/rfc2136/api.ts';
import { isTsigAlgorithm } from '../../../electron/dns/rfc2136/tsig.ts';
import { isSubdomain } from '../../../electron/dns/wire.ts';
import { bedEnv } from '../bed.ts';

export interface TxtSet {
  ttl: number;
  values: string[];
}

export class BindSink {
  /** The bed's zone; changes of names outside it are not written. */
  readonly zone: string;
  private readonly client: Rfc2136Client;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(label = 'fake → BIND') {
    this.zone = bedEnv('BIND_ZONE').toLowerCase();
    const algorithm = bedEnv('BIND_TSIG_ALGORITHM');
    this.client = new Rfc2136Client({
      server: { host: '127.0.0.1', port: Number(bedEnv('BIND_PORT')) },
      key: { name: bedEnv('BIND_TSIG_NAME'), secret: bedEnv('BIND_TSIG_SECRET'), algorithm: isTsigAlgorithm(algorithm) ? algorithm : 'hmac-sha256' },
      label,
    });
  }

  /** Writes the change from `before` to `after` at `name` (lower case, no dot) into BIND; TTLs kept at most 60 s. */
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

  /** Adds one value at `name` (for fakes that keep records one by one). */
  add(name: string, value: string, ttl: number): Promise<void> {
    return this.write(name, null, { ttl, values: [value] });
  }

  /** Removes one value at `name`. */
  remove(name: string, value: string): Promise<void> {
    return this.write(name, { ttl: 60, values: [value] }, null);
  }
}
