// What the window shows of a service error: the same text the CLI prints, without the command-line part
// ("(CLI: --ca-file)"), and the TLS error of an untrusted issuer names the CA file field with a hint that
// says what to give, in words (issue 11, item 7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapAcmeError } from '../../electron/acme/errors.ts';
import { forScreen, withoutCliSyntax } from '../../renderer/src/screenText.ts';

describe('error text on screen', () => {
  it('drops "(CLI: …)" and "CLI: …" sentences, keeps the rest', () => {
    assert.equal(withoutCliSyntax('Read them and tick "I agree" (CLI: --agree-tos).'), 'Read them and tick "I agree".');
    assert.equal(withoutCliSyntax('Give the CA of your mail server (CLI: settings set --email-ca-file F), or check the setting.'), 'Give the CA of your mail server, or check the setting.');
    assert.equal(withoutCliSyntax('Create one first: Manage → Account (CLI: certdesk account register).'), 'Create one first: Manage → Account.');
    assert.equal(withoutCliSyntax('CLI: --password-file F or --key-file F [--passphrase-file F].'), '');
    assert.equal(withoutCliSyntax('Nothing to drop (really).'), 'Nothing to drop (really).');
  });

  it('the error the window gets (ApiError) has the cleaned message, hint and issues; an empty hint goes away', () => {
    const info = forScreen({
      code: 'INVALID_INPUT',
      message: 'A secret (CLI: --secret-file k=FILE) is missing.',
      field: 'password',
      hint: 'CLI: --password-file F.',
      issues: [{ field: 'x', message: 'Wrong (CLI: --x).' }],
    });
    assert.equal(info.message, 'A secret is missing.');
    assert.equal('hint' in info, false);
    assert.deepEqual(info.issues, [{ field: 'x', message: 'Wrong.' }]);
    assert.equal(info.field, 'password');
  });

  it('a TLS error from an untrusted issuer names the CA file, with a hint free of CLI syntax', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      const e = mapAcmeError(Object.assign(new Error('x'), { code }), { action: 'Reading the ACME directory', url: 'https://ca.test/dir', field: 'directory' });
      assert.equal(e.code, 'TLS');
      assert.equal(e.field, 'caFile', code);
      assert.match(e.hint ?? '', /CA certificate file/);
      assert.doesNotMatch(`${e.message} ${e.hint}`, /--|CLI/);
    }
    // A certificate for another name is not fixed by a CA file: it stays with the directory URL.
    const other = mapAcmeError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), { action: 'Reading the ACME directory', url: 'https://ca.test/dir', field: 'directory' });
    assert.equal(other.field, 'directory');
    assert.match(other.hint ?? '', /another name/);
    // Without a field (an order, a renewal), none is made up.
    assert.equal(mapAcmeError(Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), { action: 'Ordering' }).field, undefined);
  });
});
