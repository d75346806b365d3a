// Cloudflare: an API token (scoped, recommended) or the e-mail address + Global API key.
// The field ids are the CLI contract (`--field email=...`, `--secret-file apiToken=F`); the labels follow the seed.
import { endpointField } from '../http-endpoint.ts';
import type { ProviderDescriptor } from '../types.ts';

export const DEFAULT_ENDPOINT = 'https://api.cloudflare.com/client/v4';

export const descriptor: ProviderDescriptor = {
  id: 'cloudflare',
  displayName: 'Cloudflare',
  docsUrl: 'https://developers.cloudflare.com/fundamentals/api/get-started/create-token/',
  note: 'Give either an API token (recommended: it can be limited to DNS changes on the zones you choose) or the e-mail address with the Global API key (full access to the whole Cloudflare account).',
  fields: [
    {
      id: 'apiToken',
      label: 'API token',
      help: 'Recommended. My Profile → API Tokens → Create Token with the permissions Zone → Zone → Read and Zone → DNS → Edit, for the zones Certdesk should change. Kept in the keychain only.',
      secret: true,
      required: false,
    },
    {
      id: 'email',
      label: 'E-mail address',
      help: 'Only with the Global API key: the e-mail address you log in to Cloudflare with.',
      secret: false,
      required: false,
    },
    {
      id: 'apiKey',
      label: 'Global API key',
      help: 'Only when no API token is given: My Profile → API Tokens → Global API Key → View. It can change everything in the account, so an API token is safer. Kept in the keychain only.',
      secret: true,
      required: false,
    },
    endpointField(DEFAULT_ENDPOINT),
  ],
};
