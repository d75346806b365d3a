// Encryption at rest for private keys and other secret files in the data directory (AES-256-GCM).
// The 32-byte data key lives in the OS keychain, never on disk; a copied data directory is useless without it.
// Sealed format: 'CDV1' | IV (12 bytes, random per file) | GCM tag (16 bytes) | ciphertext.
// The AAD is the file's path inside the data directory, so a sealed file moved to another name fails to open.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { SecretStore } from '../secrets/secret-store.ts';

export const VAULT_MAGIC = Buffer.from('CDV1', 'ascii');
const IV_LEN = 12;
const TAG_LEN = 16;
const KEY_LEN = 32;
const HEADER_LEN = VAULT_MAGIC.length + IV_LEN + TAG_LEN;

export function dataKeyName(storeId: string): string {
  return `data-key/${storeId}`;
}

/** True if the bytes start like a sealed file (cheap test; does not prove they open). */
export function isSealed(buf: Uint8Array): boolean {
  return buf.length >= HEADER_LEN && VAULT_MAGIC.equals(buf.subarray(0, VAULT_MAGIC.length));
}

export interface VaultOpenOptions {
  /**
   * Whether the data directory already holds sealed files (asked only when the key is missing). Then a missing
   * data key is an error instead of a reason to create a new one (a new key could never open those files).
   */
  hasSealedData?: boolean | (() => Promise<boolean>);
  /** Shown in errors, e.g. the data directory path. */
  where?: string;
}

export class Vault {
  readonly #key: KeyObject;
  /** True when this open created the data key (first use of the store). */
  readonly created: boolean;

  private constructor(key: Buffer, created: boolean) {
    this.#key = createSecretKey(key);
    this.created = created;
  }

  static async open(secrets: SecretStore, storeId: string, logger?: Logger, opts: VaultOpenOptions = {}): Promise<Vault> {
    const name = dataKeyName(storeId);
    const where = opts.where ? ` of ${opts.where}` : '';
    const stored = await secrets.get(name);
    if (stored !== null) {
      const key = Buffer.from(stored, 'base64');
      if (key.length !== KEY_LEN || key.toString('base64') !== stored.trim()) {
        throw new AppError(
          'STORE_CORRUPT',
          `The data key${where} in the keychain (${secrets.backend}, item "${name}") is damaged: it is not a ${KEY_LEN}-byte key.`,
          { hint: 'Restore the keychain item from a backup; the encrypted keys in the data directory cannot be read without it.' },
        );
      }
      logger?.redact(key);
      logger?.redact(stored);
      return new Vault(key, false);
    }
    // A locked keyring answers "nothing stored" instead of failing: make sure the keychain really works
    // before concluding the key is missing (check() throws KEYCHAIN_UNAVAILABLE otherwise).
    await secrets.check();
    const hasSealed = typeof opts.hasSealedData === 'function' ? await opts.hasSealedData() : opts.hasSealedData === true;
    if (hasSealed) {
      throw new AppError(
        'STORE_CORRUPT',
        `The data key${where} is missing from the keychain (${secrets.backend}, item "${name}"), so the encrypted ` +
          'private keys in the data directory cannot be read.',
        {
          hint:
            'Run Certdesk as the same user, in the same login session and keychain where it was set up, or restore ' +
            'the keychain from a backup. Otherwise move this data directory away to start afresh (its private keys are lost).',
        },
      );
    }
    const key = randomBytes(KEY_LEN);
    const encoded = key.toString('base64');
    logger?.redact(key);
    await secrets.set(name, encoded);
    // Some keychains accept a write and keep nothing: prove the key is retrievable before anything is sealed with it.
    if ((await secrets.get(name)) !== encoded) {
      throw new AppError(
        'KEYCHAIN_UNAVAILABLE',
        `The OS keychain (${secrets.backend}) did not keep the new data key${where}: it was stored without error but reads back differently.`,
        { hint: 'Make sure the keychain is unlocked and working, then try again. Certdesk never stores keys outside it.' },
      );
    }
    logger?.info('created a new data key in the keychain', { item: name, backend: secrets.backend });
    return new Vault(key, true);
  }

  seal(plain: Buffer, aad: string): Buffer {
    const iv = randomBytes(IV_LEN);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_LEN });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([VAULT_MAGIC, iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, aad: string): Buffer {
    if (!isSealed(sealed)) {
      throw new AppError('STORE_CORRUPT', `The encrypted file ${aad} is not in Certdesk's encrypted format (damaged or replaced).`, {
        hint: 'Restore the file from a backup, or remove it and create the key again.',
      });
    }
    const iv = sealed.subarray(VAULT_MAGIC.length, VAULT_MAGIC.length + IV_LEN);
    const tag = sealed.subarray(VAULT_MAGIC.length + IV_LEN, HEADER_LEN);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_LEN });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_LEN)), decipher.final()]);
    } catch {
      throw new AppError(
        'STORE_CORRUPT',
        `The encrypted file ${aad} cannot be decrypted: it was changed or damaged, or it was encrypted with another data key.`,
        { hint: 'Restore the file from a backup, or remove it and create the key again.' },
      );
    }
  }
}
