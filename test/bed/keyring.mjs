// A private D-Bus session bus with gnome-keyring-daemon (Secret Service), unlocked, isolated in workDir.
// Child processes that get `env` (DBUS_SESSION_BUS_ADDRESS etc.) use this keyring, e.g. @napi-rs/keyring.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findExe, run, startAndWait } from './util.mjs';

const SECRETS_NAME = 'org.freedesktop.secrets';

async function listNames(env) {
  const { stdout } = await run(
    await findExe('dbus-send'),
    ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.ListNames'],
    { env, timeout: 2000 },
  );
  return stdout;
}

export async function startKeyring({ workDir, password = 'certdesk-bed' }) {
  const dir = path.join(workDir, 'keyring');
  const home = path.join(dir, 'home');
  const dataHome = path.join(dir, 'data');
  const configHome = path.join(dir, 'config');
  await Promise.all([home, dataHome, configHome].map((d) => mkdir(d, { recursive: true })));
  // Unix socket paths are limited to 107 bytes: fall back to a short temp dir for deep work dirs.
  let runDir = path.join(dir, 'run');
  let tmpRunDir = null;
  if (Buffer.byteLength(path.join(runDir, 'keyring', 'control')) > 100) {
    tmpRunDir = await mkdtemp(path.join(os.tmpdir(), 'certdesk-kr-'));
    runDir = tmpRunDir;
  }
  await mkdir(runDir, { recursive: true });
  await chmod(runDir, 0o700);
  const busSocket = path.join(runDir, 'bus');
  const busConf = path.join(dir, 'session-bus.conf');
  // No <standard_session_servicedirs/>: nothing is auto-activated (no stray gnome-keyring or prompter).
  await writeFile(
    busConf,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path=${busSocket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const env = {
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${busSocket}`,
    XDG_RUNTIME_DIR: runDir,
    XDG_DATA_HOME: dataHome,
    XDG_CONFIG_HOME: configHome,
  };
  const childEnv = { ...process.env, ...env, HOME: home };
  delete childEnv.DISPLAY; // never pop up prompts
  delete childEnv.WAYLAND_DISPLAY;

  const started = [];
  const cleanup = async () => {
    for (const s of started.splice(0).reverse()) await s.stop();
    if (tmpRunDir) await rm(tmpRunDir, { recursive: true, force: true });
  };
  try {
    const bus = await startAndWait(
      {
        name: 'dbus-daemon',
        cmd: await findExe('dbus-daemon'),
        args: [`--config-file=${busConf}`, '--nofork', '--nopidfile'],
        env: childEnv,
        cwd: dir,
        workDir,
        logFile: path.join(dir, 'dbus-daemon.log'),
      },
      async () => (await listNames(childEnv)).includes('org.freedesktop.DBus'),
      { what: `bus ${busSocket} did not answer ListNames` },
    );
    started.push(bus);
    const gk = await startAndWait(
      {
        name: 'gnome-keyring-daemon',
        cmd: await findExe('gnome-keyring-daemon'),
        args: ['--foreground', '--unlock', '--components=secrets'],
        env: childEnv,
        cwd: dir,
        workDir,
        logFile: path.join(dir, 'gnome-keyring.log'),
        stdin: password, // --unlock reads the login keyring password from stdin (creates it if missing)
      },
      async () => (await listNames(childEnv)).includes(SECRETS_NAME),
      { what: `did not register ${SECRETS_NAME} on the private bus` },
    );
    started.push(gk);
    // Prove the default collection exists and is unlocked: store, look up and clear a throwaway item.
    const secretTool = await findExe('secret-tool');
    const attrs = ['certdesk-bed', 'probe'];
    try {
      await run(secretTool, ['store', '--label=certdesk bed probe', ...attrs], { env: childEnv, input: 'probe-value', timeout: 5000 });
      const { stdout } = await run(secretTool, ['lookup', ...attrs], { env: childEnv, timeout: 5000 });
      if (stdout.trim() !== 'probe-value') throw new Error(`lookup returned ${JSON.stringify(stdout)}`);
      await run(secretTool, ['clear', ...attrs], { env: childEnv, timeout: 5000 });
    } catch (err) {
      throw new Error(`test bed: keyring is up but not usable (locked or no default collection?): ${err.message}\n${gk.tail()}`);
    }
    return { env, pids: [bus.pid, gk.pid], stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
