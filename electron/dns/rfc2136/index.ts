// RFC 2136 provider module: what the registry lists.
import type { ProviderModule } from '../types.ts';
import { descriptor } from './descriptor.ts';
import { create } from './provider.ts';

export const rfc2136: ProviderModule = { descriptor, create };
