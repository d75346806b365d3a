// Input rules without a CA (issue 6, items 6 and 8): look-alike domain names, the IDs the CLI accepts, CLI
// errors in flag terms, and the choice among a CA's alternate chains.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { lookalikeWarnings, parseDomains } from '../../shared/model/domains.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';
import { resolveCertTarget, resolveRequestId } from '../../electron/cli/ids.ts';
import { flagFor, withFlags } from '../../electron/cli/flags.ts';
import { requestCommands, certCommands } from '../../electron/cli/certificates.ts';
import { alternateLinks, checkPreferredChain, pickChain } from '../../electron/orders/chains.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

function warningsFor(name: string) {
  const { names, issues } = parseDomains([name], { challengeType: 'dns-01' });
  assert.deepEqual(issues, [], `${name} is a valid name`);
  return lookalikeWarnings(names);
}

describe('look-alike domain names', () => {
  it('flags a label that mixes Latin and Cyrillic (a Cyrillic "а" in exаmple), naming the label, the scripts and the letter', () => {
    const [w, ...rest] = warningsFor('www.ex\u0430mple.com');
    assert.deepEqual(rest, []);
    assert.equal(w?.kind, 'mixed-scripts');
    assert.equal(w?.label, 'ex\u0430mple');
    assert.deepEqual(w?.scripts, ['Latin', 'Cyrillic']);
    assert.match(w!.message, /the label "ex\u0430mple" mixes Latin and Cyrillic letters \("\u0430" \(U\+0430\) is Cyrillic\)/);
  });

  it('sees through punycode and wildcards, and flags Greek in a Latin label', () => {
    const asAscii = parseDomains(['www.ex\u0430mple.com'], { challengeType: 'dns-01' }).names[0]!.ascii;
    assert.match(asAscii, /xn--/);
    assert.equal(warningsFor(asAscii)[0]?.label, 'ex\u0430mple');
    assert.equal(warningsFor('*.ex\u0430mple.com')[0]?.label, 'ex\u0430mple');
    assert.deepEqual(warningsFor('g\u03bf\u03bfgle.com')[0]?.scripts, ['Latin', 'Greek']);
  });

  it('flags a label wholly in Cyrillic letters that all look like Latin ones (whole-script look-alike)', () => {
    const [w] = warningsFor('\u0440\u0430\u0443\u0440\u0430\u04cf.com');
    assert.equal(w?.kind, 'whole-script');
    assert.match(w!.message, /look like the Latin "paypal"/);
  });

  it('leaves ordinary names alone, including real IDNs and CJK names that use Latin too', () => {
    for (const name of ['example.com', 'b\u00fccher.de', '\u65e5\u672c\u8a9e.jp', '\u3072\u3089\u304c\u306aabc\u6f22\u5b57.jp', '\ud55c\uad6d\uc5b4abc.kr', '\u043c\u0438\u0440.\u0440\u0444', '\u03c0\u03b1\u03c1\u03ac\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae', 'a-1.example.com']) {
      assert.deepEqual(warningsFor(name), [], name);
    }
  });
});

describe('CLI ids', () => {
  const C1 = 'c1c1c1c1-0000-4000-8000-000000000001';
  const C2 = 'c1c1c1c1-0000-4000-8000-000000000002';
  const R1 = 'a1a1a1a1-0000-4000-8000-000000000001';
  const R2 = 'a1a1a1a1-0000-4000-8000-000000000002';
  const R3 = 'b3b3b3b3-0000-4000-8000-000000000003';
  const certs = [
    { id: C1, requestId: R1, commonName: 'one.example' },
    { id: C2, requestId: R2, commonName: 'two.example' },
    { id: 'e5e5e5e5-0000-4000-8000-000000000005', requestId: null, commonName: 'imported.example' },
  ];
  const requests = [
    { id: R1, savedCertificateId: C1, commonName: 'one.example' },
    { id: R2, savedCertificateId: C2, commonName: 'two.example' },
    { id: R3, savedCertificateId: null, commonName: 'three.example' },
  ];

  it('a certificate id (full or as much as cert list prints) names the certificate and its request', () => {
    assert.deepEqual(resolveCertTarget(C1, certs, requests), { certificateId: C1, requestId: R1, input: C1 });
    assert.deepEqual(resolveCertTarget('e5e5e5e5', certs, requests), { certificateId: 'e5e5e5e5-0000-4000-8000-000000000005', requestId: null, input: 'e5e5e5e5' });
    assert.deepEqual(resolveCertTarget(R3.slice(0, 8), certs, requests), { certificateId: null, requestId: R3, input: R3.slice(0, 8) });
  });

  it('a request id keeps working and finds its saved certificate', () => {
    assert.deepEqual(resolveCertTarget(R2, certs, requests), { certificateId: C2, requestId: R2, input: R2 });
  });

  it('an ambiguous prefix is an error listing the candidates', () => {
    assert.throws(
      () => resolveCertTarget('c1c1c1c1', certs, requests),
      (e: AppError) => e.code === 'INVALID_INPUT' && /matches 2 entries: certificate c1c1c1c1 \(one\.example\), certificate c1c1c1c1 \(two\.example\)/.test(e.message),
    );
    assert.throws(() => resolveRequestId('a1a1a1a1', requests), /matches 2 requests: a1a1a1a1 \(one\.example\), a1a1a1a1 \(two\.example\)/);
    assert.equal(resolveRequestId('b3b3b3b3', requests), R3);
  });

  it('a certificate and its own request count once; fewer than 8 characters never match', () => {
    const one = [{ id: 'dddddddd-1', requestId: 'dddddddd-2', commonName: 'x' }];
    const reqs = [{ id: 'dddddddd-2', savedCertificateId: 'dddddddd-1', commonName: 'x' }];
    assert.deepEqual(resolveCertTarget('dddddddd', one, reqs), { certificateId: 'dddddddd-1', requestId: 'dddddddd-2', input: 'dddddddd' });
    assert.throws(() => resolveCertTarget('c1c1', certs, requests), (e: AppError) => e.code === 'NOT_FOUND' && /at least 8 characters/.test(e.hint ?? ''));
    assert.throws(() => resolveCertTarget('ffffffff', certs, requests), (e: AppError) => e.code === 'NOT_FOUND');
  });
});

