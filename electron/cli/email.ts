// CLI of issue 9's e-mail and notifications: `email test`, `cert email`, and the e-mail/notification options of
// `settings set` (kept apart from the other settings options so each part stays small).
import { AppError } from '../../shared/ipc/errors.ts';
import type { AppSettings, Req } from '../../shared/ipc/contract.ts';
import { certTargetArg } from './certificates.ts';
import type { Command, Options, Values } from './commands-types.ts';

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

export const emailCommands: Record<string, Command> = {
  test: {
    summary: 'Send a test mail with the e-mail settings (to --to, default the settings\' recipients)',
    usage: 'email test [--to A[,B]]',
    options: { to: { type: 'string' } },
    async run(ctx, v) {
      return ctx.call('email:test', { ...(typeof v.to === 'string' ? { to: list(v.to) } : {}) });
    },
    print: (r: { message: string }) => r.message,
  },
};

export const certEmailCommand: Command = {
  summary: 'E-mail a certificate with its key as pfx, jks or pem (protected by the request\'s keystore password, which is not in the mail)',
  usage: 'cert email ID --to A[,B] [--format pfx|pfx-legacy|jks|pem]',
  options: { to: { type: 'string' }, format: { type: 'string' } },
  positionals: ['ID'],
  async run(ctx, v, args) {
    const t = await certTargetArg(ctx, args);
    const id = t.certificateId ?? t.requestId;
    if (!id) throw AppError.invalid('id', `Nothing to e-mail for ${t.input}.`);
    return ctx.call('certs:email', {
      id,
      ...(typeof v.to === 'string' ? { to: list(v.to) } : {}),
      ...(typeof v.format === 'string' ? { format: v.format as never } : {}),
    });
  },
  print: (r: { to: string[]; attachment: string }) => `Sent ${r.attachment} to ${r.to.join(', ')}.`,
};

/** `settings set` options for e-mail and notifications. */
export const notifySettingsOptions: Options = {
  'email-host': { type: 'string' },
  'email-port': { type: 'string' },
  'email-security': { type: 'string' },
  'email-user': { type: 'string' },
  'email-password-file': { type: 'string' },
  'email-from': { type: 'string' },
  'email-to': { type: 'string' },
  'email-ca-file': { type: 'string' },
  'email-enabled': { type: 'string' },
  'email-failure-mails': { type: 'string' },
  'email-weekly-digest': { type: 'string' },
  'notify-thresholds': { type: 'string' },
  'notify-success': { type: 'string' },
  'notify-enabled': { type: 'string' },
  'stay-in-tray': { type: 'string' },
  'start-at-login': { type: 'string' },
};

/** Request fields → the flags above, for error messages. */
export const notifySettingsFlags: Record<string, string> = {
  'email.host': '--email-host',
  'email.port': '--email-port',
  'email.security': '--email-security',
  'email.user': '--email-user',
  'email.from': '--email-from',
  'email.to': '--email-to',
  'email.enabled': '--email-enabled',
  emailPasswordFile: '--email-password-file',
  emailCaFile: '--email-ca-file',
  'notifications.thresholds': '--notify-thresholds',
  'notifications.onSuccess': '--notify-success',
};

function bool(v: Values, flag: string): boolean | undefined {
  const s = v[flag];
  if (typeof s !== 'string') return undefined;
  if (/^(true|yes|on|1)$/i.test(s)) return true;
  if (/^(false|no|off|0)$/i.test(s)) return false;
  throw AppError.invalid(flag, `--${flag} takes true or false (got "${s}").`);
}

function int(v: Values, flag: string): number | undefined {
  const s = v[flag];
  if (typeof s !== 'string') return undefined;
  if (!/^\d+$/.test(s.trim())) throw AppError.invalid(flag, `--${flag} takes a whole number (got "${s}").`);
  return Number(s.trim());
}

/** The part of a settings:set request the options above ask for (empty when none was given). */
export function notifySettingsRequest(v: Values): Partial<Req<'settings:set'>> {
  const str = (flag: string): string | undefined => (typeof v[flag] === 'string' ? (v[flag] as string) : undefined);
  const email = Object.fromEntries(
    Object.entries({
      host: str('email-host'),
      port: int(v, 'email-port'),
      security: str('email-security') as never,
      user: str('email-user'),
      from: str('email-from'),
      to: str('email-to') !== undefined ? list(str('email-to')!) : undefined,
      enabled: bool(v, 'email-enabled'),
      failureMails: bool(v, 'email-failure-mails'),
      weeklyDigest: bool(v, 'email-weekly-digest'),
    }).filter(([, x]) => x !== undefined),
  );
  const thresholds = str('notify-thresholds');
  const notifications = Object.fromEntries(
    Object.entries({
      thresholds: thresholds !== undefined ? list(thresholds).map((t) => {
        if (!/^\d+$/.test(t)) throw AppError.invalid('notify-thresholds', `--notify-thresholds takes whole numbers of days, e.g. 30,14,7,1 (got "${t}").`);
        return Number(t);
      }) : undefined,
      onSuccess: bool(v, 'notify-success'),
      enabled: bool(v, 'notify-enabled'),
      stayInTray: bool(v, 'stay-in-tray'),
      startAtLogin: bool(v, 'start-at-login'),
    }).filter(([, x]) => x !== undefined),
  );
  return {
    ...(Object.keys(email).length ? { email } : {}),
    ...(Object.keys(notifications).length ? { notifications } : {}),
    ...(str('email-password-file') !== undefined ? { emailPasswordFile: str('email-password-file')! } : {}),
    ...(str('email-ca-file') !== undefined ? { emailCaFile: str('email-ca-file')! } : {}),
  };
}

/** Lines for `settings show`/`set`: notifications and e-mail (never the password). */
export function describeNotifySettings(s: Pick<AppSettings, 'notifications' | 'email'>): string {
  const n = s.notifications;
  const e = s.email;
  return [
    `Notifications ${n.enabled ? 'on' : 'off'}; thresholds ${n.thresholds.join(', ')} days; on success ${n.onSuccess ? 'yes' : 'no'}; stay in tray ${n.stayInTray ? 'yes' : 'no'}; start at login ${n.startAtLogin ? 'yes' : 'no'}`,
    `E-mail       ${e.enabled ? 'on' : 'off'}; ${e.host ? `${e.host}:${e.port} (${e.security})` : 'no server'}; user ${e.user || '—'}${e.hasPassword ? ' (password in keychain)' : ''}; from ${e.from || '—'}; to ${e.to.join(', ') || '—'}${e.caName ? `; CA ${e.caName}` : ''}; failure mails ${e.failureMails ? 'yes' : 'no'}; weekly digest ${e.weeklyDigest ? 'yes' : 'no'}`,
  ].join('\n');
}
