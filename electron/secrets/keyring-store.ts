// SecretStore over the OS keychain (@napi-rs/keyring: Secret Service on Linux, Keychain on macOS, Credential
// Manager on Windows). Fails closed: when the keychain cannot be used every call throws
// AppError('KEYCHAIN_UNAVAILABLE') saying what is missing; nothing is ever written anywhere else instead.
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { SecretStore } from './secret-store.ts';

export interface KeyringStoreOptions {
  /** Service name the items are filed under (default "Certdesk"). */
  service?: string;
  logger?: Logger;
  /** For tests of the error texts; defaults to the running process. */
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Replaces the native entry (tests of misbehaving keychains). */
  entry?: (service: string, name: string) => KeyringEntry;
}

/** The part of @napi-rs/keyring's AsyncEntry used here. */
export interface KeyringEntry {
  setPassword(value: string): Promise<void>;
  getPassword(): Promise<string | null>;
  deletePassword(): Promise<boolean>;
}

export function backendName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service';
}

const LINUX_HINT_INSTALL =
  'Install and start a Secret Service provider (gnome-keyring, or KWallet with its Secret Service API enabled) ' +
  'in your desktop session, and log in so that its keyring is unlocked.';
const LINUX_HINT_HEADLESS =
  'On a server without a desktop, run Certdesk inside a D-Bus session with an unlocked gnome-keyring, e.g. ' +
  "`dbus-run-session -- sh -c 'echo -n <password> | gnome-keyring-daemon --unlock --components=secrets & certdesk ...'`.";

interface Explained {
  reason: string;
  hint: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Turns what the keychain library reported into what the user is missing. `op` names the operation
 * ("storing", "reading", "deleting", "checking") and `item` the item name (never a secret value).
 */
export function explainKeychainError(
  err: unknown,
  ctx: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv; op: string; item: string },
): AppError {
  if (err instanceof AppError) return err;
  const raw = messageOf(err);
  const backend = backendName(ctx.platform);
  const e = explain(raw, ctx.platform, ctx.env);
  return new AppError(
    'KEYCHAIN_UNAVAILABLE',
    `The OS keychain (${backend}) is unavailable: ${e.reason}. (${ctx.op} "${ctx.item}" failed: ${raw})`,
    { hint: e.hint },
  );
}

