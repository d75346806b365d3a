// Scale test data: a data directory with n saved certificates, as a large estate's would look after a while of
// use — each certificate with the request it came from (order, authorizations, files), its renewal plan, some
// with older versions in their history — plus two ACME accounts and a DNS account. Every record is valid for
// electron/store/schema.ts (the data goes in through the real Store, which checks each one), and every file a
// record names exists: certificates as PEM chains, private keys sealed by the Vault under the data key.
//
// Fast on purpose (10,000 certificates in seconds): a handful of real certificates and keys are made once and
// their PEMs shared between records (each record keeps its own names, serial and dates in its summary, as the
// list shows them); files are written without fsync (test data, not user data).
//
//   const scale = await makeScaleData(dir, 10_000);          // in-memory keychain (MemorySecretStore)
//   const store = await openStore({ dataDir: dir, secrets: scale.secrets, face: 'cli' });
//
// A process that cannot share the SecretStore object (the CLI) needs the data key in its own keychain: pass
// `opts.secrets` (e.g. the real keyring) or copy `scale.dataKey` to the item `scale.dataKeyName`.
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIRECTORY_PRESETS } from '../../shared/model/account.ts';
import type { CertificateSummary, KeySpec } from '../../shared/model/request.ts';
import { createLogger } from '../../electron/core/logger.ts';
import { summarize } from '../../electron/orders/certinfo.ts';
import { MemorySecretStore } from '../../electron/secrets/memory-store.ts';
import type { SecretStore } from '../../electron/secrets/secret-store.ts';
import type { AccountRecord, CertificateRecord, CertificateVersionRecord, RenewalRecord, RequestRecord, StoreData } from '../../electron/store/schema.ts';
import { openStore } from '../../electron/store/store.ts';
import { dataKeyName, Vault } from '../../electron/store/vault.ts';

export interface ScaleDataOptions {
  /** Where the data key goes (default: a new MemorySecretStore). */
  secrets?: SecretStore;
  /** "Now" of the estate: certificates expire around it (default: the real now). */
  now?: Date;
  /** Write the PEM and sealed key files the records name (default true). Without them only db.json is made. */
  files?: boolean;
  /** Seed of the pseudo-random choices (names, dates, statuses): the same seed gives the same records. */
  seed?: number;
}

export interface ScaleData {
  dataDir: string;
  storeId: string;
  /** The SecretStore that holds the data key (opts.secrets, or the in-memory one made here). */
  secrets: SecretStore;
  /** The keychain item name of the data key (`data-key/<storeId>`) and its value (base64). */
  dataKeyName: string;
  dataKey: string;
  accountIds: string[];
  certificateIds: string[];
  requestIds: string[];
  /** Size of db.json in bytes. */
  dbBytes: number;
  /** Time it took, ms. */
  ms: number;
}

const DAY = 86_400_000;

