// A stand-in for the `electron` module and for @napi-rs/keyring, so that the bundled Electron main process
// (out/main/index.cjs, or the copy inside a packaged app.asar) runs under plain Node: it records what main.ts does
// with each Electron object (windows, tray, protocol handler, IPC, dialogs) for the tests to look at. Used by
// test/unit/electron-main.test.ts (the development bundle) and test/integration/packaged-build.test.ts (the
// packaged one). It does not prove Electron behaves as the fake does.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';

/** Polls `cond` every 10 ms until it holds; fails naming `what` after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type AnyFn = (...args: never[]) => unknown;
export interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
  url?: string;
}
export const preventable = (extra: object = {}): PreventableEvent => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
  ...extra,
});

export interface FakeElectronOptions {
  /** What app.getPath('userData') answers (other names are folders below it). */
  userData: string;
  /** What app.getAppPath() answers: the project root in development, …/resources/app.asar when packaged. */
  appPath: string;
  /** app.isPackaged (false unless said). */
  isPackaged?: boolean;
}

export interface TrayMenuItem {
  label?: string;
  type?: string;
  click?: () => void;
}

/** Every fake Electron object of one load of main.ts, and what main.ts did with it. */
export function fakeElectron(options: FakeElectronOptions) {
  const log: string[] = [];
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  const windows: FakeWindow[] = [];
  const trays: { menu: { template: TrayMenuItem[] } | null }[] = [];
  const ipcHandlers = new Map<string, AnyFn>();
  const errorBoxes: { title: string; content: string }[] = [];
  const notifications: { title: string; body: string }[] = [];
  const opened: string[] = [];
  const protocolHandlers = new Map<string, (req: Request) => Promise<Response>>();
  const privileged: unknown[] = [];
  const permission: { request?: AnyFn; check?: AnyFn; device?: AnyFn } = {};
  /** Every path handed to nativeImage.createFromPath (tray and window icons). */
  const imagePaths: string[] = [];
  /** Every Menu.setApplicationMenu argument (null: no menu bar). */
  const applicationMenus: unknown[] = [];

  class FakeContents extends EventEmitter {
    mainFrame = { url: '', parent: null };
    sent: unknown[] = [];
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn;
    }
    isDestroyed() {
      return false;
    }
    isCrashed() {
      return false;
    }
    send(channel: string, message: unknown) {
      this.sent.push([channel, message]);
    }
  }

  class FakeWindow extends EventEmitter {
    webContents = new FakeContents();
    visible = false;
    destroyed = false;
    loaded: string | null = null;
    constructor(public options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', preventable(), this.webContents);
    }
    async loadURL(url: string) {
      this.loaded = url;
      this.webContents.mainFrame.url = url;
      this.emit('ready-to-show');
    }
    isDestroyed() {
      return this.destroyed;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    show() {
      this.visible = true;
    }
    focus() {}
    hide() {
      this.visible = false;
    }
    static getFocusedWindow() {
      return null;
    }
  }

  const app = Object.assign(new EventEmitter(), {
    isPackaged: options.isPackaged ?? false,
    requestSingleInstanceLock: () => {
      log.push('requestSingleInstanceLock');
      return true;
    },
    getPath: (name: string) => join(options.userData, name === 'userData' ? '' : name),
    getAppPath: () => options.appPath,
    whenReady: () => readyPromise,
    setAppUserModelId: () => {},
    quit: () => {
      log.push('quit');
      const event = preventable();
      app.emit('before-quit', event);
      if (!event.defaultPrevented) {
        log.push('quit:done');
        app.emit('will-quit', preventable());
      }
    },
    exit: (code: number) => log.push(`exit:${code}`),
  });

  const image = {
    isEmpty: () => false,
    resize: () => image,
    toPNG: () => Buffer.alloc(0),
    addRepresentation: () => {},
  };

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        log.push('registerSchemesAsPrivileged');
        privileged.push(...schemes);
      },
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => protocolHandlers.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: AnyFn) => (permission.request = fn),
        setPermissionCheckHandler: (fn: AnyFn) => (permission.check = fn),
        setDevicePermissionHandler: (fn: AnyFn) => (permission.device = fn),
      },
    },
    ipcMain: {
      handle: (channel: string, fn: AnyFn) => ipcHandlers.set(channel, fn),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    Menu: {
      buildFromTemplate: (template: unknown[]) => ({ template }),
      setApplicationMenu: (menu: unknown) => applicationMenus.push(menu),
    },
    Tray: class {
      menu: { template: [] } | null = null;
      constructor() {
        trays.push(this as never);
      }
      setToolTip() {}
      setContextMenu(menu: { template: [] }) {
        this.menu = menu;
      }
      on() {}
    },
    nativeImage: {
      createFromPath: (path: string) => {
        imagePaths.push(path);
        return image;
      },
      createEmpty: () => image,
    },
    dialog: {
      showErrorBox: (title: string, content: string) => errorBoxes.push({ title, content }),
    },
    Notification: class extends EventEmitter {
      static isSupported() {
        return true;
      }
      constructor(private opts: { title: string; body: string }) {
        super();
      }
      show() {
        notifications.push({ title: this.opts.title, body: this.opts.body });
      }
    },
    shell: {
      openExternal: async (url: string) => {
        opened.push(url);
      },
    },
    powerMonitor: { on: () => {} },
  };

  return {
    electron,
    log,
    ready: () => {
      log.push('ready');
      ready();
    },
    windows,
    trays,
    ipcHandlers,
    errorBoxes,
    notifications,
    opened,
    protocolHandlers,
    privileged,
    permission,
    imagePaths,
    applicationMenus,
  };
}

