// A CA's problem document (RFC 8555 §6.7: a type URN and the CA's own detail text) in one plain sentence for
// people, shown ABOVE the CA's words in the challenge window and in `certdesk request show/verify`. The CA's
// text stays as it is (support needs it); this only says what it means and where to look. Learned from the
// texts Pebble and Let's Encrypt (Boulder) send. Pure: used by the renderer and the CLI alike.

export interface ProblemLike {
  type: string;
  detail: string;
}

export interface ProblemContext {
  /** The name being validated, e.g. `www.example.com` (wildcards: without `*.`). */
  identifier?: string;
  challengeType?: 'http-01' | 'dns-01' | string;
}

const PREFIX = 'urn:ietf:params:acme:error:';

/** "urn:ietf:params:acme:error:unauthorized" → "unauthorized"; other URNs as they are. */
export function problemKind(type: string): string {
  return type.startsWith(PREFIX) ? type.slice(PREFIX.length) : type;
}

const STATUS_WORDS: Record<number, string> = {
  301: 'a redirect the CA could not follow',
  400: 'bad request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  410: 'gone',
  500: 'server error',
  502: 'bad gateway',
  503: 'unavailable',
  504: 'gateway timeout',
};

/** The first http(s) URL in a text, without trailing punctuation or quotes. */
function urlIn(text: string): string | null {
  const m = /https?:\/\/[^\s"'<>]+/i.exec(text);
  return m ? m[0].replace(/[.,:;)\]]+$/, '') : null;
}

/** An HTTP status the CA got, from Pebble ("… returned 404") or Boulder ("Invalid response from URL: 404"). */
function httpStatusIn(detail: string): number | null {
  const m = /\breturned (\d{3})\b/.exec(detail) ?? /Invalid response from \S+?:? "?(\d{3})\b/i.exec(detail) ?? /\bHTTP (?:status )?(\d{3})\b/.exec(detail);
  return m ? Number(m[1]) : null;
}

function shortValue(v: string): string {
  const t = v.replace(/\s+/g, ' ').trim();
  return t.length > 40 ? `${t.slice(0, 37)}…` : t;
}

function connectionSentence(detail: string, where: string): string {
  const d = detail.toLowerCase();
  if (d.includes('refused')) return `The CA could not connect to ${where}: the connection was refused (nothing listens on port 80, or a firewall rejects the CA).`;
  if (d.includes('timeout') || d.includes('timed out') || d.includes('deadline exceeded')) {
    return `The CA's connection to ${where} timed out: a firewall probably blocks port 80 from the internet.`;
  }
  if (d.includes('reset')) return `${capital(where)} reset the CA's connection: a firewall or proxy may be cutting it.`;
  if (d.includes('no route') || d.includes('unreachable')) return `The CA cannot reach ${where}: there is no route to its address.`;
  if (d.includes('tls') || d.includes('certificate') || d.includes('handshake')) return `The CA could not complete a TLS connection to ${where} (after a redirect to https).`;
  return `The CA could not connect to ${where}.`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One plain sentence for a CA problem, or null when there is nothing to add to the CA's words (an unknown
 * type with an unknown text).
 */
