// `certdesk` — the headless face: the same dispatch() and contract as the app, for scripts and cron.
// Output: human text on stdout, progress on stderr, `--json` prints the result object; on failure a
// one-line error on stderr and a non-zero exit code (with --json also {"error": {...}} on stdout).
//
// Start-up: only what every command needs is imported statically (argument parsing, errors, the data directory).
// The command groups (./certificates.ts, ...), bootstrap (every service) and dispatch (the contract's schemas) are
// import()ed when a command runs, and the services load their heavy libraries on first use: in the built bundle
// (build/build.mjs) an import() only evaluates that module then, so `certdesk --version` evaluates almost nothing
// and `cert list` no ACME client, SSH, mailer or keystore code. test/integration/cli-startup.test.ts checks it.
import { parseArgs } from 'node:util';
import type { Res } from '../../shared/ipc/contract.ts';
import { AppError, fromInfo, type ErrorInfo } from '../../shared/ipc/errors.ts';
import type { Account } from '../../shared/model/account.ts';
import type { App } from '../app/bootstrap.ts';
import { MAX_SECRET_FILE_BYTES, readUserText } from '../core/files.ts';
import { VERSION } from '../app/version.ts';
import { resolveDataDir } from '../store/paths.ts';
import type { CliContext, Command, Options, Values } from './commands-types.ts';
import { withFlags } from './flags.ts';

const GLOBAL: Options = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const DIRECTORY_OPTS: Options = { directory: { type: 'string' }, 'ca-file': { type: 'string' } };
const SELECT_OPTS: Options = { id: { type: 'string' }, directory: { type: 'string' } };

function required(v: Values, name: string, what: string): string {
  const value = v[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw AppError.invalid(name, `--${name} is required: ${what}.`);
  }
  return value;
}

async function readSecretFile(path: string, flag: string): Promise<string> {
  return (await readUserText(path, { field: flag, label: `--${flag}`, maxBytes: MAX_SECRET_FILE_BYTES, hint: `Give --${flag} a regular file that holds only the secret.` })).trim();
}

/** Picks the account a command acts on: --id, else --directory, else the only one. */
async function selectAccount(ctx: CliContext, v: Values): Promise<Account> {
  const list = await ctx.call('accounts:list', {});
  if (typeof v.id === 'string') {
    const id = v.id.trim();
    // An exact id, or a unique prefix of at least 8 characters: never "the first account" by accident.
    const hits = list.filter((a) => a.id === id || (id.length >= 8 && a.id.startsWith(id)));
    if (hits.length > 1) throw AppError.invalid('id', `The id ${id} matches ${hits.length} accounts: give more of it.`);
    const hit = hits[0];
    if (!hit) throw new AppError('NOT_FOUND', `No account with id "${id}".`, { field: 'id', hint: 'Run `certdesk account show` to list accounts (ids: at least 8 characters).' });
    return hit;
  }
  if (typeof v.directory === 'string') {
    const d = v.directory;
    const hit = list.find((a) => a.directoryKind === d || a.directoryUrl === d);
    if (!hit) throw new AppError('NOT_FOUND', `No account for directory ${d}.`, { field: 'directory' });
    return hit;
  }
  if (list.length === 0) {
    throw new AppError('NOT_FOUND', 'There is no ACME account yet.', { hint: 'Create one with `certdesk account register --email E --directory production --agree-tos`.' });
  }
  if (list.length > 1) {
    throw AppError.invalid('id', `There are ${list.length} accounts: choose one with --id or --directory.`, list.map((a) => `${a.id.slice(0, 8)} ${a.directoryUrl}`).join('; '));
  }
  return list[0] as Account;
}

function describeAccount(a: Account): string {
  const rows: [string, string][] = [
    ['Name', a.name],
    ['Status', a.status],
    ['E-mail', a.email ?? '—'],
    ['Directory', `${a.directoryUrl} (${a.directoryKind})`],
    ['Account URL', a.url],
    ['Key', `${a.keyAlgorithm}, thumbprint ${a.keyThumbprint}`],
    ['Created', a.createdAt],
    ['ID', a.id],
  ];
  if (a.caName) rows.splice(4, 0, ['Extra CA', a.caName]);
  if (a.eabKid) rows.push(['EAB key ID', a.eabKid]);
  if (a.termsOfServiceUrl) rows.push(['Terms', a.termsOfServiceUrl]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, val]) => `${k.padEnd(w)}  ${val}`).join('\n');
}

