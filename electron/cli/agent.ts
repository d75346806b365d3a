// `certdesk agent ...`: Certdesk agents on Windows (or Linux) servers (issue 10): pairing with the one-time code
// (from a file, never the command line) over the accepted certificate fingerprint, the list, tests, unpairing,
// domain mappings (http-01 through a webroot, the agent itself or an IIS site; deploy as PEM/PFX/JKS files or into
// IIS) and the Windows package. The pairing secret never appears: answers show only whether it is stored.
import { AppError } from '../../shared/ipc/errors.ts';
import type { Agent, AgentProbe } from '../../shared/model/agent.ts';
import type { ServerMapping } from '../../shared/model/server.ts';
import { SELF_SERVE_WEBROOT } from '../agent/protocol.ts';
import type { CliContext, Command } from './commands-types.ts';
import { MAP_OPTIONS, deployInputFromFlags, describeMapping, domainList, mapFlags, required, shellWord, str } from './deploy-flags.ts';

const AGENT_FLAGS: Record<string, string> = {
  id: 'NAME',
  serverId: 'NAME',
  name: '--name',
  url: '--url',
  code: '--code-file',
  codeFile: '--code-file',
  acceptCert: '--accept-cert',
  domains: '--domains',
  webroot: '--webroot',
  site: '--site',
};

function nameArg(args: string[]): string {
  const a = args[0];
  if (!a || !a.trim()) throw AppError.invalid('id', 'The agent NAME is required.', 'List them with certdesk agent list.');
  return a;
}

/** An agent by name (case-insensitive), id or id prefix (8+ characters). */
export async function agentByName(ctx: CliContext, key: string): Promise<Agent> {
  const all = await ctx.call('agents:list', {});
  const k = key.trim();
  const prefix = k.length >= 8 ? all.filter((a) => a.id.startsWith(k)) : [];
  const hit = all.find((a) => a.name.toLowerCase() === k.toLowerCase()) ?? all.find((a) => a.id === k) ?? (prefix.length === 1 ? prefix[0] : undefined);
  if (!hit) {
    throw new AppError('NOT_FOUND', `No agent named "${k}".`, {
      field: 'id',
      hint: all.length ? `Agents: ${all.map((a) => a.name).join(', ')}.` : 'Pair one with certdesk agent pair --name N --url https://HOST:9443 --code-file F.',
    });
  }
  return hit;
}

