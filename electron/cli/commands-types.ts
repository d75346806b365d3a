// Shapes shared by the CLI's command tables.
import type { ParseArgsConfig } from 'node:util';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import type { App } from '../app/bootstrap.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a standalone command gets instead of the app: the cancel signal and a progress line writer. */
export interface StandaloneIo {
  signal: AbortSignal;
  /** One step of a long operation ("Building the agent package ..."), on stderr unless --quiet. */
  step(step: string, message: string): void;
}

export interface CliContext {
  app: App;
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  signal: AbortSignal;
}

export interface Command {
  summary: string;
  usage: string;
  options: Options;
  /** Positional arguments the command takes (e.g. ['ID']). */
  positionals?: string[];
  /**
   * Request fields (as the contract and the services name them in errors) → the flag they come from, for
   * fields whose flag is not simply `--<field>` (e.g. challengeType → --challenge).
   */
  flags?: Record<string, string>;
  /**
   * Called with the parsed options before the app is built (store, keychain): work that needs nothing of the app
   * can start here and overlap with that (request create starts its key). Must not throw or report errors: run()
   * validates the options as before.
   */
  prepare?(v: Values): void | Promise<void>;
  /** The command's work, with the app (store, keychain, services) built. */
  run?(ctx: CliContext, v: Values, args: string[]): Promise<unknown>;
  /**
   * Instead of run(): work that needs nothing of the app (no data directory, no keychain), e.g. writing the agent
   * zip. It runs without building the app, so it works on a machine with no keychain and leaves no data behind.
   */
  standalone?(io: StandaloneIo, v: Values, args: string[]): Promise<unknown>;
  print?(result: never): string;
  /** Exit code for a successful call whose result still means failure (e.g. a Failed request). */
  exitCode?(result: never): number;
}
