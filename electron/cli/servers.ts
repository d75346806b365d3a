// `certdesk server ...`: Linux end servers over SSH and their domain mappings; `certdesk cert deploy` (issue 8).
// Secrets come from files only (--password-file, --key-file, --passphrase-file, --keystore-password-file),
// never from the command line; answers show them only as stored / not set.
import { AppError } from '../../shared/ipc/errors.ts';
import type { Deployment, EndServer, HostKeyProbe, ServerMapping } from '../../shared/model/server.ts';
import type { CliContext, Command, Values } from './commands-types.ts';
import { MAP_OPTIONS, deployInputFromFlags, describeMapping, domainList, mapFlags, required, shellWord, str } from './deploy-flags.ts';
import { resolveCertTarget } from './ids.ts';

function nameArg(args: string[]): string {
  const a = args[0];
  if (!a || !a.trim()) throw AppError.invalid('id', 'The server NAME is required.', 'List them with certdesk server list.');
  return a;
}

function port(v: Values): number | undefined {
  const p = str(v, 'port');
  if (p === undefined) return undefined;
  if (!/^\d{1,5}$/.test(p.trim()) || Number(p) < 1 || Number(p) > 65535) throw AppError.invalid('port', `--port ${p} is not a port number (1-65535).`);
  return Number(p);
}

/** A server by name (case-insensitive), id or id prefix (8+ characters). */
export async function serverByName(ctx: CliContext, key: string, flag: string): Promise<EndServer> {
  const all = await ctx.call('servers:list', {});
  const k = key.trim();
  const prefix = k.length >= 8 ? all.filter((s) => s.id.startsWith(k)) : [];
  const hit = all.find((s) => s.name.toLowerCase() === k.toLowerCase()) ?? all.find((s) => s.id === k) ?? (prefix.length === 1 ? prefix[0] : undefined);
  if (!hit) {
    throw new AppError('NOT_FOUND', `${flag === 'id' ? 'No' : `--${flag}: no`} end server named "${k}".`, {
      field: flag,
      hint: all.length ? `Servers: ${all.map((s) => s.name).join(', ')}.` : 'Add one with certdesk server add --name N --host H --user U --key-file F.',
    });
  }
  return hit;
}

