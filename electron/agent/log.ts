// The agent's log: one line per event on stdout (the service wrapper keeps it) and in <stateDir>/agent.log
// (mode 0600). Callers pass only routes, outcomes, paths and names: never the secret, a pairing code, a password,
// file contents or a command line. A service runs for years: past maxBytes the file moves to agent.log.1 (the one
// before that is dropped) and a new one starts.
import { appendFileSync, chmodSync, renameSync, statSync } from 'node:fs';

export const LOG_MAX_BYTES = 5 * 1024 * 1024;

export class AgentLog {
  private size: number | null = null;

  constructor(
    private readonly file: string | null,
    private readonly stdout: (line: string) => void = (l) => process.stdout.write(l),
    private readonly maxBytes = LOG_MAX_BYTES,
  ) {}

  line(message: string): void {
    const text = `${new Date().toISOString()} ${message.replace(/[\r\n]+/g, ' ')}\n`;
    this.stdout(text);
    if (!this.file) return;
    try {
      if (this.size === null) {
        try {
          this.size = statSync(this.file).size;
        } catch {
          this.size = 0;
        }
      }
      if (this.size > 0 && this.size + text.length > this.maxBytes) {
        renameSync(this.file, `${this.file}.1`);
        this.size = 0;
      }
      const fresh = this.size === 0;
      appendFileSync(this.file, text, { mode: 0o600 });
      if (fresh) chmodSync(this.file, 0o600);
      this.size += Buffer.byteLength(text);
    } catch {
      /* a full disk must not stop the agent answering */
    }
  }
}
