// Domain names of a certificate request: normalised to their ASCII (punycode) form for the CA, kept in their
// Unicode form for people, and checked before anything is sent. Pure: runs in the renderer and in main.
import punycode from 'punycode/punycode.js';

export interface DomainName {
  /** What the CA sees: lower-case, punycode (xn--) labels, `*.` kept for wildcards. */
  ascii: string;
  /** What people read: Unicode labels. Equal to `ascii` for plain names. */
  unicode: string;
  wildcard: boolean;
  /** The URL (or `host:port`, `host/path`) the name was reduced from, when one was given instead of a name. */
  reducedFrom?: string;
}

/** What the forms and the CLI say when a pasted URL became its host name. */
export const REDUCED_URL_NOTE = 'Reduced the URL to its host name';

/** "Reduced the URL to its host name: http://www.example.test/ → www.example.test." */
export function reducedUrlText(from: string, host: string): string {
  return `${REDUCED_URL_NOTE}: ${from} → ${host}.`;
}

/** What separates names typed or pasted as a list. */
export const NAME_SEPARATORS = /[\s,;]+/;

/** The names in `text` (one or a list); a pasted URL becomes its host name (listed in `reduced`). */
export function splitNames(text: string): { names: string[]; reduced: { from: string; host: string }[] } {
  const reduced: { from: string; host: string }[] = [];
  const names = text
    .split(NAME_SEPARATORS)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const host = hostOfUrl(s);
      if (host === null) return s;
      reduced.push({ from: s, host });
      return host;
    });
  return { names, reduced };
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The host name inside a pasted URL (`http://www.example.test/`, `https://x/path?q`, `user@x:8443`, `x:8080`,
 * `x/path`), or null when `input` is not URL-like (a plain name stays as it is). Unicode stays as typed (no
 * URL parser: it would turn an IDN into punycode); a trailing dot goes, as for any name.
 */
export function hostOfUrl(input: string): string | null {
  const raw = input.trim();
  const scheme = SCHEME.exec(raw);
  // Without a scheme only a path, a query, a fragment or a port makes it a URL ("example.com:443", "x/p").
  if (!scheme && !/[/?#]/.test(raw) && !/^[^:]+:\d*$/.test(raw)) return null;
  let rest = raw.slice(scheme ? scheme[0].length : 0);
  rest = rest.split(/[/?#]/, 1)[0] ?? '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  // IPv6 literal in brackets keeps its colons; otherwise `:port` goes.
  if (rest.startsWith('[')) rest = rest.slice(0, rest.indexOf(']') + 1 || undefined);
  else rest = rest.replace(/:\d*$/, '');
  const host = rest.replace(/\.$/, '');
  return host === '' || host === raw ? null : host;
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
  const host = hostOfUrl(input);
  if (host !== null) {
    const r = parseDomain(host, rules);
    return typeof r === 'string' ? r : { ...r, reducedFrom: input.trim() };
  }
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

// ---- look-alike names ----------------------------------------------------------------------------------------
// An internationalised name can pass for another one: a Cyrillic "а" (U+0430) in "exаmple" looks exactly like
// the Latin "a". Following Unicode TS #39 ("highly restrictive"), a label may use one script, or Latin with
// the Han/Kana/Hangul/Bopomofo combinations that Chinese, Japanese and Korean names need; anything else is a
// mixed-script label. A label written wholly in Cyrillic or Greek letters that all look like Latin ones
// ("раураl") is a whole-script look-alike. Both are allowed only once a person has confirmed them.

/** Scripts named in warnings; a letter of any other script is reported by its code point. */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Nko', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan',
  'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Cherokee', 'Canadian_Aboriginal', 'Ogham', 'Runic', 'Khmer',
  'Mongolian', 'Hiragana', 'Katakana', 'Bopomofo', 'Han', 'Yi', 'Coptic', 'Glagolitic', 'Tifinagh', 'Vai', 'Lisu',
  'Adlam', 'Osage', 'Javanese', 'Balinese', 'Sundanese', 'Tai_Le', 'Tai_Tham', 'Tai_Viet', 'Ol_Chiki',
] as const;
const SCRIPT_TESTS = SCRIPTS.map((name) => [name.replace(/_/g, ' '), new RegExp(`^\\p{Script=${name}}$`, 'u')] as const);
/** Digits, hyphens and combining marks belong to no script of their own. */
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
/** Script sets a single label may combine (UTS #39 "highly restrictive"). */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];
/** Cyrillic and Greek lower-case letters that are drawn like a Latin letter, with that letter. */
const LATIN_LOOKALIKES: Record<string, string> = {
  'а': 'a', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'ӏ': 'l', 'о': 'o', 'р': 'p', 'ԛ': 'q',
  'ѕ': 's', 'ԝ': 'w', 'х': 'x', 'у': 'y', 'ο': 'o', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'ρ': 'p', 'υ': 'u',
};

export function scriptOf(char: string): string | null {
  if (NEUTRAL.test(char)) return null;
  for (const [name, re] of SCRIPT_TESTS) if (re.test(char)) return name;
  return `script of U+${codePoint(char)}`;
}

function codePoint(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

export interface LookalikeWarning {
  /** The name as people read it (Unicode), e.g. `exаmple.com`. */
  name: string;
  /** The suspicious label, e.g. `exаmple`. */
  label: string;
  /** Scripts of its letters, the most used first. */
  scripts: string[];
  kind: 'mixed-scripts' | 'whole-script';
  message: string;
}

function labelWarning(name: string, label: string): LookalikeWarning | null {
  const chars = [...label];
  const counts = new Map<string, number>();
  for (const ch of chars) {
    const s = scriptOf(ch);
    if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const scripts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s);
  if (scripts.length > 1 && !ALLOWED_MIXES.some((set) => scripts.every((s) => set.includes(s)))) {
    const main = scripts[0]!;
    const odd = [...new Set(chars.filter((ch) => { const s = scriptOf(ch); return s !== null && s !== main; }))]
      .slice(0, 5)
      .map((ch) => `"${ch}" (U+${codePoint(ch)}) is ${scriptOf(ch)}`);
    return {
      name,
      label,
      scripts,
      kind: 'mixed-scripts',
      message: `Domain name "${name}": the label "${label}" mixes ${scripts.slice(0, -1).join(', ')} and ${scripts[scripts.length - 1]} letters (${odd.join(', ')}), so it can look like a different name.`,
    };
  }
  if (scripts.length === 1 && (scripts[0] === 'Cyrillic' || scripts[0] === 'Greek')) {
    const letters = chars.filter((ch) => scriptOf(ch) !== null);
    if (letters.length > 0 && letters.every((ch) => ch in LATIN_LOOKALIKES)) {
      const latin = chars.map((ch) => LATIN_LOOKALIKES[ch] ?? ch).join('');
      return {
        name,
        label,
        scripts,
        kind: 'whole-script',
        message: `Domain name "${name}": the label "${label}" is written in ${scripts[0]} letters that look like the Latin "${latin}", so it can pass for a different name.`,
      };
    }
  }
  return null;
}

/** Names (already checked by parseDomains) with a label that can pass for another name; empty when none. */
export function lookalikeWarnings(names: Pick<DomainName, 'unicode'>[]): LookalikeWarning[] {
  const out: LookalikeWarning[] = [];
  for (const n of names) {
    for (const label of n.unicode.replace(/^\*\./, '').split('.')) {
      const w = labelWarning(n.unicode, label);
      if (w) {
        out.push(w);
        break;
      }
    }
  }
  return out;
}
