// Who may call the main process over Electron IPC: only the top-level frame of a Certdesk window showing our
// own app://certdesk/ page. Kept free of Electron so it can be unit-tested; the IPC adapter
// (electron/platform/ipc-main.ts) turns the Electron event into a SenderInfo.

/** The scheme and host the renderer is served from (see electron/app/renderer-files.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'certdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface SenderInfo {
  /** The webContents that sent the message belongs to a window Certdesk created. */
  fromOurWindow: boolean;
  /** The sending frame, or null when Electron no longer knows it (navigated away, destroyed). */
  frame: { url: string; isMainFrame: boolean } | null;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Parses a frame URL with the WHATWG parser and tells whether it belongs to the app. `URL.origin` is the
 * string "null" for schemes Node does not know as special (app:), so scheme, host, port and credentials are
 * compared one by one instead; a prefix test on the raw string would accept app://certdesk.evil/ or
 * app://certdesk@evil/.
 */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.hostname === APP_HOST &&
    url.port === '' &&
    url.username === '' &&
    url.password === ''
  );
}

export function checkSender(sender: SenderInfo): SenderVerdict {
  if (!sender.fromOurWindow) return { ok: false, reason: 'the sender is not a Certdesk window' };
  if (!sender.frame) return { ok: false, reason: 'the sending frame is gone' };
  if (!sender.frame.isMainFrame) return { ok: false, reason: 'the sender is a sub-frame' };
  if (!isAppUrl(sender.frame.url)) return { ok: false, reason: `the sender is not the app page (${describeUrl(sender.frame.url)})` };
  return { ok: true };
}

/** Scheme and host only, for logs: a full URL could carry a query string worth keeping out of them. */
function describeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return url.host ? `${url.protocol}//${url.host}` : url.protocol;
  } catch {
    return 'unparseable URL';
  }
}
