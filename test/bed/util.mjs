// Shared helpers for the test bed: free ports, service processes, PID bookkeeping, polling.
// Node builtins only; runs on Node 20 and 22.
import { spawn, execFile } from 'node:child_process';
import { constants as fsConstants, createWriteStream } from 'node:fs';
import { access, appendFile, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import dgram from 'node:dgram';
import path from 'node:path';

export const HOST = '127.0.0.1';

const handedOut = new Set();

function tcpPortFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(0));
    srv.listen({ host: HOST, port, exclusive: true }, () => {
      const got = srv.address().port;
      srv.close(() => resolve(got));
    });
  });
}

function udpPortFree(port) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ address: HOST, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/**
 * Pick a free port on 127.0.0.1 (TCP, and UDP too with {udp: true}) by binding port 0.
 * Ports already handed out by this process are never returned twice.
 */
export async function freePort({ udp = false } = {}) {
  for (let i = 0; i < 50; i++) {
    const port = await tcpPortFree(0);
    if (!port || handedOut.has(port)) continue;
    if (udp && !(await udpPortFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('test bed: could not find a free port on 127.0.0.1');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Run a command to completion; rejects with stderr in the message on non-zero exit. */
export function run(cmd, args, { input, env, cwd, timeout = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env, cwd, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const msg = `${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}): ${String(stderr).trim() || String(stdout).trim() || err.message}`;
        reject(Object.assign(new Error(msg), { stdout, stderr, code: err.code }));
      } else resolve({ stdout, stderr });
    });
    if (input !== undefined) {
      child.stdin.on('error', () => undefined); // the tool may exit before reading (EPIPE): its exit code counts
      child.stdin.end(input);
    }
  });
}

/**
 * Append a started process to <workDir>/pids so stopAll() can kill it later (e.g. after the runner
 * itself was killed). Lines: pid, name, executable basename, start time (guards against PID reuse),
 * and "group" when the whole process group led by pid is to be killed.
 */
export async function recordPid(workDir, pid, name, exe, { group = false } = {}) {
  await mkdir(workDir, { recursive: true });
  const st = await procStat(pid);
  const line = [pid, name, path.basename(exe), st?.start ?? '', group ? 'group' : ''].join('\t');
  await appendFile(path.join(workDir, 'pids'), `${line}\n`);
}

/**
 * A long-running service process. Output (stdout + stderr) goes to <logFile> and a ring buffer
 * of recent lines, used in error messages.
 */
export class Service {
  constructor(name, child, logFile) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.lines = [];
    this.exited = null; // {code, signal} once the process is gone
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
    const log = createWriteStream(logFile, { flags: 'a' });
    this.log = log;
    let partial = '';
    const onData = (buf) => {
      log.write(buf);
      const text = partial + buf.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop();
      for (const l of parts) this.lines.push(l);
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => {
      if (partial) this.lines.push(partial);
      log.end();
    });
  }

  tail(n = 15) {
    return this.lines.slice(-n).join('\n');
  }

  describeFailure(what) {
    const state = this.exited
      ? `exited (code ${this.exited.code}, signal ${this.exited.signal})`
      : `still running (pid ${this.pid})`;
    return `test bed: ${this.name} ${what}; process ${state}. Last output:\n${this.tail() || '(none)'}`;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
  async stop(graceMs = 3000) {
    if (this.exited) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const timer = sleep(graceMs).then(() => 'timeout');
    if ((await Promise.race([this.exitPromise, timer])) === 'timeout') {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await this.exitPromise;
    }
  }
}

/**
 * Spawn a service, record its PID in <workDir>/pids, log to <logFile>.
 * opts.stdin: string written to stdin then closed (stdin is /dev/null otherwise).
 */
export async function spawnService({ name, cmd, args, env, cwd, workDir, logFile, stdin }) {
  const child = spawn(cmd, args, {
    env: env ?? process.env,
    cwd,
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`test bed: cannot start ${name} (${cmd}): ${err.message}`)));
  });
  if (stdin !== undefined) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  }
  const svc = new Service(name, child, logFile);
  await recordPid(workDir, child.pid, name, cmd);
  return svc;
}

/**
 * Poll check() until it returns a truthy value. Fails fast if the service exits,
 * and on timeout throws an error with the last lines of the service's output.
 */
export async function waitReady(svc, check, { timeoutMs = 15_000, intervalMs = 50, what = 'did not become ready' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    if (svc.exited) throw new Error(svc.describeFailure(`exited before it was ready (${what})`));
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const why = lastErr ? ` (last check error: ${lastErr.message})` : '';
      throw new Error(svc.describeFailure(`${what} within ${timeoutMs} ms${why}`));
    }
    await sleep(intervalMs);
  }
}

