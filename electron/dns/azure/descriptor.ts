// Azure DNS (public zones in Azure Resource Manager), signed in as an application (service principal) with a
// client secret. The field ids are the CLI contract (`--field subscriptionId=...`); the labels follow the
// seed's form.
import type { ProviderDescriptor } from '../types.ts';

export const AZURE_ARM_ENDPOINT = 'https://management.azure.com';
export const AZURE_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export const descriptor: ProviderDescriptor = {
  id: 'azure',
  displayName: 'Azure DNS',
  docsUrl: 'https://learn.microsoft.com/azure/dns/dns-protect-zones-recordsets',
  note: 'Create an app registration with a client secret and give it the "DNS Zone Contributor" role on the DNS zone or its resource group.',
  fields: [
    {
      id: 'subscriptionId',
      label: 'Subscription ID',
      help: 'The subscription that holds the DNS zones (Azure portal → Subscriptions), a GUID.',
      secret: false,
      required: true,
    },
    {
      id: 'tenantId',
      label: 'Directory ID',
      help: 'The Microsoft Entra directory (tenant) ID of the app registration: App registrations → your app → Overview.',
      secret: false,
      required: true,
    },
    {
      id: 'clientId',
      label: 'Application ID',
      help: 'The application (client) ID of the app registration: App registrations → your app → Overview.',
      secret: false,
      required: true,
    },
    {
      id: 'clientSecret',
      label: 'Application key',
      help: 'A client secret of that app: Certificates & secrets → New client secret, then copy its Value (not its Secret ID). Kept in the keychain only.',
      secret: true,
      required: true,
    },
    {
      id: 'resourceGroup',
      label: 'Resource group',
      help: 'The resource group that holds the DNS zones.',
      secret: false,
      required: true,
    },
    {
      id: 'endpoint',
      label: 'Resource Manager endpoint',
      help: 'Advanced: the Azure Resource Manager URL of another cloud, e.g. https://management.chinacloudapi.cn or https://management.usgovcloudapi.net.',
      secret: false,
      required: false,
      default: AZURE_ARM_ENDPOINT,
      advanced: true,
    },
    {
      id: 'authorityHost',
      label: 'Sign-in authority',
      help: 'Advanced: the Microsoft Entra sign-in host of that cloud, e.g. https://login.chinacloudapi.cn or https://login.microsoftonline.us.',
      secret: false,
      required: false,
      default: AZURE_AUTHORITY_HOST,
      advanced: true,
    },
  ],
};
