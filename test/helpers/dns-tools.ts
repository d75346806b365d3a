// dig as the independent witness of what a DNS server holds (not our own query code).
import { execFile } from 'node:child_process';

export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** TXT values at `name` on `host:port`, as dig reads them (one string per record, chunks joined), sorted. */
export async function digTxt(server: string, name: string): Promise<string[]> {
  const [host, port] = server.split(':');
  const { stdout } = await run('dig', [`@${host}`, '-p', port ?? '53', '+short', '+norecurse', '+time=2', '+tries=1', 'TXT', name]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join(''))
    .sort();
}

/** Adds or deletes with nsupdate (to set up a state independently of the code under test). */
export async function nsupdate(server: string, key: { name: string; algorithm: string; secret: string }, commands: string[]): Promise<void> {
  const [host, port] = server.split(':');
  const script = [`server ${host} ${port}`, ...commands, 'send', ''].join('\n');
  await new Promise<void>((resolve, reject) => {
    const child = execFile('nsupdate', ['-y', `${key.algorithm}:${key.name}:${key.secret}`], { timeout: 10_000 }, (err, _o, stderr) => {
      if (err) reject(new Error(`nsupdate failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
    child.stdin?.end(script);
  });
}
