// TargetSession over a Certdesk agent (issue 10): the same seam as SSH (electron/deploy/types.ts), each method one
// signed call (electron/deploy/agent/client.ts). Challenge files under `agent:self/` go to the agent's own http-01
// listener (challenge/put with the token) instead of a webroot; an IIS receipt is undone through iis/restore.
import { posix } from 'node:path';
import { AppError } from '../../../shared/ipc/errors.ts';
import {
  ROUTES,
  SELF_SERVE_WEBROOT,
  type FileRemoveResponse,
  type IisReceipt,
  type Receipt,
  type RunResponse,
} from '../../agent/protocol.ts';
import type { CommandResult, InstallReceipt, RemoteFile, TargetSession } from '../types.ts';
import type { AgentClient } from './client.ts';

/** A command's own timeout plus this much for the round trip. */
const RUN_MARGIN_MS = 15_000;
const DEFAULT_RUN_TIMEOUT_MS = 120_000;
/** Importing a PFX and binding it in IIS runs PowerShell twice: give it time. */
const IIS_TIMEOUT_MS = 180_000;

const b64 = (c: string | Buffer): string => Buffer.from(c).toString('base64');

/** The ACME token of a path under `agent:self/` (`agent:self/.well-known/acme-challenge/TOKEN`), or null. */
export function selfServeToken(path: string): string | null {
  if (!path.startsWith(`${SELF_SERVE_WEBROOT}/`)) return null;
  return posix.basename(path);
}

export class AgentSession implements TargetSession {
  constructor(
    private readonly client: AgentClient,
    readonly description: string,
  ) {}

  async putFile(path: string, content: string | Buffer, mode: number, signal: AbortSignal): Promise<void> {
    const token = selfServeToken(path);
    if (token !== null) {
      await this.client.call('POST', ROUTES.challengePut, { token, content: Buffer.from(content).toString('utf8') }, { signal });
      return;
    }
    await this.client.call('POST', ROUTES.filePut, { path, content: b64(content), mode }, { signal });
  }

  async removeFile(path: string, signal: AbortSignal): Promise<boolean> {
    const token = selfServeToken(path);
    const r =
      token !== null
        ? await this.client.call<FileRemoveResponse>('POST', ROUTES.challengeRemove, { token }, { signal })
        : await this.client.call<FileRemoveResponse>('POST', ROUTES.fileRemove, { path }, { signal });
    return r.removed === true;
  }

  async checkWritable(dir: string, signal: AbortSignal): Promise<void> {
    if (dir === SELF_SERVE_WEBROOT) {
      // Nothing to write: the agent must still serve challenges itself (a challenge port).
      const info = await this.client.call<{ challengePort: number | null }>('GET', ROUTES.info, undefined, { signal });
      if (info.challengePort === null) {
        throw AppError.invalid('webroot', `${this.description} no longer answers http-01 itself: it runs without a challenge port.`, 'Start the agent with --challenge-port 80 (or set challengePort in its config), or map a webroot directory.');
      }
      return;
    }
    await this.client.call('POST', ROUTES.checkWritable, { dir }, { signal });
  }

  async install(files: RemoteFile[], signal: AbortSignal): Promise<InstallReceipt> {
    const r = await this.client.call<Receipt>(
      'POST',
      ROUTES.install,
      { files: files.map((f) => ({ path: f.path, content: b64(f.content), mode: f.mode, owner: f.owner ?? null })) },
      { signal, timeoutMs: 60_000 },
    );
    return { entries: r.entries.map((e) => ({ path: e.path, backup: e.backup })) };
  }

  async restore(receipt: InstallReceipt, signal: AbortSignal): Promise<void> {
    if (receipt.iis) await this.client.call('POST', ROUTES.iisRestore, { receipt: receipt.iis }, { signal, timeoutMs: IIS_TIMEOUT_MS });
    if (receipt.entries.length) await this.client.call('POST', ROUTES.restore, { receipt: { entries: receipt.entries } }, { signal, timeoutMs: 60_000 });
  }

  async run(command: string, signal: AbortSignal, opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const r = await this.client.call<RunResponse>('POST', ROUTES.run, { command, timeoutMs }, { signal, timeoutMs: timeoutMs + RUN_MARGIN_MS });
    return { exitCode: r.exitCode, output: r.output };
  }

  async installIis(input: { pfx: Buffer; password: string; site: string; hostname: string | null }, signal: AbortSignal): Promise<InstallReceipt> {
    const iis = await this.client.call<IisReceipt>(
      'POST',
      ROUTES.iisDeploy,
      { pfx: input.pfx.toString('base64'), password: input.password, site: input.site, hostname: input.hostname },
      { signal, timeoutMs: IIS_TIMEOUT_MS },
    );
    return { entries: [], iis };
  }

  close(): void {
    // Every call is its own connection: nothing stays open.
  }
}