function explain(raw: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Explained {
  const m = raw.toLowerCase();
  const locked: Explained = {
    reason: 'the keyring is locked',
    hint:
      platform === 'linux'
        ? 'Unlock your keyring (log in to the desktop session, or open "Passwords and Keys"/KWallet and unlock ' +
          "it), then try again. Headless: start gnome-keyring-daemon with --unlock. Certdesk never stores secrets " +
          'outside the keychain.'
        : 'Unlock the keychain (log in, or unlock it in your keychain manager), then try again.',
  };
  if (platform === 'linux') {
    // Without DBUS_SESSION_BUS_ADDRESS, libdbus still tries $XDG_RUNTIME_DIR/bus (systemd user sessions).
    const bus = env.DBUS_SESSION_BUS_ADDRESS || (env.XDG_RUNTIME_DIR ? `${env.XDG_RUNTIME_DIR}/bus` : undefined);
    const cannotConnect = m.includes('failed to connect') || m.includes('no such file') || m.includes('connection refused');
    if (m.includes('dbus_session_bus_address') || m.includes('autolaunch') || (!env.DBUS_SESSION_BUS_ADDRESS && cannotConnect)) {
      return {
        reason:
          'no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set' +
          (env.XDG_RUNTIME_DIR ? ` and there is no session bus at ${env.XDG_RUNTIME_DIR}/bus` : '') +
          '), so the Secret Service cannot be reached',
        hint: `${LINUX_HINT_INSTALL} ${LINUX_HINT_HEADLESS}`,
      };
    }
    // Before the generic D-Bus cases: a locked collection is also reported as a D-Bus error.
    if (m.includes('locked') || m.includes('prompt was dismissed') || m.includes('unlock')) return locked;
    if (m.includes('was not provided by any') || m.includes('serviceunknown') || m.includes('org.freedesktop.secrets')) {
      return {
        reason: 'no Secret Service is running on the D-Bus session (nothing provides org.freedesktop.secrets)',
        hint: `${LINUX_HINT_INSTALL} ${LINUX_HINT_HEADLESS}`,
      };
    }
    if (m.includes('no result found') || m.includes('no such object') || m.includes('default collection')) {
      return {
        reason: 'the Secret Service has no default keyring to store items in',
        hint:
          'Create a default keyring (usually "login") in "Passwords and Keys" (seahorse) or KWallet, or log in once ' +
          `with gnome-keyring running so it creates one. ${LINUX_HINT_HEADLESS}`,
      };
    }
    if (cannotConnect) {
      return {
        reason: `the D-Bus session bus (${bus ?? 'default address'}) cannot be reached`,
        hint: `Check that your desktop session's D-Bus is running and DBUS_SESSION_BUS_ADDRESS points to it. ${LINUX_HINT_INSTALL}`,
      };
    }
    if (m.includes('dbus error')) {
      return { reason: 'the Secret Service did not answer on the D-Bus session', hint: LINUX_HINT_INSTALL };
    }
    if (m.includes('accessdenied') || m.includes('access denied')) {
      return {
        reason: 'access to the keyring was denied (no usable Secret Service)',
        hint: `${LINUX_HINT_INSTALL} ${LINUX_HINT_HEADLESS}`,
      };
    }
    return { reason: 'the Secret Service reported an error', hint: LINUX_HINT_INSTALL };
  }
  if (m.includes('locked') || m.includes('user interaction is not allowed')) return locked;
  if (m.includes('denied') || m.includes('not allowed') || m.includes('authoriz')) {
    return {
      reason: 'access to the keychain was denied',
      hint:
        platform === 'darwin'
          ? 'Open Keychain Access, allow Certdesk to use its items ("Always Allow"), and make sure the login keychain is unlocked.'
          : 'Make sure you are logged in interactively as the user who runs Certdesk (Credential Manager is per user).',
    };
  }
  return {
    reason: 'the keychain reported an error',
    hint:
      platform === 'darwin'
        ? 'Make sure you are logged in and the login keychain is unlocked (Keychain Access).'
        : 'Make sure you are logged in interactively as the user who runs Certdesk.',
  };
}

function notWorking(backend: string, detail: string, platform: NodeJS.Platform): AppError {
  return new AppError(
    'KEYCHAIN_UNAVAILABLE',
    `The OS keychain (${backend}) is not working: ${detail}.`,
    {
      hint:
        platform === 'linux'
          ? `${LINUX_HINT_INSTALL} ${LINUX_HINT_HEADLESS}`
          : 'Make sure you are logged in and the keychain is unlocked, then try again.',
    },
  );
}

export function createKeyringStore(opts: KeyringStoreOptions = {}): SecretStore {
  const service = opts.service ?? 'Certdesk';
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const logger = (opts.logger ?? createLogger({ level: 'error' })).child('keychain');
  const backend = backendName(platform);
  // Pin Linux to the Secret Service: the library would otherwise fall back silently to the kernel keyring,
  // which lives in memory only and is gone after a reboot, and with it the data key of every encrypted file.
  const entryOptions: EntryOptions | undefined = platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;

  const makeEntry = opts.entry ?? ((svc: string, name: string): KeyringEntry => new AsyncEntry(svc, name, entryOptions));

  // One entry per item, made on first use and kept: on Linux the constructor opens its D-Bus connection
  // synchronously, which blocked the event loop for several ms at every read (twice per dns-01 renewal). A kept
  // entry whose call fails is dropped and the call tried once more with a new one (a restarted keychain daemon);
  // the probe item of check() is kept only for that check (one connection for its write, read and delete).
  const entries = new Map<string, KeyringEntry>();
  const wrap = async <T>(op: string, name: string, fn: (e: KeyringEntry) => Promise<T>, probe?: { entry?: KeyringEntry }): Promise<T> => {
    try {
      const kept = probe ? probe.entry : entries.get(name);
      if (kept) {
        try {
          return await fn(kept);
        } catch {
          if (probe) probe.entry = undefined;
          else entries.delete(name);
        }
      }
      // The constructor already connects to D-Bus on Linux and throws there when it cannot.
      const entry = makeEntry(service, name);
      const result = await fn(entry);
      if (probe) probe.entry = entry;
      else if (!name.startsWith('probe/')) entries.set(name, entry);
      return result;
    } catch (err) {
      const appErr = explainKeychainError(err, { platform, env, op, item: `${service}/${name}` });
      logger.warn('keychain call failed', { op, item: name, error: appErr.message });
      throw appErr;
    }
  };

  const store: SecretStore = {
    backend,
    async get(name) {
      const value = await wrap('reading', name, (e) => e.getPassword());
      // A locked Secret Service answers "not found" instead of failing: before saying an item is missing,
      // prove the keychain works (on a desktop this also brings up its unlock prompt).
      if (value === null) await store.check();
      return value;
    },
    set: (name, value) => wrap('storing', name, (e) => e.setPassword(value)),
    delete: (name) => wrap('deleting', name, (e) => e.deletePassword()),
    async check() {
      const name = `probe/${process.pid}-${randomBytes(4).toString('hex')}`;
      const value = randomBytes(16).toString('base64');
      const probe: { entry?: KeyringEntry } = {};
      await wrap('storing', name, (e) => e.setPassword(value), probe);
      let readBack: string | null;
      try {
        readBack = await wrap('reading', name, (e) => e.getPassword(), probe);
      } finally {
        await wrap('deleting', name, (e) => e.deletePassword(), probe).catch(() => undefined);
      }
      // Without a working store some backends accept the write and then find nothing: never trust a silent null.
      if (readBack === null) {
        throw notWorking(backend, 'a test item was stored without error but could not be read back', platform);
      }
      if (readBack !== value) {
        throw notWorking(backend, 'a test item read back with a different value than was stored', platform);
      }
    },
  };
  return store;
}
