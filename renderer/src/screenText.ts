// Error text as the window shows it (no DOM here: the unit tests load it in plain Node).
import type { ErrorInfo } from '../../shared/ipc/errors.ts';

/**
 * The services speak to every face at once, and some hints add the command-line way in brackets
 * ("(CLI: --ca-file)"): the window shows none of that, only what applies to it.
 */
export function withoutCliSyntax(text: string): string {
  return text
    .replace(/\s*\(CLI: [^()]*(?:\([^()]*\)[^()]*)*\)/g, '')
    .replace(/(^|\s)CLI: [^.]*(?:\.|$)/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** The error as the window shows it: message, hint and issues without command-line syntax. */
export function forScreen(info: ErrorInfo): ErrorInfo {
  const out: ErrorInfo = { ...info, message: withoutCliSyntax(info.message) };
  if (info.hint !== undefined) {
    const hint = withoutCliSyntax(info.hint);
    if (hint) out.hint = hint;
    else delete out.hint;
  }
  if (info.issues) out.issues = info.issues.map((i) => ({ ...i, message: withoutCliSyntax(i.message) }));
  return out;
}
