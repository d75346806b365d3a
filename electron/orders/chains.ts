// Alternate certificate chains (RFC 8555 §7.4.2): a CA may offer the same certificate under several chains
// (Link: rel="alternate"). The request's "preferred chain" is an issuer common name; the chain that names it
// is used, the one closest to its root winning (as acme-client and certbot do). When no chain names it, the
// CA's default chain is kept and the request says which issuers were on offer, so a typo does not go unseen.
import { X509Certificate } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import { splitPem } from './certinfo.ts';

/** X.520 upper bound of a common name. */
const MAX_CN = 64;

/** Checks a preferred chain at request time; returns it trimmed. Which issuers a CA offers is known only after issuance. */
export function checkPreferredChain(value: string): string {
  const name = value.trim();
  if (name === '') throw AppError.invalid('preferredChain', 'Preferred chain is empty.', 'Give the common name of the issuer, e.g. "ISRG Root X1", or leave it out.');
  if ([...name].length > MAX_CN) {
    throw AppError.invalid('preferredChain', `Preferred chain is ${[...name].length} characters long: an issuer's common name has at most ${MAX_CN}.`, 'Give the common name of the issuer, e.g. "ISRG Root X1".');
  }
  if (/\p{Cc}/u.test(name)) throw AppError.invalid('preferredChain', 'Preferred chain contains control characters.', 'Give the common name of the issuer, e.g. "ISRG Root X1".');
  return name;
}

function issuerCn(pem: string): string {
  const issuer = new X509Certificate(pem).issuer;
  const cn = issuer.split('\n').find((l) => l.startsWith('CN='));
  return cn ? cn.slice(3) : issuer.replace(/\n/g, ', ');
}

/** The URLs of a Link header's rel="alternate" entries. */
export function alternateLinks(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const out: string[] = [];
  for (const m of text.matchAll(/<([^>]*)>\s*((?:;[^,<]*)*)/g)) {
    if (/;\s*rel\s*=\s*"?alternate"?/i.test(m[2] ?? '')) out.push(m[1]!);
  }
  return out;
}

export interface ChainChoice {
  chain: string;
  /** Set when a preference was given and no chain names it. */
  warning: string | null;
}

/** Picks the chain for `preferred` among the CA's chains (default first). */
export function pickChain(chains: string[], preferred: string | null): ChainChoice {
  const byChain = chains.map((c) => splitPem(c).map(issuerCn));
  if (!preferred) return { chain: chains[0] ?? '', warning: null };
  let best = -1;
  let bestDistance = Infinity;
  byChain.forEach((issuers, i) => {
    const at = issuers.indexOf(preferred);
    if (at < 0) return;
    const distance = issuers.length - at;
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  if (best >= 0) return { chain: chains[best]!, warning: null };
  const offered = [...new Set(byChain.map((issuers) => issuers[issuers.length - 1]).filter((x): x is string => !!x))];
  return {
    chain: chains[0] ?? '',
    warning: `Preferred chain "${preferred}" was not offered by the CA, so its default chain was kept. Issuers offered: ${offered.map((o) => `"${o}"`).join(', ') || 'none'}.`,
  };
}
