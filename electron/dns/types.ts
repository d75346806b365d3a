// The shape every DNS provider has (DESIGN.md §3, learned from lego's providers/dns/<name>/): a descriptor
// that is plain data (the DNS tab's form and the CLI's field list are generated from it) and a provider
// that adds and removes one TXT value. Providers run in plain Node; nothing here imports electron.
import { AppError, type ErrorCode, type FieldIssue } from '../../shared/ipc/errors.ts';

export interface FieldOption {
  value: string;
  label: string;
}

export interface ProviderField {
  /** Stable id: the key in stored config and the CLI's `--field id=value` / `--secret-file id=F`. */
  id: string;
  /** What the form shows. */
  label: string;
  /** One or two sentences under the field: where to find the value, what it is for. */
  help: string;
  /** Secret values live only in the keychain; forms show "stored" and never the value. */
  secret: boolean;
  required: boolean;
  default?: string;
  /** A closed set of values (shown as a select). */
  options?: FieldOption[];
  /** Shown under "Advanced" (e.g. `endpoint`). */
  advanced?: boolean;
  /** `number` fields must hold a whole number in [min, max]. */
  kind?: 'text' | 'number' | 'host';
  min?: number;
  max?: number;
}

export interface ProviderDescriptor {
  /** Provider id (folder name under electron/dns/, the CLI's `--provider`). */
  id: string;
  displayName: string;
  /** Account-level fields. */
  fields: ProviderField[];
  /**
   * Fields a per-domain mapping may give for this provider (e.g. RFC 2136 per-domain mode: zone, key name,
   * key secret). Empty or absent when a mapping only names the account.
   */
  domainFields?: ProviderField[];
  /** Where the user reads how to create the credentials. */
  docsUrl: string;
  /** A note the form shows above the fields (e.g. GoDaddy's API access limits). */
  note?: string;
}

/** One TXT value at one name: what dns-01 needs. */
export interface DnsRecord {
  /** Fully qualified name, normally `_acme-challenge.<domain>` (a trailing dot is optional). */
  fqdn: string;
  /** The TXT value (for dns-01: base64url SHA-256 of the key authorization, 43 characters). */
  value: string;
  /** Seconds. */
  ttl: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ConnectionTestResult {
  /** The zone that would hold `_acme-challenge.<sample domain>`. */
  zone: string;
  /** What was checked, for the user ("TSIG key accepted by 127.0.0.1:53 for zone example.com"). */
  detail: string;
}

export interface DnsProvider {
  readonly descriptor: ProviderDescriptor;
  /** Adds `record.value` to the TXT values at `record.fqdn`; other values at that name stay. */
  present(record: DnsRecord, opts?: CallOptions): Promise<void>;
  /** Removes exactly `record.value` from that name; other values stay; an absent value is not an error. */
  cleanUp(record: DnsRecord, opts?: CallOptions): Promise<void>;
  /** The zone (apex, no trailing dot) that holds `fqdn` as this account sees it. */
  zoneFor?(fqdn: string, opts?: CallOptions): Promise<string>;
  /** Authenticates and finds the zone for a sample domain; says which permission or zone is missing. */
  test?(sampleDomain: string, opts?: CallOptions): Promise<ConnectionTestResult>;
}

/** Field values as the form and the CLI give them: strings, secrets included (resolved from the keychain). */
export type ProviderConfig = Record<string, string | undefined>;

export interface ProviderModule {
  descriptor: ProviderDescriptor;
  /** `config` holds account fields merged with a domain mapping's fields when one applies. */
  create(config: ProviderConfig): DnsProvider;
}

/** An AppError whose message starts with the provider's name, so the user always knows who said no. */
export function providerError(
  descriptor: Pick<ProviderDescriptor, 'displayName'>,
  code: ErrorCode,
  message: string,
  extra: { field?: string; hint?: string; issues?: FieldIssue[] } = {},
): AppError {
  return new AppError(code, `${descriptor.displayName}: ${message}`, extra);
}

/**
 * Checks values against a descriptor's fields: required ones present, options respected, numbers in range.
 * Returns every problem at once; the caller turns them into one INVALID_INPUT error.
 */
export function checkFields(fields: ProviderField[], config: ProviderConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const f of fields) {
    const raw = config[f.id] ?? f.default;
    const v = raw?.trim();
    if (!v) {
      if (f.required) issues.push({ field: f.id, message: `${f.label} is required.` });
      continue;
    }
    if (f.options && !f.options.some((o) => o.value === v)) {
      issues.push({ field: f.id, message: `${f.label} must be one of: ${f.options.map((o) => o.value).join(', ')}.` });
    }
    if (f.kind === 'number') {
      const n = Number(v);
      if (!/^\d+$/.test(v) || (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
        issues.push({ field: f.id, message: `${f.label} must be a whole number from ${f.min ?? 0} to ${f.max ?? '∞'}.` });
      }
    }
    if (f.kind === 'host' && /[\s/]/.test(v)) {
      issues.push({ field: f.id, message: `${f.label} must be a host name or IP address, without a scheme or path.` });
    }
  }
  return issues;
}

/** Lower-case, no trailing dot: the form names are compared and stored in. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, '').toLowerCase();
}
