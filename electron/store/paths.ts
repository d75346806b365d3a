// Where the data directory is. The default is the folder Electron's app.getPath('userData') gives for the
// product name "Certdesk", computed here without Electron so the CLI and the bridge find the same data.
import os from 'node:os';
import path from 'node:path';

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
