// The built agent (out/agent/certdesk-agent.cjs) as a child process, and a tiny signed client for it: HTTPS with
// rejectUnauthorized off plus a check of the certificate's fingerprint (what Certdesk pins), requests signed with
// protocol.signRequest, answers checked against the agent's x-certdesk-signature. Lower level than Certdesk's own
// client (electron/deploy/agent/): tests can send exactly the bytes they want, replay them, or tamper with them.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { HEADER, canonicalResponse, certFingerprint, hmac, sameSignature, signRequest } from '../../electron/agent/protocol.ts';

export const AGENT = join(process.cwd(), 'out/agent/certdesk-agent.cjs');

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The fingerprint of the certificate the agent presented. */
  fingerprint: string;
  json<T = unknown>(): T;
}

export interface RawRequest {
  port: number;
  method: string;
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

/** One HTTPS request to 127.0.0.1:port, no certificate verification (the caller checks `fingerprint`). */
export function rawRequest(r: RawRequest): Promise<RawAnswer> {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: r.port,
        method: r.method,
        path: r.path,
        agent: false,
        rejectUnauthorized: false,
        headers: { ...(body.length || r.method !== 'GET' ? { 'content-type': 'application/json', 'content-length': body.length } : {}), ...r.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const fingerprint = certFingerprint((res.socket as TLSSocket).getPeerCertificate().raw);
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const data = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, fingerprint, json: <T>() => JSON.parse(data.toString('utf8')) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface Prepared extends RawRequest {
  body: Buffer;
  headers: Record<string, string>;
  nonce: string;
}

/** A paired client: signs every request with the secret and checks the agent's signature on every answer. */
export class SignedClient {
  constructor(
    readonly port: number,
    readonly secret: Buffer,
    readonly fingerprint: string,
  ) {}

  prepare(method: string, path: string, value?: unknown, now = Date.now(), secret = this.secret): Prepared {
    const body = Buffer.from(value === undefined ? '' : JSON.stringify(value));
    const headers = signRequest(secret, method, path, body, now);
    return { port: this.port, method, path, body, headers, nonce: headers[HEADER.nonce]! };
  }

  /** Sends a prepared request; `signed` says whether the answer carries a valid signature over its nonce. */
  async send(p: Prepared): Promise<RawAnswer & { signed: boolean }> {
    const a = await rawRequest(p);
    if (a.fingerprint !== this.fingerprint) throw new Error(`The agent presented ${a.fingerprint}, not the pinned ${this.fingerprint}.`);
    const sig = a.headers[HEADER.signature];
    const signed = typeof sig === 'string' && sameSignature(sig, hmac(this.secret, canonicalResponse(a.status, p.nonce, a.body)));
    return { ...a, signed };
  }

  /** POST (GET for info without a body) and return the JSON; throws unless 200 and signed. */
  async call<T = unknown>(path: string, value?: unknown, method = 'POST'): Promise<T> {
    const a = await this.send(this.prepare(method, path, value));
    if (a.status !== 200) throw new Error(`${path} answered ${a.status}: ${a.body.toString('utf8')}`);
    if (!a.signed) throw new Error(`${path}: the answer is not signed with the pairing secret.`);
    return a.json<T>();
  }
}

export interface AgentProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  port: number;
  challengePort: number | null;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout at or after `from` (a character offset). */
  waitFor(re: RegExp, from?: number, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The code and fingerprint of the last `Pairing code:` / `Certificate:` lines printed (null when none). */
  pairing(): { code: string; fingerprint: string } | null;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `node out/agent/certdesk-agent.cjs serve --listen 127.0.0.1:0 --state-dir DIR ...`; resolves once it listens.
 * stateDir null: no --state-dir (it comes from a --config file in `extra`).
 */
export async function startAgent(stateDir: string | null, extra: string[] = []): Promise<AgentProcess> {
  const args = [AGENT, 'serve', '--listen', '127.0.0.1:0', ...(stateDir === null ? [] : ['--state-dir', stateDir]), ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const w of waiters) w();
    resolve(code);
  }));
  const waitFor = (re: RegExp, from = 0, timeoutMs = 20_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = out.slice(from).match(re);
        if (m) {
          done();
          resolve(m);
        } else if (child.exitCode !== null) {
          done();
          reject(new Error(`The agent exited (${child.exitCode}) before printing ${re}. stdout: ${out} stderr: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`The agent did not print ${re} within ${timeoutMs} ms. stdout: ${out} stderr: ${err}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const listening = await waitFor(/Listening on https:\/\/127\.0\.0\.1:(\d+)/);
  await waitFor(/certdesk-agent \S+ started/); // printed once both listeners are up
  const challenge = /Challenges on http:\/\/[^:]+:(\d+)\//.exec(out);
  return {
    child,
    port: Number(listening[1]),
    challengePort: challenge ? Number(challenge[1]) : null,
    stdout: () => out,
    stderr: () => err,
    waitFor,
    pairing() {
      const codes = [...out.matchAll(/^Pairing code: (\S+)$/gm)];
      const fps = [...out.matchAll(/^Certificate: (\S+)$/gm)];
      const c = codes.at(-1)?.[1];
      const f = fps.at(-1)?.[1];
      return c && f ? { code: c, fingerprint: f } : null;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a one-shot subcommand of the agent (`--version`, `pairing-code`, `unpair`). */
export function agentCommand(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
