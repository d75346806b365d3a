// Cloudflare provider module: what the registry lists.
import type { ProviderModule } from '../types.ts';
import { descriptor } from './descriptor.ts';
import { create } from './provider.ts';

export const cloudflare: ProviderModule = { descriptor, create };
