// GoDaddy DNS (REST API v1, `Authorization: sso-key KEY:SECRET`). The field ids are the CLI contract; the
// labels follow the seed's form (2.5: "Key" and "Secret" from the developer portal's API keys page).
import { endpointField } from '../http-endpoint.ts';
import type { ProviderDescriptor } from '../types.ts';

/** Said on the form and when GoDaddy answers 403: the most common reason its API refuses working keys. */
export const GODADDY_ACCESS_LIMIT =
  'GoDaddy limits API access to larger accounts: since May 2024 its domain and DNS APIs answer only accounts with 10 or more domains (or a Discount Domain Club Premier membership); other accounts get 403 "access denied" even with a valid key.';

export const descriptor: ProviderDescriptor = {
  id: 'godaddy',
  displayName: 'GoDaddy',
  docsUrl: 'https://developer.godaddy.com/keys',
  note: `${GODADDY_ACCESS_LIMIT} If yours is refused, move the domain's DNS to another provider or delegate _acme-challenge with a CNAME to a zone Certdesk can change.`,
  fields: [
    {
      id: 'apiKey',
      label: 'Key',
      help: 'developer.godaddy.com → API Keys → Create New API Key, environment "Production".',
      secret: false,
      required: true,
    },
    {
      id: 'apiSecret',
      label: 'Secret',
      help: 'Shown once, with the key. Kept in the keychain only.',
      secret: true,
      required: true,
    },
    endpointField('https://api.godaddy.com', 'Advanced: base URL of the API (https://api.ote-godaddy.com for GoDaddy\'s test environment, or tests).'),
  ],
};