/** A small deterministic PRNG (mulberry32): the same seed makes the same estate. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return out.toUpperCase();
}

function fingerprint(rand: () => number, bytes: number): string {
  return hex(rand, bytes).match(/../g)!.join(':');
}

/** An id shaped like randomUUID()'s, from the PRNG. */
function uuid(rand: () => number): string {
  const h = hex(rand, 16).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(rand() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Material {
  /** Full chain: leaf then issuer. */
  chainPem: string;
  keyPem: string;
  summary: CertificateSummary;
  key: KeySpec;
}

/** A few real certificates (one issuer, EC P-256 and P-384 leaves) whose PEMs the records share. */
async function makeMaterial(now: Date): Promise<{ materials: Material[]; issuerPem: string }> {
  const ecdsa = (namedCurve: string) => ({ name: 'ECDSA', namedCurve }) as const;
  const caKeys = (await webcrypto.subtle.generateKey(ecdsa('P-256'), true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const issuer = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex').replace(/^./, '5'),
    name: 'CN=Scale Test Intermediate E1, O=Certdesk test data',
    notBefore: new Date(now.getTime() - 365 * DAY),
    notAfter: new Date(now.getTime() + 3 * 365 * DAY),
    keys: caKeys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const issuerPem = issuer.toString('pem') + '\n';
  const materials: Material[] = [];
  for (let i = 0; i < 6; i++) {
    const curve = i % 3 === 2 ? 'P-384' : 'P-256';
    const keys = (await webcrypto.subtle.generateKey(ecdsa(curve), true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const host = `shared-${i}.scale.example.test`;
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(16).toString('hex').replace(/^./, '4'),
      subject: `CN=${host}`,
      issuer: issuer.subject,
      notBefore: new Date(now.getTime() - (10 + i * 7) * DAY),
      notAfter: new Date(now.getTime() + (80 - i * 7) * DAY),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: host },
          { type: 'dns', value: `www.${host}` },
        ]),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
    const leafPem = leaf.toString('pem') + '\n';
    materials.push({ chainPem: leafPem + issuerPem, keyPem, summary: summarize(leafPem), key: curve === 'P-384' ? 'ec-p384' : 'ec-p256' });
  }
  return { materials, issuerPem };
}

const DEPARTMENTS = ['shop', 'intranet', 'mail', 'api', 'cdn', 'vpn', 'erp', 'wiki', 'git', 'metrics', 'sso', 'pay'];
const ISSUERS = ['YE1', 'YE2', 'YR1', 'E7', 'E8', 'R12', 'R13'];

/**
 * Writes a data directory at `dir` (created; must not hold a Certdesk database yet) with `n` saved certificates
 * and their requests and renewal plans. See the top of the file.
 */
export async function makeScaleData(dir: string, n: number, opts: ScaleDataOptions = {}): Promise<ScaleData> {
  if (!Number.isInteger(n) || n < 0) throw new Error(`makeScaleData: n must be a whole number ≥ 0, got ${n}`);
  const started = performance.now();
  const dataDir = path.resolve(dir);
  const secrets = opts.secrets ?? new MemorySecretStore();
  const now = opts.now ?? new Date();
  const rand = prng(opts.seed ?? 11);
  const withFiles = opts.files !== false;
  const { materials } = await makeMaterial(now);
  const iso = (ms: number) => new Date(ms).toISOString();

  const accounts: AccountRecord[] = [0, 1].map((i) => {
    const id = uuid(rand);
    const at = iso(now.getTime() - (400 - i) * DAY);
    return {
      id,
      name: i === 0 ? 'Production' : 'Staging',
      email: null,
      directoryUrl: i === 0 ? DIRECTORY_PRESETS.production : DIRECTORY_PRESETS.staging,
      directoryKind: i === 0 ? 'production' : 'staging',
      caFile: null,
      caName: null,
      url: `https://acme.example.test/acme/acct/${1000 + i}`,
      status: 'valid',
      keyAlgorithm: 'ES256',
      keyThumbprint: hex(rand, 32).toLowerCase(),
      keyFile: `accounts/${id}.key`,
      termsOfServiceUrl: 'https://letsencrypt.org/documents/LE-SA-v1.5-February-24-2025.pdf',
      eabKid: null,
      createdAt: at,
      updatedAt: at,
    };
  });
  const dnsAccountId = uuid(rand);
  const requests: RequestRecord[] = [];
  const certificates: CertificateRecord[] = [];
  const renewals: RenewalRecord[] = [];
  const files: { rel: string; pem: string; sealed: boolean }[] = [];

  for (let i = 0; i < n; i++) {
    const m = materials[i % materials.length]!;
    const requestId = uuid(rand);
    const certificateId = uuid(rand);
    const account = accounts[rand() < 0.9 ? 0 : 1]!;
    const dept = DEPARTMENTS[Math.floor(rand() * DEPARTMENTS.length)]!;
    const host = `host-${String(i).padStart(5, '0')}.${dept}.example.test`;
    const extra = Math.floor(rand() * 3); // 0-2 more names
    const names = [host, ...Array.from({ length: extra }, (_, k) => (k === 0 ? `www.${host}` : `alt${k}.${host}`))];
    const dns = rand() < 0.7;
    // Lifetimes of 90 days, issued over the last 100 days: some expired, most valid, some due soon.
    const lifetime = 90 * DAY;
    const notBefore = now.getTime() - Math.floor(rand() * 100 * DAY);
    const versions = rand() < 0.35 ? 1 + Math.floor(rand() * 3) : 0; // renewals already saved
    const issuer = ISSUERS[Math.floor(rand() * ISSUERS.length)]!;
    const summaryAt = (nb: number): CertificateSummary => ({
      serial: hex(rand, 18).replace(/^0/, '4'),
      issuer,
      notBefore: iso(nb),
      notAfter: iso(nb + lifetime - 1000),
      sha256: fingerprint(rand, 32),
      sha1: fingerprint(rand, 20),
      names,
      keyType: m.summary.keyType,
    });
    const history: CertificateVersionRecord[] = [];
    for (let v = 0; v < versions; v++) {
      const nb = notBefore - (versions - v) * 60 * DAY;
      const s = summaryAt(nb);
      const certFile = `certificates/${certificateId}/v${v + 1}.pem`;
      history.push({ serial: s.serial, notBefore: s.notBefore, notAfter: s.notAfter, sha256: s.sha256, savedAt: iso(nb + 3600_000), certFile });
      files.push({ rel: certFile, pem: m.chainPem, sealed: false });
    }
    const summary = summaryAt(notBefore);
    const order = versions + 1;
    const revoked = rand() < 0.01;
    const created = notBefore - versions * 60 * DAY - 600_000;
    const req: RequestRecord = {
      id: requestId,
      accountId: account.id,
      names,
      namesUnicode: names,
      challengeType: dns ? 'dns-01' : 'http-01',
      dnsAccountId: dns ? dnsAccountId : null,
      presented: [],
      placed: [],
      key: m.key,
      signatureAlgorithm: m.key === 'ec-p384' ? 'SHA384withECDSA' : 'SHA256withECDSA',
      keystoreType: 'pem',
      keystorePasswordRef: null,
      keyPolicy: 'new',
      profile: rand() < 0.2 ? 'tlsserver' : null,
      preferredChain: null,
      status: revoked ? 'revoked' : versions > 0 ? 'renewed' : 'available',
      phase: 'done',
      keyFile: `requests/${requestId}/key-${order}.key`,
      issuedKeyFile: `requests/${requestId}/key-${order}.key`,
      importKeyFile: null,
      csrFile: `requests/${requestId}/order-${order}.csr`,
      order: {
        url: `https://acme.example.test/acme/order/${account.url.slice(-4)}/${100000 + i}`,
        status: 'valid',
        expires: iso(notBefore + 7 * DAY),
        finalizeUrl: `https://acme.example.test/acme/finalize/${account.url.slice(-4)}/${100000 + i}`,
        certificateUrl: `https://acme.example.test/acme/cert/${summary.serial.toLowerCase()}`,
        authorizations: names.map((name, k) => ({
          url: `https://acme.example.test/acme/authz/${hex(rand, 12).toLowerCase()}`,
          identifier: name,
          wildcard: false,
          status: 'valid',
          challenge: {
            type: dns ? 'dns-01' : 'http-01',
            url: `https://acme.example.test/acme/chall/${i}-${k}`,
            token: hex(rand, 32).toLowerCase(),
            status: 'valid',
            error: null,
          },
        })),
      },
      certFile: `requests/${requestId}/cert-${order}.pem`,
      certificate: summary,
      error: null,
      savedCertificateId: certificateId,
      savedSha256: summary.sha256,
      renewal: versions > 0,
      replaces: null,
      ordersCreated: order,
      createdAt: iso(created),
      updatedAt: iso(notBefore + 60_000),
    };
    requests.push(req);
    certificates.push({
      id: certificateId,
      requestId,
      names,
      namesUnicode: names,
      summary,
      certFile: `certificates/${certificateId}/v${order}.pem`,
      keyFile: `certificates/${certificateId}/v${order}.key`,
      savedAt: iso(notBefore + 120_000),
      revoked,
      history,
    });
    const due = notBefore + (lifetime * 2) / 3;
    renewals.push({
      certificateId,
      policy: null,
      days: null,
      serial: summary.serial,
      dueAt: revoked ? null : iso(due),
      reason: revoked ? 'not-renewable' : 'lifetime',
      state: revoked ? 'inactive' : !dns ? 'manual' : due <= now.getTime() ? 'due' : 'scheduled',
      automated: dns,
      automation: dns ? 'DNS account Office BIND' : null,
      ari: null,
      failures: 0,
      nextAttemptAt: null,
      lastAttempt: versions > 0 ? { at: iso(notBefore + 60_000), ok: true, message: 'renewed' } : null,
      updatedAt: iso(notBefore + 120_000),
    });
    files.push(
      { rel: req.certFile!, pem: m.chainPem, sealed: false },
      { rel: req.keyFile, pem: m.keyPem, sealed: true },
      { rel: req.csrFile!, pem: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', sealed: false },
      { rel: `certificates/${certificateId}/v${order}.pem`, pem: m.chainPem, sealed: false },
      { rel: `certificates/${certificateId}/v${order}.key`, pem: m.keyPem, sealed: true },
    );
  }

  // Through the real Store: it checks every record, makes the data key and vault.check, and writes db.json.
  const store = await openStore({ dataDir, secrets, face: 'cli', logger: createLogger({ level: 'error' }) });
  let storeId: string;
  try {
    if (store.materialized) throw new Error(`makeScaleData: ${dataDir} already holds a Certdesk database`);
    const stamp = iso(now.getTime() - 400 * DAY);
    await store.update((d: StoreData) => {
      d.accounts.push(...accounts);
      d.dnsAccounts.push({ id: dnsAccountId, name: 'Office BIND', provider: 'rfc2136', enabled: true, fields: { server: '192.0.2.53' }, secretFields: [], createdAt: stamp, updatedAt: stamp });
      d.requests = requests;
      d.certificates = certificates;
      d.renewals = renewals;
      d.settings.renewal = { policy: 'lifetime' };
    });
    storeId = store.data.storeId;
  } finally {
    await store.close();
  }

  const dataKey = await secrets.get(dataKeyName(storeId));
  if (dataKey === null) throw new Error('makeScaleData: the store made no data key');
  if (withFiles) {
    const vault = await Vault.open(secrets, storeId);
    const accountKey = materials[0]!.keyPem;
    for (const a of accounts) files.push({ rel: a.keyFile, pem: accountKey, sealed: true });
    const made = new Set<string>();
    for (const f of files) {
      const abs = path.join(dataDir, ...f.rel.split('/'));
      const parent = path.dirname(abs);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true, mode: 0o700 });
        made.add(parent);
      }
      writeFileSync(abs, f.sealed ? vault.seal(Buffer.from(f.pem), f.rel) : f.pem, { mode: f.sealed ? 0o600 : 0o644 });
    }
  }
  return {
    dataDir,
    storeId,
    secrets,
    dataKeyName: dataKeyName(storeId),
    dataKey,
    accountIds: accounts.map((a) => a.id),
    certificateIds: certificates.map((c) => c.id),
    requestIds: requests.map((r) => r.id),
    dbBytes: statSync(path.join(dataDir, 'db.json')).size,
    ms: performance.now() - started,
  };
}
