// What the Certdesk window may load: app:// requests map to files inside the built renderer only, every
// response carries the CSP, and only plain web links leave the app (to the user's browser).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  contentSecurityPolicy,
  CONTENT_SECURITY_POLICY,
  CSP_NONCE_PLACEHOLDER,
  externalLink,
  htmlWithNonce,
  newCspNonce,
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

function directivesOf(csp: string): Record<string, string> {
  return Object.fromEntries(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }),
  );
}

describe('response headers', () => {
  const strict = {
    'default-src': "'self'",
    'script-src': "'self'",
    'img-src': "'self' data:",
    'connect-src': "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-src': "'none'",
    'worker-src': "'none'",
    'frame-ancestors': "'none'",
  };

  it('carry the strict CSP: nothing framed, no workers, no form submissions, no inline styles', () => {
    const headers = rendererResponseHeaders('text/javascript; charset=utf-8');
    assert.equal(headers['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
    assert.equal(headers['X-Content-Type-Options'], 'nosniff');
    assert.deepEqual(directivesOf(CONTENT_SECURITY_POLICY), { ...strict, 'style-src': "'self'" });
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  });

  it("allow the page's styles by the nonce of that response only", () => {
    const nonce = newCspNonce();
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/, '128 random bits');
    assert.notEqual(newCspNonce(), nonce);
    const headers = rendererResponseHeaders('text/html; charset=utf-8', nonce);
    assert.deepEqual(directivesOf(headers['Content-Security-Policy']!), { ...strict, 'style-src': `'self' 'nonce-${nonce}'` });
    assert.equal(contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:1234'] }).includes("connect-src 'self' ws://127.0.0.1:1234;"), true);
  });

  it('put the nonce into the page wherever index.html has the placeholder', () => {
    const html = readFileSync(join(process.cwd(), 'renderer/index.html'), 'utf8');
    assert.equal(html.split(CSP_NONCE_PLACEHOLDER).length - 1, 3, 'the meta CSP, the csp-nonce meta and the <style>');
    const page = htmlWithNonce(html, 'abc123');
    assert.ok(!page.includes(CSP_NONCE_PLACEHOLDER));
    assert.match(page, /<meta name="csp-nonce" content="abc123" \/>/);
    assert.match(page, /<style nonce="abc123">/);
    // The page's own copy of the policy is never looser than the header.
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(page)?.[1] ?? '';
    assert.doesNotMatch(meta, /unsafe-inline/);
    assert.match(meta, /style-src 'self' 'nonce-abc123'/);
    for (const d of ["form-action 'none'", "frame-src 'none'", "worker-src 'none'"]) assert.ok(meta.includes(d), d);
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
