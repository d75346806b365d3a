// `certdesk request ...` and `certdesk cert ...`: certificate requests, the repository, exports.
import { AppError } from '../../shared/ipc/errors.ts';
import { hostOfUrl, parseDomains, reducedUrlText } from '../../shared/model/domains.ts';
import { plainProblem } from '../../shared/model/problems.ts';
import { PREFLIGHT_LABELS, type PreflightResult } from '../../shared/model/preflight.ts';
import { MAX_SECRET_FILE_BYTES, readUserText } from '../core/files.ts';
import { certListRow, certListText, table } from '../repository/cert-listing.ts';
import type { Certificate, CertificateDetail, Request } from '../../shared/model/request.ts';
import type { CliContext, Command, Values } from './commands-types.ts';
import { dnsAccountByName } from './dns.ts';
import { resolveCertTarget, resolveRequestId, type CertTarget } from './ids.ts';
import { describePlan } from './renewal.ts';

function required(v: Values, name: string, what: string): string {
  const value = v[name];
  if (typeof value !== 'string' || value.trim() === '') throw AppError.invalid(name, `--${name} is required: ${what}.`);
  return value;
}

function idArg(args: string[], what = 'request'): string {
  const id = args[0];
  if (!id) throw AppError.invalid('id', `The ${what} ID is required.`, `List them with certdesk ${what === 'request' ? 'request' : 'cert'} list.`);
  return id;
}

/** The request a `request` command names (full id or a unique 8+ character prefix). */
async function requestIdArg(ctx: CliContext, args: string[]): Promise<string> {
  const id = idArg(args);
  const requests = await ctx.call('requests:list', {});
  return resolveRequestId(id, requests.map((r) => ({ id: r.id, savedCertificateId: r.savedCertificateId, commonName: r.commonName })));
}

/** What a `cert` command names: the id `cert list` prints or the request's id (`request list`), either may be a prefix. */
export async function certTargetArg(ctx: CliContext, args: string[]): Promise<CertTarget> {
  const id = idArg(args, 'certificate');
  const [certs, requests] = await Promise.all([ctx.call('certs:list', {}), ctx.call('requests:list', {})]);
  return resolveCertTarget(
    id,
    certs.map((c) => ({ id: c.id, requestId: c.requestId, commonName: c.commonName })),
    requests.map((r) => ({ id: r.id, savedCertificateId: r.savedCertificateId, commonName: r.commonName })),
  );
}

/** The request behind a `cert` command's id (renew, revoke, save act on the request). */
function requestOf(t: CertTarget, action: string): string {
  if (t.requestId) return t.requestId;
  throw new AppError('CONFLICT', `Certificate ${t.input} has no certificate request in Certdesk, so it cannot be ${action} here.`, {
    field: 'id',
    hint: 'Raise a new request for its names with certdesk request create.',
  });
}

/** The saved certificate behind a `cert` command's id (show). */
function certificateOf(t: CertTarget): string {
  if (t.certificateId) return t.certificateId;
  throw new AppError('NOT_FOUND', `Request ${t.input} has no certificate saved in the repository.`, {
    field: 'id',
    hint: `Save it first: certdesk cert save ${t.input} (certdesk request show ${t.input} shows the request).`,
  });
}

async function secretFile(path: string, flag: string): Promise<string> {
  const text = await readUserText(path, { field: flag, label: `--${flag}`, maxBytes: MAX_SECRET_FILE_BYTES, hint: `Give --${flag} a regular file that holds only the password.` });
  return text.replace(/\r?\n$/, '');
}

const STATUS: Record<Request['status'], string> = {
  pending: 'Pending',
  processing: 'Processing',
  available: 'Available',
  failed: 'Failed',
  renewed: 'Renewed',
  revoked: 'Revoked',
};


