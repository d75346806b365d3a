// ClouDNS: an API user (main: Auth ID; sub-user: Sub auth ID or Sub auth user) and its password.
// The field ids are the CLI contract (`--field authId=...`, `--secret-file password=F`); the labels follow the seed.
import { endpointField } from '../http-endpoint.ts';
import type { ProviderDescriptor } from '../types.ts';

export const DEFAULT_ENDPOINT = 'https://api.cloudns.net';

export const descriptor: ProviderDescriptor = {
  id: 'cloudns',
  displayName: 'ClouDNS',
  docsUrl: 'https://www.cloudns.net/wiki/article/42/',
  note: 'Create an API user under API & Resellers in the ClouDNS control panel (API access needs a plan that includes it). Give exactly one of Auth ID, Sub auth ID or Sub auth user, and its password.',
  fields: [
    {
      id: 'authId',
      label: 'Auth ID',
      help: 'The ID of a main API user (API & Resellers → API users). Leave empty when you use a sub-user.',
      secret: false,
      required: false,
      kind: 'number',
      min: 1,
      max: 2_147_483_647,
    },
    {
      id: 'subAuthId',
      label: 'Sub auth ID',
      help: 'The ID of an API sub-user, which can be limited to some zones. Leave empty with Auth ID or Sub auth user.',
      secret: false,
      required: false,
      kind: 'number',
      min: 1,
      max: 2_147_483_647,
    },
    {
      id: 'subAuthUser',
      label: 'Sub auth user',
      help: 'The user name of an API sub-user (instead of its ID).',
      secret: false,
      required: false,
    },
    {
      id: 'password',
      label: 'Auth password',
      help: 'The password of that API user (not your ClouDNS login password). Kept in the keychain only.',
      secret: true,
      required: true,
    },
    endpointField(DEFAULT_ENDPOINT),
  ],
};
