// How the desktop app starts: which data directory it owns, and what the user is told when it cannot start.
// Pure (no Electron) so it is unit-tested; electron/platform/main.ts feeds it argv, env and app paths.
import { resolve } from 'node:path';
import type { ErrorCode } from '../../shared/ipc/errors.ts';

export const DATA_DIR_FLAG = '--data-dir';
export const DATA_DIR_ENV = 'CERTDESK_DATA_DIR';

/**
 * `--data-dir DIR` or `--data-dir=DIR` on the command line wins, then CERTDESK_DATA_DIR, then `fallback`
 * (Electron's userData folder). Relative paths are taken from `cwd`.
 */
export function resolveDataDir(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  fallback: string,
  cwd: string,
): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith(`${DATA_DIR_FLAG}=`)) {
      const value = arg.slice(DATA_DIR_FLAG.length + 1);
      if (value !== '') return resolve(cwd, value);
    } else if (arg === DATA_DIR_FLAG) {
      const value = argv[i + 1];
      if (value !== undefined && value !== '' && !value.startsWith('--')) return resolve(cwd, value);
    }
  }
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return resolve(cwd, fromEnv);
  return fallback;
}

/** Errors that mean the data directory or keychain cannot be used: the app explains and quits. */
export const STORE_ERROR_CODES: readonly ErrorCode[] = ['STORE_LOCKED', 'STORE_CORRUPT', 'KEYCHAIN_UNAVAILABLE'];

export interface StartupFailure {
  title: string;
  /** Message and hint, ready for a native error box. */
  content: string;
  /** One of STORE_ERROR_CODES (an expected condition, not a bug). */
  expected: boolean;
}

/** Turns whatever bootstrap threw into the text of the error box shown before quitting. */
export function describeStartupFailure(err: unknown, dataDir: string): StartupFailure {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    typeof err === 'object' && err !== null && 'hint' in err && typeof (err as { hint: unknown }).hint === 'string'
      ? (err as { hint: string }).hint
      : undefined;
  const expected = (STORE_ERROR_CODES as readonly string[]).includes(code);
  const lines = [expected ? message : `Certdesk could not start: ${message}`];
  if (hint) lines.push('', hint);
  lines.push('', `Data folder: ${dataDir}`);
  return { title: 'Certdesk cannot start', content: lines.join('\n'), expected };
}
