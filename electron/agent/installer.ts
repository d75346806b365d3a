// AgentInstaller: installs the Certdesk agent as a Windows service with WinSW (built to out/agent/agent-installer.cjs,
// shipped as AgentInstaller.exe in the Windows zips made by build/agent-package.mjs). The zip holds, in one folder:
//   AgentInstaller.exe              this program
//   certdesk-agent.exe              the agent (electron/agent/main.ts) as a Node single-executable app
//   certdesk-agent-service.exe      WinSW 1.x, renamed: it reads certdesk-agent-service.xml beside it (WinSW's rule)
//   certdesk-agent-service.exe.config  WinSW's .NET runtime selection
//   certdesk-agent.json             the agent's config (listen, stateDir, challengePort, site)
//
//   AgentInstaller start [--dir DIR]   writes the service XML, installs and starts the service, prints the pairing lines
//   AgentInstaller stop [--dir DIR]    stops and uninstalls the service (the state dir stays: keys and pairing)
//   AgentInstaller status [--dir DIR]  the service state and whether the agent is paired
//   AgentInstaller --version
// Everything that decides *what* runs (XML, commands in order, state dir) is a pure function below, tested on Linux
// (test/unit/agent-installer.test.ts); only main() spawns, and only on Windows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/ipc/errors.ts';
import { DEFAULT_AGENT_PORT } from './protocol.ts';

declare const __CERTDESK_AGENT_VERSION__: string | undefined;
export const INSTALLER_VERSION = typeof __CERTDESK_AGENT_VERSION__ === 'string' ? __CERTDESK_AGENT_VERSION__ : '0.0.0-dev';

export const SERVICE_ID = 'certdesk-agent';
export const SERVICE_NAME = 'Certdesk Agent';
export const SERVICE_DESCRIPTION = 'Answers ACME http-01 challenges and installs certificates for Certdesk (HTTPS, paired, authenticated requests only).';

/** The files of the agent folder, by role (names fixed: README.txt and the zip builder use the same). */
export const AGENT_FILES = {
  installer: 'AgentInstaller.exe',
  agent: 'certdesk-agent.exe',
  service: 'certdesk-agent-service.exe',
  serviceConfig: 'certdesk-agent-service.exe.config',
  serviceXml: 'certdesk-agent-service.xml',
  config: 'certdesk-agent.json',
  readme: 'README.txt',
} as const;

/** Pairing code file the agent writes in its state dir until it is paired, and the pairing it keeps once it is. */
const CODE_FILE = 'pairing-code.txt';
const PAIRING_FILE = 'pairing.json';

const win = path.win32;

/** `%ProgramData%\Certdesk Agent` (C:\ProgramData when the variable is missing). */
export function defaultStateDir(env: Record<string, string | undefined>): string {
  const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
  return win.join(programData, 'Certdesk Agent');
}

export interface AgentConfig {
  listen: string;
  stateDir: string;
  challengePort: number | null;
  site: string | null;
}

