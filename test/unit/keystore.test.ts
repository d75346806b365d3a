// Keystore export checked with the real readers: Java 17 keytool and OpenSSL 3 open what we write (JKS,
// PKCS#12 modern and legacy, PEM), find the full chain, give back the same key, reject a wrong password,
// and report the algorithms each PKCS#12 profile claims. Test chains (root → intermediate → leaf with SANs)
// are made here with node:crypto + @peculiar/x509 for RSA-2048, EC P-256 and EC P-384 leaf keys.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { AppError } from '../../shared/ipc/errors.ts';
import {
  exportKeystore,
  keystoreFileName,
  toJks,
  toPemBundle,
  toPkcs12,
  validateEntryName,
  validatePassword,
  type KeystoreInput,
} from '../../electron/keystore/index.ts';
import { modifiedUtf8, protectKey } from '../../electron/keystore/jks.ts';
import { pkcs12Kdf } from '../../electron/keystore/pkcs12.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

const PASSWORD = 'correct-horse-9';
const WRONG = 'wrong-password-1';

// ---------------------------------------------------------------------------------------------- tools

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const JVM_OPTIONS = '-Xmx128m -XX:TieredStopAtLevel=1 -Xshare:auto';

function run(cmd: string, args: string[], stdin?: string | Buffer): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Small, quick JVMs: several keytools run at once beside other tests on a 2-core machine.
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', JAVA_TOOL_OPTIONS: JVM_OPTIONS } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    // A tool may exit (keytool refusing a password) before it reads its input: that EPIPE is not a failure
    // of the test (it was the cause of a rare flake); the exit code and output are what count.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