function describeRequest(r: Request): string {
  const lines = [
    `Request      ${r.id}`,
    `Status       ${STATUS[r.status]}${r.unsaved && r.status !== 'revoked' ? ' (not saved to the repository)' : ''}`,
    `Names        ${r.namesUnicode.map((u, i) => (u === r.names[i] ? u : `${u} (${r.names[i]})`)).join(', ')}`,
    `Challenge    ${r.challengeType} (${r.challengeType === 'http-01' ? 'manual' : r.dnsAccountId ? `automatic, DNS account ${r.dnsAccountId.slice(0, 8)}` : 'manual unless a DNS mapping applies'})`,
    `Key          ${r.key}, ${r.signatureAlgorithm}, key policy ${r.keyPolicy}, keystore ${r.keystoreType}`,
  ];
  if (r.profile) lines.push(`Profile      ${r.profile}`);
  if (r.preferredChain) lines.push(`Chain        preferred: ${r.preferredChain}`);
  if (r.chainWarning) lines.push(`Warning      ${r.chainWarning}`);
  if (r.replaces) {
    lines.push(`Replaces     ${r.replaces.certId} (ARI)${r.replaces.refused ? `; the CA refused that, so the order went out without it (${r.replaces.refused})` : ''}`);
  }
  if (r.certificate) {
    lines.push(`Certificate  serial ${r.certificate.serial}, issuer ${r.certificate.issuer}`);
    lines.push(`Expires      ${r.certificate.notAfter} (${r.daysLeft} days left)`);
  }
  if (r.error) {
    // A CA problem that is not about one name (rate limit, CAA, …): its plain sentence above the CA's words.
    const perName = r.challenges.some((c) => c.error);
    const plain = !perName && r.error.acmeType ? plainProblem({ type: r.error.acmeType, detail: r.error.message }) : null;
    if (plain) lines.push(`Problem      ${plain}`);
    lines.push(`Error        ${r.error.message}${r.error.hint ? `\n             ${r.error.hint}` : ''}`);
  }
  const open = r.challenges;
  if (open.length) {
    lines.push('', 'Challenges:');
    for (const c of open) {
      lines.push(`  ${c.nameUnicode}  [${c.status}]`);
      if (c.type === 'http-01') {
        lines.push(`    URL path  ${c.httpPath}`, `    Content   ${c.httpContent}`);
      } else {
        lines.push(`    TXT name  ${c.dnsName}`, `    TXT value ${c.dnsValue}`);
      }
      if (c.progress) lines.push(`    Progress  ${c.progress}`);
      if (c.error) {
        // The plain sentence first, then the CA's own words.
        const plain = plainProblem(c.error, { identifier: c.identifier, challengeType: c.type });
        if (plain) lines.push(`    Problem   ${plain}`);
        lines.push(`    Error     ${c.error.detail}`);
      }
    }
  }
  return lines.join('\n');
}

function describePreflight(r: PreflightResult): string {
  const lines: string[] = [];
  const w = Math.max(0, ...r.items.map((i) => i.nameUnicode.length));
  for (const i of r.items) {
    lines.push(`${i.nameUnicode.padEnd(w)}  ${PREFLIGHT_LABELS[i.verdict].toUpperCase()}  ${i.type}  ${i.where}`);
    lines.push(`${''.padEnd(w)}  ${i.message}`);
    if (i.expected !== null || i.got !== null) lines.push(`${''.padEnd(w)}  expected ${i.expected ?? '—'}`, `${''.padEnd(w)}  got      ${i.got ?? '—'}`);
    for (const s of i.type === 'dns-01' && i.verdict !== 'ready' ? i.servers : []) {
      lines.push(`${''.padEnd(w)}  ${s.sees ? '✓' : '✗'} ${s.nameServer === s.address ? s.address : `${s.nameServer} (${s.address})`}: ${s.answer}`);
    }
  }
  for (const s of r.skipped) lines.push(`${s.name}: not checked (${s.reason})`);
  const notReady = r.items.filter((i) => i.verdict !== 'ready').length;
  if (r.items.length === 0) lines.push('Nothing to check: no manual challenge waits.');
  else lines.push('', r.ready ? `All ${r.items.length} ready: run certdesk request verify ${r.requestId.slice(0, 8)}` : `${notReady} of ${r.items.length} not ready. Fix them and check again (certdesk request verify asks the CA anyway).`);
  return lines.join('\n');
}

