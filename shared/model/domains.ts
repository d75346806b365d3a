// Domain names of a certificate request: normalised to their ASCII (punycode) form for the CA, kept in their
// Unicode form for people, and checked before anything is sent. Pure: runs in the renderer and in main.
import punycode from 'punycode/punycode.js';

export interface DomainName {
  /** What the CA sees: lower-case, punycode (xn--) labels, `*.` kept for wildcards. */
  ascii: string;
  /** What people read: Unicode labels. Equal to `ascii` for plain names. */
  unicode: string;
  wildcard: boolean;
}

export interface DomainIssue {
  index: number;
  input: string;
  message: string;
}

export const MAX_NAMES = 100;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export interface DomainRules {
  challengeType: 'http-01' | 'dns-01';
  /** Most names the chosen profile allows (100 classic, 25 tlsserver/shortlived). */
  maxNames?: number;
}

/** Checks one name; returns the normalised name or the reason it cannot be used. */
export function parseDomain(input: string, rules: DomainRules): DomainName | string {
  const raw = input.trim().replace(/\.$/, '');
  if (raw === '') return 'is empty: enter a domain name such as www.example.com.';
  if (/^\[?[0-9a-f:]+\]?$/i.test(raw) && raw.includes(':')) {
    return 'is an IP address: Let\'s Encrypt issues IP-address certificates only with the "shortlived" profile and http-01; use a domain name.';
  }
  if (IPV4.test(raw)) {
    return 'is an IP address: Let\'s Encrypt issues IP-address certificates only with the "shortlived" profile and http-01; use a domain name.';
  }
  let wildcard = false;
  let rest = raw;
  if (rest.startsWith('*.')) {
    wildcard = true;
    rest = rest.slice(2);
  }
  if (rest.includes('*')) return 'has a "*" that is not the whole first label: a wildcard must look like *.example.com.';
  if (wildcard && rules.challengeType === 'http-01') {
    return 'is a wildcard: wildcard names can only be validated with dns-01. Choose dns-01 or remove it.';
  }
  let ascii: string;
  try {
    ascii = punycode.toASCII(rest.normalize('NFC').toLowerCase());
  } catch {
    return 'cannot be converted to an internationalised (punycode) name.';
  }
  if (ascii.length > 253) return `is ${ascii.length} characters long: a domain name can have at most 253.`;
  const labels = ascii.split('.');
  if (labels.length < 2) return 'has a single label: certificates from a public CA need a full domain name such as example.com.';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label (two dots in a row).';
    if (label.length > 63) return `has a label of ${label.length} characters ("${label.slice(0, 20)}…"): a label can have at most 63.`;
    if (!LABEL.test(label)) {
      return `has an invalid label "${label}": use letters, digits and hyphens, not at the start or end of a label.`;
    }
    if (label.startsWith('xn--')) {
      try {
        punycode.toUnicode(label);
      } catch {
        return `has a label "${label}" that is not valid punycode.`;
      }
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return 'ends in a numeric label: that is not a domain name.';
  const prefix = wildcard ? '*.' : '';
  return { ascii: prefix + ascii, unicode: prefix + punycode.toUnicode(ascii), wildcard };
}

/**
 * Checks a whole list: each name, duplicates (after normalisation) and the count. The first name is the
 * certificate's common name.
 */
export function parseDomains(inputs: string[], rules: DomainRules): { names: DomainName[]; issues: DomainIssue[] } {
  const names: DomainName[] = [];
  const issues: DomainIssue[] = [];
  const seen = new Map<string, number>();
  const max = rules.maxNames ?? MAX_NAMES;
  if (inputs.length === 0 || inputs.every((s) => s.trim() === '')) {
    issues.push({ index: 0, input: '', message: 'Domain names: enter at least one name (the first becomes the common name).' });
    return { names, issues };
  }
  if (inputs.length > max) {
    issues.push({
      index: max,
      input: inputs[max] ?? '',
      message: `Domain names: ${inputs.length} names is too many; one certificate can hold at most ${max}${max < MAX_NAMES ? ' with this profile' : ''}. Split them over several requests.`,
    });
    return { names, issues };
  }
  inputs.forEach((input, index) => {
    const r = parseDomain(input, rules);
    if (typeof r === 'string') {
      issues.push({ index, input, message: `Domain name ${index + 1} "${input.trim()}" ${r}` });
      return;
    }
    const prev = seen.get(r.ascii);
    if (prev !== undefined) {
      issues.push({ index, input, message: `Domain name ${index + 1} "${input.trim()}" repeats name ${prev + 1}: each name may appear once.` });
      return;
    }
    seen.set(r.ascii, index);
    names.push(r);
  });
  return { names, issues };
}
