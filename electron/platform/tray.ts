// Desktop parts of issue 9: the tray shows the worst state of all certificates (icon variant when the resources
// have one, tooltip and a status line always) with a menu of the next expiries; start at login; resume/unlock.
import { app, Menu, powerMonitor, type MenuItemConstructorOptions, type NativeImage, type Tray } from 'electron';
import type { TrayState } from '../app/platform-services.ts';
import type { Logger } from '../core/logger.ts';

export interface TrayActions {
  show(): void;
  /** Opens the window on a certificate (or its request). */
  open(target: { certificateId: string | null; requestId: string | null }): void;
  quit(): void;
}

const STATUS: Record<TrayState['worst'], string> = {
  fine: 'All certificates fine',
  expiring: 'A certificate expires soon',
  failed: 'Something failed — see the alerts',
};

/** The tray menu: status, the next expiries (each opens its certificate), open, quit. */
export function trayMenuTemplate(state: TrayState | null, actions: TrayActions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [];
  if (state) {
    items.push({ label: STATUS[state.worst], enabled: false });
    if (state.next.length) {
      items.push({ type: 'separator' }, { label: 'Next expiries', enabled: false });
      for (const n of state.next) items.push({ label: n.label, click: () => actions.open({ certificateId: n.certificateId, requestId: n.requestId }) });
    }
    items.push({ type: 'separator' });
  }
  items.push({ label: 'Open Certdesk', click: () => actions.show() }, { type: 'separator' }, { label: 'Quit', click: () => actions.quit() });
  return items;
}

/**
 * Draws a tray state. `images` are the icon variants found in the resources (tray-expiring.png,
 * tray-failed.png); a missing variant keeps the plain icon and the tooltip says it.
 */
export function applyTrayState(tray: Tray, state: TrayState, images: Partial<Record<TrayState['worst'], NativeImage>>, actions: TrayActions, logger?: Logger): void {
  try {
    tray.setToolTip(state.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(state, actions)));
    const image = images[state.worst] ?? images.fine;
    if (image && typeof tray.setImage === 'function') tray.setImage(image);
    // macOS shows a short title beside the icon: a mark when something needs attention.
    if (process.platform === 'darwin' && typeof tray.setTitle === 'function') tray.setTitle(state.worst === 'fine' ? '' : '!');
  } catch (err) {
    logger?.warn('The tray could not be updated.', { error: err });
  }
}

/** Start at login, hidden in the tray (the --hidden argument; on macOS, wasOpenedAtLogin says it). */
export function setLoginItem(enabled: boolean, logger?: Logger): void {
  try {
    if (typeof app.setLoginItemSettings !== 'function') return;
    app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] });
  } catch (err) {
    logger?.warn('Start at login could not be changed.', { enabled, error: err });
  }
}

/** Started at login: stay in the tray, no window. */
export function startedHidden(argv: readonly string[]): boolean {
  if (argv.includes('--hidden')) return true;
  try {
    return typeof app.getLoginItemSettings === 'function' && app.getLoginItemSettings().wasOpenedAtLogin === true;
  } catch {
    return false;
  }
}

/** `cb` on resume from sleep and on screen unlock; returns the unsubscribe. */
export function onResume(cb: () => void): () => void {
  const handler = (): void => cb();
  powerMonitor.on('resume', handler);
  powerMonitor.on('unlock-screen', handler);
  return () => {
    if (typeof powerMonitor.removeListener !== 'function') return;
    powerMonitor.removeListener('resume', handler);
    powerMonitor.removeListener('unlock-screen', handler);
  };
}