async function ok(cmd: string, args: string[], stdin?: string | Buffer): Promise<RunResult> {
  const r = await run(cmd, args, stdin);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function fails(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  assert.notEqual(r.code, 0, `${cmd} ${args.join(' ')} should have failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** SPKI DER (hex) of a PEM public or private key, to compare keys across tools. */
function spkiOf(pem: string): string {
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  return key.export({ type: 'spki', format: 'der' }).toString('hex');
}

function pemBlocks(text: string, label: string): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return text.match(re) ?? [];
}

let work = '';
let seq = 0;
async function tmpFile(name: string, data: string | Buffer): Promise<string> {
  const file = path.join(work, `${++seq}-${name}`);
  await writeFile(file, data);
  return file;
}

// ------------------------------------------------------------------------------------- test chains

type KeyKind = 'rsa-2048' | 'ec-p256' | 'ec-p384';

interface Chain {
  kind: KeyKind;
  input: KeystoreInput;
  rootPem: string;
  intermediatePem: string;
  /** Certificates the keystore must hold: leaf + chainPems. */
  length: number;
}

function caAlgorithm(kind: KeyKind): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  if (kind === 'rsa-2048') return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return { name: 'ECDSA', namedCurve: kind === 'ec-p384' ? 'P-384' : 'P-256' };
}

function signing(kind: KeyKind): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (kind === 'rsa-2048') return { name: 'RSASSA-PKCS1-v1_5' };
  return { name: 'ECDSA', hash: kind === 'ec-p384' ? 'SHA-384' : 'SHA-256' } as webcrypto.EcdsaParams;
}

async function makeChain(kind: KeyKind, includeRoot: boolean): Promise<Chain> {
  const alg = caAlgorithm(kind);
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 30 * 86400_000);
  const caUsage = new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true);

  const rootKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=Certdesk Test Root ${kind}, O=Certdesk Tests`,
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: signing(kind),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), caUsage, await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey)],
  });

  const interKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: `CN=Certdesk Test Intermediate ${kind}, O=Certdesk Tests`,
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: signing(kind),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      caUsage,
      await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });

  // The leaf key as the app has it: node:crypto PKCS#8 PEM.
  const leafKey =
    kind === 'rsa-2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: kind === 'ec-p384' ? 'P-384' : 'P-256' });
  const keyPem = leafKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = leafKey.publicKey.export({ type: 'spki', format: 'der' });
  const leafPublic = await subtle.importKey(
    'spki',
    spki,
    kind === 'rsa-2048' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: kind === 'ec-p384' ? 'P-384' : 'P-256' },
    true,
    ['verify'],
  );
  const host = `${kind}.example.test`;
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${host}`,
    issuer: intermediate.subject,
    notBefore,
    notAfter,
    publicKey: leafPublic,
    signingKey: interKeys.privateKey,
    signingAlgorithm: signing(kind),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (kind === 'rsa-2048' ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: host },
        { type: 'dns', value: `www.${host}` },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(leafPublic),
      await x509.AuthorityKeyIdentifierExtension.create(interKeys.publicKey),
    ],
  });

  const rootPem = root.toString('pem');
  const intermediatePem = intermediate.toString('pem');
  const chainPems = includeRoot ? [intermediatePem, rootPem] : [intermediatePem];
  return {
    kind,
    rootPem,
    intermediatePem,
    length: 1 + chainPems.length,
    input: { keyPem, certPem: leaf.toString('pem'), chainPems, password: PASSWORD, friendlyName: `Certdesk ${host}` },
  };
}

const chains = new Map<KeyKind, Promise<Chain>>();
function chainFor(kind: KeyKind): Promise<Chain> {
  let c = chains.get(kind);
  if (!c) {
    // The EC P-256 chain stops at the intermediate (what ACME CAs send); the others carry the root too.
    c = makeChain(kind, kind !== 'ec-p256');
    chains.set(kind, c);
  }
  return c;
}

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'certdesk-keystore-test-'));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------- per key type

const KINDS: KeyKind[] = ['rsa-2048', 'ec-p256', 'ec-p384'];

for (const kind of KINDS) {
  describe(`keystores with a ${kind} key`, { concurrency: true }, () => {
    test('JKS: keytool lists a JKS PrivateKeyEntry with the full chain and recovers the same key', async () => {
      const chain = await chainFor(kind);
      const jks = await tmpFile(`${kind}.jks`, toJks(chain.input));

      const [list, wrong, imported] = await Promise.all([
        ok('keytool', ['-list', '-v', '-keystore', jks, '-storepass', PASSWORD]),
        fails('keytool', ['-list', '-keystore', jks, '-storepass', WRONG]),
        (async () => {
          const p12 = path.join(work, `${++seq}-${kind}-from-jks.p12`);
          await ok('keytool', [
            '-importkeystore', '-noprompt',
            '-srckeystore', jks, '-srcstoretype', 'JKS', '-srcstorepass', PASSWORD,
            '-destkeystore', p12, '-deststoretype', 'PKCS12', '-deststorepass', PASSWORD,
          ]);
          return ok('openssl', ['pkcs12', '-in', p12, '-nodes', '-nocerts', '-passin', `pass:${PASSWORD}`]);
        })(),
      ]);

      assert.match(list.stdout, /Keystore type: JKS/);
      assert.match(list.stdout, /Your keystore contains 1 entry/);
      assert.match(list.stdout, /Entry type: PrivateKeyEntry/);
      assert.match(list.stdout, new RegExp(`Certificate chain length: ${chain.length}\\b`));
      // Alias = friendly name, lower-cased as keytool does.
      assert.match(list.stdout, new RegExp(`Alias name: certdesk ${kind}\\.example\\.test`));
      assert.match(list.stdout, new RegExp(`Owner: CN=${kind}\\.example\\.test`));
      assert.match(wrong, /Keystore was tampered with, or password was incorrect/);

      const keys = pemBlocks(imported.stdout, 'PRIVATE KEY');
      assert.equal(keys.length, 1, imported.stdout);
      assert.equal(spkiOf(keys[0] as string), spkiOf(chain.input.keyPem));
    });

    for (const profile of ['modern', 'legacy'] as const) {
      test(`PKCS#12 ${profile}: OpenSSL and keytool open it, same key, full chain, ${profile} algorithms`, async () => {
        const chain = await chainFor(kind);
        const pfx = await tmpFile(`${kind}-${profile}.pfx`, toPkcs12(chain.input, { profile }));
        const pass = `pass:${PASSWORD}`;

        const [info, certs, key, list, javaImport, wrongSsl, wrongKeytool] = await Promise.all([
          // No -legacy: 3DES is in OpenSSL 3's default provider, so even the legacy profile opens without it.
          ok('openssl', ['pkcs12', '-info', '-noout', '-in', pfx, '-passin', pass]),
          ok('openssl', ['pkcs12', '-in', pfx, '-nokeys', '-passin', pass]),
          ok('openssl', ['pkcs12', '-in', pfx, '-nocerts', '-nodes', '-passin', pass]),
          ok('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', pfx, '-storepass', PASSWORD]),
          // Copying the entry into a JKS makes Java decrypt the key bag (-list only checks the MAC).
          ok('keytool', [
            '-importkeystore', '-noprompt',
            '-srckeystore', pfx, '-srcstoretype', 'PKCS12', '-srcstorepass', PASSWORD,
            '-destkeystore', path.join(work, `${++seq}-${kind}-${profile}.jks`), '-deststoretype', 'JKS', '-deststorepass', PASSWORD,
          ]),
          fails('openssl', ['pkcs12', '-info', '-noout', '-in', pfx, '-passin', `pass:${WRONG}`]),
          fails('keytool', ['-list', '-storetype', 'PKCS12', '-keystore', pfx, '-storepass', WRONG]),
        ]);

        const infoText = info.stdout + info.stderr;
        if (profile === 'modern') {
          assert.match(infoText, /MAC: sha256, Iteration 10000/);
          assert.match(infoText, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
          assert.match(infoText, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
          assert.doesNotMatch(infoText, /TripleDES|RC2|sha1,/);
        } else {
          assert.match(infoText, /MAC: sha1, Iteration 2048/);
          assert.match(infoText, /PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/);
          assert.match(infoText, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/);
          assert.doesNotMatch(infoText, /PBES2|AES|RC2/);
        }

        // All certificates, leaf first, in the given order; the leaf and key carry friendlyName + localKeyID.
        const certPems = pemBlocks(certs.stdout, 'CERTIFICATE');
        assert.equal(certPems.length, chain.length);
        const expected = [chain.input.certPem, ...chain.input.chainPems].map((p) => new X509Certificate(p).fingerprint256);
        assert.deepEqual(certPems.map((p) => new X509Certificate(p).fingerprint256), expected);
        const leafFp = new X509Certificate(chain.input.certPem).fingerprint.replace(/:/g, ' ');
        assert.match(certs.stdout, new RegExp(`localKeyID: ${leafFp}`, 'i'));
        assert.match(certs.stdout, new RegExp(`friendlyName: Certdesk ${kind}\\.example\\.test`));
        assert.match(key.stdout, new RegExp(`localKeyID: ${leafFp}`, 'i'));
        assert.match(key.stdout, new RegExp(`friendlyName: Certdesk ${kind}\\.example\\.test`));

        const keys = pemBlocks(key.stdout, 'PRIVATE KEY');
        assert.equal(keys.length, 1);
        assert.equal(spkiOf(keys[0] as string), spkiOf(chain.input.keyPem));

        assert.match(list.stdout, /Keystore type: PKCS12/);
        assert.match(list.stdout, /Your keystore contains 1 entry/);
        assert.match(list.stdout, /Entry type: PrivateKeyEntry/);
        assert.match(list.stdout, new RegExp(`Certificate chain length: ${chain.length}\\b`));

        assert.match(javaImport.stdout + javaImport.stderr, /1 entries successfully imported, 0 entries failed/);

        assert.match(wrongSsl, /Mac verify error/);
        assert.match(wrongKeytool, /Integrity check failed|keystore password was incorrect/);
      });
    }

    test('PEM: key matches cert, fullchain = cert + chain, chain verifies, encrypted key needs the passphrase', async () => {
      const chain = await chainFor(kind);
      const plain = toPemBundle(chain.input, { parts: ['certificate', 'chain', 'fullchain', 'key'] });
      const enc = toPemBundle(chain.input, { parts: ['key'], encryptKey: true });
      const files = plain.files;
      for (const [name, text] of Object.entries({ ...files, 'enc.pem': enc.files['privkey.pem'] })) {
        assert.ok(text, `${name} missing`);
        assert.ok(!text.includes('\r'), `${name} has CR`);
        assert.ok(text.endsWith('-----\n'), `${name} must end with one newline`);
      }
      assert.equal(files['fullchain.pem'], (files['cert.pem'] ?? '') + (files['chain.pem'] ?? ''));
      const fullchainFps = pemBlocks(files['fullchain.pem'] ?? '', 'CERTIFICATE').map((p) => new X509Certificate(p).fingerprint256);
      assert.deepEqual(fullchainFps, [chain.input.certPem, ...chain.input.chainPems].map((p) => new X509Certificate(p).fingerprint256));
      assert.match(enc.files['privkey.pem'] ?? '', /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      assert.match(files['privkey.pem'] ?? '', /^-----BEGIN PRIVATE KEY-----\n/);

      const cert = await tmpFile('cert.pem', files['cert.pem'] ?? '');
      const chainFile = await tmpFile('chain.pem', files['chain.pem'] ?? '');
      const keyFile = await tmpFile('privkey.pem', files['privkey.pem'] ?? '');
      const encFile = await tmpFile('privkey-enc.pem', enc.files['privkey.pem'] ?? '');
      const rootFile = await tmpFile('root.pem', chain.rootPem);

      const [certPub, keyPub, encPub, encWrong, verify] = await Promise.all([
        ok('openssl', ['x509', '-noout', '-pubkey', '-in', cert]),
        ok('openssl', ['pkey', '-pubout', '-in', keyFile]),
        ok('openssl', ['pkey', '-pubout', '-in', encFile, '-passin', `pass:${PASSWORD}`]),
        fails('openssl', ['pkey', '-pubout', '-in', encFile, '-passin', `pass:${WRONG}`]),
        ok('openssl', ['verify', '-CAfile', rootFile, '-untrusted', chainFile, cert]),
      ]);
      assert.equal(keyPub.stdout, certPub.stdout);
      assert.equal(encPub.stdout, certPub.stdout);
      assert.match(encWrong, /bad decrypt|unable to load|Could not read/i);
      assert.match(verify.stdout, /: OK/);
    });
  });
}

