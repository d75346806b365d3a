// `certdesk dns ...`: DNS provider accounts and per-domain mappings (issue 7); `certdesk settings ...`.
// Secret field values come from files only (--secret-file id=FILE), never from the command line.
import { describeNotifySettings, notifySettingsFlags, notifySettingsOptions, notifySettingsRequest } from './email.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import type { DnsAccount, DnsMapping, DnsProviderInfo } from '../../shared/model/dns.ts';
import { MAX_SECRET_FILE_BYTES, readUserText } from '../core/files.ts';
import type { Res } from '../../shared/ipc/contract.ts';
import type { CliContext, Command, Values } from './commands-types.ts';
import { describeRenewalSettings, setRenewalSetting } from './renewal.ts';

const many = { type: 'string', multiple: true } as const;
const FIELD_OPTS = { field: many, 'secret-file': many } as const;

function list(v: Values, name: string): string[] {
  const x = v[name];
  return Array.isArray(x) ? x : typeof x === 'string' ? [x] : [];
}

function pairs(v: Values, flag: string): [string, string][] {
  return list(v, flag).map((p) => {
    const i = p.indexOf('=');
    if (i <= 0) throw AppError.invalid(flag, `--${flag} takes id=value, got "${p}".`, flag === 'secret-file' ? 'Example: --secret-file keySecret=/path/to/secret.txt' : 'Example: --field server=ns1.example.com');
    return [p.slice(0, i).trim(), p.slice(i + 1)];
  });
}

/** --field k=v and --secret-file k=F (each file read with the checked intake, its content trimmed). */
async function fieldValues(v: Values): Promise<{ fields: Record<string, string>; secrets: Record<string, string> }> {
  const fields: Record<string, string> = {};
  for (const [k, val] of pairs(v, 'field')) fields[k] = val;
  const secrets: Record<string, string> = {};
  for (const [k, file] of pairs(v, 'secret-file')) {
    const text = await readUserText(file, {
      field: 'secret-file',
      label: `--secret-file ${k}`,
      maxBytes: MAX_SECRET_FILE_BYTES,
      hint: `Give --secret-file ${k}=FILE a regular file that holds only the secret.`,
    });
    secrets[k] = text.trim();
  }
  return { fields, secrets };
}

function arg(args: string[], what: string, hint = 'List them with certdesk dns list.'): string {
  const a = args[0];
  if (!a || !a.trim()) throw AppError.invalid(what.toLowerCase(), `The ${what} is required.`, hint);
  return a;
}

/** A DNS account by name (case-insensitive), id or id prefix (8+ characters). */
export async function dnsAccountByName(ctx: CliContext, key: string, flag: string): Promise<DnsAccount> {
  const all = await ctx.call('dns:list', {});
  const k = key.trim();
  const hit =
    all.find((a) => a.name.toLowerCase() === k.toLowerCase()) ??
    all.find((a) => a.id === k) ??
    (k.length >= 8 ? all.filter((a) => a.id.startsWith(k)) : []).find((_, __, arr) => arr.length === 1);
  if (!hit) {
    throw new AppError('NOT_FOUND', `--${flag}: no DNS account named "${k}".`, {
      field: flag,
      hint: all.length ? `DNS accounts: ${all.map((a) => a.name).join(', ')}.` : 'Add one with certdesk dns add --provider ID --name N.',
    });
  }
  return hit;
}

