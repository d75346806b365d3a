// Issue 11 item 1b: a CA's problem in one plain sentence, from the texts Pebble 2.4 (the bed's CA) and Let's
// Encrypt (Boulder) really send. The Pebble texts below are the ones its validation authority writes (the
// integration test preflight.test.ts gets the 404 and wrong-content ones from the running Pebble).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainProblem, problemKind } from '../../shared/model/problems.ts';

const U = (s: string) => `urn:ietf:params:acme:error:${s}`;
const url = 'http://www-1.example.test:5002/.well-known/acme-challenge/Zq3l0Xv8gYk';
const http = { identifier: 'www-1.example.test', challengeType: 'http-01' } as const;
const dns = { identifier: 'www-1.example.test', challengeType: 'dns-01' } as const;

describe('CA problems in plain words', () => {
  it('http-01, Pebble: a 404 names the status and the path; a 403 says to allow access; a 500 says what came back', () => {
    const s404 = plainProblem({ type: U('unauthorized'), detail: `Non-200 status code from HTTP: ${url} returned 404` }, http);
    assert.equal(
      s404,
      `Your server returned 404 (not found) for this path: ${url}. Put the challenge file there with exactly the content shown (check the web root and that /.well-known/acme-challenge/ is not redirected elsewhere).`,
    );
    assert.match(plainProblem({ type: U('unauthorized'), detail: `Non-200 status code from HTTP: ${url} returned 403` }, http)!, /^Your server refused the CA \(403 \(forbidden\)\) for this path: http:\/\/www-1/);
    assert.match(plainProblem({ type: U('unauthorized'), detail: `Non-200 status code from HTTP: ${url} returned 500` }, http)!, /^Your server returned 500 \(server error\) instead of the challenge file/);
  });

  it('http-01, Boulder: "Invalid response from URL: 404" is the same sentence', () => {
    const s = plainProblem({ type: U('unauthorized'), detail: `Invalid response from ${url}: 404` }, http);
    assert.match(s!, new RegExp(`^Your server returned 404 \\(not found\\) for this path: ${url.replace(/[.?]/g, '\\$&')}\\.`));
  });

  it('http-01: wrong content quotes what was served (Pebble and Boulder), shortened', () => {
    const pebble = plainProblem(
      { type: U('unauthorized'), detail: 'The key authorization file from the server did not match this challenge "Zq3l0Xv8gYk.thumb" != "this-is-not-the-key-authorization"' },
      http,
    );
    assert.match(pebble!, /^Your server answered the challenge path with other content than the file content shown here\. It served "this-is-not-the-key-authorization"\./);
    const empty = plainProblem({ type: U('unauthorized'), detail: 'The key authorization file from the server did not match this challenge "a.b" != ""' }, http);
    assert.match(empty!, /It served an empty file\./);
    const boulder = plainProblem(
      { type: U('incorrectResponse'), detail: `The key authorization file from the server did not match this challenge. Expected "a.b" (got "${'x'.repeat(90)}")` },
      http,
    );
    assert.match(boulder!, /It served "x{37}…"\./);
  });

  it('dns-01: no TXT, a wrong TXT, a lookup error (Pebble and Boulder)', () => {
    assert.match(plainProblem({ type: U('unauthorized'), detail: 'No TXT records found for DNS challenge' }, dns)!, /^The CA found no TXT record at _acme-challenge\.www-1\.example\.test\./);
    assert.match(plainProblem({ type: U('unauthorized'), detail: 'No TXT record found at _acme-challenge.www-1.example.test' }, dns)!, /^The CA found no TXT record/);
    assert.match(plainProblem({ type: U('unauthorized'), detail: 'Correct value not found for DNS challenge' }, dns)!, /^The CA found TXT records at _acme-challenge\.www-1\.example\.test, but none with the value shown here\./);
    assert.match(
      plainProblem({ type: U('unauthorized'), detail: 'Incorrect TXT record "old-value-123" found at _acme-challenge.www-1.example.test' }, dns)!,
      /\(it found "old-value-123"\)/,
    );
    assert.match(plainProblem({ type: U('unauthorized'), detail: 'Error retrieving TXT records for DNS challenge ("SERVFAIL")' }, dns)!, /could not read the TXT records/);
  });

  it('connection problems say which: refused, timed out, reset', () => {
    const refused = `Get "${url}": dial tcp 127.0.0.1:5002: connect: connection refused`;
    assert.match(plainProblem({ type: U('connection'), detail: refused }, http)!, /^The CA could not connect to your server for www-1\.example\.test: the connection was refused/);
    assert.match(plainProblem({ type: U('connection'), detail: '127.0.0.1: Timeout during connect (likely firewall problem)' }, http)!, /timed out: a firewall probably blocks port 80/);
    assert.match(plainProblem({ type: U('connection'), detail: 'read tcp 1.2.3.4:80: connection reset by peer' }, http)!, /^Your server for www-1\.example\.test reset the CA's connection/);
  });

  it('dns, caa, rateLimited, rejectedIdentifier, badCSR and others', () => {
    assert.match(plainProblem({ type: U('dns'), detail: 'DNS problem: NXDOMAIN looking up A for www-1.example.test - check that a DNS record exists for this domain' }, http)!, /^The CA cannot find www-1\.example\.test in DNS \(NXDOMAIN\)/);
    assert.match(plainProblem({ type: U('dns'), detail: 'DNS problem: SERVFAIL looking up CAA for example.test' }, http)!, /SERVFAIL/);
    assert.match(plainProblem({ type: U('caa'), detail: 'CAA record for example.test prevents issuance' }, http)!, /^A CAA record of www-1\.example\.test does not allow this CA to issue/);
    assert.match(
      plainProblem({ type: U('rateLimited'), detail: 'too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-12-06 10:00:00 UTC' })!,
      /^The CA refused because a rate limit was hit: wait until the time it names/,
    );
    assert.match(plainProblem({ type: U('rejectedIdentifier'), detail: 'Invalid identifiers requested :: Cannot issue for "localhost"' }, { identifier: 'localhost' })!, /will not issue a certificate for localhost/);
    assert.match(plainProblem({ type: U('badCSR'), detail: 'key too small' })!, /refused the certificate signing request/);
    assert.match(plainProblem({ type: U('unauthorized'), detail: 'something new' }, http)!, /could not confirm that you control www-1\.example\.test/);
    assert.equal(plainProblem({ type: 'urn:example:other', detail: 'whatever' }), null, 'nothing to add to an unknown problem');
    assert.equal(problemKind(U('unauthorized')), 'unauthorized');
  });
});
