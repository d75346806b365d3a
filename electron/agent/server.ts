// The agent's HTTPS server: its own self-signed certificate, JSON bodies of at most MAX_BODY_BYTES, GET /v1/hello
// and POST /v1/pair without a signature, every other route only with a valid HMAC signature (protocol.ts
// verifyRequest) and every answer to such a request signed over the request's nonce (x-certdesk-signature).
// Pairing: the one-time code printed at start; five wrong codes replace it, and wrong attempts are answered one at
// a time, each later than the one before. The pairing is re-read from the state directory at each request, so
// `certdesk-agent unpair` takes effect on a running service too.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { arch, hostname, release, version as osVersionText } from 'node:os';
import * as z from 'zod/mini';
import { AppError, type ErrorCode } from '../../shared/ipc/errors.ts';
import * as actions from './actions.ts';
import { ChallengeServer, TOKEN_RE } from './challenge-server.ts';
import { iisDeploy, iisRestore, resolveIisPath } from './iis.ts';
import type { AgentLog } from './log.ts';
import {
  HEADER,
  MAX_BODY_BYTES,
  NonceCache,
  PRODUCT,
  PROTOCOL,
  ROUTES,
  canonicalResponse,
  hmac,
  normalizePairingCode,
  verifyRequest,
  type AgentInfo,
  type Capability,
  type ErrorBody,
  type HelloResponse,
  type VerifyFailure,
} from './protocol.ts';
import { AgentState, pairingLines, type PairingState } from './state.ts';
import type { TlsIdentity } from './tls-identity.ts';

export interface AgentOptions {
  stateDir: string;
  host: string;
  port: number;
  challengePort: number | null;
  challengeHost: string;
  site: string | null;
  version: string;
}

/** Wrong pairing codes before the code is replaced by a new one. */
export const MAX_PAIRING_ATTEMPTS = 5;
/** Each wrong pairing attempt is answered this much later than the previous one (capped at PAIR_DELAY_MAX_MS). */
export const PAIR_DELAY_STEP_MS = 250;
export const PAIR_DELAY_MAX_MS = 5_000;

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  AUTH: 401,
  FORBIDDEN: 403,
  PERMISSION: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CANCELLED: 499,
};

const AUTH_MESSAGES: Record<VerifyFailure, string> = {
  missing: 'The request carries no valid signature headers (x-certdesk-timestamp, x-certdesk-nonce, x-certdesk-signature).',
  stale: 'The request\'s timestamp is more than 5 minutes away from the agent\'s clock: the clocks of Certdesk and this server differ.',
  replayed: 'The request was replayed: its nonce was used before.',
  'bad-signature': 'The request\'s signature is wrong: it was not signed with this agent\'s pairing secret, or it was changed on the way.',
};
const AUTH_HINTS: Record<VerifyFailure, string> = {
  missing: 'Only a paired Certdesk can drive this agent.',
  stale: 'Synchronise both clocks (NTP / Windows Time) and try again.',
  replayed: 'Send a new request; a captured one cannot be sent again.',
  'bad-signature': 'If the agent was unpaired or paired with another Certdesk, pair it again.',
};

function osName(): string {
  return process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : process.platform;
}

function osVersion(): string {
  if (process.platform === 'win32') return `${osVersionText()} (${release()})`;
  if (process.platform === 'darwin') return `macOS (Darwin ${release()})`;
  return `${process.platform === 'linux' ? 'Linux' : process.platform} ${release()}`;
}

// --- request bodies ------------------------------------------------------------------------------------------

// zod/mini: the same checks as zod at a thirtieth of the bundle size (the agent ships as one file).
const base64 = z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'));
const mode = z.int().check(z.minimum(0), z.maximum(0o7777));
const path = z.string().check(z.minLength(1), z.maxLength(4096));
const token = z.string().check(z.regex(TOKEN_RE, 'must be an ACME token (base64url)'));
const text = (max: number) => z.string().check(z.maxLength(max));
const iisReceipt = z.object({
  site: z.string(),
  previousThumbprint: z.nullable(z.string()),
  thumbprint: z.string(),
  hostname: z.nullable(z.string()),
  port: z.int(),
});