function describeAccount(a: DnsAccount, providers?: DnsProviderInfo[]): string {
  const p = providers?.find((x) => x.id === a.provider);
  const rows: [string, string][] = [
    ['Name', a.name],
    ['Provider', p ? `${p.displayName} (${a.provider})` : a.provider],
    ['Status', a.enabled ? 'enabled' : 'disabled'],
  ];
  for (const [k, v] of Object.entries(a.fields)) rows.push([k, v]);
  for (const [k, stored] of Object.entries(a.secrets)) rows.push([k, stored ? '•••• (stored in the keychain)' : 'not set']);
  if (a.usedBy.length) rows.push(['Used by', a.usedBy.map((u) => `${u.requestId.slice(0, 8)} (${u.domains.join(', ')})`).join('; ')]);
  rows.push(['ID', a.id]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

function describeMapping(m: DnsMapping, accounts: DnsAccount[]): string {
  const account = accounts.find((a) => a.id === m.accountId);
  const extra = [
    m.zone ? `zone ${m.zone}` : null,
    ...Object.entries(m.fields).map(([k, v]) => `${k}=${v}`),
    ...Object.keys(m.secrets).map((k) => `${k}=•••• (stored)`),
  ].filter(Boolean);
  return `${m.domain}  →  ${account?.name ?? m.accountId}${extra.length ? `  (${extra.join(', ')})` : ''}`;
}

export const dnsCommands: Record<string, Command> = {
  providers: {
    summary: 'List the DNS providers and their fields',
    usage: 'dns providers',
    options: {},
    run: (ctx) => ctx.call('dns:providers', {}),
    print: (list: DnsProviderInfo[]) =>
      list
        .map((p) => {
          const f = (x: DnsProviderInfo['fields'][number]) =>
            `    ${x.secret ? '--secret-file' : '--field'} ${x.id}${x.required ? ' (required)' : ''}${x.default ? ` [default ${x.default}]` : ''}${x.options ? ` one of: ${x.options.map((o) => o.value).join(', ')}` : ''} — ${x.label}`;
          const lines = [`${p.id}  ${p.displayName}  (${p.docsUrl})`, ...(p.note ? [`  ${p.note}`] : []), ...p.fields.map(f)];
          if (p.domainFields.length) lines.push('  dns map fields:', ...p.domainFields.map(f));
          return lines.join('\n');
        })
        .join('\n\n'),
  },
  add: {
    summary: 'Add a DNS account (secrets from files, kept in the keychain)',
    usage: 'dns add --provider ID --name N [--field id=value ...] [--secret-file id=FILE ...]',
    options: { provider: { type: 'string' }, name: { type: 'string' }, ...FIELD_OPTS },
    async run(ctx, v) {
      const provider = typeof v.provider === 'string' ? v.provider : '';
      if (!provider.trim()) throw AppError.invalid('provider', '--provider is required: the DNS provider id (see certdesk dns providers).');
      const name = typeof v.name === 'string' ? v.name : '';
      if (!name.trim()) throw AppError.invalid('name', '--name is required: a name for the DNS account.');
      return ctx.call('dns:add', { name, provider, ...(await fieldValues(v)) });
    },
    print: (a: DnsAccount) => `DNS account added.\n${describeAccount(a)}`,
  },
  list: {
    summary: 'List DNS accounts',
    usage: 'dns list',
    options: {},
    run: (ctx) => ctx.call('dns:list', {}),
    print: (list: DnsAccount[]) =>
      list.length === 0
        ? 'No DNS accounts yet. Add one with certdesk dns add --provider ID --name N.'
        : list.map((a) => `${a.name}  ${a.provider}  ${a.enabled ? 'enabled' : 'disabled'}  ${a.id.slice(0, 8)}${a.usedBy.length ? `  used by ${a.usedBy.length} request(s)` : ''}`).join('\n'),
  },
  show: {
    summary: 'Show a DNS account (secrets only as stored / not set)',
    usage: 'dns show NAME',
    options: {},
    positionals: ['NAME'],
    run: async (ctx, _v, args) => dnsAccountByName(ctx, arg(args, 'NAME'), 'name'),
    print: (a: DnsAccount) => describeAccount(a),
  },
  edit: {
    summary: 'Change a DNS account (a secret not given stays as stored)',
    usage: 'dns edit NAME [--name NEW] [--field id=value ...] [--secret-file id=FILE ...]',
    options: { name: { type: 'string' }, ...FIELD_OPTS },
    positionals: ['NAME'],
    async run(ctx, v, args) {
      const a = await dnsAccountByName(ctx, arg(args, 'NAME'), 'name');
      const { fields, secrets } = await fieldValues(v);
      return ctx.call('dns:edit', { id: a.id, ...(typeof v.name === 'string' ? { name: v.name } : {}), fields, secrets });
    },
    print: (a: DnsAccount) => `DNS account changed.\n${describeAccount(a)}`,
  },
  test: {
    summary: 'Sign in with the DNS account and find the zone of a domain',
    usage: 'dns test NAME [--domain D]',
    options: { domain: { type: 'string' } },
    positionals: ['NAME'],
    async run(ctx, v, args) {
      const a = await dnsAccountByName(ctx, arg(args, 'NAME'), 'name');
      return ctx.call('dns:test', { id: a.id, ...(typeof v.domain === 'string' ? { domain: v.domain } : {}) });
    },
    print: (r: { zone: string; message: string }) => `Connection test passed. Zone: ${r.zone}\n${r.message}`,
  },
  enable: {
    summary: 'Enable a DNS account',
    usage: 'dns enable NAME',
    options: {},
    positionals: ['NAME'],
    async run(ctx, _v, args) {
      const a = await dnsAccountByName(ctx, arg(args, 'NAME'), 'name');
      return ctx.call('dns:set-enabled', { id: a.id, enabled: true });
    },
    print: (a: DnsAccount) => `DNS account "${a.name}" enabled.`,
  },
  disable: {
    summary: 'Disable a DNS account (requests using it stop with an error until it is enabled)',
    usage: 'dns disable NAME',
    options: {},
    positionals: ['NAME'],
    async run(ctx, _v, args) {
      const a = await dnsAccountByName(ctx, arg(args, 'NAME'), 'name');
      return ctx.call('dns:set-enabled', { id: a.id, enabled: false });
    },
    print: (a: DnsAccount) => `DNS account "${a.name}" disabled.`,
  },
  delete: {
    summary: 'Delete a DNS account and its secrets (refused while a pending request uses it)',
    usage: 'dns delete NAME --yes',
    options: { yes: { type: 'boolean' } },
    positionals: ['NAME'],
    async run(ctx, v, args) {
      const a = await dnsAccountByName(ctx, arg(args, 'NAME'), 'name');
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', `Deleting the DNS account "${a.name}" removes it and its secrets from Certdesk.`, { field: 'yes', hint: 'Add --yes to confirm.' });
      }
      await ctx.call('dns:delete', { id: a.id, confirm: true });
      return { deleted: true, id: a.id, name: a.name };
    },
    print: (r: { name: string }) => `DNS account "${r.name}" deleted.`,
  },
  map: {
    summary: 'Let a DNS account answer for a domain (wins over the request\'s DNS account)',
    usage: 'dns map DOMAIN --account NAME [--zone Z] [--field id=value ...] [--secret-file id=FILE ...]',
    options: { account: { type: 'string' }, zone: { type: 'string' }, ...FIELD_OPTS },
    positionals: ['DOMAIN'],
    async run(ctx, v, args) {
      const domain = arg(args, 'DOMAIN', 'Example: certdesk dns map example.com --account N');
      if (typeof v.account !== 'string' || !v.account.trim()) throw AppError.invalid('account', '--account is required: the DNS account that answers for the domain.');
      const a = await dnsAccountByName(ctx, v.account, 'account');
      const { fields, secrets } = await fieldValues(v);
      return ctx.call('dns:map', { domain, accountId: a.id, ...(typeof v.zone === 'string' ? { zone: v.zone } : {}), fields, secrets });
    },
    print: (m: DnsMapping) => `DNS mapping set: ${m.domain}${m.zone ? ` (zone ${m.zone})` : ''}.`,
  },
  unmap: {
    summary: 'Remove the DNS mapping of a domain (and its secrets)',
    usage: 'dns unmap DOMAIN',
    options: {},
    positionals: ['DOMAIN'],
    async run(ctx, _v, args) {
      const domain = arg(args, 'DOMAIN', 'List them with certdesk dns mappings.');
      await ctx.call('dns:unmap', { domain });
      return { deleted: true, domain };
    },
    print: (r: { domain: string }) => `DNS mapping of ${r.domain} removed.`,
  },
  mappings: {
    summary: 'List the per-domain DNS mappings',
    usage: 'dns mappings',
    options: {},
    async run(ctx) {
      return { mappings: await ctx.call('dns:mappings', {}), accounts: await ctx.call('dns:list', {}) };
    },
    print: (r: { mappings: DnsMapping[]; accounts: DnsAccount[] }) =>
      r.mappings.length ? r.mappings.map((m) => describeMapping(m, r.accounts)).join('\n') : 'No DNS mappings.',
  },
};

function describeSettings(s: Res<'settings:get'>): string {
  return `DNS servers  ${s.dnsServers.length ? s.dnsServers.join(', ') : '(system resolvers, or CERTDESK_DNS_SERVERS)'}\n${describeRenewalSettings(s)}\n${describeNotifySettings(s)}`;
}

export const settingsCommands: Record<string, Command> = {
  show: {
    summary: 'Show the settings',
    usage: 'settings show',
    options: {},
    run: (ctx) => ctx.call('settings:get', {}),
    print: describeSettings,
  },
  set: {
    summary:
      'Change settings: the DNS servers the propagation check starts from ("" for the system\'s); the renewal policy (renewal.policy ari|lifetime|days [--days N], renewal.days N, renewal.concurrency N); e-mail and notifications (--email-*, --notify-*)',
    usage:
      'settings set --dns-servers host[:port],... | settings set renewal.policy ari|lifetime|days [--days N]\n' +
      '             | settings set [--email-host H --email-port P --email-security starttls|tls|none --email-user U --email-password-file F --email-from A --email-to A,B --email-ca-file F --email-enabled true|false]\n' +
      '                            [--notify-thresholds 30,14,7,1 --notify-success true|false]',
    options: { 'dns-servers': { type: 'string' }, days: { type: 'string' }, ...notifySettingsOptions },
    positionals: ['KEY', 'VALUE'],
    flags: { 'renewal.policy': 'VALUE', 'renewal.days': 'VALUE', 'renewal.concurrency': 'VALUE', value: 'VALUE', key: 'KEY', ...notifySettingsFlags },
    async run(ctx, v, args) {
      const notify = notifySettingsRequest(v);
      if (args[0] !== undefined) {
        if (typeof v['dns-servers'] === 'string' || Object.keys(notify).length > 0) throw AppError.invalid('dns-servers', 'Set one thing at a time: --dns-servers and the e-mail/notification options, or KEY VALUE.');
        return setRenewalSetting(ctx, args[0], args[1], v.days);
      }
      if (v.days !== undefined) throw AppError.invalid('days', '--days goes with renewal.policy days.');
      if (typeof v['dns-servers'] !== 'string' && Object.keys(notify).length === 0) {
        throw AppError.invalid('dns-servers', 'Nothing to set: give --dns-servers host[:port],... (or "" for the system\'s resolvers), e-mail/notification options, or KEY VALUE such as renewal.policy lifetime.');
      }
      const dnsServers = typeof v['dns-servers'] === 'string' ? { dnsServers: v['dns-servers'].split(',').map((s) => s.trim()).filter(Boolean) } : {};
      return ctx.call('settings:set', { ...dnsServers, ...notify });
    },
    print: describeSettings,
  },
};
