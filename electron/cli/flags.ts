// Errors in the CLI's words: the services and the contract name request fields (`challengeType`,
// `keystorePassword`, `domains.3`); a person at the command line typed flags (`--challenge`,
// `--keystore-password-file`, `--domains`). Every command maps its fields to its flags here, so each message
// and each issue names the flag to fix, and `--json` output carries it as `flag` beside the field.
import type { ErrorInfo, FieldIssue } from '../../shared/ipc/errors.ts';
import type { Command } from './commands-types.ts';

export interface CliErrorInfo extends ErrorInfo {
  /** The flag (or `ID` argument) that `field` came from. */
  flag?: string;
  issues?: (FieldIssue & { flag?: string })[];
}

/** The flag a request field came from in this command, or undefined when the user did not type it. */
export function flagFor(field: string, cmd: Pick<Command, 'flags' | 'options' | 'positionals'>): string | undefined {
  const base = field.replace(/\.\d+$/, '');
  const mapped = cmd.flags?.[field] ?? cmd.flags?.[base];
  if (mapped) return mapped;
  // Fields the CLI itself reports carry the flag's own name (`key-file`, `yes`, `id`).
  if (Object.prototype.hasOwnProperty.call(cmd.options, base)) return `--${base}`;
  if (base === 'id' && cmd.positionals?.length) return cmd.positionals[0];
  return undefined;
}

function inFlagTerms(field: string, message: string, flag: string | undefined, hint?: string): string {
  if (!flag) return message;
  // zod's own messages start with the field name ("key: Invalid option: ...").
  if (message.startsWith(`${field}: `)) return `${flag}: ${message.slice(field.length + 2)}`;
  // Positional arguments (`ID`) are named by the message itself ("No request with id ..."); a message whose
  // hint already names the flag ("Choose another path for --out ...") needs no second mention.
  if (!flag.startsWith('--') || message.includes(flag) || hint?.includes(flag)) return message;
  return `${message.replace(/\s+$/, '')} (${flag})`;
}

/** The error with every field named by its flag: in the message, in each issue and as `flag`. */
export function withFlags(info: ErrorInfo, cmd: Pick<Command, 'flags' | 'options' | 'positionals'>): CliErrorInfo {
  const out: CliErrorInfo = { ...info };
  if (info.issues && info.issues.length > 0) {
    out.issues = info.issues.map((i) => {
      const flag = flagFor(i.field, cmd);
      return { ...i, message: inFlagTerms(i.field, i.message, flag), ...(flag ? { flag } : {}) };
    });
    const first = out.issues[0]!;
    out.message =
      out.issues.length === 1 ? first.message : `${out.issues.length} options need attention: ${out.issues.map((i) => i.message).join(' ')}`;
  } else if (info.field) {
    out.message = inFlagTerms(info.field, info.message, flagFor(info.field, cmd), info.hint);
  }
  if (info.field) {
    const flag = flagFor(info.field, cmd);
    if (flag) out.flag = flag;
  }
  return out;
}
