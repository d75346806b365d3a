// Issue 11 item 9: a URL pasted where a domain name belongs becomes its host name, and the form says so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostOfUrl, parseDomain, parseDomains, REDUCED_URL_NOTE, reducedUrlText, splitNames } from '../../shared/model/domains.ts';

const http01 = { challengeType: 'http-01' } as const;

describe('domain names: pasted URLs', () => {
  it('reduces URLs (scheme, path, query, port, user, trailing dot, spaces) to the host name', () => {
    const cases: [string, string][] = [
      ['http://www.example.test/', 'www.example.test'],
      ['https://x.example.test/path/to?q=1#top', 'x.example.test'],
      ['https://shop.example.test:8443/', 'shop.example.test'],
      ['http://www.example.test.:8080/a', 'www.example.test'],
      ['  http://www.example.test/  ', 'www.example.test'],
      ['https://user:secret@mail.example.test/inbox', 'mail.example.test'],
      ['www.example.test:443', 'www.example.test'],
      ['www.example.test/index.html', 'www.example.test'],
      ['HTTPS://WWW.Example.TEST', 'WWW.Example.TEST'],
      ['http://bücher.example.test/', 'bücher.example.test'],
    ];
    for (const [input, host] of cases) {
      assert.equal(hostOfUrl(input), host, input);
      const parsed = parseDomain(input, http01);
      assert.ok(typeof parsed !== 'string', `${input}: ${String(parsed)}`);
      assert.equal(parsed.unicode, host.toLowerCase().replace(/\.$/, ''));
      assert.equal(parsed.reducedFrom, input.trim());
    }
    assert.equal((parseDomain('http://bücher.example.test/', http01) as { ascii: string }).ascii, 'xn--bcher-kva.example.test');
  });

  it('leaves names that are not URLs alone (plain, trailing dot, wildcard, IPv6, a stray colon)', () => {
    for (const s of ['www.example.test', 'www.example.test.', '*.example.test', '[::1]', '2001:db8::1', 'exa:mple.test']) {
      assert.equal(hostOfUrl(s), null, s);
    }
    const plain = parseDomain('www.example.test.', http01);
    assert.ok(typeof plain !== 'string');
    assert.equal(plain.reducedFrom, undefined, 'a trailing dot alone is no URL');
    // What the host turns out to be is still checked: an IP address or a bad label keeps its own message.
    assert.match(parseDomain('http://[::1]:80/', http01) as string, /is an IP address/);
    assert.match(parseDomain('http://bad_name.example.test/', http01) as string, /invalid label "bad_name"/);
    assert.match(parseDomain('exa:mple.test', http01) as string, /invalid label "exa:mple"/);
  });

  it('a list with a URL and the same host twice is a repeat, not two names', () => {
    const { names, issues } = parseDomains(['http://www.example.test/', 'www.example.test'], http01);
    assert.equal(names.length, 1);
    assert.match(issues[0]!.message, /repeats name 1/);
  });

  it('the names field splits a pasted list and reports each URL it reduced', () => {
    const r = splitNames('http://www.example.test/, example.test https://api.example.test:8443/v1');
    assert.deepEqual(r.names, ['www.example.test', 'example.test', 'api.example.test']);
    assert.deepEqual(r.reduced, [
      { from: 'http://www.example.test/', host: 'www.example.test' },
      { from: 'https://api.example.test:8443/v1', host: 'api.example.test' },
    ]);
    assert.equal(reducedUrlText('http://www.example.test/', 'www.example.test'), `${REDUCED_URL_NOTE}: http://www.example.test/ → www.example.test.`);
    assert.equal(REDUCED_URL_NOTE, 'Reduced the URL to its host name');
  });
});
