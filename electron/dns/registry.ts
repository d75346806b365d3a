// Every DNS provider, one line each. The DNS tab's provider list and `certdesk dns providers` read this.
import { AppError } from '../../shared/ipc/errors.ts';
import { rfc2136 } from './rfc2136/index.ts';
import type { ProviderConfig, ProviderDescriptor, ProviderModule, DnsProvider } from './types.ts';

export const PROVIDERS: readonly ProviderModule[] = [rfc2136];

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