function describeCert(c: Certificate | CertificateDetail): string {
  const lines = [
    `Certificate  ${c.id}`,
    `Common name  ${c.commonName}`,
    `Names        ${c.namesUnicode.join(', ')}`,
    `Issuer       ${c.issuer}`,
    `Serial       ${c.serial}${c.revoked ? ' (revoked)' : ''}`,
    `Valid        ${c.notBefore} → ${c.notAfter} (${c.daysLeft} days left)`,
    `Key          ${c.keyType}`,
    `SHA-256      ${c.sha256}`,
    `SHA-1        ${c.sha1}`,
    `Saved        ${c.savedAt}${c.requestId ? ` from request ${c.requestId}` : ''}`,
  ];
  if (c.history.length) lines.push(`History      ${c.history.map((h) => `${h.serial} (until ${h.notAfter.slice(0, 10)})`).join(', ')}`);
  if ('renewal' in c && c.renewal) lines.push(...describePlan(c.renewal));
  if ('certificatePem' in c) lines.push('', c.certificatePem.trimEnd(), c.chainPem.trimEnd());
  return lines.join('\n');
}

const SUCCESS = new Set(['available', 'renewed']);

export const requestCommands: Record<string, Command> = {
  create: {
    summary: 'Raise a certificate request; prints the challenges to fulfil',
    usage:
      'request create --domains a,b --challenge http-01|dns-01 --key rsa-2048|rsa-3072|rsa-4096|ec-p256|ec-p384 [--signature ALG] [--keystore pkcs12|jks|pem] [--keystore-password-file F] [--key-policy new|same|import --key-file F] [--account ID] [--profile P] [--preferred-chain ISSUER] [--allow-mixed-scripts] [--dns-account NAME]',
    options: {
      domains: { type: 'string' },
      challenge: { type: 'string' },
      key: { type: 'string' },
      signature: { type: 'string' },
      keystore: { type: 'string' },
      'keystore-password-file': { type: 'string' },
      'key-policy': { type: 'string' },
      'key-file': { type: 'string' },
      account: { type: 'string' },
      profile: { type: 'string' },
      'preferred-chain': { type: 'string' },
      'allow-mixed-scripts': { type: 'boolean' },
      'dns-account': { type: 'string' },
    },
    flags: {
      challengeType: '--challenge',
      signatureAlgorithm: '--signature',
      keystoreType: '--keystore',
      keystorePassword: '--keystore-password-file',
      keyPolicy: '--key-policy',
      importKeyFile: '--key-file',
      importKeyPem: '--key-file',
      accountId: '--account',
      preferredChain: '--preferred-chain',
      allowMixedScripts: '--allow-mixed-scripts',
      dnsAccountId: '--dns-account',
    },
    async prepare(v) {
      // A new key (not an imported one) of the kind asked for: start it before the store and keychain are opened.
      // Not when the names are already wrong: the command fails then, and would wait for a key nobody takes.
      const keyPolicy = (v['key-policy'] as string | undefined) ?? (v['key-file'] ? 'import' : 'new');
      if (keyPolicy === 'import' || typeof v.key !== 'string' || typeof v.domains !== 'string') return;
      const challengeType = v.challenge === 'dns-01' ? 'dns-01' : v.challenge === 'http-01' ? 'http-01' : null;
      if (challengeType === null) return;
      const domains = v.domains.split(',').map((s) => hostOfUrl(s) ?? s.trim());
      if (parseDomains(domains, { challengeType }).issues.length > 0) return;
      (await import('../orders/keys.ts')).pregenerateKey(v.key);
    },
    async run(ctx, v) {
      const dnsAccount = typeof v['dns-account'] === 'string' ? await dnsAccountByName(ctx, v['dns-account'], 'dns-account') : null;
      const domains = required(v, 'domains', 'the names to certify, comma-separated (the first is the common name)')
        .split(',')
        .map((s) => {
          // A pasted URL becomes its host name; say so on stderr (stdout stays the result).
          const host = hostOfUrl(s);
          if (host === null) return s.trim();
          if (v.quiet !== true) process.stderr.write(`certdesk: note: ${reducedUrlText(s.trim(), host)}\n`);
          return host;
        });
      const keyPolicy = (v['key-policy'] as string | undefined) ?? (v['key-file'] ? 'import' : 'new');
      return ctx.call('requests:create', {
        domains,
        challengeType: required(v, 'challenge', 'http-01 or dns-01') as never,
        key: required(v, 'key', 'rsa-2048, rsa-3072, rsa-4096, ec-p256 or ec-p384') as never,
        ...(v.signature ? { signatureAlgorithm: v.signature as never } : {}),
        ...(v.keystore ? { keystoreType: v.keystore as never } : {}),
        ...(v['keystore-password-file'] ? { keystorePassword: await secretFile(v['keystore-password-file'] as string, 'keystore-password-file') } : {}),
        keyPolicy: keyPolicy as never,
        ...(v['key-file'] ? { importKeyFile: v['key-file'] as string } : {}),
        ...(v.account ? { accountId: v.account as string } : {}),
        ...(v.profile ? { profile: v.profile as string } : {}),
        ...(v['preferred-chain'] ? { preferredChain: v['preferred-chain'] as string } : {}),
        ...(v['allow-mixed-scripts'] === true ? { allowMixedScripts: true } : {}),
        ...(dnsAccount ? { dnsAccountId: dnsAccount.id } : {}),
      });
    },
    print: (r: Request) => `Request created. Fulfil the challenges, then run: certdesk request verify ${r.id}\n\n${describeRequest(r)}`,
  },
  list: {
    summary: 'List certificate requests',
    usage: 'request list',
    options: {},
    run: (ctx) => ctx.call('requests:list', {}),
    print: (list: Request[]) =>
      list.length === 0
        ? 'No certificate requests yet.'
        : table([
            ['ID', 'STATUS', 'COMMON NAME', 'NAMES', 'CHALLENGE', 'KEY', 'EXPIRES'],
            ...list.map((r) => [
              r.id.slice(0, 8),
              STATUS[r.status],
              r.namesUnicode[0] ?? '',
              String(r.names.length),
              r.challengeType,
              r.key,
              r.certificate ? `${r.certificate.notAfter.slice(0, 10)} (${r.daysLeft}d)` : '—',
            ]),
          ]),
  },
  show: {
    summary: 'Show a request with every challenge (URL path and content, or TXT name and value)',
    usage: 'request show ID',
    options: {},
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('requests:get', { id: await requestIdArg(ctx, args) }),
    print: describeRequest,
  },
  verify: {
    summary: 'Submit the challenges and wait until Available or Failed (exit 0 only when issued)',
    usage: 'request verify ID',
    options: {},
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('requests:verify', { id: await requestIdArg(ctx, args) }),
    print: describeRequest,
    exitCode: (r: Request) => (SUCCESS.has(r.status) ? 0 : 1),
  },
  check: {
    summary: 'Pre-flight: check from here that every manual challenge is in place before verify (exit 0 only when all are ready)',
    usage: 'request check ID',
    options: {},
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('requests:preflight', { id: await requestIdArg(ctx, args) }),
    print: describePreflight,
    exitCode: (r: PreflightResult) => (r.ready ? 0 : 1),
  },
  'new-challenge': {
    summary: 'Get a fresh order and challenges for a Failed or Pending request',
    usage: 'request new-challenge ID',
    options: {},
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('requests:new-challenge', { id: await requestIdArg(ctx, args) }),
    print: describeRequest,
  },
  'assign-dns': {
    summary: 'Let a DNS account answer the dns-01 challenges of a request (NAME "none": by hand again)',
    usage: 'request assign-dns ID NAME',
    options: {},
    positionals: ['ID', 'NAME'],
    async run(ctx, _v, args) {
      const id = idArg(args);
      const name = args[1];
      if (!name) throw AppError.invalid('name', 'The DNS account NAME is required (or "none").', 'List them with certdesk dns list.');
      const account = name === 'none' ? null : await dnsAccountByName(ctx, name, 'name');
      return ctx.call('requests:assign-dns', { id, accountId: account?.id ?? null });
    },
    print: describeRequest,
  },
};

