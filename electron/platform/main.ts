// The Electron entry point, kept thin: it owns the process (single instance, data directory, quitting), the
// window and its security fences, the tray, and the app:// protocol; everything Certdesk does comes from
// bootstrap() and reaches the renderer through the IPC adapter. Guidance followed: Electron's security
// checklist (context isolation, sandbox, CSP, navigation/window-open guards, permission handlers).
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  powerMonitor,
  protocol,
  session,
  shell,
  Tray,
  type MenuItemConstructorOptions,
  type NativeImage,
  type Session,
  type WebContents,
} from 'electron';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bootstrap, type App } from '../app/bootstrap.ts';
import { describeStartupFailure, resolveDataDir } from '../app/launch-options.ts';
import type { PlatformServices, TrayState } from '../app/platform-services.ts';
import { APP_ORIGIN, APP_SCHEME } from '../app/sender-check.ts';
import {
  CONTENT_SECURITY_POLICY,
  externalLink,
  htmlWithNonce,
  newCspNonce,
  rendererResponseHeaders,
  resolveRendererFile,
} from '../app/window-policy.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { electronPlatform } from './dialogs.ts';
import { registerIpc, type IpcAdapter } from './ipc-main.ts';
import { applyTrayState, onResume, setLoginItem, startedHidden, trayMenuTemplate, type TrayActions } from './tray.ts';

const APP_ID = 'app.certdesk.desktop';
const CLOSE_TIMEOUT_MS = 10_000;

// Must happen before `ready`. `standard` gives app://certdesk/ real origins and relative URLs, `secure` makes
// it a secure context; corsEnabled stays off so no other origin can read it, and nothing bypasses CSP.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

interface DesktopState {
  window: BrowserWindow | null;
  tray: Tray | null;
  core: App | null;
  ipc: IpcAdapter | null;
  logger: Logger | null;
  platform: PlatformServices | null;
  /** Set once the user really wants to quit: closing the window then closes it instead of hiding it. */
  quitting: boolean;
  closing: Promise<void> | null;
  closed: boolean;
  /** Settings → notifications: closing the window keeps Certdesk in the tray (else it quits). */
  stayInTray: boolean;
  /** The last tray state the notifier sent (drawn when the tray exists). */
  trayState: TrayState | null;
}

const state: DesktopState = {
  window: null,
  tray: null,
  core: null,
  ipc: null,
  logger: null,
  platform: null,
  quitting: false,
  closing: null,
  closed: false,
  stayInTray: true,
  trayState: null,
};

/** Where the built app lives: the project root in development, app.asar when packaged. */
const appRoot = (): string => app.getAppPath();
const rendererRoot = (): string => join(appRoot(), 'out', 'renderer');
const preloadPath = (): string => join(appRoot(), 'out', 'preload', 'index.cjs');
/** Tray and window icons need real files (the tray hands a path to the OS): extraResources when packaged. */
const resourcesDir = (): string => (app.isPackaged ? join(process.resourcesPath, 'resources') : join(appRoot(), 'resources'));

function showWindow(): void {
  const win = state.window;
  if (!win || win.isDestroyed()) {
    if (state.core) createWindow();
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

// ---- security fences for every web contents -------------------------------------------------------------

function openExternally(url: string): void {
  const href = externalLink(url);
  if (!href) {
    state.logger?.warn('Blocked a navigation.', { scheme: url.split(':', 1)[0] });
    return;
  }
  shell.openExternal(href).catch((err: unknown) => state.logger?.warn('Could not open a link.', { error: err }));
}

function hardenContents(contents: WebContents): void {
  // The app is a single page: any navigation is refused; web links go to the user's browser.
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    openExternally(event.url);
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function denyPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    state.logger?.info('Denied a permission request.', { permission });
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

// ---- app:// protocol ---------------------------------------------------------------------------------------

function registerAppProtocol(root: string, logger: Logger): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } });
    }
    const target = resolveRendererFile(root, request.url);
    if (!target.ok) {
      if (target.status === 403) logger.warn('Refused an app:// request outside the renderer.', { status: target.status });
      return new Response(null, { status: target.status, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } });
    }
    try {
      const body = await readFile(target.file);
      if (target.contentType.startsWith('text/html')) {
        // Every load of the page gets its own style nonce, in the CSP header and in the page (for Emotion).
        const nonce = newCspNonce();
        const html = htmlWithNonce(body.toString('utf8'), nonce);
        return new Response(request.method === 'HEAD' ? null : html, { status: 200, headers: rendererResponseHeaders(target.contentType, nonce) });
      }
      return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
        status: 200,
        headers: rendererResponseHeaders(target.contentType),
      });
    } catch {
      return new Response(null, { status: 404, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } });
    }
  });
}

