// Runs the built CLI (out/cli/certdesk.cjs) as a user's script would: a fresh process per command.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** `certdesk --data-dir <dataDir> ...args`: exit code, stdout and stderr. */
export function certdesk(dataDir: string, ...args: string[]): Promise<CliResult> {
  return certdeskWithEnv(process.env, dataDir, ...args);
}

/** The same with another environment for the process (e.g. no keychain reachable). */
export function certdeskWithEnv(env: NodeJS.ProcessEnv, dataDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
