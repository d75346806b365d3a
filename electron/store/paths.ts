// Where the data directory is. The default is the folder Electron's app.getPath('userData') gives for the
// product name "Certdesk", computed here without Electron so the CLI and the bridge find the same data.
import { constants } from 'node:fs';
import { access, mkdtemp, rmdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';

export const PRODUCT_NAME = 'Certdesk';
export const DATA_DIR_ENV = 'CERTDESK_DATA_DIR';

export interface PathContext {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v : undefined;
}

/** Electron's appData folder: %APPDATA%, ~/Library/Application Support, or $XDG_CONFIG_HOME / ~/.config. */
export function appDataDir(ctx: PathContext = {}): string {
  const env = ctx.env ?? process.env;
  const platform = ctx.platform ?? process.platform;
  const home = ctx.homedir ?? os.homedir();
  if (platform === 'win32') {
    return nonEmpty(env.APPDATA) ?? path.win32.join(home, 'AppData', 'Roaming');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support');
  // As Chromium does (base::nix::GetXDGDirectory): any non-empty value is taken as is.
  return nonEmpty(env.XDG_CONFIG_HOME) ?? path.posix.join(home, '.config');
}

export function defaultDataDir(ctx: PathContext = {}): string {
  const platform = ctx.platform ?? process.platform;
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  return join(appDataDir(ctx), PRODUCT_NAME);
}

export interface ResolveDataDirOptions extends PathContext {
  /** Value of the --data-dir flag, if given. */
  flag?: string;
}

/** --data-dir wins, then CERTDESK_DATA_DIR, then the default. Relative paths are taken from the working dir. */
export function resolveDataDir(opts: ResolveDataDirOptions = {}): string {
  const env = opts.env ?? process.env;
  const chosen = nonEmpty(opts.flag) ?? nonEmpty(env[DATA_DIR_ENV]);
  if (chosen === undefined) return defaultDataDir({ ...opts, env });
  const platform = opts.platform ?? process.platform;
  return (platform === 'win32' ? path.win32 : path.posix).resolve(chosen);
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function unusable(dataDir: string, why: string): AppError {
  return new AppError('INVALID_INPUT', `The data directory ${dataDir} ${why}.`, {
    field: 'dataDir',
    hint: `Choose a folder you may write to with --data-dir (or ${DATA_DIR_ENV}); it is created if it does not exist.`,
  });
}

/**
 * Checks, without creating anything, that `dataDir` is (or can become) a folder this user may write to.
 * Throws INVALID_INPUT (field `dataDir`) saying what is wrong: a file in the way, or no permission.
 */
export async function checkDataDir(dataDir: string): Promise<void> {
  const canWrite = (p: string): Promise<boolean> =>
    access(p, constants.W_OK | constants.X_OK).then(
      () => true,
      () => false,
    );
  let current = path.resolve(dataDir);
  for (;;) {
    let s;
    try {
      s = await stat(current);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const parent = path.dirname(current);
        if (parent === current) throw unusable(dataDir, 'cannot be created (its drive or root does not exist)');
        current = parent;
        continue;
      }
      throw unusable(dataDir, `cannot be used (${code ?? (err as Error).message})`);
    }
    if (current === path.resolve(dataDir)) {
      if (!s.isDirectory()) throw unusable(dataDir, 'is a file, not a folder');
      if (!(await canWrite(current))) throw unusable(dataDir, 'cannot be written to (permission denied)');
      return;
    }
    // `current` is the nearest part of the path that exists: the rest is created under it.
    if (!s.isDirectory()) throw unusable(dataDir, `cannot be created: ${current} is a file, not a folder`);
    if (!(await canWrite(current))) throw unusable(dataDir, `cannot be created: no permission to create folders in ${current}`);
    // Permission bits do not tell everything (read-only or virtual file systems, and root passes every access
    // check): make sure a folder can really be made there, and remove it at once.
    try {
      await rmdir(await mkdtemp(path.join(current, '.certdesk-probe-')));
    } catch (err) {
      throw unusable(dataDir, `cannot be created: no folder can be made in ${current} (${errCode(err) ?? (err as Error).message})`);
    }
    return;
  }
}
