// Entry of out/agent/agent-installer.cjs (AgentInstaller.exe): the logic is in installer.ts, importable by tests.
import { main } from './installer.ts';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
