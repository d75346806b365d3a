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
