// ClouDNS provider module: what the registry lists.
import type { ProviderModule } from '../types.ts';
import { descriptor } from './descriptor.ts';
import { create } from './provider.ts';

export const cloudns: ProviderModule = { descriptor, create };
