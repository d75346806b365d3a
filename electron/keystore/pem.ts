// PEM files in certbot's layout (cert.pem, chain.pem, fullchain.pem, privkey.pem), which nginx, Apache,
// HAProxy and most Linux tooling expect. Certificates are re-encoded from DER so the output is always
// LF-only with 64-character lines and a final newline, whatever the input looked like.
import { AppError } from '../../shared/ipc/errors.ts';
import { prepareInput, toPem, validatePassword, type KeystoreInput } from './input.ts';

export type PemPart = 'certificate' | 'chain' | 'fullchain' | 'key';
export type PemFileName = 'cert.pem' | 'chain.pem' | 'fullchain.pem' | 'privkey.pem';

export const PEM_PARTS: readonly PemPart[] = ['certificate', 'chain', 'fullchain', 'key'];

export const PEM_FILE_OF: Record<PemPart, PemFileName> = {
  certificate: 'cert.pem',
  chain: 'chain.pem',
  fullchain: 'fullchain.pem',
  key: 'privkey.pem',
};

export interface PemOptions {
  parts: PemPart[];
  /** Encrypt privkey.pem (PKCS#8, PBES2 AES-256-CBC) with `keyPassword ?? password`. */
  encryptKey?: boolean;
}

export interface PemBundle {
  /** Only the requested parts are present. */
  files: Partial<Record<PemFileName, string>>;
}

export function toPemBundle(input: KeystoreInput, opts: PemOptions): PemBundle {
  const parts = new Set(opts.parts);
  if (parts.size === 0) throw AppError.invalid('parts', 'Choose at least one PEM file to export.');
  for (const part of parts) {
    if (!PEM_PARTS.includes(part)) throw AppError.invalid('parts', `Unknown PEM part "${String(part)}".`);
  }
  const encrypt = parts.has('key') && opts.encryptKey === true;
  const passField = input.keyPassword !== undefined ? 'keyPassword' : 'password';
  const passphrase = input.keyPassword ?? input.password;
  if (encrypt) validatePassword(passphrase, passField);

  const p = prepareInput(input);
  const leafPem = toPem('CERTIFICATE', p.leaf.raw);
  const chainPem = p.chain.map((c) => toPem('CERTIFICATE', c.raw)).join('');
  const files: PemBundle['files'] = {};
  if (parts.has('certificate')) files['cert.pem'] = leafPem;
  if (parts.has('chain')) {
    if (chainPem === '') {
      throw AppError.invalid('chainPems', 'There are no intermediate certificates, so chain.pem would be empty.', 'Export cert.pem or fullchain.pem instead.');
    }
    files['chain.pem'] = chainPem;
  }
  if (parts.has('fullchain')) files['fullchain.pem'] = leafPem + chainPem;
  if (parts.has('key')) {
    const keyPem = encrypt
      ? p.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
      : p.key.export({ type: 'pkcs8', format: 'pem' });
    const text = keyPem.toString().replace(/\r\n/g, '\n');
    files['privkey.pem'] = text.endsWith('\n') ? text : `${text}\n`;
  }
  return { files };
}