/** Start a service, wait until ready; on failure stop it before rethrowing. */
export async function startAndWait(spawnOpts, check, waitOpts) {
  const svc = await spawnService(spawnOpts);
  try {
    await waitReady(svc, check, waitOpts);
  } catch (err) {
    await svc.stop(1000);
    throw err;
  }
  return svc;
}

/** TCP connect to 127.0.0.1:port and resolve with the first chunk received (or '' on connect-only). */
export function tcpProbe(port, { wantData = false, timeoutMs = 1000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: HOST, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer on ${HOST}:${port}`));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.once('connect', () => {
      if (!wantData) {
        clearTimeout(timer);
        sock.destroy();
        resolve('');
      }
    });
    sock.once('data', (buf) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(buf.toString('latin1'));
    });
  });
}

/** {state, pgid, start} from /proc/<pid>/stat, or null if there is no such process. */
export async function procStat(pid) {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] = field 3 (state)
    return { state: f[0], pgid: Number(f[2]), start: f[19] };
  } catch {
    return null;
  }
}

/** Basename of the executable a process runs (from /proc/<pid>/exe; argv[0] can be rewritten, e.g. by sshd). */
async function procExe(pid) {
  try {
    const exe = await readlink(`/proc/${pid}/exe`);
    return path.basename(exe.replace(/ \(deleted\)$/, ''));
  } catch {
    return null;
  }
}

const isLive = (st) => st !== null && st.state !== 'Z' && st.state !== 'X'; // zombies hold no ports

/** Live PIDs whose process group is pgid. */
async function groupMembers(pgid) {
  const out = [];
  for (const name of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(name)) continue;
    const st = await procStat(Number(name));
    if (isLive(st) && st.pgid === pgid) out.push(Number(name));
  }
  return out;
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/**
 * Kill every process listed in <workDir>/pids that is still alive and provably the one recorded
 * (same executable and start time; PIDs get reused). "group" entries kill the whole process group
 * (test processes and whatever they spawned). SIGTERM, then SIGKILL after graceMs.
 * Returns the list of {pid, name} that were signalled.
 */
export async function stopAll(workDir, { graceMs = 3000 } = {}) {
  let text;
  try {
    text = await readFile(path.join(workDir, 'pids'), 'utf8');
  } catch {
    return [];
  }
  const targets = []; // {pid, name, kill: pid or -pgid}
  for (const line of text.split('\n')) {
    const [pidStr, name, exe, start, group] = line.split('\t');
    const pid = Number(pidStr);
    if (!pid || pid === process.pid) continue;
    const st = await procStat(pid);
    const same = isLive(st) && (await procExe(pid)) === exe && (!start || st.start === start);
    if (group === 'group') {
      // While any process is still in group <pid>, the kernel cannot hand out <pid> again,
      // so members of that group are ours even when the leader is gone.
      if (isLive(st) && !same) continue; // <pid> was reused, so the group is long gone
      if (same || (await groupMembers(pid)).length) targets.push({ pid, name, kill: -pid });
    } else if (same) {
      targets.push({ pid, name, kill: pid });
    }
  }
  for (const t of targets) signal(t.kill, 'SIGTERM');
  const stillThere = async (t) => (t.kill < 0 ? (await groupMembers(t.pid)).length > 0 : isLive(await procStat(t.pid)));
  const deadline = Date.now() + graceMs;
  let left = targets;
  while (left.length && Date.now() < deadline) {
    await sleep(50);
    const next = [];
    for (const t of left) if (await stillThere(t)) next.push(t);
    left = next;
  }
  for (const t of left) signal(t.kill, 'SIGKILL');
  return targets.map(({ pid, name }) => ({ pid, name }));
}

const exeCache = new Map();

/** Absolute path of an executable, searching PATH plus the sbin dirs (not always on PATH). */
export async function findExe(name) {
  if (exeCache.has(name)) return exeCache.get(name);
  const dirs = [...(process.env.PATH || '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      await access(p, fsConstants.X_OK);
      exeCache.set(name, p);
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error(`test bed: '${name}' not found; run: bash test/bed/install.sh`);
}

/** Signals a whole process group (a client and everything it started); a group already gone is fine. */
export function killGroup(pgid, sig) {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* gone */
  }
}

/** PID of another live process that claimed a work folder through `runnerFile` (see claimRunner), or 0. */
export async function liveRunner(runnerFile) {
  try {
    const [pid, start] = (await readFile(runnerFile, 'utf8')).trim().split('\t');
    if (Number(pid) === process.pid) return 0;
    const st = await procStat(Number(pid));
    return st && st.state !== 'Z' && st.start === start ? Number(pid) : 0;
  } catch {
    return 0;
  }
}

/** Records this process as the owner of a work folder (PID + start time, so a reused PID is not mistaken). */
export async function claimRunner(runnerFile) {
  await writeFile(runnerFile, `${process.pid}\t${(await procStat(process.pid)).start}\n`);
}