// --------------------------------------------------------------------------------- other behaviour

describe('keystore options and errors', { concurrency: true }, () => {
  test('JKS with a separate key password: keytool needs it to recover the key', async () => {
    const chain = await chainFor('ec-p256');
    const keyPassword = 'another-key-pass';
    const jks = await tmpFile('keypass.jks', toJks({ ...chain.input, alias: 'MyServer', keyPassword }));
    const dest = (n: string) => path.join(work, `${++seq}-${n}.p12`);
    const common = ['-importkeystore', '-noprompt', '-srckeystore', jks, '-srcstoretype', 'JKS', '-srcstorepass', PASSWORD, '-srcalias', 'myserver', '-deststoretype', 'PKCS12', '-deststorepass', PASSWORD];
    const [list, good, bad] = await Promise.all([
      ok('keytool', ['-list', '-keystore', jks, '-storepass', PASSWORD]),
      ok('keytool', [...common, '-destkeystore', dest('good'), '-srckeypass', keyPassword, '-destkeypass', PASSWORD]),
      run('keytool', [...common, '-destkeystore', dest('bad'), '-srckeypass', PASSWORD, '-destkeypass', PASSWORD]),
    ]);
    assert.match(list.stdout, /^myserver, .*PrivateKeyEntry/m);
    assert.match(good.stdout + good.stderr, /Importing keystore/);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /Cannot recover key/);
  });

  test('PKCS#12 opens in OpenSSL with a non-ASCII password', async () => {
    const chain = await chainFor('ec-p256');
    const password = 'pässwörd-€-ключ';
    const results = await Promise.all(
      (['modern', 'legacy'] as const).map(async (profile) => {
        const pfx = await tmpFile(`utf8-${profile}.pfx`, toPkcs12({ ...chain.input, password }, { profile }));
        return run('openssl', ['pkcs12', '-in', pfx, '-nocerts', '-nodes', '-passin', `pass:${password}`]);
      }),
    );
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(spkiOf(pemBlocks(r.stdout, 'PRIVATE KEY')[0] ?? ''), spkiOf(chain.input.keyPem));
    }
  });

  test('exportKeystore: file names, formats and modes', async () => {
    const chain = await chainFor('ec-p256');
    const pfx = exportKeystore(chain.input, 'pfx');
    assert.deepEqual(pfx.files.map((f) => [f.name, f.mode]), [['ec-p256.example.test.pfx', 0o600]]);
    const legacy = exportKeystore(chain.input, 'pfx-legacy', { fileName: 'iis.pfx' });
    assert.deepEqual(legacy.files.map((f) => [f.name, f.mode]), [['iis.pfx', 0o600]]);
    const jks = exportKeystore(chain.input, 'jks');
    assert.deepEqual(jks.files.map((f) => [f.name, f.mode]), [['ec-p256.example.test.jks', 0o600]]);
    assert.equal(jks.files[0]?.data.readUInt32BE(0), 0xfeedfeed);
    assert.equal(jks.files[0]?.data.readUInt32BE(4), 2);
    const pem = exportKeystore(chain.input, 'pem');
    assert.deepEqual(
      pem.files.map((f) => [f.name, f.mode]),
      [['cert.pem', 0o644], ['chain.pem', 0o644], ['fullchain.pem', 0o644], ['privkey.pem', 0o600]],
    );
    const some = exportKeystore(chain.input, 'pem', { parts: ['fullchain'] });
    assert.deepEqual(some.files.map((f) => f.name), ['fullchain.pem']);
    // Without the key part, no password is needed.
    assert.equal(exportKeystore({ ...chain.input, password: '' }, 'pem', { parts: ['certificate'] }).files.length, 1);
    assert.throws(() => exportKeystore(chain.input, 'p7b' as never), (e: unknown) => e instanceof AppError && e.field === 'format');
  });

  test('inputs that cannot make a usable keystore are refused with the field at fault', async () => {
    const ec = await chainFor('ec-p256');
    const rsa = await chainFor('rsa-2048');
    const invalid = (field: string, re?: RegExp) => (e: unknown) =>
      e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === field && (re === undefined || re.test(e.message));

    assert.throws(() => toPkcs12({ ...ec.input, password: 'short' }, { profile: 'modern' }), invalid('password', /too short/));
    assert.throws(() => toJks({ ...ec.input, keyPassword: 'abc' }), invalid('keyPassword', /too short/));
    assert.throws(() => toPemBundle({ ...ec.input, password: '' }, { parts: ['key'], encryptKey: true }), invalid('password'));
    assert.throws(() => toJks({ ...ec.input, keyPem: rsa.input.keyPem }), invalid('keyPem', /does not belong/));
    assert.throws(() => toPkcs12({ ...ec.input, chainPems: [...rsa.input.chainPems] }, { profile: 'legacy' }), invalid('chainPems', /out of order/));
    assert.throws(() => toJks({ ...rsa.input, chainPems: [rsa.rootPem, rsa.intermediatePem] }), invalid('chainPems', /out of order/));
    assert.throws(() => toJks({ ...ec.input, certPem: ec.input.certPem + ec.intermediatePem }), invalid('certPem', /one certificate/));
    assert.throws(() => toJks({ ...ec.input, chainPems: ['not a pem'] }), invalid('chainPems'));
    assert.throws(() => toJks({ ...ec.input, keyPem: 'garbage' }), invalid('keyPem'));
    const encrypted = createPrivateKey(ec.input.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSWORD }).toString();
    assert.throws(() => toJks({ ...ec.input, keyPem: encrypted }), invalid('keyPem', /encrypted/));
    assert.throws(() => toJks({ ...ec.input, alias: '' }), invalid('alias', /empty/));
    assert.throws(() => toJks({ ...ec.input, alias: '  ' }), invalid('alias', /empty/));
    assert.throws(() => toJks({ ...ec.input, alias: 'web\nserver' }), invalid('alias', /control characters/));
    assert.throws(() => toPkcs12({ ...ec.input, friendlyName: 'a\u0000b' }, { profile: 'modern' }), invalid('friendlyName', /control characters/));
    assert.throws(() => toPemBundle({ ...ec.input, chainPems: [] }, { parts: ['chain'] }), invalid('chainPems', /empty/));
    assert.throws(() => toPemBundle(ec.input, { parts: [] }), invalid('parts'));
  });

  test('a leaf without intermediates still exports (chain length 1)', async () => {
    const ec = await chainFor('ec-p384');
    const jks = await tmpFile('alone.jks', toJks({ ...ec.input, chainPems: [] }));
    const list = await ok('keytool', ['-list', '-v', '-keystore', jks, '-storepass', PASSWORD]);
    assert.match(list.stdout, /Certificate chain length: 1\b/);
  });
});

