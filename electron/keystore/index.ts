// Keystore export: one issued certificate + its key in the format a server wants, as files to write.
//   pfx         PKCS#12, modern profile (AES-256 / SHA-256): Windows 10 1709+ / Server 2019+, OpenSSL, Java.
//   pfx-legacy  PKCS#12, 3DES / SHA-1: Windows Server 2016 and older, older macOS keychains and Java.
//   jks         Java KeyStore for older Java servers.
//   pem         cert.pem, chain.pem, fullchain.pem, privkey.pem (certbot's names).
// Files that carry the private key get mode 0o600, the others 0o644.
import { domainToASCII } from 'node:url';
import { AppError } from '../../shared/ipc/errors.ts';
import { certCommonName, prepareInput, validateEntryName, validatePassword, type KeystoreInput } from './input.ts';
import { toJks } from './jks.ts';
import { PEM_FILE_OF, PEM_PARTS, toPemBundle, type PemPart } from './pem.ts';
import { toPkcs12 } from './pkcs12.ts';

export type { KeystoreInput } from './input.ts';
export type { PemPart, PemFileName } from './pem.ts';
export type { Pkcs12Profile } from './pkcs12.ts';
export { validatePassword, validateEntryName, toJks, toPemBundle, toPkcs12 };

export const KEYSTORE_FORMATS = ['pfx', 'pfx-legacy', 'jks', 'pem'] as const;
export type KeystoreFormat = (typeof KEYSTORE_FORMATS)[number];

export interface ExportOptions {
  /** File name for pfx/jks (default: keystoreFileName(leaf CN, format)). Ignored for pem. */
  fileName?: string;
  /** pem only: which files (default: all four). */
  parts?: PemPart[];
  /** pem only: encrypt privkey.pem with `keyPassword ?? password`. */
  encryptKey?: boolean;
}

export interface ExportedFile {
  name: string;
  data: Buffer;
  /** POSIX mode to create the file with: 0o600 when it holds the private key. */
  mode: number;
}

export interface ExportResult {
  files: ExportedFile[];
}

const PRIVATE = 0o600;
const PUBLIC = 0o644;

export function exportKeystore(input: KeystoreInput, format: KeystoreFormat, opts: ExportOptions = {}): ExportResult {
  switch (format) {
    case 'pfx':
    case 'pfx-legacy': {
      const data = toPkcs12(input, { profile: format === 'pfx' ? 'modern' : 'legacy' });
      return { files: [{ name: opts.fileName ?? defaultName(input, format), data, mode: PRIVATE }] };
    }
    case 'jks': {
      const data = toJks(input);
      return { files: [{ name: opts.fileName ?? defaultName(input, format), data, mode: PRIVATE }] };
    }
    case 'pem': {
      const parts = opts.parts ?? [...PEM_PARTS];
      const bundle = toPemBundle(input, { parts, encryptKey: opts.encryptKey === true });
      const files: ExportedFile[] = [];
      for (const part of PEM_PARTS) {
        const name = PEM_FILE_OF[part];
        const text = bundle.files[name];
        if (text === undefined) continue;
        files.push({ name, data: Buffer.from(text, 'utf8'), mode: part === 'key' ? PRIVATE : PUBLIC });
      }
      return { files };
    }
    default:
      throw AppError.invalid('format', `Unknown keystore format "${String(format)}".`, `Use one of ${KEYSTORE_FORMATS.join(', ')}.`);
  }
}

function defaultName(input: KeystoreInput, format: KeystoreFormat): string {
  return keystoreFileName(certCommonName(prepareInput(input).leaf), format);
}

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i;

/**
 * A safe file name for a certificate's keystore: `*` becomes `_wildcard_`, IDN labels become punycode,
 * anything outside [A-Za-z0-9._-] becomes `_`, no leading/trailing dots, no Windows device names.
 * pfx/pfx-legacy → `<name>.pfx`, jks → `<name>.jks`, pem → `<name>` (a folder for the four PEM files).
 */
export function keystoreFileName(commonName: string, format: KeystoreFormat): string {
  const labels = commonName.trim().split('.').map((label) => {
    if (label === '*') return '_wildcard_';
    if (/[^ -~]/.test(label)) return domainToASCII(label) || label;
    return label;
  });
  let base = labels
    .join('.')
    .replace(/\*/g, '_wildcard_')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+|[.]+$/g, '')
    .slice(0, 200);
  if (WINDOWS_DEVICE.test(base.split('.')[0] ?? '')) base = `_${base}`;
  if (base === '' || /^[._]+$/.test(base)) base = 'certificate';
  switch (format) {
    case 'pfx':
    case 'pfx-legacy':
      return `${base}.pfx`;
    case 'jks':
      return `${base}.jks`;
    case 'pem':
      return base;
    default:
      throw AppError.invalid('format', `Unknown keystore format "${String(format)}".`);
  }
}
