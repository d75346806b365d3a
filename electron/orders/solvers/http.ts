// The automatic http-01 solver over the deploy-target seam (electron/deploy/types.ts): for every name a server
// mapping answers, write the key authorization to `<webroot>/.well-known/acme-challenge/<token>` on each server
// of the pool (the CA may reach any of them behind a load balancer), check from here that
// `http://<name>/.well-known/acme-challenge/<token>` serves it (a warning with the reason when not: the CA is
// asked anyway, it may see the server from places we cannot), and after the verdict remove exactly the files
// placed. The same code serves SSH servers and, later, Windows agents: it only sees TargetSession.
import http from 'node:http';
import https from 'node:https';
import { AppError } from '../../../shared/ipc/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { challengePath, type TargetDirectory, type TargetSession } from '../../deploy/types.ts';
import type { PlacedFile } from '../../store/schema.ts';
import type { ChallengeSolver, SolverChallenge, SolverContext } from './types.ts';

/**
 * `host:port` the pre-flight check connects to instead of `<name>:80` (the Host header stays the name): for
 * split-horizon setups and the test bed, where the names do not resolve to the web server.
 */
export const PREFLIGHT_ADDRESS_ENV = 'CERTDESK_HTTP01_PREFLIGHT_ADDRESS';
const PREFLIGHT_TIMEOUT_MS = 5000;
/** Redirects the pre-flight follows (the CA's validation follows up to 10). */
export const MAX_REDIRECTS = 3;
/** The challenge file is world-readable: the web server (another user) serves it. */
const FILE_MODE = 0o644;

export interface HttpSolverDeps {
  targets: TargetDirectory;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface PreflightResult {
  ok: boolean;
  /** For people: what was served instead, or why nothing was. */
  message: string;
}

export class HttpSolver implements ChallengeSolver<PlacedFile> {
  readonly kind = 'server' as const;
  readonly automatic = true;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  /** Warnings of the last check(), per name (shown as progress and kept in the log). */
  readonly warnings = new Map<string, string>();

  constructor(private readonly deps: HttpSolverDeps) {
    this.log = deps.logger.child('http-solver');
    this.env = deps.env ?? process.env;
  }

  async present(challenges: SolverChallenge[], ctx: SolverContext<PlacedFile>): Promise<PlacedFile[]> {
    // One session per server, each file written on every server of its pool.
    const byTarget = new Map<string, { name: string; path: string; value: string }[]>();
    for (const c of challenges) {
      if (!c.token || !c.targets?.length) continue;
      for (const t of c.targets) {
        const list = byTarget.get(t.targetId) ?? [];
        list.push({ name: c.name, path: challengePath(t.webroot, c.token), value: c.value });
        byTarget.set(t.targetId, list);
      }
    }
    const placed: PlacedFile[] = [];
    for (const [targetId, files] of byTarget) {
      const target = this.deps.targets.target(targetId);
      for (const f of files) ctx.progress(f.name, `${target.name}: connecting`);
      const session = await target.open(ctx.signal);
      try {
        for (const f of files) {
          const rec: PlacedFile = { name: f.name, targetId, path: f.path };
          // Remembered before the write: a crash in between still leaves the bookkeeping to clean up from.
          await ctx.remember([rec]);
          ctx.progress(f.name, `${target.name}: writing ${f.path}`);
          await session.putFile(f.path, f.value, FILE_MODE, ctx.signal);
          placed.push(rec);
          this.log.info('challenge file placed', { name: f.name, target: target.name, path: f.path });
        }
      } finally {
        session.close();
      }
    }
    return placed;
  }

