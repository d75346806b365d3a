// Errors cross every face (IPC, bridge, CLI) as plain data with a stable code; the message is for people.

export const ERROR_CODES = [
  'INVALID_INPUT', // a request field is wrong: `field` names it
  'NOT_FOUND',
  'CONFLICT', // the action clashes with existing state (e.g. a second account for one directory)
  'CONFIRMATION_REQUIRED', // a destructive action was sent without its confirmation flag
  'ACME_ERROR', // the CA answered with an ACME problem document
  'NETWORK', // the CA or a server could not be reached
  'TLS', // a TLS certificate could not be verified
  'KEYCHAIN_UNAVAILABLE',
  'STORE_LOCKED',
  'STORE_CORRUPT',
  'CANCELLED',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN',
  'HOST_KEY', // an SSH server offered an unknown or a different host key than the one pinned (never auto-accepted)
  'AUTH', // a server refused the credentials (wrong password, key or passphrase)
  'PERMISSION', // a server refused a file operation (e.g. a webroot the SSH user cannot write)
  'DEPLOY_FAILED', // a deployment did not end with the server serving the new certificate (details per server)
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldIssue {
  field: string;
  message: string;
}

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  /** The request field at fault, in the request's own names (e.g. `email`, `eab.hmacKey`). */
  field?: string;
  /** What the user can do about it. */
  hint?: string;
  /** Every field problem when several were found at once. */
  issues?: FieldIssue[];
  /** ACME problem type (urn:ietf:params:acme:error:...) when the CA said no. */
  acmeType?: string;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly hint?: string;
  readonly issues?: FieldIssue[];
  readonly acmeType?: string;

  constructor(code: ErrorCode, message: string, extra: Omit<ErrorInfo, 'code' | 'message'> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    if (extra.field !== undefined) this.field = extra.field;
    if (extra.hint !== undefined) this.hint = extra.hint;
    if (extra.issues !== undefined) this.issues = extra.issues;
    if (extra.acmeType !== undefined) this.acmeType = extra.acmeType;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.field !== undefined) info.field = this.field;
    if (this.hint !== undefined) info.hint = this.hint;
    if (this.issues !== undefined) info.issues = this.issues;
    if (this.acmeType !== undefined) info.acmeType = this.acmeType;
    return info;
  }

  static invalid(field: string, message: string, hint?: string): AppError {
    return new AppError('INVALID_INPUT', message, hint === undefined ? { field } : { field, hint });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Rebuilds an AppError on the receiving side of a face (renderer, CLI) from its envelope. */
export function fromInfo(info: ErrorInfo): AppError {
  const { code, message, ...extra } = info;
  return new AppError(code, message, extra);
}
