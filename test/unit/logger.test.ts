// The logger never writes a registered secret, a PEM private key or a secret-named field in clear.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, createMemoryLogger } from '../../electron/core/logger.ts';
import { tempDir } from '../helpers/bed.ts';

describe('logger redaction', () => {
  it('masks registered secrets in messages and fields, in every child logger', () => {
    const log = createMemoryLogger();
    log.redact('s3cret-hmac-value');
    const child = log.child('acme');
    child.info('using s3cret-hmac-value for EAB', { note: 'value=s3cret-hmac-value' });
    assert.equal(log.lines.length, 1);
    assert.doesNotMatch(log.lines[0]!, /s3cret-hmac-value/);
    assert.match(log.lines[0]!, /\[redacted\]/);
    assert.match(log.lines[0]!, /"scope":"acme"/);
  });

  it('masks PEM private keys and secret-named fields even when not registered', () => {
    const log = createMemoryLogger();
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    log.error('failed', { detail: `key was ${pem}`, password: 'hunter2-hunter2', keystorePassword: 'x'.repeat(12), ok: true });
    const line = log.lines[0]!;
    assert.doesNotMatch(line, /BEGIN PRIVATE KEY/);
    assert.doesNotMatch(line, /hunter2/);
    assert.doesNotMatch(line, /xxxxxxxxxxxx/);
    assert.match(line, /"ok":true/);
  });

  it('writes JSON lines to a file with mode 0600', () => {
    const file = join(tempDir('log'), 'logs', 'certdesk.log');
    const log = createLogger({ file, level: 'info' });
    log.redact(Buffer.from('binary-secret-bytes'));
    log.debug('not written at info level');
    log.info('hello', { n: 1 });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'hello');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });
});