const accountCommands: Record<string, Command> = {
  register: {
    summary: 'Create an ACME account at a CA',
    usage: 'account register --email E --directory production|staging|URL [--ca-file PEM] --agree-tos [--eab-kid K --eab-hmac-key-file F] [--name N]',
    options: { ...DIRECTORY_OPTS, email: { type: 'string' }, 'agree-tos': { type: 'boolean' }, 'eab-kid': { type: 'string' }, 'eab-hmac-key-file': { type: 'string' }, name: { type: 'string' } },
    flags: { caFile: '--ca-file', agreeTos: '--agree-tos', eab: '--eab-kid', 'eab.kid': '--eab-kid', 'eab.hmacKey': '--eab-hmac-key-file' },
    async run(ctx, v) {
      const directory = required(v, 'directory', 'production, staging or a directory URL');
      const email = required(v, 'email', 'the contact e-mail of the account');
      let eab: { kid: string; hmacKey: string } | undefined;
      if (v['eab-kid'] || v['eab-hmac-key-file']) {
        const kid = required(v, 'eab-kid', 'the External Account Binding key ID');
        const file = required(v, 'eab-hmac-key-file', 'a file holding the EAB HMAC key');
        eab = { kid, hmacKey: await readSecretFile(file, 'eab-hmac-key-file') };
      }
      const name = typeof v.name === 'string' ? v.name : directory === 'production' || directory === 'staging' ? `Let's Encrypt ${directory}` : `ACME account (${hostOf(directory)})`;
      return ctx.call('accounts:register', {
        name,
        email,
        directory,
        ...(typeof v['ca-file'] === 'string' ? { caFile: v['ca-file'] } : {}),
        agreeTos: v['agree-tos'] === true,
        ...(eab ? { eab } : {}),
      });
    },
    print: (a: Account) => `Account registered.\n${describeAccount(a)}`,
  },
  show: {
    summary: 'Show the account(s)',
    usage: 'account show [--id ID | --directory D] [--refresh]',
    options: { ...SELECT_OPTS, refresh: { type: 'boolean' } },
    async run(ctx, v) {
      if (!v.id && !v.directory) {
        const list = await ctx.call('accounts:list', {});
        if (list.length !== 1) return list;
      }
      const a = await selectAccount(ctx, v);
      return v.refresh ? ctx.call('accounts:refresh', { id: a.id }) : a;
    },
    print: (r: Account | Account[]) =>
      Array.isArray(r) ? (r.length === 0 ? 'No accounts yet. Create one with `certdesk account register`.' : r.map(describeAccount).join('\n\n')) : describeAccount(r),
  },
  update: {
    summary: "Change the account's e-mail (at the CA) or name",
    usage: 'account update --email E [--name N] [--id ID | --directory D]',
    options: { ...SELECT_OPTS, email: { type: 'string' }, name: { type: 'string' } },
    async run(ctx, v) {
      if (typeof v.email !== 'string' && typeof v.name !== 'string') throw AppError.invalid('email', 'Nothing to update: give --email and/or --name.');
      const a = await selectAccount(ctx, v);
      return ctx.call('accounts:update', { id: a.id, ...(typeof v.email === 'string' ? { email: v.email } : {}), ...(typeof v.name === 'string' ? { name: v.name } : {}) });
    },
    print: (a: Account) => `Account updated.\n${describeAccount(a)}`,
  },
  rollover: {
    summary: 'Replace the account key (RFC 8555 key change); the account URL stays',
    usage: 'account rollover [--id ID | --directory D]',
    options: SELECT_OPTS,
    async run(ctx, v) {
      const a = await selectAccount(ctx, v);
      return ctx.call('accounts:rollover', { id: a.id });
    },
    print: (a: Account) => `Account key rolled over.\n${describeAccount(a)}`,
  },
  deactivate: {
    summary: 'Deactivate the account at the CA (irreversible)',
    usage: 'account deactivate --yes [--id ID | --directory D]',
    options: { ...SELECT_OPTS, yes: { type: 'boolean' } },
    flags: { confirm: '--yes' },
    async run(ctx, v) {
      const a = await selectAccount(ctx, v);
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', `Deactivating "${a.name}" at the CA cannot be undone: no certificate can be ordered with it again.`, { field: 'yes', hint: 'Add --yes to confirm.' });
      }
      return ctx.call('accounts:deactivate', { id: a.id, confirm: true });
    },
    print: (a: Account) => `Account deactivated at the CA.\n${describeAccount(a)}`,
  },
  delete: {
    summary: 'Remove the account from Certdesk (it stays active at the CA)',
    usage: 'account delete --yes [--id ID | --directory D]',
    options: { ...SELECT_OPTS, yes: { type: 'boolean' } },
    flags: { confirm: '--yes' },
    async run(ctx, v) {
      const a = await selectAccount(ctx, v);
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', `Deleting "${a.name}" removes it from Certdesk only; it stays active at the CA. Export its key first (account export-key) to add it back later.`, { field: 'yes', hint: 'Add --yes to confirm.' });
      }
      await ctx.call('accounts:delete', { id: a.id, confirm: true });
      return { deleted: true, id: a.id };
    },
    print: (r: { id: string }) => `Account ${r.id} removed from Certdesk. It is still active at the CA.`,
  },
  import: {
    summary: 'Add an account that exists at the CA, by its key',
    usage: 'account import --key-file F --directory production|staging|URL [--ca-file PEM] [--name N]',
    options: { ...DIRECTORY_OPTS, 'key-file': { type: 'string' }, name: { type: 'string' } },
    flags: { keyFile: '--key-file', caFile: '--ca-file' },
    async run(ctx, v) {
      return ctx.call('accounts:import', {
        directory: required(v, 'directory', 'production, staging or a directory URL'),
        keyFile: required(v, 'key-file', 'the PEM file of the account key'),
        ...(typeof v['ca-file'] === 'string' ? { caFile: v['ca-file'] } : {}),
        ...(typeof v.name === 'string' ? { name: v.name } : {}),
      });
    },
    print: (a: Account) => `Account added.\n${describeAccount(a)}`,
  },
  'export-key': {
    summary: 'Write the account key (PEM, mode 0600) to a file',
    usage: 'account export-key --out F [--force] [--id ID | --directory D]',
    options: { ...SELECT_OPTS, out: { type: 'string' }, force: { type: 'boolean' } },
    async run(ctx, v) {
      const out = required(v, 'out', 'the file to write the key to');
      const a = await selectAccount(ctx, v);
      return ctx.call('accounts:export-key', { id: a.id, out, ...(v.force === true ? { force: true } : {}) });
    },
    print: (r: { path: string | null }) => `Account key written to ${r.path}. Keep it secret.`,
  },
};

