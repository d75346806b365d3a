// Resolves the user's directory choice and reads the CA's directory object (RFC 8555 §7.1.1), with errors
// that name the field at fault. The extra CA is checked here so a bad file never gets stored.
import { X509Certificate } from 'node:crypto';
import type acme from 'acme-client';
import { acmeLibs } from './lib.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import { readUserText } from '../core/files.ts';
import { DIRECTORY_PRESETS, type DirectoryInfo, type DirectoryKind } from '../../shared/model/account.ts';
import { mapAcmeError } from './errors.ts';
import { trustFor, withTransport } from './transport.ts';

export interface DirectoryChoice {
  directory: string;
  caFile?: string | undefined;
  caPem?: string | undefined;
}

export interface ResolvedDirectory {
  url: string;
  kind: DirectoryKind;
  caPem: string | null;
  caName: string | null;
}

export interface AcmeDirectory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert?: string;
  keyChange?: string;
  renewalInfo?: string;
  meta?: {
    termsOfService?: string;
    website?: string;
    caaIdentities?: string[];
    externalAccountRequired?: boolean;
    profiles?: Record<string, string>;
  };
}

export function directoryKind(url: string): DirectoryKind {
  if (url === DIRECTORY_PRESETS.production) return 'production';
  if (url === DIRECTORY_PRESETS.staging) return 'staging';
  return 'custom';
}

export async function resolveDirectory(choice: DirectoryChoice): Promise<ResolvedDirectory> {
  const raw = choice.directory.trim();
  let url: string;
  if (raw === 'production' || raw === 'staging') url = DIRECTORY_PRESETS[raw];
  else {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw AppError.invalid(
        'directory',
        `Directory "${raw}" is neither "production", "staging" nor a URL.`,
        'Enter the full directory URL, e.g. https://acme.example.com/directory.',
      );
    }
    if (parsed.protocol !== 'https:') {
      throw AppError.invalid(
        'directory',
        `Directory URL must use HTTPS (got ${parsed.protocol.replace(':', '')}): ACME requires TLS.`,
        `Use https://${parsed.host}${parsed.pathname}.`,
      );
    }
    if (parsed.username || parsed.password) {
      throw AppError.invalid('directory', 'Directory URL must not contain a user name or password.');
    }
    url = parsed.href;
  }
  const caPem = await readCa(choice);
  return { url, kind: directoryKind(url), caPem, caName: caPem ? caSubject(caPem) : null };
}

async function readCa(choice: DirectoryChoice): Promise<string | null> {
  let pem: string | null = null;
  let field = 'caPem';
  if (choice.caFile) {
    field = 'caFile';
    // Through the intake: a FIFO, a device or a huge file is refused without blocking a file thread.
    pem = await readUserText(choice.caFile, {
      field: 'caFile',
      label: 'CA file',
      hint: 'Choose a readable PEM file with the CA certificate (BEGIN CERTIFICATE).',
    });
  } else if (choice.caPem) {
    pem = choice.caPem;
  }
  if (pem === null) return null;
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) {
    throw AppError.invalid(field, 'CA file contains no PEM certificate (BEGIN CERTIFICATE).', 'Choose the CA certificate in PEM format.');
  }
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      throw AppError.invalid(field, `CA file has a certificate that cannot be parsed (${(err as Error).message}).`);
    }
  }
  return blocks.join('\n') + '\n';
}

function caSubject(pem: string): string {
  const first = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] ?? pem;
  const subject = new X509Certificate(first).subject;
  const cn = subject.split('\n').find((l) => l.startsWith('CN='));
  return cn ? cn.slice(3) : subject.replace(/\n/g, ', ');
}

/** The ACME endpoints a directory may name (RFC 8555 §7.1.1, RFC 9773 renewalInfo); all must be HTTPS. */
export const DIRECTORY_ENDPOINTS = ['newNonce', 'newAccount', 'newOrder', 'newAuthz', 'revokeCert', 'keyChange', 'renewalInfo'] as const;

