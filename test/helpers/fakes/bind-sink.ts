// Where the fakes of vendors' DNS APIs put their TXT changes: the bed's BIND, through RFC 2136 with the bed's
// TSIG key, so that dig and Pebble see what the fake API was told.
import { Rfc2136Client } from '../../../electron/dns/rfc2136/api.ts';
import { isTsigAlgorithm } from '../../../electron/dns/rfc2136/tsig.ts';
import { bedEnv } from '../bed.ts';

export function bindClient(): Rfc2136Client {
  const algorithm = bedEnv('BIND_TSIG_ALGORITHM');
  return new Rfc2136Client({
    server: { host: '127.0.0.1', port: Number(bedEnv('BIND_PORT')) },
    key: { name: bedEnv('BIND_TSIG_NAME'), secret: bedEnv('BIND_TSIG_SECRET'), algorithm: isTsigAlgorithm(algorithm) ? algorithm : 'hmac-sha256' },
    label: 'fake → BIND',
  });
}