// ---- window and tray ----------------------------------------------------------------------------------------

function loadIcon(name: string): NativeImage | undefined {
  const file = join(resourcesDir(), name);
  if (!existsSync(file)) return undefined;
  const image = nativeImage.createFromPath(file);
  return image.isEmpty() ? undefined : image;
}

/** The tray PNG is 32×32: used as is on Linux, as the 2× form of a 16×16 icon on macOS and Windows. */
function trayImage(name = 'tray.png'): NativeImage {
  const source = loadIcon(name) ?? nativeImage.createEmpty();
  if (process.platform === 'linux' || source.isEmpty()) return source;
  const image = nativeImage.createEmpty();
  image.addRepresentation({ scaleFactor: 1, buffer: source.resize({ width: 16, height: 16, quality: 'best' }).toPNG() });
  image.addRepresentation({ scaleFactor: 2, buffer: source.toPNG() });
  return image;
}

/** Opens the window on a certificate (the Certificates page, `#/certificates/<id>`). */
function openTarget(target: { certificateId: string | null; requestId: string | null }): void {
  showWindow();
  const win = state.window;
  const id = target.certificateId ?? target.requestId;
  if (!win || win.isDestroyed() || !id) return;
  win.loadURL(`${APP_ORIGIN}/index.html#/certificates/${encodeURIComponent(id)}`).catch((err: unknown) => state.logger?.warn('The window could not open the certificate.', { error: err }));
}

const trayActions: TrayActions = { show: () => showWindow(), open: (t) => openTarget(t), quit: () => app.quit() };

/** Icon variants of the tray's worst state, where the resources have them (tray-expiring.png, tray-failed.png). */
function trayImages(): Partial<Record<TrayState['worst'], NativeImage>> {
  const fine = trayImage();
  const out: Partial<Record<TrayState['worst'], NativeImage>> = { fine };
  for (const worst of ['expiring', 'failed'] as const) {
    if (existsSync(join(resourcesDir(), `tray-${worst}.png`))) out[worst] = trayImage(`tray-${worst}.png`);
  }
  return out;
}

function drawTray(): void {
  if (state.tray && state.trayState) applyTrayState(state.tray, state.trayState, trayImages(), trayActions, state.logger ?? undefined);
}

function createTray(logger: Logger): void {
  try {
    const tray = new Tray(trayImage());
    tray.setToolTip('Certdesk');
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(null, trayActions)));
    tray.on('click', () => showWindow());
    state.tray = tray;
    drawTray();
  } catch (err) {
    // Without a tray the window could not be brought back after hiding: closing it will quit instead.
    logger.warn('No tray icon available; closing the window quits Certdesk.', { error: err });
  }
}

/** The "still running" notice is shown once per installation, the first time the window is hidden. */
function showTrayHintOnce(platform: PlatformServices): void {
  const marker = join(app.getPath('userData'), 'tray-hint-shown');
  if (existsSync(marker)) return;
  try {
    mkdirSync(dirname(marker), { recursive: true });
    writeFileSync(marker, new Date().toISOString() + '\n');
  } catch {
    // Showing the notice again next time is harmless.
  }
  platform.notify({
    title: 'Certdesk keeps running in the tray',
    body: 'Renewals continue in the background. Choose Quit from the tray icon to stop Certdesk.',
  });
}

function createWindow(): void {
  const icon = process.platform === 'linux' ? loadIcon('icon.png') : undefined;
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Certdesk',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  state.window = win;
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (state.quitting || !state.tray || !state.stayInTray) return;
    event.preventDefault();
    win.hide();
    if (state.platform) showTrayHintOnce(state.platform);
  });
  // Windows log-off/shutdown: no before-quit comes, and a hidden-instead-of-closed window would hold it up.
  win.on('session-end', () => {
    state.quitting = true;
    app.quit();
  });
  win.on('closed', () => {
    if (state.window === win) state.window = null;
  });
  win.loadURL(`${APP_ORIGIN}/index.html`).catch((err: unknown) => {
    state.logger?.error('The window could not load the app.', { error: err });
  });
}

