// The `endpoint` field of providers that talk to an HTTP API: its descriptor, and the check of its value.
import type { ProviderField } from './types.ts';

/** The advanced `endpoint` field: the API's base URL, `defaultUrl` unless the user changes it. */
export function endpointField(defaultUrl: string, help = `Advanced: the API base URL (default ${defaultUrl}).`): ProviderField {
  return { id: 'endpoint', label: 'Endpoint', help, secret: false, required: false, advanced: true, default: defaultUrl };
}

// Checks a provider's `endpoint` field: the endpoint sees every request (and for some APIs the credentials in
// a header), so only https, except to this computer (tests, a local proxy).
export function checkHttpEndpoint(raw: string, example: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `Endpoint must be a URL such as ${example}.`;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) return 'Endpoint must use https:// (plain http only to this computer).';
  return null;
}
