// JSON-lines logger with redaction. Every secret the process handles is registered with redact() before it is
// used, so a message or field that happens to contain it is masked before anything reaches a log file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(key|secret|password|passphrase|hmac|token|pem)$/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Registers a secret value; it is masked wherever it appears in later log lines. */
  redact(secret: string | Buffer): void;
  child(scope: string): Logger;
}

export interface LoggerOptions {
  /** Log file (mode 0600; its folder is created 0700 on the first line written). */
  file?: string;
  /**
   * While this answers false, lines for the file are held in memory (the newest 1000) and written once it answers
   * true. The app's log lives in the data directory, which a command that ends up writing nothing must not create.
   */
  holdFileUntil?: () => boolean;
  level?: Level;
  /** Also write to stderr (CLI --verbose). */
  stderr?: boolean;
  scope?: string;
}

class Redactor {
  private readonly secrets = new Set<string>();
  add(secret: string | Buffer): void {
    const forms = Buffer.isBuffer(secret)
      ? [secret.toString('base64'), secret.toString('base64url'), secret.toString('hex'), secret.toString('latin1')]
      : [secret];
    for (const s of forms) if (s.length >= 6) this.secrets.add(s);
  }
  apply(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted key]');
  }
}

function scrubFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k) && v !== null && v !== undefined && typeof v !== 'boolean') out[k] = '[redacted]';
    else if (v instanceof Error) out[k] = { name: v.name, message: v.message };
    else out[k] = v;
  }
  return out;
}

/** Where finished (already redacted) lines go. */
type Sink = (line: string) => void;

function makeLogger(scope: string, min: number, sink: Sink, redactor: Redactor): Logger {
  const write = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const entry = { t: new Date().toISOString(), level, scope, msg, ...(fields ? scrubFields(fields) : {}) };
    sink(redactor.apply(JSON.stringify(entry)));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    redact: (s) => redactor.add(s),
    child: (child) => makeLogger(child, min, sink, redactor),
  };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  let held: string[] = [];
  let holding = opts.holdFileUntil !== undefined;
  let dirMade = false;
  const sink: Sink = (line) => {
    if (opts.file) {
      if (holding && !opts.holdFileUntil?.()) {
        held.push(line);
        if (held.length > 1000) held.shift();
      } else {
        try {
          if (!dirMade) {
            // Private from the start: the log names domains, accounts and file paths.
            mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
            dirMade = true;
          }
          holding = false;
          appendFileSync(opts.file, [...held, line].join('\n') + '\n', { mode: 0o600 });
          held = [];
        } catch {
          // Logging must never break the operation being logged.
        }
      }
    }
    if (opts.stderr) process.stderr.write(line + '\n');
  };
  return makeLogger(opts.scope ?? 'main', ORDER[opts.level ?? 'info'], sink, new Redactor());
}

/** A logger that keeps lines in memory (tests). */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(makeLogger('main', ORDER.debug, (line) => lines.push(line), new Redactor()), { lines });
}
