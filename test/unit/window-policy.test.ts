// What the Certdesk window may load: app:// requests map to files inside the built renderer only, every
// response carries the CSP, and only plain web links leave the app (to the user's browser).
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  CONTENT_SECURITY_POLICY,
  externalLink,
  rendererResponseHeaders,
  resolveRendererFile,
} from '../../electron/app/window-policy.ts';

const root = resolve('/opt/certdesk/out/renderer');

describe('resolveRendererFile', () => {
  const served: [string, string, string][] = [
    ['app://certdesk/', 'index.html', 'text/html; charset=utf-8'],
    ['app://certdesk/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://certdesk/index.html?x=1#top', 'index.html', 'text/html; charset=utf-8'],
    ['app://certdesk/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['app://certdesk/assets/font%20one.woff2', join('assets', 'font one.woff2'), 'font/woff2'],
    ['app://certdesk/logo.SVG', 'logo.SVG', 'image/svg+xml'],
  ];
  for (const [url, file, type] of served) {
    it(`serves ${url}`, () => {
      assert.deepEqual(resolveRendererFile(root, url), { ok: true, file: join(root, file), contentType: type });
    });
  }

  const refused: [string, number][] = [
    // An encoded slash keeps `..` out of the URL parser's dot-segment folding: caught after decoding.
    ['app://certdesk/..%2f..%2fmain/index.js', 403],
    ['app://certdesk/assets/..%2F..%2F..%2Fetc/passwd.txt', 403],
    ['app://certdesk/..%5c..%5cmain%5cindex.cjs', 403],
    ['app://certdesk/%2fetc%2fpasswd', 404],
    ['app://certdesk/C:%5cWindows%5cwin.ini', 403],
    ['app://certdesk/index.html%00.js', 403],
    ['app://certdesk/%E0%A4%A', 400],
    ['app://other/index.html', 403],
    ['app://certdesk:99/index.html', 403],
    ['app://user@certdesk/index.html', 403],
    ['https://certdesk/index.html', 403],
    ['app://certdesk/secrets.pem', 404],
    ['app://certdesk/.env', 404],
    ['not a url', 400],
  ];
  for (const [url, status] of refused) {
    it(`refuses ${url} with ${status}`, () => {
      assert.deepEqual(resolveRendererFile(root, url), { ok: false, status });
    });
  }

  it('folds encoded dot segments inside the root (as Chromium does for standard schemes)', () => {
    assert.deepEqual(resolveRendererFile(root, 'app://certdesk/%2e%2e/%2e%2e/etc/passwd.txt'), {
      ok: true,
      file: join(root, 'etc', 'passwd.txt'),
      contentType: 'text/plain; charset=utf-8',
    });
    assert.deepEqual(resolveRendererFile(root, 'app://certdesk/assets/%2E%2E/%2E%2E/preload/index.js'), {
      ok: true,
      file: join(root, 'preload', 'index.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
  });

  it('never resolves outside the root, whatever the input', () => {
    const nasty = ['..', '%2e%2e', '%2E%2e%2f', '%5c', '/', '//', '.', 'a', 'index.html'];
    for (const a of nasty) {
      for (const b of nasty) {
        for (const c of nasty) {
          const r = resolveRendererFile(root, `app://certdesk/${a}/${b}/${c}`);
          if (r.ok) assert.ok(r.file.startsWith(root + '/') || r.file.startsWith(root + '\\'), r.file);
        }
      }
    }
  });
});

describe('response headers', () => {
  it('carry the strict CSP', () => {
    const headers = rendererResponseHeaders('text/html; charset=utf-8');
    assert.equal(headers['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
    assert.equal(headers['X-Content-Type-Options'], 'nosniff');
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    assert.deepEqual(Object.fromEntries(directives), {
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
  });
});

describe('externalLink', () => {
  it('hands http(s) links to the browser', () => {
    assert.equal(externalLink('https://letsencrypt.org/docs/'), 'https://letsencrypt.org/docs/');
    assert.equal(externalLink('http://example.com'), 'http://example.com/');
  });
  for (const url of [
    'file:///etc/passwd',
    'javascript:alert(1)',
    'app://certdesk/index.html',
    'smb://server/share',
    'ms-msdt:/id',
    'https://user:pass@example.com/',
    'https://letsencrypt.org@evil.example/',
    'data:text/html,hi',
    'not a url',
  ]) {
    it(`refuses ${url}`, () => assert.equal(externalLink(url), null));
  }
});
