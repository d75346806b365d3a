// Certificate keys: node:crypto only (native, and async so a 4096-bit RSA key never blocks the main process).
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../../shared/ipc/errors.ts';
import type { KeySpec } from '../../shared/model/request.ts';

const generate = promisify(generateKeyPair);

// Key generation runs in libuv's small thread pool, which file writes share: with 20 requests at once,
// unbounded RSA generations starved the store's writes for seconds. Two at a time keeps both moving.
const MAX_PARALLEL_KEYGEN = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL_KEYGEN) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Keys started ahead of need (pregenerateKey), per kind, oldest first. */
const ahead = new Map<KeySpec, Promise<string>[]>();

const AHEAD_SPECS: readonly string[] = ['rsa-2048', 'ec-p256', 'ec-p384'];

/**
 * Starts making a key of `spec` now, for the next generateCertificateKey(spec) in this process. For a face that
 * knows early that it will need one: `certdesk request create --key rsa-2048` starts it as soon as its command line
 * is read, so that the RSA generation (tens to hundreds of ms on libuv's thread pool) runs while the process opens
 * its store and keychain instead of after. A key nobody takes is dropped with the process, but only once made: a
 * generation on the thread pool cannot be stopped, and even process.exit() waits for it. So only the kinds that
 * are made quickly are started ahead (RSA-3072/4096 take seconds at times); anything else is ignored (the request's
 * own validation reports an unknown kind). A failure is reported to the one who takes the key.
 */
export function pregenerateKey(spec: string): void {
  if (!AHEAD_SPECS.includes(spec)) return;
  const p = generateCertificateKey(spec as KeySpec);
  p.catch(() => undefined); // reported to its taker; never an unhandled rejection when none comes
  const list = ahead.get(spec as KeySpec) ?? [];
  list.push(p);
  ahead.set(spec as KeySpec, list);
}

export function generateCertificateKey(spec: KeySpec): Promise<string> {
  const early = ahead.get(spec)?.shift();
  if (early) return early;
  return limited(() => generateKey(spec));
}

async function generateKey(spec: KeySpec): Promise<string> {
  const pair =
    spec === 'ec-p256' || spec === 'ec-p384'
      ? await generate('ec', { namedCurve: spec === 'ec-p256' ? 'P-256' : 'P-384' })
      : await generate('rsa', { modulusLength: Number(spec.slice(4)), publicExponent: 0x10001 });
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function keySpecOf(key: KeyObject): KeySpec | null {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && [2048, 3072, 4096].includes(d.modulusLength ?? 0)) return `rsa-${d.modulusLength}` as KeySpec;
  if (key.asymmetricKeyType === 'ec' && d.namedCurve === 'prime256v1') return 'ec-p256';
  if (key.asymmetricKeyType === 'ec' && d.namedCurve === 'secp384r1') return 'ec-p384';
  return null;
}

/** Reads an imported key (key policy "import"): PKCS#8/PKCS#1/SEC1 PEM, unencrypted, of a supported type. */
export function readImportedKey(pem: string, field: string): { pem: string; spec: KeySpec } {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    const msg = (err as Error).message;
    throw AppError.invalid(
      field,
      /passphrase|encrypted/i.test(msg)
        ? 'Imported key is encrypted: Certdesk needs it unencrypted to sign the CSR (it seals it at rest itself).'
        : `Imported key is not a readable private key (${msg}).`,
      'Choose a PEM private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY).',
    );
  }
  const spec = keySpecOf(key);
  if (!spec) {
    throw AppError.invalid(field, 'Imported key type is not supported.', 'Use RSA 2048/3072/4096 or EC P-256/P-384.');
  }
  return { pem: key.export({ format: 'pem', type: 'pkcs8' }).toString(), spec };
}
