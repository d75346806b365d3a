// Amazon Route 53. The field ids are the CLI contract (`--field accessKeyId=...`); the labels follow the seed's
// form (2.3: "Access Key ID and Secret", policy AmazonRoute53FullAccess or the narrower one below).
import type { ProviderDescriptor } from '../types.ts';

/** The IAM actions dns-01 needs; `test()` checks each of them and names the one that is missing. */
export const ROUTE53_ACTIONS = ['route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:ChangeResourceRecordSets', 'route53:GetChange'] as const;

export const descriptor: ProviderDescriptor = {
  id: 'route53',
  displayName: 'Route 53',
  docsUrl: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/access-control-managing-permissions.html',
  note:
    'Create an IAM user with programmatic access and an access key. It needs route53:ListHostedZones, ' +
    'route53:ListResourceRecordSets, route53:ChangeResourceRecordSets and route53:GetChange (with a hosted zone ID: ' +
    'route53:GetHostedZone instead of ListHostedZones; the managed policy AmazonRoute53FullAccess includes them all). Certdesk waits until Route 53 reports each change INSYNC.',
  fields: [
    {
      id: 'accessKeyId',
      label: 'Access key ID',
      help: 'IAM → Users → the user → Security credentials → Access keys (starts with AKIA).',
      secret: false,
      required: true,
    },
    {
      id: 'secretAccessKey',
      label: 'Secret access key',
      help: 'Shown once when the access key is created. Kept in the keychain only; it signs requests and is never sent.',
      secret: true,
      required: true,
    },
    {
      id: 'hostedZoneId',
      label: 'Hosted zone ID',
      help: 'Optional: the hosted zone to change (e.g. Z0123456789ABC). Empty: the public hosted zone that holds each name is found automatically.',
      secret: false,
      required: false,
    },
    {
      id: 'region',
      label: 'Region',
      help: 'Route 53 is global; the region only matters for other partitions (e.g. cn-north-1, us-gov-west-1).',
      secret: false,
      required: true,
      default: 'us-east-1',
    },
    {
      id: 'endpoint',
      label: 'Endpoint',
      help: 'Advanced: base URL of the Route 53 API instead of AWS\'s (a VPC endpoint, a compatible service, tests).',
      secret: false,
      required: false,
      advanced: true,
    },
  ],
};
