// The Certdesk agent as the service runs it: `node out/agent/certdesk-agent.cjs serve --listen 127.0.0.1:PORT
// --state-dir DIR [--challenge-port P --challenge-host 127.0.0.1] [--site HOST:PORT]` as a child process. Resolves
// once it listens, with its URL and (while unpaired) the pairing code and certificate fingerprint it printed;
// stop() ends it by its PID and waits for the exit. For the Certdesk-side tests (CLI, bridge, UI); the agent's own
// tests use test/helpers/agent-raw.ts.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export const AGENT_BUNDLE = join(process.cwd(), 'out/agent/certdesk-agent.cjs');

export interface AgentProcessOptions {
  stateDir: string;
  /** 0 (default): a free port. A fixed port lets a test restart "the same agent" at the same URL. */
  port?: number;
  /** Serve http-01 itself on this port (0: a free one). */
  challengePort?: number;
  /** The TLS site it reports the served serial of (`--site`). */
  site?: string;
}

export interface AgentProcess {
  pid: number;
  stateDir: string;
  port: number;
  /** https://127.0.0.1:PORT */
  url: string;
  challengePort: number | null;
  /** The last `Pairing code:` / `Certificate:` lines printed (null when it printed none: paired). */
  pairing(): { code: string; fingerprint: string } | null;
  /** Writes the current pairing code to `<dir>/code.txt` (as the CLI's --code-file takes it) and returns the path. */
  codeFile(dir: string, code?: string): string;
  stdout(): string;
  stderr(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export async function startAgentProcess(opts: AgentProcessOptions): Promise<AgentProcess> {
  const args = [AGENT_BUNDLE, 'serve', '--listen', `127.0.0.1:${opts.port ?? 0}`, '--state-dir', opts.stateDir];
  if (opts.challengePort !== undefined) args.push('--challenge-port', String(opts.challengePort), '--challenge-host', '127.0.0.1');
  if (opts.site !== undefined) args.push('--site', opts.site);
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    wake();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      wake();
      resolve();
    }),
  );
  const waitFor = (re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`The agent did not print ${re} within ${timeoutMs} ms. stdout: ${out} stderr: ${err}`));
      }, timeoutMs);
      const check = (): void => {
        const m = out.match(re);
        if (m || child.exitCode !== null) {
          clearTimeout(timer);
          waiters.delete(check);
          if (m) resolve(m);
          else reject(new Error(`The agent exited (${child.exitCode}) before printing ${re}. stdout: ${out} stderr: ${err}`));
        }
      };
      waiters.add(check);
      check();
    });
  const listening = await waitFor(/Listening on https:\/\/127\.0\.0\.1:(\d+)/);
  const challenge = opts.challengePort !== undefined ? await waitFor(/Challenges on http:\/\/[^:]+:(\d+)\//) : null;
  const port = Number(listening[1]);
  const pairing = (): { code: string; fingerprint: string } | null => {
    const code = [...out.matchAll(/^Pairing code: (\S+)$/gm)].at(-1)?.[1];
    const fingerprint = [...out.matchAll(/^Certificate: (\S+)$/gm)].at(-1)?.[1];
    return code && fingerprint ? { code, fingerprint } : null;
  };
  return {
    pid: child.pid!,
    stateDir: opts.stateDir,
    port,
    url: `https://127.0.0.1:${port}`,
    challengePort: challenge ? Number(challenge[1]) : null,
    pairing,
    codeFile(dir, code) {
      const c = code ?? pairing()?.code;
      if (!c) throw new Error(`The agent printed no pairing code. stdout: ${out}`);
      const file = join(dir, 'code.txt');
      writeFileSync(file, `${c}\n`, { mode: 0o600 });
      return file;
    },
    stdout: () => out,
    stderr: () => err,
    waitFor,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