const topCommands: Record<string, Command | (() => Promise<Command>)> = {
  renew: async () => (await import('./renewal.ts')).renewCommand,
  info: {
    summary: 'Show version, data directory and keychain status',
    usage: 'info',
    options: {},
    run: (ctx) => ctx.call('app:info', {}),
    print: (i: Res<'app:info'>) =>
      `Certdesk ${i.version}\nData directory  ${i.dataDir}\nKeychain        ${i.keychain.backend}: ${i.keychain.available ? 'available' : `unavailable (${i.keychain.detail})`}` +
      (i.storeProblems?.length
        ? `\nDatabase        ${i.storeProblems.length} record(s) set aside (kept in db.json, not used until corrected):\n${i.storeProblems.map((p) => `  ${p.message}`).join('\n')}`
        : ''),
  },
};

/**
 * The command groups, each loaded when one of its commands runs (all of them for --help). A new command goes into
 * its group's table in the group's module (e.g. `requestCommands` in ./certificates.ts): nothing to change here.
 * A new group is one line here: its name and an import() of the module that holds its table. A new top-level
 * command goes into `topCommands` the same way (`name: async () => (await import('./x.ts')).xCommand`).
 */
const GROUPS: Record<string, () => Promise<Record<string, Command>>> = {
  account: async () => accountCommands,
  request: async () => (await import('./certificates.ts')).requestCommands,
  cert: async () => {
    const [certs, servers, renewal, email] = await Promise.all([import('./certificates.ts'), import('./servers.ts'), import('./renewal.ts'), import('./email.ts')]);
    return { ...certs.certCommands, deploy: servers.certDeployCommand, policy: renewal.certPolicyCommand, email: email.certEmailCommand };
  },
  dns: async () => (await import('./dns.ts')).dnsCommands,
  server: async () => (await import('./servers.ts')).serverCommands,
  agent: async () => (await import('./agent.ts')).agentCommands,
  settings: async () => (await import('./dns.ts')).settingsCommands,
  email: async () => (await import('./email.ts')).emailCommands,
};