const BODIES = {
  pair: z.object({ code: text(100), secret: base64, client: text(200) }),
  filePut: z.object({ path, content: base64, mode }),
  fileRemove: z.object({ path }),
  checkWritable: z.object({ dir: path }),
  install: z.object({
    files: z.array(z.object({ path, content: base64, mode, owner: z.optional(z.nullable(text(100))) })).check(z.minLength(1), z.maxLength(50)),
  }),
  restore: z.object({ receipt: z.object({ entries: z.array(z.object({ path, backup: z.nullable(path) })).check(z.maxLength(50)) }) }),
  run: z.object({
    command: z.string().check(z.minLength(1), z.maxLength(16_384)),
    timeoutMs: z.optional(z.int().check(z.positive(), z.maximum(actions.MAX_RUN_TIMEOUT_MS))),
  }),
  challengePut: z.object({ token, content: text(4096) }),
  challengeRemove: z.object({ token }),
  iisDeploy: z.object({
    pfx: base64.check(z.minLength(1)),
    password: text(1024),
    site: z.string().check(z.minLength(1), z.maxLength(260)),
    hostname: z.optional(z.nullable(text(253))),
    port: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
  }),
  /** `{ receipt }` like restore; a bare receipt is accepted too. */
  iisRestore: z.union([z.object({ receipt: iisReceipt }), iisReceipt]),
  served: z.object({ address: z.optional(text(300)), sni: text(253) }),
};

function parseBody<S extends z.ZodMiniType>(schema: S, body: Buffer): z.infer<S> {
  let json: unknown;
  try {
    json = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw AppError.invalid('body', 'The request body is not JSON.');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    throw new AppError('INVALID_INPUT', `Invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}.`, { field: issues[0]!.field, issues });
  }
  return r.data as z.infer<S>;
}

class HttpError extends AppError {
  constructor(readonly status: number, code: ErrorCode, message: string, extra: { field?: string; hint?: string } = {}) {
    super(code, message, extra);
  }
}

function codeDigest(code: string): Buffer {
  return createHash('sha256').update(code).digest();
}

export class AgentServer {
  readonly state: AgentState;
  private identity: TlsIdentity | null = null;
  private server: Server | null = null;
  private readonly challenges = new ChallengeServer();
  private challengePortBound: number | null = null;
  private nonces = new NonceCache();
  private code: string | null = null;
  private wrongForCode = 0;
  private wrongTotal = 0;
  private pairQueue: Promise<unknown> = Promise.resolve();
  private knownSecret: string | null = null;

  constructor(
    private readonly opts: AgentOptions,
    private readonly log: AgentLog,
    private readonly print: (text: string) => void = (t) => process.stdout.write(t),
  ) {
    this.state = new AgentState(opts.stateDir);
  }

  get fingerprint(): string {
    return this.identity!.fingerprint;
  }

