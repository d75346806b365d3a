// The set-up every end-to-end test shares: the real services (bootstrap) behind the loopback bridge, serving
// the built renderer to a headless Chromium, plus screenshots in $CERTDESK_ARTIFACTS (test/artifacts).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { bootstrap, type App } from '../../electron/app/bootstrap.ts';
import { headlessPlatform } from '../../electron/app/platform-services.ts';
import { startBridge, type Bridge } from '../../electron/bridge/server.ts';
import type { Channel, Req, Res } from '../../shared/ipc/contract.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHROMIUM = '/usr/lib/chromium/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const VIEWPORT = { width: 1280, height: 720 };
export const artifacts = resolve(process.env.CERTDESK_ARTIFACTS ?? join(root, 'test/artifacts'));

/**
 * A screenshot of the resting page, `<name>.png` in the artifacts. `height` takes it with a taller viewport
 * (restored afterwards); `settleMs` is how long transitions get to finish first.
 */
export async function shot(page: Page, name: string, opts: { height?: number; settleMs?: number } = {}): Promise<void> {
  if (opts.height) await page.setViewportSize({ width: VIEWPORT.width, height: opts.height });
  // No hover highlight or tooltip from the last click in the picture.
  await page.mouse.move(1, VIEWPORT.height - 1);
  // Let transitions (dialogs, ripples, snackbars) settle so the picture shows the resting state.
  await page.waitForTimeout(opts.settleMs ?? 350);
  await page.screenshot({ path: join(artifacts, `${name}.png`), animations: 'disabled' });
  if (opts.height) await page.setViewportSize(VIEWPORT);
}

/** Opens the Certificate Request form from the Let's Encrypt toolbar, as a person would; resolves with the dialog. */
/** Dispatches a paste of `text` on an input, as a person pasting from the clipboard would. */
export async function paste(input: Locator, text: string): Promise<void> {
  await input.evaluate((el, t) => {
    // Page-side DOM classes (the tests are type-checked without the DOM library).
    const dom = globalThis as unknown as {
      DataTransfer: new () => { setData(type: string, value: string): void };
      ClipboardEvent: new (type: string, init: object) => Event;
    };
    const data = new dom.DataTransfer();
    data.setData('text', t);
    el.dispatchEvent(new dom.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

export async function openRequestForm(page: Page): Promise<Locator> {
  await page.getByRole('toolbar', { name: 'Certificate request actions' }).getByRole('button', { name: 'Certificate Request', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: /^Certificate Request/ });
  await dialog.waitFor();
  return dialog;
}

export interface E2EStartOptions {
  /** Every event the services emit, before the bridge passes it on to the page. */
  onEvent?: (event: string, payload: unknown) => void;
  /** Runs once the services and the bridge are up, before the browser starts (e.g. to seed data). */
  beforeBrowser?: () => Promise<void>;
  /** Answers the main process's open dialog (files:open); without it the dialog counts as cancelled. */
  openPath?: () => string | null;
}

/**
 * One suite's app, bridge and browser. Create it in the describe body, `start()` it in `before` and
 * `close()` it in `after`: close copes with a start that failed half-way.
 */
export class E2ESession {
  dataDir = '';
  profileDir = '';
  exportDir = '';
  app!: App;
  bridge!: Bridge;
  context!: BrowserContext;
  /** Page errors and console errors of every page opened with openApp(). */
  readonly pageErrors: string[] = [];
  /** Every path the app asked the file manager to show (Show in folder), in order. */
  readonly revealed: string[] = [];

  /** `tmpPrefix` names the temp folders: `<tmpPrefix>data-`, `<tmpPrefix>chromium-`, `<tmpPrefix>exports-`. */
  constructor(private readonly tmpPrefix: string) {}

  async start(opts: E2EStartOptions = {}): Promise<void> {
    const staticDir = join(root, 'out/renderer');
    const shimFile = join(root, 'out/bridge-shim/shim.js');
    if (!existsSync(join(staticDir, 'app.js')) || !existsSync(shimFile)) {
      throw new Error('The renderer is not built: run `node build/build.mjs` (npm test does) before the e2e tests.');
    }
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package chromium (test/bed/install.sh).`);
    mkdirSync(artifacts, { recursive: true });
    this.dataDir = mkdtempSync(join(tmpdir(), `${this.tmpPrefix}data-`));
    this.profileDir = mkdtempSync(join(tmpdir(), `${this.tmpPrefix}chromium-`));
    this.exportDir = mkdtempSync(join(tmpdir(), `${this.tmpPrefix}exports-`));

    const headless = headlessPlatform({ exportDir: this.exportDir, onShowItemInFolder: (path) => (this.revealed.push(path), true) });
    const openPath = opts.openPath;
    const platform = openPath ? { ...headless, chooseOpenPath: async () => openPath() } : headless;
    this.app = await bootstrap({ dataDir: this.dataDir, face: 'bridge', platform });
    const bridge = await startBridge({ handlers: this.app.handlers, staticDir, shimFile });
    this.bridge = bridge;
    this.app.events.on((event, payload) => {
      opts.onEvent?.(event, payload);
      bridge.emit(event, payload);
    });
    await opts.beforeBrowser?.();
    this.context = await chromium.launchPersistentContext(this.profileDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: VIEWPORT,
      colorScheme: 'light',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    this.context.setDefaultTimeout(20_000);
  }

  /** `after` steps of the suite's own that must run after the browser closed and before the services do. */
  async close(beforeServices?: () => Promise<void>): Promise<void> {
    await this.context?.close();
    await beforeServices?.();
    await this.bridge?.close();
    await this.app?.close();
    for (const dir of [this.dataDir, this.profileDir, this.exportDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }

  /** Calls the services directly, as a face does, and returns the value (or throws the error). */
  async call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
    const env = await dispatch(this.app.handlers, channel, req, { face: 'bridge' });
    if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}`);
    return env.value as Res<C>;
  }

  /** A new tab on the app, once its first page (Let's Encrypt) is up; its errors go to pageErrors. */
  async openApp(): Promise<Page> {
    const page = await this.context.newPage();
    page.on('pageerror', (err) => this.pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.pageErrors.push(msg.text());
    });
    await page.goto(this.bridge.url);
    await page.getByRole('heading', { name: "Let's Encrypt" }).waitFor();
    return page;
  }

  /** Runs a test body; on failure a screenshot of the page goes next to the others. */
  async withPage(name: string, body: (page: Page) => Promise<void>): Promise<void> {
    const page = await this.openApp();
    try {
      await body(page);
    } catch (err) {
      await page.screenshot({ path: join(artifacts, `${name}-FAILED.png`) }).catch(() => undefined);
      throw err;
    } finally {
      await page.close();
    }
  }
}