export const certCommands: Record<string, Command> = {
  save: {
    summary: "Save a request's certificate to the repository (a renewal replaces the saved version)",
    usage: 'cert save ID',
    options: {},
    flags: { requestId: 'ID' },
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('certs:save', { requestId: requestOf(await certTargetArg(ctx, args), 'saved') }),
    print: (c: Certificate) => `Saved to the repository.\n${describeCert(c)}`,
  },
  list: {
    summary: 'List the repository',
    usage: 'cert list',
    options: {},
    run: (ctx) => ctx.call('certs:list', {}),
    // The same text as the fast path's (electron/cli/fast-list.ts), from the same function.
    print: (list: Certificate[]) => certListText(list.map(certListRow)),
  },
  show: {
    summary: 'Show a saved certificate with its renewal (due time, policy, why), PEM and chain',
    usage: 'cert show ID',
    options: {},
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('certs:get', { id: certificateOf(await certTargetArg(ctx, args)) }),
    print: describeCert,
  },
  export: {
    summary: 'Export with the key: pfx (AES-256), pfx-legacy (3DES, Windows Server 2016 and older), jks, pem (a folder)',
    usage: 'cert export ID --format pfx|pfx-legacy|jks|pem --out F [--force] --password-file F [--alias A] [--key-password-file F] [--encrypt-key]',
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      'password-file': { type: 'string' },
      alias: { type: 'string' },
      'key-password-file': { type: 'string' },
      'encrypt-key': { type: 'boolean' },
    },
    flags: { password: '--password-file', keyPassword: '--key-password-file', encryptKey: '--encrypt-key' },
    positionals: ['ID'],
    async run(ctx, v, args) {
      const t = await certTargetArg(ctx, args);
      const id = t.certificateId ?? requestOf(t, 'exported');
      return ctx.call('certs:export', {
        id,
        format: required(v, 'format', 'pfx, pfx-legacy, jks or pem') as never,
        out: required(v, 'out', 'the file (pfx/jks) or folder (pem) to write'),
        ...(v.force === true ? { force: true } : {}),
        ...(v['password-file'] ? { password: await secretFile(v['password-file'] as string, 'password-file') } : {}),
        ...(v['key-password-file'] ? { keyPassword: await secretFile(v['key-password-file'] as string, 'key-password-file') } : {}),
        ...(v.alias ? { alias: v.alias as string } : {}),
        ...(v['encrypt-key'] ? { encryptKey: true } : {}),
      });
    },
    print: (r: { paths: string[] | null }) => `Written:\n${(r.paths ?? []).map((p) => `  ${p}`).join('\n')}`,
  },
  renew: {
    summary: 'Renew: a new order for the same names (key per the request key policy); prints the challenges',
    usage: 'cert renew ID',
    options: {},
    positionals: ['ID'],
    run: async (ctx, _v, args) => ctx.call('requests:renew', { id: requestOf(await certTargetArg(ctx, args), 'renewed') }),
    print: (r: Request) => `Renewal ordered. Fulfil the challenges, then run: certdesk request verify ${r.id}\n\n${describeRequest(r)}`,
  },
  revoke: {
    summary: 'Revoke at the CA (HTTPS breaks for every site that uses it)',
    usage: 'cert revoke ID [--reason unspecified|keyCompromise|superseded|cessationOfOperation|affiliationChanged] --yes',
    options: { reason: { type: 'string' }, yes: { type: 'boolean' } },
    flags: { confirm: '--yes' },
    positionals: ['ID'],
    async run(ctx, v, args) {
      const id = requestOf(await certTargetArg(ctx, args), 'revoked');
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', 'Revoking makes the certificate invalid at once: HTTPS breaks for every site that uses it.', {
          field: 'yes',
          hint: 'Add --yes to confirm.',
        });
      }
      return ctx.call('requests:revoke', { id, confirm: true, ...(v.reason ? { reason: v.reason as never } : {}) });
    },
    print: (r: Request) => `Revoked.\n${describeRequest(r)}`,
  },
  delete: {
    summary: 'Delete from Certdesk (repository and request); the certificate stays valid',
    usage: 'cert delete ID --yes',
    options: { yes: { type: 'boolean' } },
    flags: { confirm: '--yes' },
    positionals: ['ID'],
    async run(ctx, v, args) {
      const t = await certTargetArg(ctx, args);
      const id = t.certificateId ?? requestOf(t, 'deleted');
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', 'Deleting removes the certificate and its request from Certdesk only; the certificate stays valid until it expires.', {
          field: 'yes',
          hint: 'Add --yes to confirm (revoke it first if it must stop working).',
        });
      }
      await ctx.call('certs:delete', { id, confirm: true });
      return { deleted: true, id };
    },
    print: (r: { id: string }) => `Deleted ${r.id} from Certdesk. The certificate itself stays valid until it expires.`,
  },
};
