// The Electron face of the contract: one ipcMain.handle per contract channel, each checking who is calling
// before anything is parsed, then handing the raw request to dispatch(). Pushes go out on one channel, and
// only to Certdesk windows that still show the app page.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNELS, type Channel } from '../../shared/ipc/contract.ts';
import { dispatch, type Handlers } from '../../shared/ipc/dispatch.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import { events, type EventName, type EventPayload } from '../../shared/ipc/events.ts';
import type { Logger } from '../core/logger.ts';
import { checkSender, isAppUrl, type SenderInfo, type SenderVerdict } from '../app/sender-check.ts';

/** The one renderer-bound channel: `{ event, payload }` for every push (see preload.ts). */
export const EVENT_CHANNEL = 'certdesk:event';

export interface IpcAdapterDeps {
  /** Electron's ipcMain (a parameter so the wiring is visible in main.ts). */
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: Handlers;
  /** The windows Certdesk created; IPC from anything else is refused and no push goes elsewhere. */
  windows(): readonly BrowserWindow[];
  logger?: Logger;
}

export interface IpcAdapter {
  /** Sends an event to every Certdesk window (after checking the payload against the events contract). */
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Removes every handler (before quitting, or in a second bootstrap). */
  dispose(): void;
}

function senderOf(event: IpcMainInvokeEvent, windows: readonly BrowserWindow[]): SenderInfo {
  const contents = event.sender;
  const fromOurWindow = windows.some((w) => !w.isDestroyed() && w.webContents === contents);
  // Nothing more is read from a sender that is not ours.
  if (!fromOurWindow) return { fromOurWindow, frame: null };
  const frame = event.senderFrame;
  const main = contents.mainFrame;
  return {
    fromOurWindow,
    // Identity of the WebFrameMain wrapper is not promised by the docs: compare the frame tree node too.
    frame: frame
      ? { url: frame.url, isMainFrame: frame.parent === null && (frame === main || frame.frameTreeNodeId === main.frameTreeNodeId) }
      : null,
  };
}

/**
 * AbortSignals that trip when the calling page goes away (window destroyed, renderer crashed, page reloaded or
 * navigated): nobody is left to receive the answers, so long operations stop. One set of listeners per
 * webContents, however many calls are in flight.
 */
function callerSignals(): (contents: WebContents) => { signal: AbortSignal; release(): void } {
  const inFlight = new WeakMap<WebContents, Set<AbortController>>();
  return (contents) => {
    let calls = inFlight.get(contents);
    if (!calls) {
      const set = new Set<AbortController>();
      calls = set;
      inFlight.set(contents, set);
      const abortAll = (): void => {
        for (const c of [...set]) c.abort(new Error('The calling window went away.'));
        set.clear();
      };
      contents.on('destroyed', abortAll);
      contents.on('render-process-gone', abortAll);
      contents.on('did-navigate', abortAll);
    }
    const controller = new AbortController();
    const own = calls;
    own.add(controller);
    return { signal: controller.signal, release: () => void own.delete(controller) };
  };
}

function sendTo(contents: WebContents, event: EventName, payload: unknown): void {
  if (contents.isDestroyed() || contents.isCrashed()) return;
  // A page that is not ours (should never happen: navigation is blocked) gets nothing.
  if (!isAppUrl(contents.mainFrame.url)) return;
  contents.send(EVENT_CHANNEL, { event, payload });
}

export function registerIpc(deps: IpcAdapterDeps): IpcAdapter {
  const log = deps.logger?.child('ipc');
  const callerSignal = callerSignals();

  /** Only the fields the events contract declares cross to a renderer. */
  const checkedPayload = (event: EventName, payload: unknown): unknown | undefined => {
    const parsed = events[event].safeParse(payload);
    if (parsed.success) return parsed.data;
    log?.error('Event payload does not match the contract; not sent.', { event, issue: parsed.error.message });
    return undefined;
  };

  const handle = async (channel: Channel, event: IpcMainInvokeEvent, request: unknown): Promise<Envelope<unknown>> => {
    let verdict: SenderVerdict;
    try {
      verdict = checkSender(senderOf(event, deps.windows()));
    } catch {
      verdict = { ok: false, reason: 'the sender could not be inspected' };
    }
    if (!verdict.ok) {
      log?.warn('IPC call refused.', { channel, reason: verdict.reason });
      return { ok: false, error: { code: 'FORBIDDEN', message: `This caller may not use Certdesk (${verdict.reason}).` } };
    }
    const contents = event.sender;
    const { signal, release } = callerSignal(contents);
    try {
      return await dispatch(deps.handlers, channel, request, {
        face: 'electron',
        signal,
        emit: (name, payload) => {
          const data = checkedPayload(name, payload);
          if (data !== undefined) sendTo(contents, name, data);
        },
      });
    } catch (err) {
      // dispatch() already turns handler errors into envelopes; this guards the adapter itself, because a
      // rejected invoke() reaches the renderer without its details.
      log?.error('IPC adapter failure.', { channel, error: err });
      return { ok: false, error: { code: 'INTERNAL', message: 'Unexpected error in the IPC adapter.' } };
    } finally {
      release();
    }
  };

  for (const channel of CHANNELS) {
    deps.ipc.handle(channel, (event, request: unknown) => handle(channel, event, request));
  }

  return {
    broadcast(event, payload) {
      const data = checkedPayload(event, payload);
      if (data === undefined) return;
      for (const win of deps.windows()) {
        if (!win.isDestroyed()) sendTo(win.webContents, event, data);
      }
    },
    dispose() {
      for (const channel of CHANNELS) deps.ipc.removeHandler(channel);
    },
  };
}
