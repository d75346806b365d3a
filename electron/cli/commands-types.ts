// Shapes shared by the CLI's command tables.
import type { ParseArgsConfig } from 'node:util';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import type { App } from '../app/bootstrap.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

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
  run(ctx: CliContext, v: Values, args: string[]): Promise<unknown>;
  print?(result: never): string;
  /** Exit code for a successful call whose result still means failure (e.g. a Failed request). */
  exitCode?(result: never): number;
}