function describeServer(s: EndServer, mappings: ServerMapping[] = []): string {
  const rows: [string, string][] = [
    ['Name', s.name],
    ['Address', `${s.user}@${s.host}:${s.port}`],
    ['Host key', `${s.hostKey.sha256} (${s.hostKey.algorithm})`],
    ['Log-in', s.auth === 'password' ? 'password' : `private key${s.secrets.passphrase ? ' with passphrase' : ''}`],
    ['Password', s.secrets.password ? '•••• (stored in the keychain)' : 'not set'],
    ['Private key', s.secrets.privateKey ? '•••• (stored in the keychain)' : 'not set'],
    ['Passphrase', s.secrets.passphrase ? '•••• (stored in the keychain)' : 'not set'],
    ['Last test', s.lastTest ? `${s.lastTest.ok ? 'passed' : 'failed'} ${s.lastTest.at}: ${s.lastTest.message}` : 'never'],
  ];
  for (const m of mappings.filter((x) => x.serverId === s.id)) rows.push(['Mapping', describeMapping(m)]);
  if (!mappings.length && s.domains.length) rows.push(['Domains', s.domains.join(', ')]);
  rows.push(['ID', s.id]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** `--server`: an end server, or else a Certdesk agent (both are deploy targets). */
async function targetByName(ctx: CliContext, key: string): Promise<{ id: string; name: string }> {
  try {
    return await serverByName(ctx, key, 'server');
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'NOT_FOUND') throw err;
    const k = key.trim().toLowerCase();
    const agent = (await ctx.call('agents:list', {})).find((a) => a.name.toLowerCase() === k || a.id === key.trim() || (k.length >= 8 && a.id.startsWith(key.trim())));
    if (agent) return agent;
    throw err;
  }
}

function describeDeployment(d: Deployment): string {
  const head = `${d.serverName}: ${d.status === 'deployed' ? 'deployed' : 'FAILED'} serial ${d.serial} (${d.domain})`;
  const lines = [head];
  if (d.files.length) lines.push(`  files: ${d.files.join(', ')}`);
  if (d.reload) lines.push(`  reload: ${d.reload.command} → exit ${d.reload.exitCode ?? 'killed'}${d.reload.output.trim() ? `: ${d.reload.output.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  if (d.servedSerial) lines.push(`  served serial: ${d.servedSerial}`);
  if (d.reason) lines.push(`  reason: ${d.reason}`);
  if (d.rolledBack) lines.push('  the previous files were restored and the service reloaded again');
  return lines.join('\n');
}

const SERVER_FLAGS: Record<string, string> = {
  id: 'NAME',
  name: '--name',
  host: '--host',
  port: '--port',
  user: '--user',
  password: '--password-file',
  passwordFile: '--password-file',
  privateKey: '--key-file',
  privateKeyFile: '--key-file',
  passphrase: '--passphrase-file',
  passphraseFile: '--passphrase-file',
  acceptHostKey: '--accept-host-key',
  hostKey: '--accept-host-key',
  serverId: 'NAME',
  domains: '--domains',
  webroot: '--webroot',
};

const MAP_FLAGS = mapFlags(SERVER_FLAGS);

type AddResult = EndServer | { hostKey: HostKeyProbe['offered']; stored: false; command: string; probe: HostKeyProbe };

export const serverCommands: Record<string, Command> = {
  add: {
    summary: 'Add a Linux end server reached over SSH (without --accept-host-key: show its host key, store nothing)',
    usage: 'server add --name N --host H [--port P] --user U (--password-file F | --key-file F [--passphrase-file F]) [--accept-host-key SHA256:...]',
    options: {
      name: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      'password-file': { type: 'string' },
      'key-file': { type: 'string' },
      'passphrase-file': { type: 'string' },
      'accept-host-key': { type: 'string' },
    },
    flags: SERVER_FLAGS,
    async run(ctx, v): Promise<AddResult> {
      const name = required(v, 'name', 'a name for the server, e.g. web1');
      const host = required(v, 'host', 'the server\'s host name or IP address');
      const user = required(v, 'user', 'the SSH user to log in as');
      const p = port(v);
      const passwordFile = str(v, 'password-file');
      const privateKeyFile = str(v, 'key-file');
      const passphraseFile = str(v, 'passphrase-file');
      if (passwordFile === undefined && privateKeyFile === undefined) {
        throw AppError.invalid('password-file', 'Give how to log in: --password-file F or --key-file F [--passphrase-file F].');
      }
      if (passwordFile !== undefined && privateKeyFile !== undefined) throw AppError.invalid('password-file', 'Give either --password-file or --key-file, not both.');
      if (passphraseFile !== undefined && privateKeyFile === undefined) throw AppError.invalid('passphrase-file', '--passphrase-file goes with --key-file.');
      const accept = str(v, 'accept-host-key');
      if (accept === undefined) {
        const probe = await ctx.call('servers:probe', { host, ...(p !== undefined ? { port: p } : {}) });
        const words = ['certdesk', 'server', 'add', '--name', name, '--host', host, ...(p !== undefined ? ['--port', String(p)] : []), '--user', user];
        if (passwordFile !== undefined) words.push('--password-file', passwordFile);
        if (privateKeyFile !== undefined) words.push('--key-file', privateKeyFile);
        if (passphraseFile !== undefined) words.push('--passphrase-file', passphraseFile);
        const dataDir = str(v, 'data-dir');
        if (dataDir !== undefined) words.splice(1, 0, '--data-dir', dataDir);
        words.push('--accept-host-key', probe.offered.sha256);
        return { hostKey: probe.offered, stored: false, command: words.map(shellWord).join(' '), probe };
      }
      return ctx.call('servers:add', {
        name,
        host,
        user,
        ...(p !== undefined ? { port: p } : {}),
        ...(passwordFile !== undefined ? { passwordFile } : {}),
        ...(privateKeyFile !== undefined ? { privateKeyFile } : {}),
        ...(passphraseFile !== undefined ? { passphraseFile } : {}),
        acceptHostKey: accept,
      });
    },
    print: (r: AddResult) =>
      'stored' in r
        ? [
            `${r.probe.host}:${r.probe.port} offers the host key ${r.hostKey.sha256} (${r.hostKey.algorithm}).`,
            ...(r.probe.state === 'mismatch' ? [`WARNING: the server already pinned for this address has ${r.probe.pinned?.sha256}.`] : []),
            'Nothing was stored. Compare the fingerprint with the server (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then run:',
            `  ${r.command}`,
          ].join('\n')
        : `Server added.\n${describeServer(r)}`,
    exitCode: (r: AddResult) => ('stored' in r ? 2 : 0),
  },
  list: {
    summary: 'List end servers',
    usage: 'server list',
    options: {},
    run: (ctx) => ctx.call('servers:list', {}),
    print: (list: EndServer[]) =>
      list.length === 0
        ? 'No end servers yet. Add one with certdesk server add --name N --host H --user U --key-file F.'
        : list.map((s) => `${s.name}  ${s.user}@${s.host}:${s.port}  ${s.auth}  ${s.domains.join(',') || '(no domains)'}  ${s.lastTest ? (s.lastTest.ok ? 'test passed' : 'test failed') : 'not tested'}  ${s.id.slice(0, 8)}`).join('\n'),
  },
  show: {
    summary: 'Show an end server and its mappings (secrets only as stored / not set)',
    usage: 'server show NAME',
    options: {},
    positionals: ['NAME'],
    flags: SERVER_FLAGS,
    async run(ctx, _v, args) {
      const s = await serverByName(ctx, nameArg(args), 'id');
      const mappings = (await ctx.call('servers:mappings', {})).filter((m) => m.serverId === s.id);
      return { ...s, mappings };
    },
    print: (r: EndServer & { mappings: ServerMapping[] }) => describeServer(r, r.mappings),
  },
  test: {
    summary: 'Log in, run a command and check every mapped webroot can be written',
    usage: 'server test NAME',
    options: {},
    positionals: ['NAME'],
    flags: SERVER_FLAGS,
    async run(ctx, _v, args) {
      const s = await serverByName(ctx, nameArg(args), 'id');
      return ctx.call('servers:test', { id: s.id });
    },
    print: (r: { ok: boolean; message: string; checks: { what: string; ok: boolean; message: string }[] }) =>
      [`Connection test ${r.ok ? 'passed' : 'FAILED'}.`, ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.message}`)].join('\n'),
    exitCode: (r: { ok: boolean }) => (r.ok ? 0 : 1),
  },
  delete: {
    summary: 'Delete an end server, its mappings and its secrets',
    usage: 'server delete NAME --yes',
    options: { yes: { type: 'boolean' } },
    positionals: ['NAME'],
    flags: SERVER_FLAGS,
    async run(ctx, v, args) {
      const s = await serverByName(ctx, nameArg(args), 'id');
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', `Deleting the server "${s.name}" removes it, its mappings and its secrets from Certdesk.`, { field: 'yes', hint: 'Add --yes to confirm.' });
      }
      await ctx.call('servers:delete', { id: s.id, confirm: true });
      return { deleted: true, id: s.id, name: s.name };
    },
    print: (r: { name: string }) => `Server "${r.name}" deleted.`,
  },
  map: {
    summary: 'Map domains (and their subdomains) to a server: webroot for http-01, deploy settings',
    usage:
      'server map NAME --domains a,b [--webroot DIR] [--deploy pem|pfx|jks --cert-path P --key-path P --chain-path P --fullchain-path P --reload "CMD" --check host:port --mode 600 --cert-mode 644 --owner U:G --keystore-password-file F] [--no-deploy]',
    options: MAP_OPTIONS,
    positionals: ['NAME'],
    flags: MAP_FLAGS,
    async run(ctx, v, args) {
      const s = await serverByName(ctx, nameArg(args), 'id');
      const domains = domainList(v);
      const deploy = await deployInputFromFlags(ctx, v, s, domains, { formats: ['pem', 'pfx', 'jks'] });
      const webroot = str(v, 'webroot');
      return ctx.call('servers:map', { serverId: s.id, domains, ...(webroot !== undefined ? { webroot } : {}), ...(deploy ? { deploy } : {}) });
    },
    print: (list: ServerMapping[]) => `Mapped:\n${list.map((m) => `  ${describeMapping(m)}`).join('\n')}`,
  },
  unmap: {
    summary: 'Remove the mappings of domains from a server',
    usage: 'server unmap NAME --domains a,b',
    options: { domains: { type: 'string' } },
    positionals: ['NAME'],
    flags: SERVER_FLAGS,
    async run(ctx, v, args) {
      const s = await serverByName(ctx, nameArg(args), 'id');
      return ctx.call('servers:unmap', { serverId: s.id, domains: domainList(v) });
    },
    print: (r: { deleted: number }) => `${r.deleted} mapping${r.deleted === 1 ? '' : 's'} removed.`,
  },
};

/** `cert deploy ID [--server N]`: exit 0 only when every server serves the new certificate. */
export const certDeployCommand: Command = {
  summary: 'Deploy a certificate to every server mapped with Deploy on (or one): install, reload, check, roll back on failure',
  usage: 'cert deploy ID [--server N]',
  options: { server: { type: 'string' } },
  positionals: ['ID'],
  flags: { serverId: '--server', requestId: 'ID', certificateId: 'ID', id: 'ID' },
  async run(ctx, v, args) {
    const id = args[0];
    if (!id || !id.trim()) throw AppError.invalid('id', 'The certificate ID is required.', 'List them with certdesk cert list.');
    const [certs, requests] = await Promise.all([ctx.call('certs:list', {}), ctx.call('requests:list', {})]);
    const t = resolveCertTarget(
      id,
      certs.map((c) => ({ id: c.id, requestId: c.requestId, commonName: c.commonName })),
      requests.map((r) => ({ id: r.id, savedCertificateId: r.savedCertificateId, commonName: r.commonName })),
    );
    const typedCert = t.certificateId !== null && certs.some((c) => c.id === t.certificateId && c.id.startsWith(t.input));
    const server = str(v, 'server') !== undefined ? await targetByName(ctx, str(v, 'server')!) : undefined;
    const target = typedCert || !t.requestId ? { certificateId: t.certificateId! } : { requestId: t.requestId };
    return ctx.call('deploy:run', { ...target, ...(server ? { serverId: server.id } : {}) });
  },
  print: (r: { ok: boolean; deployments: Deployment[] }) =>
    [...r.deployments.map(describeDeployment), r.ok ? 'Every server serves the new certificate.' : 'Deployment failed on at least one server.'].join('\n'),
  exitCode: (r: { ok: boolean }) => (r.ok ? 0 : 1),
};
