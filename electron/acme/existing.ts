// acme-client has no public call for newAccount that returns what the CA answered (its createAccount loops
// through updateAccount when the answer has no Location, and accepts a body that is not JSON); its internal
// api object does exactly the request, so it is reached through this one typed seam and checked here.
import type acme from 'acme-client';
import { AppError } from '../../shared/ipc/errors.ts';

interface InternalApi {
  createAccount(data: Record<string, unknown>): Promise<{ status: number; headers: Record<string, string | undefined>; data: unknown }>;
}

function api(client: acme.Client): InternalApi {
  return (client as unknown as { api: InternalApi }).api;
}

/** The account URL of a newAccount answer: its Location header, which must be an https URL. */
function accountUrlOf(resp: { headers: Record<string, string | undefined> }, action: string): string {
  const location = resp.headers.location;
  let ok = false;
  try {
    ok = typeof location === 'string' && new URL(location).protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new AppError(
      'ACME_ERROR',
      location
        ? `${action} failed: the CA gave the account URL ${location}, which is not an https:// URL. Nothing was stored.`
        : `${action} failed: the CA's answer has no Location header (the account URL), so the account could not be used. Nothing was stored.`,
      { hint: 'The directory may not be a working ACME server: check its URL, or ask the CA.' },
    );
  }
  return location as string;
}

/** Asks the CA for the account of this client's key; resolves with its URL or rejects (accountDoesNotExist). */
export async function lookupExistingAccount(client: acme.Client): Promise<string> {
  const resp = await api(client).createAccount({ onlyReturnExisting: true });
  return accountUrlOf(resp, 'Looking up the account');
}

export interface NewAccount {
  url: string;
  status: string;
  contact?: string[];
}

/**
 * newAccount (RFC 8555 §7.3), checked: the answer must name the account (Location, https) and be the
 * account object as JSON with its status. Anything else is an error, so no half-made account is stored.
 * The client then signs with the account URL (kid) as usual.
 */
export async function createAccountChecked(client: acme.Client, payload: { termsOfServiceAgreed: true; contact: string[] }): Promise<NewAccount> {
  const action = 'Registering the account';
  const resp = await api(client).createAccount(payload);
  const url = accountUrlOf(resp, action);
  const body = resp.data;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { status?: unknown }).status !== 'string') {
    throw new AppError(
      'ACME_ERROR',
      `${action} failed: the CA's answer is not an ACME account object (${typeof body === 'object' && body !== null ? 'JSON without a status' : 'not JSON'}), so the account's state is unknown. Nothing was stored.`,
      { hint: 'The directory may not be a working ACME server: check its URL, or ask the CA.' },
    );
  }
  const acct = body as { status: string; contact?: unknown };
  return {
    url,
    status: acct.status,
    ...(Array.isArray(acct.contact) ? { contact: acct.contact.filter((c): c is string => typeof c === 'string') } : {}),
  };
}
