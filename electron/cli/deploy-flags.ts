// Flag parsing shared by `server map` and `agent map` (issues 8 and 10): the domains, the webroot and the deploy
// settings (--deploy FORMAT with its paths, reload, check, modes, owner, keystore password file), so both commands
// take the same flags and name them the same way in errors.
import { AppError } from '../../shared/ipc/errors.ts';
import type { DeployInput, ServerMapping } from '../../shared/model/server.ts';
import { MAX_SECRET_FILE_BYTES, readUserText } from '../core/files.ts';
import type { CliContext, Options, Values } from './commands-types.ts';

export const str = (v: Values, name: string): string | undefined => (typeof v[name] === 'string' ? (v[name] as string) : undefined);

export function required(v: Values, name: string, what: string): string {
  const value = str(v, name);
  if (value === undefined || value.trim() === '') throw AppError.invalid(name, `--${name} is required: ${what}.`);
  return value;
}

export function domainList(v: Values): string[] {
  const d = required(v, 'domains', 'the domains, comma-separated (a mapping covers their subdomains)');
  return d.split(',').map((s) => s.trim()).filter(Boolean);
}

export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function secretFile(v: Values, flag: string, what: string): Promise<string | undefined> {
  const file = str(v, flag);
  if (file === undefined) return undefined;
  const text = await readUserText(file, { field: flag, label: `--${flag}`, maxBytes: MAX_SECRET_FILE_BYTES, hint: `Give --${flag} a regular file that holds only the ${what}.` });
  return text.replace(/\r?\n$/, '');
}

/** Request fields of the deploy settings → the flag they come from. */
export const DEPLOY_FLAGS: Record<string, string> = {
  format: '--deploy',
  certPath: '--cert-path',
  keyPath: '--key-path',
  chainPath: '--chain-path',
  fullchainPath: '--fullchain-path',
  reload: '--reload',
  check: '--check',
  keyMode: '--mode',
  certMode: '--cert-mode',
  owner: '--owner',
  keystorePassword: '--keystore-password-file',
  enabled: '--no-deploy',
};

/** Both spellings: `certPath` (service errors) and `deploy.certPath` (contract errors). */
export function mapFlags(base: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const deploy = { ...DEPLOY_FLAGS, ...extra };
  return { ...base, ...deploy, ...Object.fromEntries(Object.entries(deploy).map(([k, f]) => [`deploy.${k}`, f])) };
}

/** The options of `map`: domains, webroot and every deploy setting. */
export const MAP_OPTIONS: Options = {
  domains: { type: 'string' },
  webroot: { type: 'string' },
  deploy: { type: 'string' },
  'no-deploy': { type: 'boolean' },
  'cert-path': { type: 'string' },
  'key-path': { type: 'string' },
  'chain-path': { type: 'string' },
  'fullchain-path': { type: 'string' },
  reload: { type: 'string' },
  check: { type: 'string' },
  mode: { type: 'string' },
  'cert-mode': { type: 'string' },
  owner: { type: 'string' },
  'keystore-password-file': { type: 'string' },
};

const DEPLOY_SETTING_FLAGS = ['cert-path', 'key-path', 'chain-path', 'fullchain-path', 'reload', 'check', 'mode', 'cert-mode', 'owner', 'keystore-password-file'];

/**
 * The deploy settings the flags ask for, or null when none were given. Without --deploy, a changed setting (or
 * --no-deploy) alone keeps the stored settings of the first domain. `formats`: what --deploy accepts here;
 * `site`: the IIS site (agent map --site), kept with the format.
 */
export async function deployInputFromFlags(
  ctx: CliContext,
  v: Values,
  target: { id: string; name: string },
  domains: string[],
  opts: { formats: readonly string[]; site?: string | undefined },
): Promise<DeployInput | null> {
  const format = str(v, 'deploy');
  const off = v['no-deploy'] === true;
  const given = DEPLOY_SETTING_FLAGS.filter((f) => v[f] !== undefined);
  if (format === undefined && !off && !given.length) return null;
  let base: Partial<DeployInput> = {};
  if (format === undefined) {
    const existing = (await ctx.call('servers:mappings', {})).find((m) => m.serverId === target.id && m.domain === domains[0]?.toLowerCase())?.deploy;
    if (!existing) throw AppError.invalid('deploy', `--deploy ${opts.formats.join('|')} is required: ${domains[0]} has no deploy settings on ${target.name} yet.`);
    base = {
      format: existing.format,
      certPath: existing.certPath,
      keyPath: existing.keyPath,
      chainPath: existing.chainPath,
      fullchainPath: existing.fullchainPath,
      owner: existing.owner,
      keyMode: existing.keyMode,
      certMode: existing.certMode,
      reload: existing.reload,
      check: existing.check,
      ...(existing.site ? { site: existing.site } : {}),
    };
  } else if (!opts.formats.includes(format)) {
    throw AppError.invalid('deploy', `--deploy ${format}: use ${opts.formats.slice(0, -1).join(', ')} or ${opts.formats.at(-1)}.`);
  }
  const pick = (flag: string): string | undefined => str(v, flag);
  const keystorePassword = await secretFile(v, 'keystore-password-file', 'keystore password');
  const chosen = (format ?? base.format ?? 'pem') as DeployInput['format'];
  return {
    ...base,
    enabled: !off,
    format: chosen,
    ...(pick('cert-path') !== undefined ? { certPath: pick('cert-path') } : {}),
    ...(pick('key-path') !== undefined ? { keyPath: pick('key-path') } : {}),
    ...(pick('chain-path') !== undefined ? { chainPath: pick('chain-path') } : {}),
    ...(pick('fullchain-path') !== undefined ? { fullchainPath: pick('fullchain-path') } : {}),
    ...(pick('reload') !== undefined ? { reload: pick('reload') } : {}),
    ...(pick('check') !== undefined ? { check: pick('check') } : {}),
    ...(pick('mode') !== undefined ? { keyMode: pick('mode') } : {}),
    ...(pick('cert-mode') !== undefined ? { certMode: pick('cert-mode') } : {}),
    ...(pick('owner') !== undefined ? { owner: pick('owner') } : {}),
    ...(keystorePassword !== undefined ? { keystorePassword } : {}),
    ...(chosen === 'iis' && opts.site !== undefined ? { site: opts.site } : {}),
  };
}

export function describeMapping(m: ServerMapping): string {
  const parts = [m.domain, m.webroot ? `webroot ${m.webroot}` : 'no http-01'];
  const d = m.deploy;
  if (d) {
    if (d.format === 'iis') {
      parts.push(`deploy ${d.enabled ? 'on' : 'off'} iis (site ${d.site ?? '?'}; certificate store LocalMachine\\My)`);
    } else {
      const paths = [d.certPath && `cert ${d.certPath}`, d.chainPath && `chain ${d.chainPath}`, d.fullchainPath && `fullchain ${d.fullchainPath}`, d.keyPath && `key ${d.keyPath}`].filter(Boolean);
      parts.push(
        `deploy ${d.enabled ? 'on' : 'off'} ${d.format} (${paths.join(', ')}; modes key ${d.keyMode} cert ${d.certMode}${d.owner ? `; owner ${d.owner}` : ''}${d.format !== 'pem' ? `; keystore password ${d.keystorePasswordStored ? 'stored' : "the request's"}` : ''})`,
      );
    }
    if (d.reload) parts.push(`reload: ${d.reload}`);
    if (d.check) parts.push(`check ${d.check}`);
  } else parts.push('no deploy');
  return parts.join('; ');
}
