// Assertions the suites share.
import assert from 'node:assert/strict';
import { AppError } from '../../shared/ipc/errors.ts';

/**
 * The AppError `p` fails with; the test fails if `p` succeeds or fails otherwise. `expect` is the error code it
 * must carry (with `field`, the form field it must name) or a function that looks at the error.
 */
export async function rejectsWith(p: Promise<unknown>, expect: string | ((e: AppError) => void) = () => undefined, field?: string): Promise<AppError> {
  let caught: unknown;
  let failed = false;
  try {
    await p;
  } catch (err) {
    caught = err;
    failed = true;
  }
  const want = typeof expect === 'string' ? `AppError ${expect}` : 'an AppError';
  assert.ok(failed, `expected ${want}, but the call succeeded`);
  assert.ok(caught instanceof AppError, `expected ${want}, got ${String(caught)}`);
  if (typeof expect === 'string') assert.equal(caught.code, expect, `expected ${expect}, got ${caught.code}: ${caught.message}`);
  else expect(caught);
  if (field !== undefined) assert.equal(caught.field, field, caught.message);
  return caught;
}
