// Looks into the Secret Service with libsecret's own tool (and dbus-send), independently of Certdesk's
// keychain library, on the D-Bus session named by `env`.
import { execFile, type ExecFileException } from 'node:child_process';

const DEFAULT_COLLECTION = '/org/freedesktop/secrets/aliases/default';

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ error: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
  });
}

function failure(cmd: string, args: string[], r: Awaited<ReturnType<typeof exec>>): Error {
  const e = r.error!;
  const how = e.killed || e.signal ? `killed (${e.signal ?? 'timeout'})` : typeof e.code === 'number' ? `exit ${e.code}` : String(e.code ?? 'error');
  return new Error(`${cmd} ${args.join(' ')} failed (${how}): ${r.stderr.trim() || e.message}`);
}

/** Whether the default collection of the Secret Service is locked (throws when that cannot be asked). */
export async function defaultCollectionLocked(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const args = ['--session', '--print-reply', '--dest=org.freedesktop.secrets', DEFAULT_COLLECTION, 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked'];
  const r = await exec('dbus-send', args, env);
  if (r.error) throw failure('dbus-send', args, r);
  const m = r.stdout.match(/boolean (true|false)/);
  if (!m) throw new Error(`dbus-send: unexpected answer to Get Locked: ${r.stdout}`);
  return m[1] === 'true';
}

/** Locks the default collection for real (Secret Service `Lock`), as a screen lock or a timeout would. */
export async function lockDefaultCollection(env: NodeJS.ProcessEnv): Promise<void> {
  const args = ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${DEFAULT_COLLECTION}`];
  const r = await exec('dbus-send', args, env);
  if (r.error) throw failure('dbus-send', args, r);
  if (!(await defaultCollectionLocked(env))) throw new Error('the default collection is still unlocked after Lock');
}

/**
 * `secret-tool lookup attr value ...`: the stored secret, or null when there is no such item. Every other
 * outcome throws with what went wrong: no D-Bus, no Secret Service, a timeout, the tool missing, and a
 * locked keyring (secret-tool then also prints nothing and exits 1, like "not found": the default
 * collection's Locked property tells the two apart).
 */
export async function secretToolLookup(attrs: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const args = ['lookup', ...Object.entries(attrs).flat()];
  const r = await exec('secret-tool', args, env);
  if (!r.error) return r.stdout;
  if (r.error.code !== 1 || r.error.killed || r.stdout !== '' || r.stderr.trim() !== '') throw failure('secret-tool', args, r);
  if (await defaultCollectionLocked(env)) throw new Error(`secret-tool ${args.join(' ')}: found nothing because the keyring is locked`);
  return null;
}
