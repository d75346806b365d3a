// Route 53 provider module: what the registry lists.
import type { ProviderModule } from '../types.ts';
import { descriptor } from './descriptor.ts';
import { create } from './provider.ts';

export const route53: ProviderModule = { descriptor, create };
