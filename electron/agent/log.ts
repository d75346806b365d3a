// The agent's log: one line per event on stdout (the service wrapper keeps it) and in <stateDir>/agent.log
// (mode 0600). Callers pass only routes, outcomes, paths and names: never the secret, a pairing code, a password,
// file contents or a command line.
import { appendFileSync, chmodSync } from 'node:fs';

export class AgentLog {
  private chmodDone = false;
  constructor(private readonly file: string | null, private readonly stdout: (line: string) => void = (l) => process.stdout.write(l)) {}

  line(message: string): void {
    const text = `${new Date().toISOString()} ${message.replace(/[\r\n]+/g, ' ')}\n`;
    this.stdout(text);
    if (!this.file) return;
    try {
      appendFileSync(this.file, text, { mode: 0o600 });
      if (!this.chmodDone) {
        chmodSync(this.file, 0o600);
        this.chmodDone = true;
      }
    } catch {
      /* a full disk must not stop the agent answering */
    }
  }
}