  /** The pre-flight: never fails the order, it warns (with the reason) where the file is not served. */
  async check(_records: PlacedFile[], ctx: SolverContext<PlacedFile>, challenges: SolverChallenge[]): Promise<void> {
    this.warnings.clear();
    await Promise.all(
      challenges
        .filter((c) => c.token && c.targets?.length)
        .map(async (c) => {
          ctx.progress(c.name, `Checking http://${c.identifier}/.well-known/acme-challenge/${c.token!.slice(0, 8)}…`);
          const result = await this.preflight(c.identifier, c.token!, c.value, ctx.signal);
          if (result.ok) {
            ctx.progress(c.name, 'The challenge file is served: asking the CA');
          } else {
            const warning = `Warning: ${result.message} Asking the CA anyway.`;
            this.warnings.set(c.name, warning);
            ctx.progress(c.name, warning);
            this.log.warn('http-01 pre-flight', { name: c.name, message: result.message });
          }
        }),
    );
    if (ctx.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
  }

  async cleanUp(records: PlacedFile[], ctx: SolverContext<PlacedFile>): Promise<void> {
    const byTarget = new Map<string, PlacedFile[]>();
    for (const r of records) byTarget.set(r.targetId, [...(byTarget.get(r.targetId) ?? []), r]);
    const failures: string[] = [];
    for (const [targetId, recs] of byTarget) {
      let session: TargetSession | null = null;
      let name = targetId.slice(0, 8);
      try {
        const target = this.deps.targets.target(targetId);
        name = target.name;
        session = await target.open(ctx.signal);
        for (const r of recs) {
          ctx.progress(r.name, `${name}: removing ${r.path}`);
          await session.removeFile(r.path, ctx.signal);
          await ctx.forget([r]);
          this.log.info('challenge file removed', { name: r.name, target: name, path: r.path });
        }
      } catch (err) {
        if (err instanceof AppError && err.code === 'NOT_FOUND') {
          // The server was deleted: nothing can remove the files any more; the log says where they are.
          this.log.warn('challenge files left on a deleted server', { target: targetId, paths: recs.map((r) => r.path) });
          await ctx.forget(recs);
          continue;
        }
        failures.push(`${name}: ${(err as Error).message}`);
        this.log.warn('challenge file cleanup failed', { target: name, error: (err as Error).message });
      } finally {
        session?.close();
      }
    }
    if (failures.length) {
      throw new AppError('NETWORK', `Could not remove every challenge file: ${failures.join('; ')}`, {
        hint: 'Certdesk tries again at the next Verify and at start; or remove them on the server.',
      });
    }
  }

  /** GET http://<identifier>/.well-known/acme-challenge/<token> the way the CA does (redirects followed). */
  async preflight(identifier: string, token: string, expected: string, signal: AbortSignal): Promise<PreflightResult> {
    const override = this.env[PREFLIGHT_ADDRESS_ENV]?.trim() || null;
    let url = new URL(`http://${identifier}/.well-known/acme-challenge/${token}`);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let res: { status: number; location: string | null; body: string };
      try {
        res = await fetchOnce(url, url.hostname === identifier && override ? override : null, signal);
      } catch (err) {
        if (signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
        return { ok: false, message: `${url.href} could not be fetched from this computer: ${(err as Error).message}.` };
      }
      if (res.status >= 300 && res.status < 400 && res.location) {
        url = new URL(res.location, url);
        continue;
      }
      if (res.status !== 200) return { ok: false, message: `${url.href} answered HTTP ${res.status} instead of the challenge file.` };
      if (res.body.trim() !== expected) {
        const seen = res.body.trim().slice(0, 60).replace(/\s+/g, ' ');
        return { ok: false, message: `${url.href} serves other content ("${seen}${res.body.length > 60 ? '…' : ''}"): check the webroot of the mapping.` };
      }
      return { ok: true, message: 'served' };
    }
    return { ok: false, message: `${url.href}: more than ${MAX_REDIRECTS} redirects.` };
  }
}

/** One GET without following redirects; `connectTo` (`host:port`) replaces where it connects (Host stays). */
export function fetchOnce(url: URL, connectTo: string | null, signal: AbortSignal): Promise<{ status: number; location: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    let host = url.hostname;
    let port = Number(url.port) || (secure ? 443 : 80);
    if (connectTo) {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(connectTo);
      if (m) {
        host = m[1]!;
        port = Number(m[2]);
      } else host = connectTo;
    }
    const mod = secure ? https : http;
    const req = mod.request(
      {
        host,
        port,
        path: url.pathname + url.search,
        method: 'GET',
        headers: { host: url.host, 'user-agent': 'Certdesk http-01 pre-flight' },
        timeout: PREFLIGHT_TIMEOUT_MS,
        signal,
        // The CA does not check the certificate after a redirect to https either.
        ...(secure ? { rejectUnauthorized: false, servername: url.hostname } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < 4096) body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: typeof res.headers.location === 'string' ? res.headers.location : null, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