/** The config the zip ships: every interface on the default port, state under ProgramData, no challenge port or site. */
export function defaultConfig(env: Record<string, string | undefined>): AgentConfig {
  return { listen: `0.0.0.0:${DEFAULT_AGENT_PORT}`, stateDir: defaultStateDir(env), challengePort: null, site: null };
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * The WinSW service definition for the agent folder `dir` (an absolute Windows path): the service runs
 * `<dir>\certdesk-agent.exe serve --config "<dir>\certdesk-agent.json"`, starts with Windows, is restarted when it
 * fails. Its console output (which holds the pairing code until the agent is paired) goes to rolling logs in the
 * state dir, which only SYSTEM and Administrators may read (stateDirAclCommand), not beside the programs.
 */
export function serviceXml(dir: string, stateDir: string): string {
  const exe = win.join(dir, AGENT_FILES.agent);
  const config = win.join(dir, AGENT_FILES.config);
  return [
    '<service>',
    `  <id>${SERVICE_ID}</id>`,
    `  <name>${xmlEscape(SERVICE_NAME)}</name>`,
    `  <description>${xmlEscape(SERVICE_DESCRIPTION)}</description>`,
    `  <executable>${xmlEscape(exe)}</executable>`,
    `  <arguments>serve --config ${xmlEscape(`"${config}"`)}</arguments>`,
    `  <workingdirectory>${xmlEscape(dir)}</workingdirectory>`,
    `  <logpath>${xmlEscape(stateDir)}</logpath>`,
    '  <logmode>roll</logmode>',
    '  <onfailure action="restart" delay="10 sec"/>',
    '  <onfailure action="restart" delay="30 sec"/>',
    '  <resetfailure>1 hour</resetfailure>',
    '  <startmode>Automatic</startmode>',
    '  <stoptimeout>15 sec</stoptimeout>',
    '</service>',
    '',
  ].join('\r\n');
}

export interface Command {
  file: string;
  args: string[];
  /** Why it runs (printed before it). */
  label: string;
}

function wrapper(dir: string, verb: string, label: string): Command {
  return { file: win.join(dir, AGENT_FILES.service), args: [verb], label };
}

/**
 * The state dir holds the agent's key and pairing secret: its ACL is reduced to SYSTEM (the service) and the
 * Administrators group, by SID so it works in every Windows language, inherited by everything inside (also files
 * already there). Without this, a folder under ProgramData inherits read access for all local users.
 */
export function stateDirAclCommand(stateDir: string, env: Record<string, string | undefined>): Command {
  const systemRoot = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
  return {
    file: win.join(systemRoot, 'System32', 'icacls.exe'),
    args: [stateDir, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '/T', '/Q'],
    label: `Restricting ${stateDir} to SYSTEM and Administrators`,
  };
}

/** `start`: install the service (skipped when it already exists), then start it. */
export function startCommands(dir: string, installed: boolean): Command[] {
  return [
    ...(installed ? [] : [wrapper(dir, 'install', `Installing the Windows service "${SERVICE_NAME}" (${SERVICE_ID})`)]),
    wrapper(dir, 'start', `Starting the service ${SERVICE_ID}`),
  ];
}

/** `stop`: stop the service, then uninstall it. */
export function stopCommands(dir: string): Command[] {
  return [wrapper(dir, 'stop', `Stopping the service ${SERVICE_ID}`), wrapper(dir, 'uninstall', `Uninstalling the service ${SERVICE_ID}`)];
}

export function statusCommand(dir: string): Command {
  return wrapper(dir, 'status', `Asking the service state of ${SERVICE_ID}`);
}

/** The agent's own command that prints the pairing lines from the state dir. */
export function pairingCodeCommand(dir: string, stateDir: string): Command {
  return { file: win.join(dir, AGENT_FILES.agent), args: ['pairing-code', '--state-dir', stateDir], label: 'Reading the pairing code' };
}

/** What to run instead of the service where there is no Windows service manager (the agent in the foreground). */
export function serveCommandLine(dir: string, config: string, platform: NodeJS.Platform): string {
  const p = platform === 'win32' ? win : path.posix;
  const exe = platform === 'win32' ? p.join(dir, AGENT_FILES.agent) : 'node out/agent/certdesk-agent.cjs';
  return `${exe} serve --config "${p.resolve(dir, config)}"`;
}

/** WinSW 1.x `status` prints one word: Started, Stopped or NonExistent. */
export function parseServiceStatus(stdout: string): 'started' | 'stopped' | 'absent' | 'unknown' {
  const word = stdout.trim().split(/\s+/).pop() ?? '';
  if (/^Started$/i.test(word)) return 'started';
  if (/^Stopped$/i.test(word)) return 'stopped';
  if (/^NonExistent$/i.test(word)) return 'absent';
  return 'unknown';
}

/**
 * The state dir of the agent as its config says (relative paths are relative to the config's folder, as the agent
 * reads them), the ProgramData default when the config has none. A broken config is a clear error.
 */
export function stateDirFromConfig(configText: string, configPath: string, env: Record<string, string | undefined>): string {
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (err) {
    throw AppError.invalid('config', `${configPath} is not valid JSON: ${(err as Error).message}.`, 'Fix the file or delete it: AgentInstaller writes the default one again.');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw AppError.invalid('config', `${configPath} is not a JSON object.`);
  const stateDir = (json as Record<string, unknown>).stateDir;
  if (stateDir === undefined || stateDir === null || stateDir === '') return defaultStateDir(env);
  if (typeof stateDir !== 'string') throw AppError.invalid('stateDir', `"stateDir" in ${configPath} must be a string.`);
  return win.resolve(win.dirname(configPath), stateDir);
}

const USAGE = `Usage (in a command prompt opened with "Run as administrator", in the unzipped folder):
  AgentInstaller start     install and start the Certdesk agent service, then show its pairing code
  AgentInstaller stop      stop and remove the service (its key and pairing stay in the state folder)
  AgentInstaller status    show whether the service runs and whether the agent is paired
  AgentInstaller --version
Option: --dir DIR        the agent folder (default: the folder of AgentInstaller.exe)
`;

export interface InstallerArgs {
  command: 'start' | 'stop' | 'status' | 'version' | 'help';
  dir: string | null;
}

export function parseInstallerArgs(argv: string[]): InstallerArgs {
  let command: InstallerArgs['command'] | null = null;
  let dir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--version' || a === '-v') return { command: 'version', dir };
    if (a === '--help' || a === '-h' || a === 'help' || a === '/?') return { command: 'help', dir };
    if (a === '--dir' || a.startsWith('--dir=')) {
      const value = a === '--dir' ? argv[++i] : a.slice(6);
      if (!value) throw AppError.invalid('--dir', '--dir needs a folder.');
      dir = value;
    } else if (command === null && (a === 'start' || a === 'stop' || a === 'status')) {
      command = a;
    } else {
      throw AppError.invalid('command', `Unknown ${a.startsWith('-') ? 'option' : 'command'} "${a}".`, 'Use start, stop or status.');
    }
  }
  if (!command) throw AppError.invalid('command', 'Say what to do: start, stop or status.');
  return { command, dir };
}

// ---- Windows only below: spawning the wrapper and the agent. ----

function isSea(): boolean {
  try {
    // node:sea exists from Node 20.12; outside a single-executable app isSea() is false. The bundle is CommonJS
    // (require exists); under tsx's ESM loader it does not, and that is never a single-executable app.
    const req = typeof require === 'function' ? require : null;
    return req ? (req('node:sea') as { isSea(): boolean }).isSea() : false;
  } catch {
    return false;
  }
}

/** The agent folder: --dir, else the folder of AgentInstaller.exe (or of this script when run by node). */
function agentDir(args: InstallerArgs): string {
  if (args.dir) return path.resolve(args.dir);
  return path.dirname(isSea() ? process.execPath : path.resolve(process.argv[1] ?? '.'));
}

function run(cmd: Command, quiet = false): { status: number; stdout: string; stderr: string } {
  if (!quiet) process.stdout.write(`${cmd.label}...\n`);
  const r = spawnSync(cmd.file, cmd.args, { encoding: 'utf8', windowsHide: true, timeout: 120_000 });
  if (r.error) {
    throw new AppError('INTERNAL', `Could not run ${cmd.file}: ${r.error.message}.`, { hint: `Check that ${path.win32.basename(cmd.file)} is in the folder you unzipped (antivirus software may have removed it).` });
  }
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(cmd: Command): void {
  const r = run(cmd);
  if (r.status !== 0) {
    const out = `${r.stdout}${r.stderr}`.trim();
    const denied = /access.*denied|administrator/i.test(out);
    throw new AppError(denied ? 'PERMISSION' : 'INTERNAL', `${cmd.label} failed (exit ${r.status})${out ? `: ${out}` : '.'}`, {
      hint: denied ? 'Open the command prompt with "Run as administrator" and run AgentInstaller again.' : `Look at ${SERVICE_ID}-service.err.log in the agent's state folder.`,
    });
  }
}

function serviceState(dir: string): ReturnType<typeof parseServiceStatus> {
  return parseServiceStatus(run(statusCommand(dir), true).stdout);
}

function readStateDir(dir: string): string {
  const config = path.win32.join(dir, AGENT_FILES.config);
  if (!existsSync(config)) {
    writeFileSync(config, `${JSON.stringify(defaultConfig(process.env), null, 2)}\n`);
    process.stdout.write(`Wrote the default ${AGENT_FILES.config} (port ${DEFAULT_AGENT_PORT}).\n`);
  }
  return stateDirFromConfig(readFileSync(config, 'utf8'), config, process.env);
}

async function waitForPairing(dir: string, stateDir: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path.win32.join(stateDir, CODE_FILE)) && !existsSync(path.win32.join(stateDir, PAIRING_FILE))) {
    if (Date.now() > until) {
      throw new AppError('INTERNAL', `The service started but the agent wrote no pairing code in ${stateDir} within ${Math.round(timeoutMs / 1000)} s.`, {
        hint: `Look at agent.log and ${SERVICE_ID}-service.err.log in ${stateDir}.`,
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const r = run(pairingCodeCommand(dir, stateDir), true);
  process.stdout.write(r.stdout);
  if (r.status !== 0) process.stderr.write(r.stderr);
}

async function start(dir: string): Promise<number> {
  if (process.platform !== 'win32') {
    process.stdout.write(
      `AgentInstaller installs a Windows service and runs only on Windows. Here, run the agent in the foreground instead:\n  ${serveCommandLine(dir, AGENT_FILES.config, process.platform)}\n`,
    );
    return 1;
  }
  const stateDir = readStateDir(dir);
  mkdirSync(stateDir, { recursive: true });
  must(stateDirAclCommand(stateDir, process.env));
  writeFileSync(path.win32.join(dir, AGENT_FILES.serviceXml), serviceXml(dir, stateDir));
  const state = serviceState(dir);
  for (const cmd of startCommands(dir, state !== 'absent')) {
    if (cmd.args[0] === 'start' && state === 'started') continue;
    must(cmd);
  }
  process.stdout.write(`The service ${SERVICE_ID} runs. State folder: ${stateDir}\n`);
  await waitForPairing(dir, stateDir, 60_000);
  process.stdout.write(
    `Pair it in Certdesk (Manage > Windows agents > Pair) with https://<this server>:<port from ${AGENT_FILES.config}>, the code above, and check the certificate fingerprint matches.\n`,
  );
  return 0;
}

function stop(dir: string): number {
  if (process.platform !== 'win32') {
    process.stdout.write('AgentInstaller manages a Windows service and runs only on Windows. Stop a foreground agent with Ctrl-C.\n');
    return 1;
  }
  const state = serviceState(dir);
  if (state === 'absent') {
    process.stdout.write(`The service ${SERVICE_ID} is not installed: nothing to stop.\n`);
    return 0;
  }
  for (const cmd of stopCommands(dir)) {
    if (cmd.args[0] === 'stop' && state === 'stopped') continue;
    must(cmd);
  }
  process.stdout.write(`The service ${SERVICE_ID} is stopped and removed. The agent's key and pairing stay in its state folder; delete the folder to forget them.\n`);
  return 0;
}

function status(dir: string): number {
  if (process.platform !== 'win32') {
    process.stdout.write('AgentInstaller manages a Windows service and runs only on Windows: there is no service here.\n');
    return 1;
  }
  const stateDir = readStateDir(dir);
  const words = { started: 'running', stopped: 'installed, stopped', absent: 'not installed', unknown: 'unknown' } as const;
  process.stdout.write(`Service ${SERVICE_ID}: ${words[serviceState(dir)]}\n`);
  const paired = existsSync(path.win32.join(stateDir, PAIRING_FILE));
  process.stdout.write(`State folder: ${stateDir}\nPaired: ${paired ? 'yes' : 'no'}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseInstallerArgs(argv);
    if (args.command === 'version') {
      process.stdout.write(`AgentInstaller ${INSTALLER_VERSION}\n`);
      return 0;
    }
    if (args.command === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const dir = agentDir(args);
    if (args.command === 'start') return await start(dir);
    return args.command === 'stop' ? stop(dir) : status(dir);
  } catch (err) {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', (err as Error)?.message ?? String(err));
    process.stderr.write(`AgentInstaller: ${e.message}\n${e.hint ? `${e.hint}\n` : ''}`);
    if (e.field === 'command' || e.field === '--dir') process.stderr.write(USAGE);
    return e.code === 'INVALID_INPUT' ? 2 : 1;
  }
}