describe('CLI errors name the flag', () => {
  const create = requestCommands.create!;

  it('maps every request field of request create to the flag it came from', () => {
    const expected: Record<string, string> = {
      domains: '--domains',
      'domains.3': '--domains',
      challengeType: '--challenge',
      key: '--key',
      signatureAlgorithm: '--signature',
      keystoreType: '--keystore',
      keystorePassword: '--keystore-password-file',
      keyPolicy: '--key-policy',
      importKeyFile: '--key-file',
      importKeyPem: '--key-file',
      accountId: '--account',
      profile: '--profile',
      preferredChain: '--preferred-chain',
      allowMixedScripts: '--allow-mixed-scripts',
      dnsAccountId: '--dns-account',
    };
    for (const [field, flag] of Object.entries(expected)) assert.equal(flagFor(field, create), flag, field);
    assert.equal(flagFor('keyPassword', certCommands.export!), '--key-password-file');
    assert.equal(flagFor('password', certCommands.export!), '--password-file');
    assert.equal(flagFor('confirm', certCommands.revoke!), '--yes');
  });

  it("rewrites the contract's messages: --key instead of key, --challenge instead of challengeType", async () => {
    const handlers = new Proxy({}, { get: () => async () => ({}) }) as never;
    const env = await dispatch(handlers, 'requests:create', { domains: ['a.example.com'], challengeType: 'http-02', key: 'rsa-1024' }, { face: 'cli' });
    assert.equal(env.ok, false);
    const info = withFlags(!env.ok ? env.error : { code: 'INTERNAL', message: '' }, create);
    assert.match(info.message, /^2 options need attention: --challenge: Invalid option.* --key: Invalid option/);
    assert.doesNotMatch(info.message, /challengeType|(^|\s)key:/);
    assert.equal(info.flag, '--challenge');
    assert.deepEqual(info.issues?.map((i) => i.flag), ['--challenge', '--key']);
    assert.equal(info.field, 'challengeType', 'the field stays for scripts');
  });

  it('adds the flag to a service message that does not name it, and leaves the ID argument to the message', () => {
    const short = withFlags(AppError.invalid('keystorePassword', 'Keystore password is too short: use at least 8 characters.').toInfo(), create);
    assert.equal(short.message, 'Keystore password is too short: use at least 8 characters. (--keystore-password-file)');
    const id = withFlags(new AppError('NOT_FOUND', 'No certificate request with id x.', { field: 'id' }).toInfo(), certCommands.renew!);
    assert.equal(id.message, 'No certificate request with id x.');
    assert.equal(id.flag, 'ID');
  });
});

describe('preferred chain', () => {
  const keys = webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
  async function cert(subject: string, issuer: string): Promise<string> {
    const k = await keys;
    const c = await x509.X509CertificateGenerator.create({
      subject: `CN=${subject}`,
      issuer: `CN=${issuer}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      publicKey: k.publicKey,
      signingKey: k.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    return c.toString('pem') + '\n';
  }

  it('picks the chain that names the issuer; an unknown one keeps the default and lists what was offered', async () => {
    const leaf = await cert('www.example.test', 'Inter A');
    const main = leaf + (await cert('Inter A', 'Root One'));
    const alt = leaf + (await cert('Inter A', 'Cross B')) + (await cert('Cross B', 'Root Two'));
    assert.deepEqual(pickChain([main, alt], null), { chain: main, warning: null });
    assert.deepEqual(pickChain([main, alt], 'Root Two'), { chain: alt, warning: null });
    assert.deepEqual(pickChain([main, alt], 'Cross B'), { chain: alt, warning: null });
    const miss = pickChain([main, alt], 'Root Three');
    assert.equal(miss.chain, main);
    assert.equal(miss.warning, 'Preferred chain "Root Three" was not offered by the CA, so its default chain was kept. Issuers offered: "Root One", "Root Two".');
  });

  it('reads alternate links and checks the name at request time', () => {
    assert.deepEqual(
      alternateLinks('<https://ca/dir>;rel="index", <https://ca/cert/1/alt/1>; rel="alternate", <https://ca/cert/1/alt/2>;rel=alternate'),
      ['https://ca/cert/1/alt/1', 'https://ca/cert/1/alt/2'],
    );
    assert.deepEqual(alternateLinks(undefined), []);
    assert.equal(checkPreferredChain('  ISRG Root X1 '), 'ISRG Root X1');
    assert.throws(() => checkPreferredChain('   '), (e: AppError) => e.field === 'preferredChain');
    assert.throws(() => checkPreferredChain('x'.repeat(65)), /at most 64/);
    assert.throws(() => checkPreferredChain('Root\nX'), /control characters/);
  });
});
