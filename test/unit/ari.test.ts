// RFC 9773 certificate identifiers and renewalInfo answers: the RFC's worked example (AKI keyid
// 69:88:5B:…:C8:D4, serial 0x87654321 whose DER carries a leading 0x00), serials without the padding byte,
// certificates without an AKI, the window checks and Retry-After (seconds, HTTP date, absent, out of bounds).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { ariCertId, ariCertParts, parseRenewalInfo, retryAfterFrom } from '../../electron/renewal/ari.ts';
import { replacesRefusal } from '../../electron/orders/requests.ts';
import { makeLeaf, opensslCertId } from '../helpers/ari-openssl.ts';

const RFC_KEY_ID = '69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4';

describe('ARI certificate identifier', () => {
  it('gives the RFC 9773 example identifier for its AKI and serial (leading zero of the DER serial kept)', () => {
    const { leafPem } = makeLeaf({ caKeyId: RFC_KEY_ID, serial: '87654321' });
    // node drops the DER padding byte: the identifier must not be built from serialNumber.
    assert.equal(new X509Certificate(leafPem).serialNumber.toUpperCase(), '87654321');
    const parts = ariCertParts(leafPem);
    assert.equal(parts.serial.toString('hex'), '0087654321');
    assert.equal(parts.keyIdentifier.toString('hex'), RFC_KEY_ID.replace(/:/g, '').toLowerCase());
    assert.equal(ariCertId(leafPem), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
    assert.equal(opensslCertId(leafPem), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE', 'openssl agrees');
    // DER input gives the same.
    assert.equal(ariCertId(new X509Certificate(leafPem).raw), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('adds no padding byte when the high bit is clear, and keeps long serials whole', () => {
    const low = makeLeaf({ caKeyId: '01:02:03:04', serial: '12345678' });
    assert.equal(ariCertParts(low.leafPem).serial.toString('hex'), '12345678');
    assert.equal(ariCertId(low.leafPem), `${Buffer.from('01020304', 'hex').toString('base64url')}.${Buffer.from('12345678', 'hex').toString('base64url')}`);
    // A 20-byte serial with the high bit set, as public CAs issue them: 21 DER bytes.
    const long = makeLeaf({ caKeyId: 'AA:BB:CC', serial: 'F0112233445566778899AABBCCDDEEFF00112233' });
    assert.equal(ariCertParts(long.leafPem).serial.toString('hex'), '00f0112233445566778899aabbccddeeff00112233');
    assert.equal(ariCertId(long.leafPem), opensslCertId(long.leafPem));
    assert.doesNotMatch(ariCertId(long.leafPem), /[=+/]/, 'base64url without padding');
  });

  it('refuses a certificate without an Authority Key Identifier, saying so', () => {
    const { leafPem } = makeLeaf({ caKeyId: '01:02', serial: '0A', aki: false });
    assert.throws(
      () => ariCertId(leafPem),
      (err: unknown) => err instanceof AppError && err.code === 'INVALID_INPUT' && /no Authority Key Identifier/.test(err.message),
    );
    assert.throws(() => ariCertId('not a certificate'), (err: unknown) => err instanceof AppError && /cannot be read/.test(err.message));
  });
});

describe('renewalInfo answers', () => {
  const url = 'https://ca.example/renewal-info/x.y';
  it('reads the window and the explanation URL', () => {
    const w = parseRenewalInfo(url, 200, {
      suggestedWindow: { start: '2026-03-01T00:00:00Z', end: '2026-03-03T12:00:00+02:00' },
      explanationURL: 'https://ca.example/why',
    });
    assert.equal(w.start.toISOString(), '2026-03-01T00:00:00.000Z');
    assert.equal(w.end.toISOString(), '2026-03-03T10:00:00.000Z');
    assert.equal(w.explanationUrl, 'https://ca.example/why');
    assert.equal(parseRenewalInfo(url, 200, { suggestedWindow: { start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' }, explanationURL: 'javascript:alert(1)' }).explanationUrl, null);
  });

  it('refuses broken answers, naming the URL and what is wrong', () => {
    const cases: [number, unknown, RegExp][] = [
      [404, { type: 'urn:ietf:params:acme:error:malformed' }, /HTTP 404/],
      [500, { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'boom' }, /HTTP 500: serverInternal boom/],
      [200, 'not json', /not a JSON object/],
      [200, {}, /no suggestedWindow/],
      [200, { suggestedWindow: { start: 'yesterday', end: '2026-03-02T00:00:00Z' } }, /suggestedWindow\.start .*"yesterday"/],
      [200, { suggestedWindow: { start: '2026-03-02T00:00:00Z' } }, /suggestedWindow\.end/],
      [200, { suggestedWindow: { start: '2026-03-02T00:00:00Z', end: '2026-03-02T00:00:00Z' } }, /ends .* before it starts/],
    ];
    for (const [status, body, re] of cases) {
      assert.throws(
        () => parseRenewalInfo(url, status, body),
        (err: unknown) => err instanceof AppError && err.message.includes(url) && re.test(err.message),
        `${status} ${JSON.stringify(body)}`,
      );
    }
  });

  it('takes Retry-After in seconds or as an HTTP date, 6 h when absent, clamped to [1 min, 1 day]', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const after = (h: string | undefined) => retryAfterFrom(h, now).getTime() - now.getTime();
    assert.equal(after('3600'), 3_600_000);
    assert.equal(after('Sun, 01 Mar 2026 02:00:00 GMT'), 7_200_000);
    assert.equal(after(undefined), 6 * 3_600_000);
    assert.equal(after('garbage'), 6 * 3_600_000);
    assert.equal(after('5'), 60_000);
    assert.equal(after('0'), 60_000);
    assert.equal(after('Sat, 28 Feb 2026 00:00:00 GMT'), 60_000, 'a date in the past');
    assert.equal(after(String(7 * 86_400)), 86_400_000);
  });
});

describe('replaces refusals', () => {
  const acmeErr = (type: string, message: string) => new AppError('ACME_ERROR', message, { acmeType: type });
  it('recognises alreadyReplaced and malformed/badRequest about replaces only', () => {
    assert.ok(replacesRefusal(acmeErr('urn:ietf:params:acme:error:alreadyReplaced', 'Creating the order failed: already replaced')));
    assert.ok(replacesRefusal(acmeErr('urn:ietf:params:acme:error:malformed', 'Creating the order failed: the CA said malformed: invalid replaces field')));
    assert.equal(replacesRefusal(acmeErr('urn:ietf:params:acme:error:malformed', 'Creating the order failed: bad identifiers')), null);
    assert.equal(replacesRefusal(acmeErr('urn:ietf:params:acme:error:rateLimited', 'replaces: too many')), null);
    assert.equal(replacesRefusal(new Error('alreadyReplaced')), null);
  });
});
