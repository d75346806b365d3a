// Turns what acme-client and the network throw into AppErrors that say what failed, why and what to do.
import { AppError } from '../../shared/ipc/errors.ts';
import type { AcmeProblem } from './transport.ts';

const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** The TLS failures that mean "signed by a CA this computer does not trust": the extra CA file fixes them. */
const UNTRUSTED_ISSUER_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

export interface MapContext {
  /** What we were doing, e.g. "Registering the account". */
  action: string;
  /** The URL we talked to. */
  url?: string;
  /** The request field the URL came from, for field-level errors. */
  field?: string;
  problem?: AcmeProblem | null;
}

export function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === 'AbortError' || e?.name === 'CanceledError' || e?.code === 'ERR_CANCELED' || e?.code === 'ABORT_ERR';
}

export function mapAcmeError(err: unknown, ctx: MapContext): AppError {
  if (err instanceof AppError) return err;
  if (isAbort(err)) return new AppError('CANCELLED', `${ctx.action} was cancelled.`);
  const code = errCode(err);
  const where = ctx.url ? ` (${ctx.url})` : '';
  const fieldPart = ctx.field ? { field: ctx.field } : {};
  if (code && TLS_CODES.has(code)) {
    // An issuer the system does not trust is fixed with the CA file (the field that is at fault then); a
    // certificate for another name or an expired one is not, so those stay with the field they came from.
    const untrusted = UNTRUSTED_ISSUER_CODES.has(code);
    const field = untrusted && ctx.field === 'directory' ? { field: 'caFile' } : fieldPart;
    return new AppError('TLS', `${ctx.action} failed: the server's TLS certificate${where} is not trusted (${code}).`, {
      ...field,
      hint: untrusted
        ? "For a private or test CA, give the CA certificate file that signed the directory server's certificate."
        : code === 'CERT_HAS_EXPIRED'
          ? "The server's certificate has expired: its operator must renew it."
          : "The server's certificate is for another name: check the address.",
    });
  }
  if (code && NET_CODES.has(code)) {
    return new AppError('NETWORK', `${ctx.action} failed: the CA could not be reached${where} (${code}).`, {
      ...fieldPart,
      hint: 'Check the directory URL, your network connection and any proxy or firewall, then try again.',
    });
  }
  const problem = ctx.problem;
  if (problem) {
    const short = problem.type.replace('urn:ietf:params:acme:error:', '');
    const detail = problem.detail || (err instanceof Error ? err.message : '');
    return new AppError('ACME_ERROR', `${ctx.action} failed: the CA said ${short}: ${detail}`, {
      acmeType: problem.type,
      ...hintFor(problem.type),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('ACME_ERROR', `${ctx.action} failed: ${message}`);
}

function hintFor(type: string): { hint?: string; field?: string } {
  switch (type) {
    case 'urn:ietf:params:acme:error:externalAccountRequired':
      return { field: 'eab', hint: 'This CA requires External Account Binding: enter the key ID and HMAC key it gave you.' };
    case 'urn:ietf:params:acme:error:unauthorized':
      return { hint: 'Check the credentials (account key, EAB key ID and HMAC key) and that the account is still active.' };
    case 'urn:ietf:params:acme:error:accountDoesNotExist':
      return { field: 'keyFile', hint: 'No account with this key exists at this CA: check the key and the directory.' };
    case 'urn:ietf:params:acme:error:invalidContact':
    case 'urn:ietf:params:acme:error:unsupportedContact':
      return { field: 'email', hint: 'Use an e-mail address on a public domain.' };
    case 'urn:ietf:params:acme:error:rateLimited':
      return { hint: 'The CA rate-limited this request. Wait until the time it names before trying again.' };
    case 'urn:ietf:params:acme:error:userActionRequired':
      return { hint: 'The CA needs you to act (often: accept new Terms of Service). Open its website to see what.' };
    default:
      return {};
  }
}
