// acme-client has no public call for newAccount with onlyReturnExisting that does not go on to update the
// account; its internal api object does exactly that request, so it is reached through this one typed seam.
import type acme from 'acme-client';

interface InternalApi {
  createAccount(data: { onlyReturnExisting: true }): Promise<{ status: number; headers: Record<string, string | undefined> }>;
}

/** Asks the CA for the account of this client's key; resolves with its URL or rejects (accountDoesNotExist). */
export async function lookupExistingAccount(client: acme.Client): Promise<string> {
  const api = (client as unknown as { api: InternalApi }).api;
  const resp = await api.createAccount({ onlyReturnExisting: true });
  const url = resp.headers.location;
  if (!url) throw new Error('The CA did not return the account URL (no Location header).');
  return url;
}