async function topCommand(name: string): Promise<Command | undefined> {
  const c = Object.prototype.hasOwnProperty.call(topCommands, name) ? topCommands[name] : undefined;
  return typeof c === 'function' ? c() : c;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function helpText(): Promise<string> {
  const lines = [`certdesk ${VERSION} — Let's Encrypt (ACME) certificates from your workstation`, '', 'Usage: certdesk [--data-dir DIR] [--json] [--quiet] <command> ...   (certdesk --version, -V: the version)', '', 'Commands:'];
  for (const name of Object.keys(topCommands)) {
    const c = (await topCommand(name))!;
    lines.push(`  ${c.usage.padEnd(60)} ${c.summary}`);
  }
  for (const load of Object.values(GROUPS)) for (const c of Object.values(await load())) lines.push(`  ${c.usage}\n      ${c.summary}`);
  lines.push('', 'IDs: what `cert list` and `request list` print (8 characters are enough); every cert command also takes the request ID.');
  lines.push('Data directory: --data-dir, else CERTDESK_DATA_DIR, else the app\'s own folder.');
  return lines.join('\n');
}

/** Leading command words (`account register`), skipping global flags; the rest is the command's options. */
function splitCommand(argv: string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--data-dir') {
      rest.push(a, argv[i + 1] ?? '');
      i++;
    } else if (a.startsWith('-')) {
      if (a.startsWith('--data-dir=') || ['--json', '--quiet', '-q', '--verbose', '--help', '-h', '--version', '-V'].includes(a)) rest.push(a);
      else break;
    } else if (words.length < (words[0] !== undefined && Object.prototype.hasOwnProperty.call(GROUPS, words[0]) ? 2 : 1)) words.push(a);
    else break;
  }
  return { words, rest: [...rest, ...argv.slice(i)] };
}

function errorLine(info: ErrorInfo): string {
  const parts = [`certdesk: ${info.message}`];
  if (info.hint) parts.push(`Hint: ${info.hint}`);
  return parts.join(' ');
}

