// What services need from the desktop around them: ask the user for a file to write or read, and show a
// notification. The Electron face implements it with native dialogs (electron/platform/dialogs.ts); the CLI and
// the loopback bridge use headlessPlatform(), which never blocks on a person.
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Logger } from '../core/logger.ts';

export interface FileFilter {
  /** Shown to the user, e.g. "PEM files". */
  name: string;
  /** Without dots, e.g. ["pem", "key"]; "*" for any. */
  extensions: string[];
}

export interface SavePathRequest {
  title: string;
  /** Suggested file name (no folders). */
  defaultName: string;
  filters?: FileFilter[];
}

export interface OpenPathRequest {
  title: string;
  filters?: FileFilter[];
}

export interface PlatformServices {
  /** Asks where to write a file; null when the user cancels (or nobody can be asked). */
  chooseSavePath(opts: SavePathRequest): Promise<string | null>;
  /** Asks which file to read; null when the user cancels (or nobody can be asked). */
  chooseOpenPath(opts: OpenPathRequest): Promise<string | null>;
  /** Best effort: a notification that cannot be shown is logged, never thrown. */
  notify(opts: { title: string; body: string }): void;
  /**
   * Shows a file in the system file manager (its folder opened, the file selected); false when there is no
   * file manager (headless). The path is one Certdesk wrote: the caller checked it.
   */
  showItemInFolder?(path: string): boolean;
  /** Puts text on the system clipboard; false when there is none to write to (headless). */
  copyText?(text: string): boolean;
  /** Desktop only: the tray icon's state and menu (issue 9). */
  setTray?(state: TrayState): void;
  /** Desktop only: start Certdesk at login (hidden, in the tray). */
  setLoginItem?(enabled: boolean): void;
  /** Desktop only: `cb` runs when the machine resumes from sleep or the screen is unlocked; returns an unsubscribe. */
  onResume?(cb: () => void): () => void;
}

/** What the tray shows: the worst state of all certificates, and the next expiries. */
export interface TrayState {
  worst: 'fine' | 'expiring' | 'failed';
  /** One line for the tooltip, e.g. "3 certificates; next expiry in 12 days (www.example.com)". */
  tooltip: string;
  /** Menu entries, soonest first (at most ~8). */
  next: { label: string; certificateId: string | null; requestId: string | null }[];
}

export interface HeadlessPlatformOptions {
  /**
   * Folder that receives exports when no person can pick a path (bridge tests, preview). Without it
   * chooseSavePath answers null, i.e. "cancelled".
   */
  exportDir?: string | null;
  logger?: Logger;
  /**
   * Stands in for the file manager (bridge tests): called with each path to show; its answer is `shown`.
   * Without it nothing is shown (false).
   */
  onShowItemInFolder?: (path: string) => boolean;
}

/**
 * Reduces a suggested name to one safe file name: no folders, no traversal, no characters Windows refuses.
 * Exported for tests.
 */
export function safeFileName(name: string): string {
  const last = basename(name.replace(/\\/g, '/'));
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const cleaned = last.replace(/[<>:"|?*\u0000-\u001f]/g, '_').replace(/^\.+/, '').trim();
  return cleaned === '' ? 'export' : cleaned;
}

/** A path in `dir` for `name` that does not exist yet: `name`, then `name-2`, `name-3`, ... */
function freshPath(dir: string, name: string): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let candidate = join(dir, name);
  for (let n = 2; existsSync(candidate); n++) candidate = join(dir, `${stem}-${n}${ext}`);
  return candidate;
}

export function headlessPlatform(opts: HeadlessPlatformOptions = {}): PlatformServices {
  const log = opts.logger?.child('platform');
  return {
    async chooseSavePath(req) {
      if (!opts.exportDir) {
        log?.info('No export folder configured: save request treated as cancelled.', { title: req.title });
        return null;
      }
      // Never overwrite: a person would have been asked; here nobody can be.
      const path = freshPath(opts.exportDir, safeFileName(req.defaultName));
      log?.info('Save path chosen without a dialog.', { title: req.title, path });
      return path;
    },
    async chooseOpenPath(req) {
      log?.info('Open request cannot be answered without a person: treated as cancelled.', { title: req.title });
      return null;
    },
    notify(note) {
      log?.info('Notification.', { title: note.title, body: note.body });
    },
    showItemInFolder(path) {
      const shown = opts.onShowItemInFolder?.(path) ?? false;
      log?.info('Show in folder.', { path, shown });
      return shown;
    },
    copyText() {
      // No desktop clipboard here: the page falls back to its own (navigator.clipboard).
      return false;
    },
  };
}