describe('validatePassword', () => {
  const field = 'exportPassword';
  const check = (pw: unknown, re: RegExp) =>
    assert.throws(
      () => validatePassword(pw, field),
      (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === field && re.test(e.message),
    );
  test('refuses empty, missing and short passwords', () => {
    check('', /required/);
    check(undefined, /required/);
    check('1234567', /^Keystore password is too short: use at least 8 characters\.$/);
    check('ключ123', /too short/); // counted in characters, not bytes
  });
  test('accepts 8 characters and more', () => {
    assert.doesNotThrow(() => validatePassword('12345678', field));
    assert.doesNotThrow(() => validatePassword('a much longer pass phrase', field));
  });
  test('entry names: trimmed, no control characters, not empty, bounded', () => {
    assert.equal(validateEntryName('  web01  ', 'alias'), 'web01');
    assert.throws(() => validateEntryName('tab\there', 'alias'), /control characters/);
    assert.throws(() => validateEntryName('x'.repeat(256), 'alias'), /longer than 255/);
  });
});

describe('keystoreFileName', () => {
  test('wildcards, unsafe characters, IDNs and device names', () => {
    assert.equal(keystoreFileName('*.example.com', 'pfx'), '_wildcard_.example.com.pfx');
    assert.equal(keystoreFileName('*.example.com', 'pfx-legacy'), '_wildcard_.example.com.pfx');
    assert.equal(keystoreFileName('*.example.com', 'jks'), '_wildcard_.example.com.jks');
    assert.equal(keystoreFileName('*.example.com', 'pem'), '_wildcard_.example.com');
    assert.equal(keystoreFileName('www.example.com', 'jks'), 'www.example.com.jks');
    assert.equal(keystoreFileName('../../etc/passwd', 'pfx'), '_.._etc_passwd.pfx');
    assert.equal(keystoreFileName('a/b\\c:d?e"f<g>h|i', 'pfx'), 'a_b_c_d_e_f_g_h_i.pfx');
    assert.equal(keystoreFileName('bücher.example', 'pfx'), 'xn--bcher-kva.example.pfx');
    assert.equal(keystoreFileName('con', 'jks'), '_con.jks');
    assert.equal(keystoreFileName('nul.example.com', 'jks'), '_nul.example.com.jks');
    assert.equal(keystoreFileName('', 'pfx'), 'certificate.pfx');
    assert.equal(keystoreFileName('...', 'pem'), 'certificate');
    assert.equal(keystoreFileName('x'.repeat(300), 'pfx').length, 204);
  });
});

describe('format internals', () => {
  test('modified UTF-8 as Java writeUTF', () => {
    assert.deepEqual([...modifiedUtf8('X.509')], [0, 5, 0x58, 0x2e, 0x35, 0x30, 0x39]);
    assert.deepEqual([...modifiedUtf8('a\u0000é€')], [0, 8, 0x61, 0xc0, 0x80, 0xc3, 0xa9, 0xe2, 0x82, 0xac]);
    assert.deepEqual([...modifiedUtf8('😀')], [0, 6, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]); // surrogates, 3 bytes each
  });
  test('JKS key protector: salt ‖ masked key ‖ check digest, deterministic for a fixed salt', () => {
    const pkcs8 = Buffer.from('00112233445566778899aabbccddeeff0011223344', 'hex');
    const salt = Buffer.alloc(20, 7);
    const a = protectKey(pkcs8, PASSWORD, salt);
    assert.deepEqual(a, protectKey(pkcs8, PASSWORD, salt));
    assert.notDeepEqual(a, protectKey(pkcs8, WRONG, salt));
    assert.equal(a.subarray(-(20 + pkcs8.length + 20), -(pkcs8.length + 20)).toString('hex'), salt.toString('hex'));
  });
  test('PKCS#12 KDF matches a published vector (RFC 7292 B.2 as used by OpenSSL test data)', () => {
    // OpenSSL test/pkcs12kdf vectors: password "smeg", salt 0A58CF64530D823F, id 1, 1 iteration, SHA-1.
    const pw = Buffer.concat([Buffer.from('\0s\0m\0e\0g', 'latin1'), Buffer.alloc(2)]);
    const key = pkcs12Kdf('sha1', pw, Buffer.from('0A58CF64530D823F', 'hex'), 1, 1, 24);
    assert.equal(key.toString('hex').toUpperCase(), '8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3');
  });
});
