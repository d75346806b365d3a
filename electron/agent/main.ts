// certdesk-agent: the command line of the agent program (out/agent/certdesk-agent.cjs, one bundle with no
// node_modules beside it). This exact command line is what the Windows service wrapper runs:
//   certdesk-agent serve --listen HOST:PORT --state-dir DIR [--config FILE] [--challenge-port N]
//                        [--challenge-host H] [--site HOST:PORT]
//   certdesk-agent pairing-code --state-dir DIR     the pairing lines again (or who it is paired with)
//   certdesk-agent unpair --state-dir DIR           forget the pairing; a new code at the next start
//   certdesk-agent --version
// The config file is JSON { "listen", "stateDir", "challengePort", "challengeHost", "site" }; flags win over it and
// a relative stateDir in it is relative to the file's folder.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';
import { splitAddress } from './actions.ts';
import { AgentLog } from './log.ts';
import { DEFAULT_AGENT_PORT } from './protocol.ts';
import { AgentServer, type AgentOptions } from './server.ts';
import { AgentState, STATE_FILES, pairingLines } from './state.ts';

declare const __CERTDESK_AGENT_VERSION__: string | undefined;
export const AGENT_VERSION = typeof __CERTDESK_AGENT_VERSION__ === 'string' ? __CERTDESK_AGENT_VERSION__ : '0.0.0-dev';

const USAGE = `Usage:
  certdesk-agent serve --listen HOST:PORT --state-dir DIR [--config FILE] [--challenge-port N] [--challenge-host H] [--site HOST:PORT]
  certdesk-agent pairing-code --state-dir DIR [--config FILE]
  certdesk-agent unpair --state-dir DIR [--config FILE]
  certdesk-agent --version
`;

const FLAGS = ['--listen', '--state-dir', '--config', '--challenge-port', '--challenge-host', '--site'] as const;
type Flag = (typeof FLAGS)[number];

export interface ParsedArgs {
  command: 'serve' | 'pairing-code' | 'unpair' | 'version' | 'help';
  flags: Partial<Record<Flag, string>>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const flags: Partial<Record<Flag, string>> = {};
  let command: ParsedArgs['command'] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--version' || a === '-v') return { command: 'version', flags };
    if (a === '--help' || a === '-h' || a === 'help') return { command: 'help', flags };
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a) as Flag;
    if (FLAGS.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw AppError.invalid(name, `${name} needs a value.`);
      flags[name] = value;
    } else if (!a.startsWith('-') && command === null && (a === 'serve' || a === 'pairing-code' || a === 'unpair')) {
      command = a;
    } else {
      throw AppError.invalid('command', `Unknown ${a.startsWith('-') ? 'option' : 'command'} "${a}".`);
    }
  }
  if (!command) throw AppError.invalid('command', 'Say what to do: serve, pairing-code, unpair or --version.');
  return { command, flags };
}

interface ConfigFile {
  listen?: string;
  stateDir?: string;
  challengePort?: number | null;
  challengeHost?: string;
  site?: string | null;
}

function readConfig(file: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw AppError.invalid('--config', `Cannot read the config file ${file}: ${(err as Error).message}.`, 'It must be JSON like { "listen": "0.0.0.0:9443", "stateDir": "state" }.');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw AppError.invalid('--config', `${file} is not a JSON object.`);
  const c = json as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    if (c[k] === undefined || c[k] === null) return undefined;
    if (typeof c[k] !== 'string') throw AppError.invalid(k, `"${k}" in ${file} must be a string.`);
    return c[k];
  };
  const cp = c.challengePort;
  if (cp !== undefined && cp !== null && (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 0 || cp > 65535)) {
    throw AppError.invalid('challengePort', `"challengePort" in ${file} must be a port number or null.`);
  }
  const stateDir = str('stateDir');
  return {
    listen: str('listen'),
    stateDir: stateDir === undefined ? undefined : resolve(dirname(resolve(file)), stateDir),
    challengePort: cp as number | null | undefined,
    challengeHost: str('challengeHost'),
    site: str('site') ?? null,
  };
}

