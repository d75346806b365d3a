// DNS provider accounts and per-domain DNS mappings (issue 7), as every face sees them. Secret values never
// appear here: a face only learns whether each secret field is stored (`secrets: { fieldId: true }`).
import { z } from 'zod';
// Object schemas are z.lazy(): each is built at its first parse, not when this module loads. A CLI process loads
// every model but checks only a few of them, and building them all cost ~5 ms of CPU per command (issue 11).
// Schemas whose object methods are used (.extend, .partial, .omit) stay plain z.object.

export const DnsFieldOption = z.object({ value: z.string(), label: z.string() });

/** One field of a provider's form (from electron/dns/types.ts ProviderField). */
export const DnsField = z.lazy(() => z.object({
  id: z.string(),
  label: z.string(),
  help: z.string(),
  secret: z.boolean(),
  required: z.boolean(),
  default: z.string().optional(),
  options: z.array(DnsFieldOption).optional(),
  advanced: z.boolean().optional(),
  kind: z.enum(['text', 'number', 'host']).optional(),
}));
export type DnsField = z.infer<typeof DnsField>;

export const DnsProviderInfo = z.lazy(() => z.object({
  id: z.string(),
  displayName: z.string(),
  docsUrl: z.string(),
  note: z.string().optional(),
  fields: z.array(DnsField),
  /** Fields a per-domain mapping may give (e.g. RFC 2136 per-domain mode: zone, key name, key secret). */
  domainFields: z.array(DnsField),
}));
export type DnsProviderInfo = z.infer<typeof DnsProviderInfo>;

export const DnsAccount = z.lazy(() => z.object({
  id: z.string(),
  name: z.string(),
  /** Provider id (DnsProviderInfo.id). */
  provider: z.string(),
  enabled: z.boolean(),
  /** Non-secret field values only. */
  fields: z.record(z.string(), z.string()),
  /** Secret field id -> whether a value is stored in the keychain. */
  secrets: z.record(z.string(), z.boolean()),
  /** Pending requests that use this account (directly or through a domain mapping). */
  usedBy: z.array(z.object({ requestId: z.string(), domains: z.array(z.string()) })),
  createdAt: z.string(),
  updatedAt: z.string(),
}));
export type DnsAccount = z.infer<typeof DnsAccount>;

export const DnsMapping = z.lazy(() => z.object({
  /** ASCII domain, lower case, no trailing dot (a mapping for example.com also covers *.example.com). */
  domain: z.string(),
  accountId: z.string(),
  zone: z.string().nullable(),
  /** Non-secret domain field values. */
  fields: z.record(z.string(), z.string()),
  secrets: z.record(z.string(), z.boolean()),
  updatedAt: z.string(),
}));
export type DnsMapping = z.infer<typeof DnsMapping>;

export const DnsSettings = z.object({
  /** Resolvers (host[:port]) the propagation check starts from; empty: CERTDESK_DNS_SERVERS, else the system's. */
  dnsServers: z.array(z.string()),
});
export type DnsSettings = z.infer<typeof DnsSettings>;
