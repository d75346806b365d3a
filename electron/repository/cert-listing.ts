// What `certdesk cert list` shows, in one place for both of its paths:
// - the normal path (bootstrap, store, `certs:list` through dispatch) prints certListText() / the JSON of the
//   certificateView()s;
// - the fast path (electron/cli/fast-list.ts) prints the same from db.json.list, a listing the store writes at
//   close with buildCertListing() (electron/store/listing.ts stamps it with the state of db.json it came from).
// The --json output is a contract: renderCertListing() must give, byte for byte, what the normal path prints
// (test/unit/cert-listing.test.ts and test/integration/cli-list-cache.test.ts compare them).
//
// Body of the listing (after the header line the store adds), UTF-8:
//   line 1  the table rows: [[id8, commonName, nameCount, issuer, notAfter (date), keyType, notAfter ms], ...]
//   line 2  for the JSON: [notAfter ms, byte offset, ...] per certificate: where in the text below its
//           daysLeft stands (daysLeft changes with the clock, so it is computed when printed)
//   rest    JSON.stringify(list, null, 2) with every daysLeft written as 0 (one byte, replaced when printed)
// Only types and node:buffer here: the fast path loads this module before (instead of) the big bundle.
import type { Certificate } from '../../shared/model/request.ts';
import type { CertificateRecord, StoreData } from '../store/schema.ts';

/** Names the body format and the build: a listing from another version of Certdesk is never used. */
export function certListingFormat(version: string): string {
  return `cert-list/1 certdesk/${version}`;
}

const DAY_MS = 86_400_000;

/** Days until `notAfterMs` (negative when past), as electron/orders/certinfo.ts daysLeft() counts them. */
function daysLeftAt(notAfterMs: number, nowMs: number): number {
  return Math.floor((notAfterMs - nowMs) / DAY_MS);
}

/** A saved certificate as the contract shows it (`certs:list`, `certs:get`); keys in the contract's order. */
export function certificateView(c: CertificateRecord, now: Date): Certificate {
  return {
    id: c.id,
    requestId: c.requestId,
    commonName: c.names[0] ?? '',
    names: c.names,
    namesUnicode: c.namesUnicode,
    issuer: c.summary.issuer,
    serial: c.summary.serial,
    notBefore: c.summary.notBefore,
    notAfter: c.summary.notAfter,
    daysLeft: daysLeftAt(Date.parse(c.summary.notAfter), now.getTime()),
    keyType: c.summary.keyType,
    sha256: c.summary.sha256,
    sha1: c.summary.sha1,
    savedAt: c.savedAt,
    revoked: c.revoked,
    history: c.history.map((h) => ({ serial: h.serial, notBefore: h.notBefore, notAfter: h.notAfter, savedAt: h.savedAt, sha256: h.sha256 })),
  };
}

export const EMPTY_REPOSITORY = 'The repository is empty. Save an Available request with certdesk cert save ID.';

/** Columns padded to the widest cell (two spaces between), trailing blanks cut. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => {
    let w = 0;
    for (const r of rows) w = Math.max(w, (r[i] ?? '').length);
    return w;
  });
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** One row of the `cert list` table: ID, COMMON NAME, NAMES, ISSUER, EXPIRES, DAYS, KEY. */
export type CertListRow = [id: string, commonName: string, names: string, issuer: string, expires: string, days: string, key: string];

export function certListRow(c: Pick<Certificate, 'id' | 'commonName' | 'names' | 'issuer' | 'notAfter' | 'daysLeft' | 'keyType'>): CertListRow {
  return [c.id.slice(0, 8), c.commonName, String(c.names.length), c.issuer, c.notAfter.slice(0, 10), String(c.daysLeft), c.keyType];
}

/** The text `cert list` prints (without the final newline). */
export function certListText(rows: CertListRow[]): string {
  return rows.length === 0 ? EMPTY_REPOSITORY : table([['ID', 'COMMON NAME', 'NAMES', 'ISSUER', 'EXPIRES', 'DAYS', 'KEY'], ...rows]);
}

