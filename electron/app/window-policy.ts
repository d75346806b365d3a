// What a Certdesk window may load and where it may go. The renderer is served from app://certdesk/ out of the
// built renderer folder only, with a strict Content-Security-Policy; every navigation away from it is refused
// and only plain web links are handed to the user's browser. Pure (no Electron) so it is unit-tested.
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { CONTENT_TYPES } from './content-types.ts';
import { APP_HOST, APP_SCHEME } from './sender-check.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // MUI/emotion inject <style> elements at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');


export type RendererFile = { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * Maps an app://certdesk/... request to a file inside `root` (the built renderer folder). Chromium already
 * folds `..` segments of a standard scheme, so a `..` that survives to here was percent-encoded on purpose:
 * it, backslashes, NUL and drive-letter colons are refused, and the resolved path must still lie inside root.
 */
export function resolveRendererFile(root: string, requestUrl: string): RendererFile {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400 };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port !== '' || url.username !== '') {
    return { ok: false, status: 403 };
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (/[\\\0:]/.test(pathname)) return { ok: false, status: 403 };
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403 };
  if (segments.length === 0) segments.push('index.html');

  const base = resolve(root);
  const file = resolve(base, ...segments);
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { ok: false, status: 403 };
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  // Only file types the renderer build produces are served; anything else is treated as absent.
  if (!contentType) return { ok: false, status: 404 };
  return { ok: true, file, contentType };
}

/** Headers of every app:// response (the CSP travels as a header so frame-ancestors applies too). */
export function rendererResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The URL to hand to the user's browser when the renderer tries to open or navigate to `raw`, or null when
 * it must simply be refused: only http(s) without embedded credentials (a classic way to disguise a host).
 */
export function externalLink(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}
