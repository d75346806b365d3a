// PlatformServices for the desktop: native save/open dialogs attached to the Certdesk window the user is
// looking at, and OS notifications. A notification that fails is logged and forgotten.
import { app, BrowserWindow, clipboard, dialog, Notification, shell, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { safeFileName, type PlatformServices } from '../app/platform-services.ts';

export interface ElectronPlatformOptions {
  /** The main window, used when no Certdesk window has focus (e.g. a dialog asked for from the tray). */
  mainWindow(): BrowserWindow | null;
  /** Called when the user clicks a notification (main.ts shows the window). */
  onNotificationClick?: () => void;
  icon?: NativeImage;
  logger?: Logger;
}

export function electronPlatform(opts: ElectronPlatformOptions): PlatformServices {
  const log = opts.logger?.child('platform');
  // Electron drops a Notification's click handler once the object is garbage-collected: keep each one alive
  // until it is closed.
  const shown = new Set<Notification>();

  const parentWindow = (): BrowserWindow | null => {
    const focused = BrowserWindow.getFocusedWindow();
    const win = focused ?? opts.mainWindow();
    return win && !win.isDestroyed() ? win : null;
  };

  const documentsDir = (): string => {
    try {
      return app.getPath('documents');
    } catch {
      return app.getPath('home');
    }
  };

  return {
    async chooseSavePath(req) {
      const options: Electron.SaveDialogOptions = {
        title: req.title,
        defaultPath: join(documentsDir(), safeFileName(req.defaultName)),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      };
      if (req.filters) options.filters = req.filters;
      const win = parentWindow();
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },

    async chooseOpenPath(req) {
      const options: Electron.OpenDialogOptions = { title: req.title, properties: ['openFile'] };
      if (req.filters) options.filters = req.filters;
      const win = parentWindow();
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      const first = result.filePaths[0];
      return result.canceled || !first ? null : first;
    },

    notify(note) {
      try {
        if (!Notification.isSupported()) {
          log?.info('Notifications are not supported here.', { title: note.title });
          return;
        }
        const options: Electron.NotificationConstructorOptions = { title: note.title, body: note.body, silent: false };
        if (opts.icon) options.icon = opts.icon;
        const notification = new Notification(options);
        shown.add(notification);
        const forget = (): void => {
          shown.delete(notification);
        };
        notification.on('close', forget);
        notification.on('failed', (_event, error) => {
          forget();
          log?.warn('A notification could not be shown.', { title: note.title, error });
        });
        notification.on('click', () => {
          forget();
          opts.onNotificationClick?.();
        });
        notification.show();
      } catch (err) {
        log?.warn('A notification could not be shown.', { title: note.title, error: err });
      }
    },

    showItemInFolder(path) {
      try {
        shell.showItemInFolder(path);
        return true;
      } catch (err) {
        log?.warn('The file manager could not be opened.', { path, error: err });
        return false;
      }
    },

    copyText(text) {
      try {
        clipboard.writeText(text);
        return true;
      } catch (err) {
        log?.warn('The clipboard could not be written.', { error: err });
        return false;
      }
    },
  };
}
