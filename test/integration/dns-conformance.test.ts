// The shared DNS provider conformance suite (test/helpers/dns-conformance.ts), run for every provider.
// Today: RFC 2136 against the bed's BIND in both modes. Cloud providers add their target here (their fake
// API writing into BIND) as they land.
import { createProvider } from '../../electron/dns/registry.ts';
import type { ProviderConfig } from '../../electron/dns/types.ts';
import { bedEnv } from '../helpers/bed.ts';
import { dnsConformance } from '../helpers/dns-conformance.ts';
import { digTxt } from '../helpers/dns-tools.ts';

const port = bedEnv('BIND_PORT');
const zone = bedEnv('BIND_ZONE');
const server = `127.0.0.1:${port}`;
const account = (extra: ProviderConfig = {}): ProviderConfig => ({
  server: '127.0.0.1',
  port,
  keyName: bedEnv('BIND_TSIG_NAME'),
  keySecret: bedEnv('BIND_TSIG_SECRET'),
  algorithm: bedEnv('BIND_TSIG_ALGORITHM'),
  ...extra,
});
const wrongSecret = Buffer.alloc(32, 9).toString('base64');

dnsConformance({
  title: 'rfc2136 (global mode) against BIND',
  provider: () => createProvider('rfc2136', account({ mode: 'global' })),
  badCredentials: () => createProvider('rfc2136', account({ mode: 'global', keySecret: wrongSecret })),
  badCredentialsCause: /refused the key "certdesk-key".*BADSIG/,
  zone,
  outside: { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /holds no zone for _acme-challenge\.www\.elsewhere\.invalid/ },
  visible: (fqdn) => digTxt(server, fqdn),
});

dnsConformance({
  title: 'rfc2136 (per-domain mode) against BIND',
  provider: () => createProvider('rfc2136', account({ mode: 'per-domain', zone })),
  badCredentials: () => createProvider('rfc2136', account({ mode: 'per-domain', zone, keySecret: wrongSecret })),
  badCredentialsCause: /refused the key "certdesk-key".*BADSIG/,
  zone,
  outside: { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /not inside the zone example\.test/ },
  visible: (fqdn) => digTxt(server, fqdn),
});
