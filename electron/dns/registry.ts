// Every DNS provider, one line each. The DNS tab's provider list and `certdesk dns providers` read this.
import { AppError } from '../../shared/ipc/errors.ts';
import { cloudflare } from './cloudflare/index.ts';
import { cloudns } from './cloudns/index.ts';
import { godaddy } from './godaddy/index.ts';
import { azure } from './azure/index.ts';
import { rfc2136 } from './rfc2136/index.ts';
import { route53 } from './route53/index.ts';
import type { ProviderConfig, ProviderDescriptor, ProviderModule, DnsProvider } from './types.ts';

export const PROVIDERS: readonly ProviderModule[] = [
  rfc2136,
  cloudflare,
  cloudns,
  route53,
  godaddy,
  azure,
];

export function descriptors(): ProviderDescriptor[] {
  return PROVIDERS.map((p) => p.descriptor);
}

export function providerModule(id: string): ProviderModule {
  const p = PROVIDERS.find((m) => m.descriptor.id === id);
  if (!p) {
    throw AppError.invalid('provider', `Unknown DNS provider "${id}".`, `Known providers: ${PROVIDERS.map((m) => m.descriptor.id).join(', ')}.`);
  }
  return p;
}

export function createProvider(id: string, config: ProviderConfig): DnsProvider {
  return providerModule(id).create(config);
}