function port(text: string, field: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) throw AppError.invalid(field, `"${text}" is not a port number.`);
  return n;
}

export function resolveOptions(args: ParsedArgs): AgentOptions {
  const f = args.flags;
  const cfg: ConfigFile = f['--config'] ? readConfig(f['--config']) : {};
  const stateDir = f['--state-dir'] ? resolve(f['--state-dir']) : cfg.stateDir;
  if (!stateDir) throw AppError.invalid('--state-dir', 'Say where the agent keeps its key, certificate and pairing: --state-dir DIR (or "stateDir" in --config).');
  const listen = splitAddress(f['--listen'] ?? cfg.listen ?? `0.0.0.0:${DEFAULT_AGENT_PORT}`, '--listen');
  const challengePort = f['--challenge-port'] !== undefined ? port(f['--challenge-port'], '--challenge-port') : (cfg.challengePort ?? null);
  const site = f['--site'] ?? cfg.site ?? null;
  if (site) splitAddress(site, '--site');
  return {
    stateDir,
    host: listen.host,
    port: listen.port,
    challengePort,
    challengeHost: f['--challenge-host'] ?? cfg.challengeHost ?? '0.0.0.0',
    site,
    version: AGENT_VERSION,
  };
}

async function serve(opts: AgentOptions): Promise<void> {
  const state = new AgentState(opts.stateDir);
  state.ensureDir();
  const log = new AgentLog(state.path('log'));
  const agent = new AgentServer(opts, log);
  await agent.start();
  log.line(`certdesk-agent ${opts.version} started (node ${process.version}, state ${opts.stateDir})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.line(`Stopping (${signal})`);
    agent.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(0), 5000).unref();
  };
  for (const s of ['SIGTERM', 'SIGINT', 'SIGBREAK', 'SIGHUP'] as const) process.on(s, () => stop(s));
}

async function pairingCode(opts: AgentOptions): Promise<void> {
  const state = new AgentState(opts.stateDir);
  state.ensureDir();
  const pairing = state.readPairing();
  if (pairing) {
    process.stdout.write(`This agent is paired with ${pairing.client || 'Certdesk'} (since ${pairing.pairedAt}).\nTo pair it again: certdesk-agent unpair --state-dir ${opts.stateDir}, then restart it.\n`);
    return;
  }
  const id = await state.identity();
  process.stdout.write(pairingLines(state.ensureCode(), id.fingerprint));
}

function unpair(opts: AgentOptions): void {
  const state = new AgentState(opts.stateDir);
  const had = state.clearPairing();
  state.removeCode();
  process.stdout.write(
    had
      ? `Unpaired: the agent forgot its pairing secret. It prints a new pairing code at its next start (or run certdesk-agent pairing-code --state-dir ${opts.stateDir}).\n`
      : `This agent was not paired (no ${STATE_FILES.pairing} in ${opts.stateDir}).\n`,
  );
}

export async function main(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
    if (args.command === 'version') {
      process.stdout.write(`certdesk-agent ${AGENT_VERSION}\n`);
      return 0;
    }
    if (args.command === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const opts = resolveOptions(args);
    if (args.command === 'serve') await serve(opts);
    else if (args.command === 'pairing-code') await pairingCode(opts);
    else unpair(opts);
    return args.command === 'serve' ? -1 : 0;
  } catch (err) {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', (err as Error)?.message ?? String(err));
    process.stderr.write(`certdesk-agent: ${e.message}\n${e.hint ? `${e.hint}\n` : ''}`);
    if (e.code === 'INVALID_INPUT' && /^(--|command)/.test(e.field ?? '')) process.stderr.write(USAGE);
    return e.code === 'INVALID_INPUT' ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code > 0) process.exit(code); // a serve that failed half way may hold a listener open
  if (code === 0) process.exitCode = 0;
});
