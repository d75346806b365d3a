// RFC 2136 (dynamic DNS update with a TSIG key): BIND, Knot, PowerDNS, Windows DNS with TSIG, and others.
// The field ids are the CLI contract (`--field server=...`); the labels follow the seed's form.
import type { ProviderDescriptor, ProviderField } from '../types.ts';
import { TSIG_ALGORITHMS } from './tsig.ts';

const keyName: ProviderField = {
  id: 'keyName',
  label: 'TSIG key name',
  help: 'The name of the key as the DNS server knows it (BIND: key "name" { ... }).',
  secret: false,
  required: true,
};

const keySecret: ProviderField = {
  id: 'keySecret',
  label: 'TSIG key secret',
  help: 'The shared secret, base64, as tsig-keygen printed it. Kept in the keychain only.',
  secret: true,
  required: true,
};

export const descriptor: ProviderDescriptor = {
  id: 'rfc2136',
  displayName: 'RFC 2136',
  docsUrl: 'https://www.rfc-editor.org/rfc/rfc2136',
  fields: [
    {
      id: 'server',
      label: 'DNS server',
      help: 'Host name or IP address of the primary (master) server that accepts dynamic updates.',
      secret: false,
      required: true,
      kind: 'host',
    },
    { id: 'port', label: 'Port', help: 'DNS port of that server.', secret: false, required: false, default: '53', kind: 'number', min: 1, max: 65535 },
    keyName,
    keySecret,
    {
      id: 'algorithm',
      label: 'TSIG algorithm',
      help: 'The key\'s HMAC algorithm; it must match the server\'s key statement.',
      secret: false,
      required: true,
      default: 'hmac-sha256',
      options: TSIG_ALGORITHMS.map((a) => ({ value: a, label: a.toUpperCase() })),
    },
    {
      id: 'mode',
      label: 'Mode',
      help: 'Global: one key for every zone, the zone of each name is found on the server. Per domain: each domain\'s DNS mapping gives its zone (and may give its own key).',
      secret: false,
      required: true,
      default: 'global',
      options: [
        { value: 'global', label: 'Global (zone found automatically)' },
        { value: 'per-domain', label: 'Per domain (zone and key in the domain mapping)' },
      ],
    },
    {
      id: 'endpoint',
      label: 'Endpoint',
      help: 'Advanced: host:port to send updates to instead of server and port (tests, a hidden primary behind NAT).',
      secret: false,
      required: false,
      advanced: true,
    },
  ],
  domainFields: [
    { id: 'zone', label: 'Zone', help: 'The zone that holds this domain\'s _acme-challenge name, e.g. example.com.', secret: false, required: true },
    { ...keyName, required: false, help: 'Optional: a key for this zone only (the account\'s key otherwise).' },
    { ...keySecret, required: false, help: 'Optional: the secret of that key (the account\'s otherwise). Kept in the keychain only.' },
  ],
};