export async function main(argv: string[]): Promise<number> {
  // Command words come first (global flags may stand anywhere); everything else is parsed per command.
  const { words, rest } = splitCommand(argv);
  const json = argv.includes('--json');
  const fail = (info: ErrorInfo, code = 1): number => {
    process.stderr.write(errorLine(info) + '\n');
    if (json) process.stdout.write(JSON.stringify({ error: info }, null, 2) + '\n');
    return code;
  };
  // `--version` / `-V` before help: `certdesk --version` has no command words and must not print the help.
  if (words[0] === 'version' || argv.includes('--version') || argv.includes('-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (words.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write((await helpText()) + '\n');
    return words.length === 0 && !argv.includes('--help') && !argv.includes('-h') ? 2 : 0;
  }
  // zod compiles a fast path (new Function) for each object schema the first time it parses with it: worth it in
  // the long-running app, wasted in a process that parses each schema once or twice. Set before any schema exists.
  if (process.env.CERTDESK_ZOD_JIT !== '1') (await import('zod')).config({ jitless: true });
  let cmd: Command | undefined;
  const loadGroup = Object.prototype.hasOwnProperty.call(GROUPS, words[0] ?? '') ? GROUPS[words[0]!] : undefined;
  if (loadGroup) {
    const group = await loadGroup();
    const sub = words[1] ?? '';
    cmd = Object.prototype.hasOwnProperty.call(group, sub) ? group[sub] : undefined;
    if (!cmd) return fail({ code: 'INVALID_INPUT', message: `Unknown ${words[0]} command "${words[1] ?? ''}".`, hint: `Use one of: ${Object.keys(group).join(', ')}.` }, 2);
  } else {
    cmd = await topCommand(words[0] ?? '');
    if (!cmd) return fail({ code: 'INVALID_INPUT', message: `Unknown command "${words[0]}".`, hint: 'Run certdesk --help.' }, 2);
  }
  let values: Values;
  let args: string[];
  try {
    const parsed = parseArgs({ args: rest, options: { ...GLOBAL, ...cmd.options }, allowPositionals: true, strict: true });
    values = parsed.values as Values;
    args = parsed.positionals;
    const allowed = cmd.positionals?.length ?? 0;
    if (args.length > allowed) throw new Error(`Unexpected argument '${args[allowed]}'.`);
  } catch (err) {
    return fail({ code: 'INVALID_INPUT', message: (err as Error).message, hint: `Usage: certdesk ${cmd.usage}` }, 2);
  }

  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('certdesk: cancelling…\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  let app: App | undefined;
  const quiet = values.quiet === true;
  const output = (result: unknown): number => {
    if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write((cmd.print ? cmd.print(result as never) : JSON.stringify(result, null, 2)) + '\n');
    return cmd.exitCode ? cmd.exitCode(result as never) : 0;
  };
  try {
    if (cmd.standalone) {
      const step = (_step: string, message: string): void => {
        if (!quiet) process.stderr.write(`… ${message}\n`);
      };
      return output(await cmd.standalone({ signal: controller.signal, step }, values, args));
    }
    if (!cmd.run) throw new Error(`certdesk ${words.join(' ')} has nothing to run.`);
    await cmd.prepare?.(values);
    const dataDir = resolveDataDir({ flag: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined });
    const [{ bootstrap }, { headlessPlatform }, { dispatch }] = await Promise.all([
      import('../app/bootstrap.ts'),
      import('../app/platform-services.ts'),
      import('../../shared/ipc/dispatch.ts'),
    ]);
    app = await bootstrap({ dataDir, face: 'cli', platform: headlessPlatform({}), verbose: values.verbose === true });
    const problems = app.storeProblems;
    if (problems.length > 0 && !quiet && words[0] !== 'info') {
      process.stderr.write(`certdesk: warning: ${problems.length} record(s) in db.json set aside (not used, kept in the file): ${problems[0]!.message}${problems.length > 1 ? ' ...' : ''} See \`certdesk info\`.\n`);
    }
    app.events.on((event, payload) => {
      if (quiet || event !== 'ops:progress') return;
      const p = payload as Res<'ops:cancel'> & { status: string; message: string };
      if (p.status === 'running') process.stderr.write(`… ${p.message}\n`);
    });
    const theApp = app;
    const ctx: CliContext = {
      app,
      signal: controller.signal,
      async call(channel, req) {
        const env = await dispatch(theApp.handlers, channel, req, { face: 'cli', signal: controller.signal });
        if (!env.ok) throw fromInfo(env.error);
        return env.value as never;
      },
    };
    return output(await cmd.run(ctx, values, args));
  } catch (err) {
    const raw: ErrorInfo = err instanceof AppError ? err.toInfo() : { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
    // Name the flag the user typed, not the request field behind it (--challenge, not challengeType).
    const info = withFlags(raw, cmd);
    // The data directory is chosen by a flag or the environment: say which one is at fault.
    if (info.field === 'dataDir') info.message = `${typeof values['data-dir'] === 'string' ? '--data-dir' : process.env.CERTDESK_DATA_DIR ? 'CERTDESK_DATA_DIR' : 'Default data directory'}: ${info.message}`;
    return fail(info, info.code === 'INVALID_INPUT' || info.code === 'CONFIRMATION_REQUIRED' ? 2 : 1);
  } finally {
    process.off('SIGINT', onSigint);
    await app?.close().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`certdesk: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