export type FakeElectron = ReturnType<typeof fakeElectron>;

/** @napi-rs/keyring's AsyncEntry over an in-memory keychain (one per call). */
export function fakeKeyring() {
  const keychain = new Map<string, string>();
  const module = {
    AsyncEntry: class {
      private readonly key: string;
      constructor(service: string, name: string) {
        this.key = `${service}/${name}`;
      }
      async setPassword(value: string) {
        keychain.set(this.key, value);
      }
      async getPassword() {
        return keychain.get(this.key) ?? null;
      }
      async deletePassword() {
        return keychain.delete(this.key);
      }
    },
  };
  return { module, keychain };
}

export interface LoadMainOptions {
  /** The CommonJS text of the main bundle. */
  code: string;
  /** Where the bundle lives (its __filename; __dirname is its folder). */
  filename: string;
  /** The module's require(): `electron` and `@napi-rs/keyring` are answered by the fakes before it is asked. */
  require: (id: string) => unknown;
  fake: FakeElectron;
  keyring: ReturnType<typeof fakeKeyring>['module'];
  /** CERTDESK_DATA_DIR while the bundle's top level runs (main() resolves the data folder there). */
  dataDir: string;
}

/** Runs a CommonJS main bundle the way Node's loader would, with the fakes in place of the native modules. */
export function loadMainBundle(o: LoadMainOptions): void {
  const requireFake = (id: string): unknown => {
    if (id === 'electron') return o.fake.electron;
    if (id === '@napi-rs/keyring') return o.keyring;
    return o.require(id);
  };
  const previous = process.env.CERTDESK_DATA_DIR;
  process.env.CERTDESK_DATA_DIR = o.dataDir;
  try {
    const module = { exports: {} };
    new Function('require', 'module', 'exports', '__filename', '__dirname', o.code)(
      requireFake,
      module,
      module.exports,
      o.filename,
      join(o.filename, '..'),
    );
  } finally {
    if (previous === undefined) delete process.env.CERTDESK_DATA_DIR;
    else process.env.CERTDESK_DATA_DIR = previous;
  }
}