function describeAgent(a: Agent, mappings: ServerMapping[] = []): string {
  const r = a.report;
  const rows: [string, string][] = [
    ['Name', a.name],
    ['URL', a.url],
    ['Certificate', a.fingerprint],
    ['State', a.state],
    ['Agent', `${r.version} on ${r.hostname} (${r.osVersion || r.os}, ${r.arch})`],
    ['Capabilities', r.capabilities.join(', ') || 'none'],
    ['Challenges', r.challengePort === null ? 'not served by the agent (map a webroot)' : `served by the agent on port ${r.challengePort} (--serve-http)`],
    ['Pairing secret', a.secretStored ? '•••• (stored in the keychain)' : 'MISSING from the keychain: pair again'],
    ['Last seen', a.lastSeen ?? 'never'],
    ['Last test', a.lastTest ? `${a.lastTest.ok ? 'passed' : 'failed'} ${a.lastTest.at}: ${a.lastTest.message}` : 'never'],
  ];
  if (r.site) rows.splice(6, 0, ['TLS site', r.site]);
  for (const m of mappings.filter((x) => x.serverId === a.id)) rows.push(['Mapping', describeMapping(m)]);
  if (!mappings.length && a.domains.length) rows.push(['Domains', a.domains.join(', ')]);
  rows.push(['ID', a.id]);
  const w = Math.max(...rows.map((x) => x[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

type PairResult = Agent | { stored: false; fingerprint: string; command: string; probe: AgentProbe };

export const agentCommands: Record<string, Command> = {
  pair: {
    summary: 'Pair with a Certdesk agent (without --accept-cert: show its certificate fingerprint, store nothing)',
    usage: 'agent pair --name N --url https://HOST:PORT --code-file F [--accept-cert SHA256:...]',
    options: { name: { type: 'string' }, url: { type: 'string' }, 'code-file': { type: 'string' }, 'accept-cert': { type: 'string' } },
    flags: AGENT_FLAGS,
    async run(ctx, v): Promise<PairResult> {
      const name = required(v, 'name', 'a name for the agent, e.g. iis1');
      const url = required(v, 'url', 'the agent\'s address, e.g. https://iis1.example.com:9443');
      const codeFile = required(v, 'code-file', 'a file holding the pairing code the agent printed');
      const accept = str(v, 'accept-cert');
      if (accept === undefined) {
        const probe = await ctx.call('agents:probe', { url });
        const words = ['certdesk', 'agent', 'pair', '--name', name, '--url', probe.url, '--code-file', codeFile, '--accept-cert', probe.fingerprint];
        const dataDir = str(v, 'data-dir');
        if (dataDir !== undefined) words.splice(1, 0, '--data-dir', dataDir);
        return { stored: false, fingerprint: probe.fingerprint, command: words.map(shellWord).join(' '), probe };
      }
      return ctx.call('agents:pair', { name, url, codeFile, acceptCert: accept });
    },
    print: (r: PairResult) =>
      'stored' in r
        ? [
            `${r.probe.url} presents the certificate ${r.fingerprint} (agent ${r.probe.version}${r.probe.paired ? ', paired already' : ''}).`,
            ...(r.probe.state === 'mismatch' ? [`WARNING: the agent already pinned for this address has ${r.probe.pinned}.`] : []),
            ...(r.probe.paired ? ['The agent is paired already: unpair it on the server first (certdesk-agent unpair --state-dir DIR), then use the new code.'] : []),
            'Nothing was stored. Compare the fingerprint with the Certificate: line the agent printed on the server, then run:',
            `  ${r.command}`,
          ].join('\n')
        : `Agent paired.\n${describeAgent(r)}`,
    exitCode: (r: PairResult) => ('stored' in r ? 2 : 0),
  },
  list: {
    summary: 'List paired agents',
    usage: 'agent list',
    options: {},
    run: (ctx) => ctx.call('agents:list', {}),
    print: (list: Agent[]) =>
      list.length === 0
        ? 'No agents yet. Pair one with certdesk agent pair --name N --url https://HOST:9443 --code-file F.'
        : list
            .map((a) => `${a.name}  ${a.url}  ${a.report.os} ${a.report.version}  ${a.state}  ${a.domains.join(',') || '(no domains)'}  ${a.lastSeen ? `seen ${a.lastSeen}` : 'never seen'}  ${a.id.slice(0, 8)}`)
            .join('\n'),
  },
  show: {
    summary: 'Show an agent and its mappings (the secret only as stored / missing)',
    usage: 'agent show NAME',
    options: {},
    positionals: ['NAME'],
    flags: AGENT_FLAGS,
    async run(ctx, _v, args) {
      const a = await agentByName(ctx, nameArg(args));
      const mappings = (await ctx.call('servers:mappings', {})).filter((m) => m.serverId === a.id);
      return { ...a, mappings };
    },
    print: (r: Agent & { mappings: ServerMapping[] }) => describeAgent(r, r.mappings),
  },
  test: {
    summary: 'Ask the agent for its report (signed) and check every mapped webroot can be written',
    usage: 'agent test NAME',
    options: {},
    positionals: ['NAME'],
    flags: AGENT_FLAGS,
    async run(ctx, _v, args) {
      const a = await agentByName(ctx, nameArg(args));
      return ctx.call('agents:test', { id: a.id });
    },
    print: (r: { ok: boolean; checks: { what: string; ok: boolean; message: string }[] }) =>
      [`Agent test ${r.ok ? 'passed' : 'FAILED'}.`, ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.message}`)].join('\n'),
    exitCode: (r: { ok: boolean }) => (r.ok ? 0 : 1),
  },
  delete: {
    summary: 'Unpair an agent and delete it, its mappings and its secret',
    usage: 'agent delete NAME --yes',
    options: { yes: { type: 'boolean' } },
    positionals: ['NAME'],
    flags: AGENT_FLAGS,
    async run(ctx, v, args) {
      const a = await agentByName(ctx, nameArg(args));
      if (v.yes !== true) {
        throw new AppError('CONFIRMATION_REQUIRED', `Deleting the agent "${a.name}" unpairs it and removes it, its mappings and its secret from Certdesk.`, { field: 'yes', hint: 'Add --yes to confirm.' });
      }
      const r = await ctx.call('agents:delete', { id: a.id, confirm: true });
      return { deleted: true, id: a.id, name: a.name, unpaired: r.unpaired };
    },
    print: (r: { name: string; unpaired: boolean }) =>
      `Agent "${r.name}" deleted.${r.unpaired ? ' It was told to forget the pairing.' : ' It did not answer: run certdesk-agent unpair on the server before pairing it again.'}`,
  },
  map: {
    summary: 'Map domains (and their subdomains) to an agent: http-01 (webroot, the agent itself, an IIS site) and deploy settings',
    usage:
      'agent map NAME --domains a,b [--webroot DIR | --serve-http | --site IIS_SITE] [--deploy iis|pem|pfx|jks --cert-path P --key-path P --chain-path P --fullchain-path P --reload "CMD" --check host:port --mode 600 --cert-mode 644 --owner U:G --keystore-password-file F] [--no-deploy]',
    options: { ...MAP_OPTIONS, 'serve-http': { type: 'boolean' }, site: { type: 'string' } },
    positionals: ['NAME'],
    flags: mapFlags(AGENT_FLAGS, { site: '--site' }),
    async run(ctx, v, args) {
      const a = await agentByName(ctx, nameArg(args));
      const domains = domainList(v);
      const serve = v['serve-http'] === true;
      const site = str(v, 'site');
      let webroot = str(v, 'webroot');
      if (serve && webroot !== undefined) throw AppError.invalid('serve-http', 'Give either --webroot or --serve-http, not both.', '--serve-http: the agent answers http-01 itself on its challenge port.');
      if (serve) webroot = SELF_SERVE_WEBROOT;
      // --site alone: http-01 through the IIS site's own directory; with --deploy iis the certificate goes to that site.
      else if (site !== undefined && webroot === undefined) webroot = `iis:${site}`;
      const deploy = await deployInputFromFlags(ctx, v, a, domains, { formats: ['iis', 'pem', 'pfx', 'jks'], site });
      if (deploy?.format === 'iis' && !deploy.site) throw AppError.invalid('site', '--deploy iis needs --site: the IIS site whose https binding gets the certificate.', 'e.g. --site "Default Web Site"');
      if (site !== undefined && deploy !== null && deploy.format !== 'iis' && str(v, 'webroot') !== undefined) {
        throw AppError.invalid('site', '--site is for http-01 through an IIS site or --deploy iis; here --webroot and file deploys are given.', 'Leave --site out.');
      }
      return ctx.call('servers:map', { serverId: a.id, domains, ...(webroot !== undefined ? { webroot } : {}), ...(deploy ? { deploy } : {}) });
    },
    print: (list: ServerMapping[]) => `Mapped:\n${list.map((m) => `  ${describeMapping(m)}`).join('\n')}`,
  },
  unmap: {
    summary: 'Remove the mappings of domains from an agent',
    usage: 'agent unmap NAME --domains a,b',
    options: { domains: { type: 'string' } },
    positionals: ['NAME'],
    flags: AGENT_FLAGS,
    async run(ctx, v, args) {
      const a = await agentByName(ctx, nameArg(args));
      return ctx.call('servers:unmap', { serverId: a.id, domains: domainList(v) });
    },
    print: (r: { deleted: number }) => `${r.deleted} mapping${r.deleted === 1 ? '' : 's'} removed.`,
  },
  package: {
    summary: 'Write the Certdesk agent for Windows as a zip (x64 or x86)',
    usage: 'agent package --arch x64|x86 --out F.zip [--force]',
    options: { arch: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
    flags: { arch: '--arch', out: '--out', force: '--force' },
    // The zip needs no account, secret or data directory: it runs without the app (no keychain, nothing stored).
    async standalone(io, v) {
      const arch = required(v, 'arch', 'x64 (64-bit Windows) or x86 (32-bit)');
      if (arch !== 'x64' && arch !== 'x86') throw AppError.invalid('arch', `--arch ${arch}: use x64 or x86.`);
      const out = required(v, 'out', 'the zip file to write, e.g. certdesk-agent-windows-x64.zip');
      const { packageAgent } = await import('../deploy/agent/package.ts');
      return packageAgent({ arch, out, force: v.force === true }, { signal: io.signal, step: io.step });
    },
    print: (r: { path: string | null; bytes: number }) => `Agent package written to ${r.path} (${r.bytes} bytes). Unzip it on the server and run AgentInstaller.exe start.`,
  },
};