/** The endpoint URLs a (checked) directory names. */
export function endpointUrls(body: AcmeDirectory): string[] {
  const rec = body as unknown as Record<string, unknown>;
  return DIRECTORY_ENDPOINTS.map((k) => rec[k]).filter((v): v is string => typeof v === 'string');
}

/**
 * Fetches the directory object; every failure names the `directory` (or CA) field. Read-only: the extra CA
 * is trusted for this one read, on the directory's own origin only, and nothing is remembered — callers
 * that go on to use the CA build their own Trust from the result (trustFor(caPem, [url, ...endpointUrls])).
 */
export async function fetchDirectory(dir: ResolvedDirectory, signal?: AbortSignal): Promise<AcmeDirectory> {
  // Checked with exactly what the user gave (system roots + their CA), not what other accounts trust.
  return withTransport(signal, trustFor(dir.caPem, [dir.url]), async (state) => {
    let resp;
    try {
      resp = await acmeLibs().acme.axios.get(dir.url, { validateStatus: null, ...(signal ? { signal } : {}) });
    } catch (err) {
      const mapped = mapAcmeError(state().lastNetworkError ?? err, { action: 'Reading the ACME directory', url: dir.url, field: 'directory' });
      if (mapped.code === 'TLS' && dir.caPem) {
        throw new AppError('TLS', mapped.message.replace('is not trusted', 'is not signed by the extra CA you gave'), {
          field: 'caFile',
          hint: "Choose the CA certificate that signed the directory server's certificate.",
        });
      }
      // The transport's own refusals (too large, a redirect) say what happened but not which field.
      if (mapped.field === undefined) throw new AppError(mapped.code, mapped.message, { field: 'directory', ...(mapped.hint ? { hint: mapped.hint } : {}) });
      throw mapped;
    }
    const body = resp.data as Partial<AcmeDirectory> | string;
    if (resp.status !== 200 || typeof body !== 'object' || body === null || typeof body.newAccount !== 'string' || typeof body.newNonce !== 'string') {
      throw AppError.invalid(
        'directory',
        `${dir.url} is not an ACME directory (HTTP ${resp.status}${typeof body === 'object' && body ? ', no newAccount/newNonce' : ', not JSON'}).`,
        'Check the URL: it usually ends in /directory or /dir.',
      );
    }
    checkEndpoints(dir.url, body as Record<string, unknown>);
    return body as AcmeDirectory;
  });
}

/**
 * Every endpoint must be an https URL, checked here before any request goes to one: a plain-HTTP newAccount
 * would carry the contact e-mail and the EAB in clear (the transport refuses such requests as well).
 */
function checkEndpoints(url: string, body: Record<string, unknown>): void {
  for (const name of DIRECTORY_ENDPOINTS) {
    const value = body[name];
    if (value === undefined) continue;
    let ok = false;
    try {
      ok = typeof value === 'string' && new URL(value).protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) {
      const shown = typeof value === 'string' ? value : JSON.stringify(value);
      throw AppError.invalid(
        'directory',
        `The directory ${url} names ${name} = ${shown}, which is not an https:// URL: refused, nothing was sent to it (ACME requests, with the contact e-mail and the EAB, must travel over TLS).`,
        "Check the directory URL; a CA's ACME endpoints are all HTTPS.",
      );
    }
  }
}

/** Makes an acme-client Client use this (checked) directory object instead of fetching it again. */
export function presetDirectory(client: acme.Client, body: AcmeDirectory): acme.Client {
  const http = (client as unknown as { http: { directoryCache: unknown; directoryTimestamp: number } }).http;
  http.directoryCache = body;
  http.directoryTimestamp = Math.floor(Date.now() / 1000);
  return client;
}

export function directoryInfo(dir: ResolvedDirectory, body: AcmeDirectory): DirectoryInfo {
  return {
    url: dir.url,
    kind: dir.kind,
    termsOfServiceUrl: body.meta?.termsOfService ?? null,
    website: body.meta?.website ?? null,
    externalAccountRequired: body.meta?.externalAccountRequired === true,
    profiles: body.meta?.profiles ?? {},
    renewalInfo: typeof body.renewalInfo === 'string',
  };
}