  /** Loads or makes the identity, prints the pairing lines when unpaired, starts both listeners. */
  async start(): Promise<{ port: number; challengePort: number | null }> {
    this.state.ensureDir();
    this.identity = await this.state.identity();
    const pairing = this.currentPairing();
    if (pairing) this.log.line(`Paired with ${pairing.client || 'Certdesk'} since ${pairing.pairedAt}; certificate ${this.identity.fingerprint}`);
    const server = createServer({ key: this.identity.keyPem, cert: this.identity.certPem, minVersion: 'TLSv1.2' }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, req, null, err));
    });
    server.headersTimeout = 30_000;
    server.requestTimeout = 5 * 60_000;
    this.server = server;
    // The challenge port (a fixed one, 80 in service) is bound before the main one: a main port the OS picks
    // (--listen HOST:0) can then never be the challenge port, which an unbound moment would allow.
    if (this.opts.challengePort !== null) {
      this.challengePortBound = await this.challenges.listen(this.opts.challengeHost, this.opts.challengePort, (p, status) =>
        this.log.line(`http-01 GET ${p.replace(/[^\x20-\x7e]/g, '?').slice(0, 300)} ${status}`),
      );
    }
    let port: number;
    try {
      port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, this.opts.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    } catch (err) {
      await this.challenges.close();
      this.challengePortBound = null;
      throw err;
    }
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    this.print(`Listening on https://${host}:${port}\n`);
    if (this.challengePortBound !== null) this.print(`Challenges on http://${this.opts.challengeHost}:${this.challengePortBound}/.well-known/acme-challenge/\n`);
    return { port, challengePort: this.challengePortBound };
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    await this.challenges.close();
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The pairing on disk; when it is gone (first start, unpair), a code is made (or kept) and printed. */
  private currentPairing(): PairingState | null {
    const p = this.state.readPairing();
    if (p) {
      this.code = null;
      if (this.knownSecret !== p.secret) {
        this.knownSecret = p.secret;
        this.nonces = new NonceCache();
      }
      return p;
    }
    if (this.knownSecret !== null) {
      this.knownSecret = null;
      this.code = null;
      this.log.line('Unpaired: waiting for a new pairing');
    }
    if (!this.code) {
      this.code = this.state.ensureCode();
      this.wrongForCode = 0;
      this.print(pairingLines(this.code, this.identity!.fingerprint));
    }
    return null;
  }

  info(): AgentInfo {
    const capabilities: Capability[] = ['webroot', 'files', 'run', 'served-serial'];
    if (this.challengePortBound !== null) capabilities.push('self-serve');
    if (process.platform === 'win32') capabilities.push('iis');
    return {
      product: PRODUCT,
      protocol: PROTOCOL,
      version: this.opts.version,
      os: osName(),
      osVersion: osVersion(),
      arch: arch(),
      hostname: hostname(),
      node: process.version,
      capabilities,
      challengePort: this.challengePortBound,
      site: this.opts.site,
    };
  }

  /**
   * The body, at most MAX_BODY_BYTES. A larger one is read on and dropped up to twice that (so the client, still
   * sending, gets the 413 instead of a broken pipe), beyond that the connection is cut.
   */
  private readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
      const refuse = (): void => reject(new HttpError(413, 'INVALID_INPUT', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 2 * MAX_BODY_BYTES) {
          refuse();
          req.destroy();
          return;
        }
        if (size > MAX_BODY_BYTES) tooLarge = true;
        if (!tooLarge) chunks.push(c);
      });
      req.on('end', () => (tooLarge ? refuse() : resolve(Buffer.concat(chunks))));
      req.on('error', reject);
    });
  }

  private send(res: ServerResponse, status: number, value: unknown, secret: Buffer | null, nonce: string | null): void {
    const body = Buffer.from(JSON.stringify(value));
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' };
    if (secret && nonce) headers[HEADER.signature] = hmac(secret, canonicalResponse(status, nonce, body));
    if (status === 413) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  }

  private fail(res: ServerResponse, req: IncomingMessage, signing: { secret: Buffer; nonce: string } | null, err: unknown): void {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', `The agent failed: ${(err as Error)?.message ?? String(err)}.`);
    const status = err instanceof HttpError ? err.status : (STATUS[e.code] ?? 500);
    const info = e.toInfo();
    const body: ErrorBody = { error: { code: info.code, message: info.message, ...(info.field ? { field: info.field } : {}), ...(info.hint ? { hint: info.hint } : {}) } };
    this.log.line(`${req.method} ${routeName(req)} ${status} ${e.code}: ${e.message}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.send(res, status, body, signing?.secret ?? null, signing?.nonce ?? null);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const route = url.split('?')[0];
    if (route === ROUTES.hello) {
      if (req.method !== 'GET') throw new HttpError(405, 'INVALID_INPUT', `${ROUTES.hello} takes GET.`);
      const hello: HelloResponse = { product: PRODUCT, protocol: PROTOCOL, version: this.opts.version, paired: this.currentPairing() !== null };
      this.send(res, 200, hello, null, null);
      this.log.line(`GET ${ROUTES.hello} 200 ok`);
      return;
    }
    const body = await this.readBody(req);
    if (route === ROUTES.pair) {
      if (req.method !== 'POST') throw new HttpError(405, 'INVALID_INPUT', `${ROUTES.pair} takes POST.`);
      await this.pair(req, res, body);
      return;
    }
    const pairing = this.currentPairing();
    if (!pairing) {
      throw new HttpError(401, 'AUTH', 'This agent is not paired: only a paired Certdesk can drive it.', {
        hint: `Pair it in Certdesk with the code \`certdesk-agent pairing-code --state-dir ${this.opts.stateDir}\` prints.`,
      });
    }
    const secret = Buffer.from(pairing.secret, 'base64');
    const failure = verifyRequest(secret, this.nonces, { method: req.method ?? 'GET', path: url, headers: req.headers, body });
    if (failure) throw new HttpError(401, 'AUTH', AUTH_MESSAGES[failure], { hint: AUTH_HINTS[failure] });
    const nonce = String(req.headers[HEADER.nonce]);
    const signing = { secret, nonce };
    try {
      const { value, note } = await this.action(req.method ?? 'GET', route ?? '', body);
      this.send(res, 200, value, secret, nonce);
      this.log.line(`${req.method} ${route} 200 ok${note ? ` ${note}` : ''}`);
      if (route === ROUTES.unpair) this.unpairNow('Unpaired by Certdesk');
    } catch (err) {
      this.fail(res, req, signing, err);
    }
  }

  private unpairNow(why: string): void {
    this.state.clearPairing();
    this.log.line(why);
    this.currentPairing();
  }

  private pair(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    // One attempt at a time: a wrong code holds the queue for its delay, so guessing in parallel gains nothing.
    const next = this.pairQueue.then(() => this.pairOne(req, res, body));
    this.pairQueue = next.catch(() => undefined);
    return next;
  }

  private async pairOne(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (this.currentPairing()) {
      throw new HttpError(409, 'CONFLICT', 'This agent is paired already.', {
        hint: `To pair it with another Certdesk, unpair it first (in Certdesk, or \`certdesk-agent unpair --state-dir ${this.opts.stateDir}\` on the server) and restart it.`,
      });
    }
    const p = parseBody(BODIES.pair, body);
    const secret = Buffer.from(p.secret, 'base64');
    if (secret.length !== 32) throw AppError.invalid('secret', 'The pairing secret must be 32 bytes (base64).');
    const given = codeDigest(normalizePairingCode(p.code));
    const expected = codeDigest(this.code!);
    if (!timingSafeEqual(given, expected)) {
      this.wrongForCode++;
      this.wrongTotal++;
      await new Promise((r) => setTimeout(r, Math.min(PAIR_DELAY_STEP_MS * this.wrongTotal, PAIR_DELAY_MAX_MS)));
      const rotate = this.wrongForCode >= MAX_PAIRING_ATTEMPTS;
      if (rotate) {
        this.log.line(`Pairing: ${MAX_PAIRING_ATTEMPTS} wrong codes, the code was replaced`);
        this.code = this.state.newCode();
        this.wrongForCode = 0;
        this.print(pairingLines(this.code, this.identity!.fingerprint));
      }
      throw new HttpError(403, 'AUTH', rotate ? `Wrong pairing code. After ${MAX_PAIRING_ATTEMPTS} wrong codes the agent made a new one.` : 'Wrong pairing code.', {
        field: 'code',
        hint: rotate
          ? `Read the new code on the server: certdesk-agent pairing-code --state-dir ${this.opts.stateDir}.`
          : 'Copy the code the agent printed (certdesk-agent pairing-code shows it again).',
      });
    }
    const client = p.client.replace(/[^\x20-\x7e]/g, '?').trim() || 'Certdesk';
    this.state.savePairing({ secret: p.secret, pairedAt: new Date().toISOString(), client });
    this.wrongTotal = 0;
    this.code = null;
    this.currentPairing();
    this.log.line(`POST ${ROUTES.pair} 200 paired with ${client}`);
    const nonce = req.headers[HEADER.nonce];
    this.send(res, 200, { info: this.info() }, secret, typeof nonce === 'string' ? nonce : null);
  }

  private async action(method: string, route: string, body: Buffer): Promise<{ value: unknown; note?: string }> {
    const post = (): void => {
      if (method !== 'POST') throw new HttpError(405, 'INVALID_INPUT', `${route} takes POST.`);
    };
    switch (route) {
      case ROUTES.info:
        return { value: this.info() };
      case ROUTES.unpair:
        post();
        return { value: { unpaired: true } };
      case ROUTES.filePut: {
        post();
        const b = parseBody(BODIES.filePut, body);
        await actions.putFile(await resolveIisPath(b.path), Buffer.from(b.content, 'base64'), b.mode);
        return { value: {}, note: b.path };
      }
      case ROUTES.fileRemove: {
        post();
        const b = parseBody(BODIES.fileRemove, body);
        return { value: { removed: await actions.removeFile(await resolveIisPath(b.path)) }, note: b.path };
      }
      case ROUTES.checkWritable: {
        post();
        const b = parseBody(BODIES.checkWritable, body);
        await actions.checkWritable(await resolveIisPath(b.dir));
        return { value: {}, note: b.dir };
      }
      case ROUTES.install: {
        post();
        const b = parseBody(BODIES.install, body);
        const receipt = await actions.install(b.files.map((f) => ({ path: f.path, content: Buffer.from(f.content, 'base64'), mode: f.mode, owner: f.owner ?? null })));
        return { value: receipt, note: b.files.map((f) => f.path).join(',') };
      }
      case ROUTES.restore: {
        post();
        const b = parseBody(BODIES.restore, body);
        await actions.restore(b.receipt);
        return { value: {}, note: b.receipt.entries.map((e) => e.path).join(',') };
      }
      case ROUTES.run: {
        post();
        const b = parseBody(BODIES.run, body);
        const r = await actions.run(b.command, b.timeoutMs);
        return { value: r, note: `exit ${r.exitCode}` };
      }
      case ROUTES.challengePut: {
        post();
        const b = parseBody(BODIES.challengePut, body);
        if (this.challengePortBound === null) {
          throw AppError.invalid('webroot', 'This agent does not answer http-01 itself: it was started without a challenge port.', 'Start it with --challenge-port 80 (or "challengePort" in its config), or map a webroot instead.');
        }
        this.challenges.put(b.token, b.content);
        return { value: {}, note: `token ${b.token.slice(0, 8)}…` };
      }
      case ROUTES.challengeRemove: {
        post();
        const b = parseBody(BODIES.challengeRemove, body);
        return { value: { removed: this.challenges.remove(b.token) } };
      }
      case ROUTES.iisDeploy: {
        post();
        const b = parseBody(BODIES.iisDeploy, body);
        const receipt = await iisDeploy(b);
        return { value: receipt, note: `site ${b.site} ${receipt.thumbprint}` };
      }
      case ROUTES.iisRestore: {
        post();
        const b = parseBody(BODIES.iisRestore, body);
        const receipt = 'receipt' in b ? b.receipt : b;
        return { value: await iisRestore(receipt), note: `site ${receipt.site}` };
      }
      case ROUTES.served: {
        post();
        const b = parseBody(BODIES.served, body);
        const address = b.address ?? this.opts.site;
        if (!address) throw AppError.invalid('address', 'No address given and the agent has no site configured.', 'Send address (host:port) or start the agent with --site HOST:PORT.');
        const r = await actions.servedSerial(address, b.sni);
        return { value: r, note: `${address} ${r.serial ?? 'error'}` };
      }
      default:
        throw new HttpError(404, 'NOT_FOUND', `The agent has no route ${route}.`, { hint: 'Update the agent to the version of your Certdesk.' });
    }
  }
}

function routeName(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

export { pairingLines };
