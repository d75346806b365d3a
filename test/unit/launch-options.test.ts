// How the desktop app picks its data directory and explains a failed start.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { describeStartupFailure, resolveDataDir } from '../../electron/app/launch-options.ts';
import { AppError } from '../../shared/ipc/errors.ts';

const cwd = resolve('/home/user/work');
const fallback = resolve('/home/user/.config/Certdesk');

describe('resolveDataDir', () => {
  it('uses --data-dir DIR', () => assert.equal(resolveDataDir(['electron', '.', '--data-dir', '/srv/cd'], {}, fallback, cwd), resolve('/srv/cd')));
  it('uses --data-dir=DIR, relative to cwd', () =>
    assert.equal(resolveDataDir(['certdesk', '--data-dir=data'], {}, fallback, cwd), resolve(cwd, 'data')));
  it('prefers the flag over CERTDESK_DATA_DIR', () =>
    assert.equal(resolveDataDir(['x', '--data-dir=/a'], { CERTDESK_DATA_DIR: '/b' }, fallback, cwd), resolve('/a')));
  it('uses CERTDESK_DATA_DIR', () => assert.equal(resolveDataDir(['x'], { CERTDESK_DATA_DIR: '/b' }, fallback, cwd), resolve('/b')));
  it('ignores an empty value and a flag without value', () => {
    assert.equal(resolveDataDir(['x', '--data-dir'], { CERTDESK_DATA_DIR: ' ' }, fallback, cwd), fallback);
    assert.equal(resolveDataDir(['x', '--data-dir=', '--data-dir', '--other'], {}, fallback, cwd), fallback);
  });
  it('falls back to the userData folder', () => assert.equal(resolveDataDir(['x'], {}, fallback, cwd), fallback));
});

describe('describeStartupFailure', () => {
  it('shows message and hint of a store error', () => {
    const err = new AppError('STORE_LOCKED', 'The data folder is in use by another Certdesk (pid 42, cli).', {
      hint: 'Close the other Certdesk first.',
    });
    const f = describeStartupFailure(err, '/d');
    assert.equal(f.expected, true);
    assert.equal(f.title, 'Certdesk cannot start');
    assert.match(f.content, /in use by another Certdesk \(pid 42, cli\)\.\n\nClose the other Certdesk first\.\n\nData folder: \/d$/);
  });
  for (const code of ['STORE_CORRUPT', 'KEYCHAIN_UNAVAILABLE'] as const) {
    it(`treats ${code} as expected`, () => assert.equal(describeStartupFailure(new AppError(code, 'x'), '/d').expected, true));
  }
  it('labels anything else as unexpected', () => {
    const f = describeStartupFailure(new Error('boom'), '/d');
    assert.equal(f.expected, false);
    assert.match(f.content, /^Certdesk could not start: boom/);
  });
});
