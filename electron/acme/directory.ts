// Resolves the user's directory choice and reads the CA's directory object (RFC 8555 §7.1.1), with errors
// that name the field at fault. The extra CA is checked here so a bad file never gets stored.
import { X509Certificate } from 'node:crypto';
import acme from 'acme-client';
import { AppError } from '../../shared/ipc/errors.ts';
import { readUserText } from '../core/files.ts';
import { DIRECTORY_PRESETS, type DirectoryInfo, type DirectoryKind } from '../../shared/model/account.ts';
import { mapAcmeError } from './errors.ts';
import { agentWithCa, installTransport, trustForOrigins, withTransport } from './transport.ts';

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

/** Fetches the directory object; every failure names the `directory` (or CA) field. */
export async function fetchDirectory(dir: ResolvedDirectory, signal?: AbortSignal): Promise<AcmeDirectory> {
  installTransport();
  // Checked with exactly what the user gave (system roots + their CA), not what other accounts trust.
  const agent = agentWithCa(dir.caPem);
  return withTransport(signal, async (state) => {
    let resp;
    try {
      resp = await acme.axios.get(dir.url, { httpsAgent: agent, validateStatus: null, ...(signal ? { signal } : {}) });
    } catch (err) {
      const mapped = mapAcmeError(state().lastNetworkError ?? err, { action: 'Reading the ACME directory', url: dir.url, field: 'directory' });
      if (mapped.code === 'TLS' && dir.caPem) {
        throw new AppError('TLS', mapped.message.replace('is not trusted', 'is not signed by the extra CA you gave'), {
          field: 'caFile',
          hint: "Choose the CA certificate that signed the directory server's certificate.",
        });
      }
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
    const directory = body as AcmeDirectory;
    if (dir.caPem) {
      const urls = [dir.url, ...Object.values(directory).filter((v): v is string => typeof v === 'string')];
      trustForOrigins(urls, dir.caPem);
    }
    return directory;
  });
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
