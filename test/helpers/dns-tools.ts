// dig as the independent witness of what a DNS server holds (not our own query code), and the small tools
// every DNS test file uses: the AppError a call fails with, a port that refuses connections.
import { execFile } from 'node:child_process';
import net from 'node:net';

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

export { rejectsWith } from './assert.ts';

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