/** Marks where daysLeft stands in each element of the pretty-printed list (elements at 2, their keys at 4 spaces). */
const DAYS_KEY = '\n    "daysLeft": ';

/**
 * The listing body for `data` (see the top of the file), or null when it cannot be made exactly (then no listing
 * is kept and `cert list` takes the normal path).
 */
export function buildCertListing(data: Pick<StoreData, 'certificates'>): string | null {
  const now = new Date(0);
  const views = data.certificates.map((c) => certificateView(c, now));
  const rows: (string | number)[][] = [];
  const at: number[] = [];
  for (const v of views) {
    const ms = Date.parse(v.notAfter);
    if (!Number.isFinite(ms)) return null; // the contract refuses a NaN daysLeft: let the normal path say so
    rows.push([...certListRow(v).filter((_, i) => i !== 5), ms]);
    at.push(ms);
    v.daysLeft = 0;
  }
  const text = JSON.stringify(views, null, 2);
  // Find the "0" that stands for each daysLeft: a raw newline only ever stands between JSON tokens (never inside
  // a string), so DAYS_KEY finds exactly the top-level key of each element, in order. Offsets are in bytes (UTF-8);
  // for all-ASCII text (the usual case: names are A-labels, dates and hex) they are the string's own.
  const ascii = Buffer.byteLength(text) === text.length;
  const offsets: number[] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < views.length; i++) {
    const k = text.indexOf(DAYS_KEY, from);
    const cut = k + DAYS_KEY.length;
    if (k < 0 || text[cut] !== '0' || text[cut + 1] !== ',') return null;
    bytes = ascii ? cut : bytes + Buffer.byteLength(text.slice(from, cut));
    offsets.push(at[i]!, bytes);
    from = cut;
  }
  if (text.indexOf(DAYS_KEY, from + 1) >= 0) return null;
  return `${JSON.stringify(rows)}\n${JSON.stringify(offsets)}\n${text}`;
}

/**
 * What `cert list` (json: `cert list --json`) prints, with its final newline, from a listing body at `now`; null
 * when the body is not one buildCertListing() made.
 */
export function renderCertListing(body: Buffer, json: boolean, now: Date): Buffer | null {
  const nl1 = body.indexOf(10);
  const nl2 = nl1 < 0 ? -1 : body.indexOf(10, nl1 + 1);
  if (nl2 < 0) return null;
  const nowMs = now.getTime();
  try {
    if (!json) {
      const raw = JSON.parse(body.subarray(0, nl1).toString('utf8')) as unknown;
      if (!Array.isArray(raw)) return null;
      const rows: CertListRow[] = [];
      for (const r of raw as unknown[]) {
        if (!Array.isArray(r) || r.length !== 7 || typeof r[6] !== 'number') return null;
        for (let i = 0; i < 6; i++) if (typeof r[i] !== 'string') return null;
        const [id, cn, names, issuer, expires, key, ms] = r as [string, string, string, string, string, string, number];
        rows.push([id, cn, names, issuer, expires, String(daysLeftAt(ms, nowMs)), key]);
      }
      return Buffer.from(certListText(rows) + '\n');
    }
    const cuts = JSON.parse(body.subarray(nl1 + 1, nl2).toString('utf8')) as unknown;
    if (!Array.isArray(cuts) || cuts.length % 2 !== 0) return null;
    const text = body.subarray(nl2 + 1);
    const pieces: Buffer[] = [];
    let prev = 0;
    for (let i = 0; i < cuts.length; i += 2) {
      const ms = cuts[i] as unknown;
      const cut = cuts[i + 1] as unknown;
      if (typeof ms !== 'number' || typeof cut !== 'number' || !Number.isInteger(cut) || cut < prev || cut >= text.length || text[cut] !== 0x30) return null;
      pieces.push(text.subarray(prev, cut), Buffer.from(String(daysLeftAt(ms, nowMs))));
      prev = cut + 1; // past the 0 that stood for it
    }
    pieces.push(text.subarray(prev), Buffer.from('\n'));
    return Buffer.concat(pieces);
  } catch {
    return null;
  }
}