function applicationMenu(): Menu | null {
  const mac = process.platform === 'darwin';
  // Windows and Linux need no menu bar for copy/paste; macOS needs the Edit menu for its shortcuts.
  if (!mac && app.isPackaged) return null;
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    { role: 'editMenu' },
    ...(app.isPackaged ? [] : [{ role: 'viewMenu' } as const]),
    ...(mac ? [{ role: 'windowMenu' } as const] : []),
  ];
  return Menu.buildFromTemplate(template);
}

// ---- lifecycle ----------------------------------------------------------------------------------------------

async function whenReady(dataDir: string): Promise<void> {
  const logger = createLogger({ file: join(dataDir, 'logs', 'certdesk.log'), level: 'info' });
  state.logger = logger.child('desktop');
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  denyPermissions(session.defaultSession);
  registerAppProtocol(rendererRoot(), state.logger);
  Menu.setApplicationMenu(applicationMenu());

  const appIcon = loadIcon('icon.png');
  const platform: PlatformServices = {
    ...electronPlatform({
      mainWindow: () => state.window,
      onNotificationClick: () => showWindow(),
      ...(appIcon ? { icon: appIcon } : {}),
      logger,
    }),
    setTray: (tray) => {
      state.trayState = tray;
      drawTray();
    },
    setLoginItem: (enabled) => setLoginItem(enabled, state.logger ?? undefined),
    onResume: (cb) => onResume(cb),
  };
  state.platform = platform;

  try {
    state.core = await bootstrap({ dataDir, face: 'electron', logger, platform });
  } catch (err) {
    const failure = describeStartupFailure(err, dataDir);
    state.logger.error('Startup failed.', { error: err, expected: failure.expected });
    dialog.showErrorBox(failure.title, failure.content);
    state.closed = true;
    app.exit(1);
    return;
  }

  const ipc = registerIpc({
    ipc: ipcMain,
    handlers: state.core.handlers,
    windows: () => (state.window ? [state.window] : []),
    logger,
  });
  state.ipc = ipc;
  state.core.events.on((event, payload) => ipc.broadcast(event, payload));

  // Linux/macOS shutdown or reboot: quit properly so the store is closed and its lock released.
  powerMonitor.on('shutdown', () => app.quit());

  const settings = state.core.services.settings;
  const stay = (s: { notifications: { stayInTray: boolean } }): void => {
    state.stayInTray = s.notifications.stayInTray;
  };
  settings.onChange(stay);
  await settings.get().then(stay, () => undefined);

  createTray(state.logger);
  // Started at login: only the tray; the window opens from it.
  if (!state.tray || !startedHidden(process.argv)) createWindow();
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Closing took longer than ${ms} ms.`)), ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Quitting waits for bootstrap's close() (store flushed, lock released), then quits for real. */
function onBeforeQuit(event: Electron.Event): void {
  state.quitting = true;
  const core = state.core;
  if (state.closed || !core) return;
  event.preventDefault();
  if (state.closing) return;
  state.closing = withTimeout(core.close(), CLOSE_TIMEOUT_MS)
    .catch((err: unknown) => state.logger?.error('Closing the services failed.', { error: err }))
    .finally(() => {
      state.closed = true;
      state.ipc?.dispose();
      app.quit();
    });
}

function main(): void {
  // A second launch hands over to the running instance (which shows its window) and exits.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const dataDir = resolveDataDir(process.argv, process.env, app.getPath('userData'), process.cwd());

  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  // The window only really closes when quitting (or when there is no tray to come back from).
  app.on('window-all-closed', () => {
    if (!state.tray || state.quitting || !state.stayInTray) app.quit();
  });
  app.on('before-quit', onBeforeQuit);

  app
    .whenReady()
    .then(() => whenReady(dataDir))
    .catch((err: unknown) => {
      state.logger?.error('Startup failed.', { error: err });
      dialog.showErrorBox('Certdesk cannot start', err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}

main();
