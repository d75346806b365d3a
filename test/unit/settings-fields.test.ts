// The settings forms' pure helpers: a service's field errors land under the right field of the right section
// (or, when one cannot be placed, the form shows the whole error), and recipients typed or pasted become
// separate addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitAddresses, splitFieldErrors } from '../../renderer/src/settings/fields.ts';

describe('settings forms: field errors and recipients', () => {
  it('puts "email.host" under the host field of the E-mail section', () => {
    assert.deepEqual(splitFieldErrors({ 'email.host': 'SMTP server is required.' }, 'email', ['host', 'to']), { fields: { host: 'SMTP server is required.' }, placed: true });
  });

  it('puts an indexed recipient error ("email.to.1") under the recipients field, the first message winning', () => {
    const r = splitFieldErrors({ 'email.to.1': 'Recipient "x" is not an e-mail address.', 'email.to': 'Give at least one recipient.' }, 'email', ['host', 'to']);
    assert.deepEqual(r, { fields: { to: 'Recipient "x" is not an e-mail address.' }, placed: true });
  });

  it('places top-level request fields (emailPassword) that the section knows', () => {
    assert.deepEqual(splitFieldErrors({ emailPassword: 'Too long.' }, 'email', ['host', 'emailPassword']), { fields: { emailPassword: 'Too long.' }, placed: true });
  });

  it('reports an error of another section, or of no field, as not placed (the form shows it whole)', () => {
    assert.equal(splitFieldErrors({ 'renewal.days': 'Days must be from 1 to 365.' }, 'email', ['host', 'to']).placed, false);
    assert.equal(splitFieldErrors({}, 'email', ['host']).placed, false, 'an error without fields is not placed anywhere');
    const mixed = splitFieldErrors({ 'renewal.days': 'Days must be from 1 to 365.', 'renewal.concurrency': 'From 1 to 16.' }, 'renewal', ['days']);
    assert.deepEqual(mixed, { fields: { days: 'Days must be from 1 to 365.' }, placed: false });
  });

  it('splits pasted recipient lists on commas, semicolons and spaces, dropping blanks and repeats', () => {
    assert.deepEqual(splitAddresses(['ops@example.test, web@example.test; ops@example.test', '  ', 'dev@example.test\nweb@example.test']), [
      'ops@example.test',
      'web@example.test',
      'dev@example.test',
    ]);
    assert.deepEqual(splitAddresses([]), []);
  });
});