export function plainProblem(problem: ProblemLike, ctx: ProblemContext = {}): string | null {
  const kind = problemKind(problem.type);
  const detail = problem.detail ?? '';
  const lower = detail.toLowerCase();
  const name = ctx.identifier ?? null;
  const server = name ? `your server for ${name}` : 'your server';
  const txtName = name ? `_acme-challenge.${name}` : 'the _acme-challenge name';
  const dns = ctx.challengeType === 'dns-01' || /\bTXT\b|dns challenge/i.test(detail);

  // http-01: what the web server answered.
  const status = httpStatusIn(detail);
  if ((kind === 'unauthorized' || kind === 'incorrectResponse') && status !== null && !dns) {
    const url = urlIn(detail);
    const word = STATUS_WORDS[status];
    const what = `${status}${word ? ` (${word})` : ''}`;
    if (status === 404 || status === 410) {
      return `Your server returned ${what} for this path${url ? `: ${url}` : ''}. Put the challenge file there with exactly the content shown (check the web root and that /.well-known/acme-challenge/ is not redirected elsewhere).`;
    }
    if (status === 401 || status === 403) {
      return `Your server refused the CA (${what}) for this path${url ? `: ${url}` : ''}. Allow anonymous access to /.well-known/acme-challenge/.`;
    }
    return `Your server returned ${what} instead of the challenge file${url ? ` for this path: ${url}` : ''}.`;
  }
  if (/did not match this challenge|key authorization file|expected .* \(got/i.test(detail)) {
    const got = /!= "([^"]*)"/.exec(detail)?.[1] ?? /\(got "([^"]*)"\)/.exec(detail)?.[1];
    const gotText = got === undefined ? '' : got === '' ? ' It served an empty file.' : ` It served "${shortValue(got)}".`;
    return `Your server answered the challenge path with other content than the file content shown here.${gotText} Copy the content again, as a plain file with nothing before or after it.`;
  }

  // dns-01: what the CA found in DNS.
  if (/no txt records? found/i.test(detail)) {
    return `The CA found no TXT record at ${txtName}. Publish it at your DNS provider and wait until it is visible (its TTL), then try again.`;
  }
  if (/correct value not found|incorrect txt record/i.test(detail)) {
    const found = /Incorrect TXT record "([^"]*)"/i.exec(detail)?.[1];
    return `The CA found TXT records at ${txtName}, but none with the value shown here${found ? ` (it found "${shortValue(found)}")` : ''}. Check the value; an old record may still be cached (TTL).`;
  }
  if (/error retrieving txt records/i.test(detail)) return `The CA could not read the TXT records at ${txtName}: the domain's DNS servers did not answer it properly.`;

  switch (kind) {
    case 'dns':
      if (lower.includes('nxdomain')) return `The CA cannot find ${name ?? 'the name'} in DNS (NXDOMAIN): create its DNS record (A/AAAA for http-01, or the TXT record for dns-01).`;
      if (lower.includes('servfail')) return `The DNS servers of ${name ?? 'the domain'} failed to answer the CA (SERVFAIL): check the zone and its DNSSEC signatures.`;
      if (lower.includes('timeout')) return `The DNS servers of ${name ?? 'the domain'} did not answer the CA in time.`;
      return `The CA could not look ${name ?? 'the name'} up in DNS.`;
    case 'connection':
      return connectionSentence(detail, server);
    case 'tls':
      return `The CA could not complete a TLS connection to ${server}.`;
    case 'caa':
      return `A CAA record of ${name ?? 'the domain'} does not allow this CA to issue: add the CA to the domain's CAA records (or remove them).`;
    case 'rateLimited':
      return 'The CA refused because a rate limit was hit: wait until the time it names before trying again (repeating now makes it longer).';
    case 'rejectedIdentifier':
      return `The CA will not issue a certificate for ${name ?? 'this name'} (its policy forbids it, e.g. a name that is not a public domain).`;
    case 'unsupportedIdentifier':
      return `The CA does not issue certificates for this kind of name.`;
    case 'incorrectResponse':
      return `The answer the CA got for ${name ?? 'the name'} did not match the challenge.`;
    case 'unauthorized':
      return dns
        ? `The CA could not confirm the TXT record at ${txtName}.`
        : `The CA could not confirm that you control ${name ?? 'this name'}.`;
    case 'badCSR':
      return 'The CA refused the certificate signing request (key type or size, or the names in it).';
    case 'serverInternal':
      return 'The CA had an internal error: try again in a few minutes.';
    case 'userActionRequired':
      return 'The CA needs you to act first (often: accept new Terms of Service on its website).';
    case 'externalAccountRequired':
      return 'This CA requires External Account Binding: register the account with the key ID and HMAC key it gave you.';
    case 'accountDoesNotExist':
      return 'The CA knows no account with this key.';
    case 'badNonce':
      return 'The CA refused a replayed request (bad nonce): try again.';
    default:
      return null;
  }
}
