// What a Certdesk window may load and where it may go. The renderer is served from app://certdesk/ out of the
// built renderer folder only, with a strict Content-Security-Policy; every navigation away from it is refused
// and only plain web links are handed to the user's browser. Pure (no Electron) so it is unit-tested.
import { randomBytes } from 'node:crypto';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { CONTENT_TYPES } from './content-types.ts';
import { APP_HOST, APP_SCHEME } from './sender-check.ts';

/** Stands for the per-response nonce in renderer/index.html (the <style> element and the csp-nonce meta). */
export const CSP_NONCE_PLACEHOLDER = '__CSP_NONCE__';

/** A fresh nonce for one response of index.html (128 bits, base64). */
export function newCspNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The renderer's Content-Security-Policy. Styles: MUI injects them through Emotion, which puts `nonce` on
 * every <style> element it creates (createCache({ nonce }) in renderer/src/main.tsx), so no 'unsafe-inline'
 * is needed: each page load gets its own nonce in this header and in index.html. React sets style props
 * through the CSSOM, which CSP does not restrict. Nothing may be framed, run as a worker or submitted.
 */
export function contentSecurityPolicy(opts: { nonce?: string; connectSrc?: string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    opts.nonce ? `style-src 'self' 'nonce-${opts.nonce}'` : "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...(opts.connectSrc ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The policy of responses that are not the page itself (scripts, fonts, errors): no styles of their own. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** index.html with this response's nonce in place of the placeholder. */
export function htmlWithNonce(html: string, nonce: string): string {
  return html.split(CSP_NONCE_PLACEHOLDER).join(nonce);
}

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

/**
 * Headers of every app:// response (the CSP travels as a header so frame-ancestors applies too); `nonce` is
 * the one put into that response's index.html.
 */
export function rendererResponseHeaders(contentType: string, nonce?: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': nonce ? contentSecurityPolicy({ nonce }) : CONTENT_SECURITY_POLICY,
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
