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
  run(ctx: CliContext, v: Values, args: string[]): Promise<unknown>;
  print?(result: never): string;
  /** Exit code for a successful call whose result still means failure (e.g. a Failed request). */
  exitCode?(result: never): number;
}
