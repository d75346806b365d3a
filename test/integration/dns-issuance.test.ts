// The dns-01 building blocks end to end, before the order flow uses them: a Pebble that resolves through the
// bed's BIND issues `example.test` + `*.example.test` (two TXT values at one name at the same time) with the
// RFC 2136 provider presenting the records and the propagation check gating the CA, and the records are
// gone afterwards (the flow is test/helpers/dns01-issuance.ts, shared by every provider's issuance test).
import { createProvider } from '../../electron/dns/registry.ts';
import { bedEnv } from '../helpers/bed.ts';
import { dns01IssuanceThrough } from '../helpers/dns01-issuance.ts';

dns01IssuanceThrough({
  title: 'dns-01 through RFC 2136 and the propagation check, validated by Pebble resolving through BIND',
  label: 'rfc2136',
  provider: () =>
    createProvider('rfc2136', {
      server: '127.0.0.1',
      port: bedEnv('BIND_PORT'),
      keyName: bedEnv('BIND_TSIG_NAME'),
      keySecret: bedEnv('BIND_TSIG_SECRET'),
      algorithm: bedEnv('BIND_TSIG_ALGORITHM'),
      mode: 'global',
    }),
  // The RFC 2136 flow presents the apex value, then the wildcard's.
  present: 'one-by-one',
});
