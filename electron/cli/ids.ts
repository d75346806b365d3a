// The IDs a person types after `certdesk cert ...` and `certdesk request ...`: a full id or the 8-character
// prefix the lists print. Every `cert` command accepts both a saved certificate's id (what `cert list`
// prints) and its request's id (what `request list` prints); this maps either to the pair of ids the
// services need. Pure, so the rules (exact match first, prefixes of 8+ characters, ambiguity) are unit-tested.
import { AppError } from '../../shared/ipc/errors.ts';

/** The shortest prefix accepted: what `cert list` and `request list` print. */
export const MIN_ID_PREFIX = 8;

export interface CertEntry {
  id: string;
  requestId: string | null;
  commonName: string;
}

export interface RequestEntry {
  id: string;
  savedCertificateId: string | null;
  commonName: string;
}

/** What a `cert` command acts on: the request (renew, revoke, save) and/or its saved certificate (show). */
export interface CertTarget {
  requestId: string | null;
  certificateId: string | null;
  /** For messages: the id as typed. */
  input: string;
}

function short(id: string): string {
  return id.slice(0, MIN_ID_PREFIX);
}

function cleanId(input: string): string {
  const id = input.trim();
  if (id === '') throw AppError.invalid('id', 'The ID is empty.', 'Give the ID that `certdesk cert list` or `certdesk request list` prints.');
  return id;
}

/**
 * Resolves the ID given to a `cert` command against the saved certificates and the requests. An exact id
 * wins; otherwise a prefix of at least 8 characters must point at exactly one certificate/request (a saved
 * certificate and its own request count as one); several are an error that lists them.
 */
export function resolveCertTarget(input: string, certs: CertEntry[], requests: RequestEntry[]): CertTarget {
  const id = cleanId(input);
  const certIds = new Set(certs.map((c) => c.id));
  const fromCert = (c: CertEntry): CertTarget => ({ requestId: c.requestId, certificateId: c.id, input: id });
  const fromRequest = (r: RequestEntry): CertTarget => ({
    requestId: r.id,
    certificateId: r.savedCertificateId && certIds.has(r.savedCertificateId) ? r.savedCertificateId : null,
    input: id,
  });
  const exactCert = certs.find((c) => c.id === id);
  if (exactCert) return fromCert(exactCert);
  const exactRequest = requests.find((r) => r.id === id);
  if (exactRequest) return fromRequest(exactRequest);
  if (id.length < MIN_ID_PREFIX) {
    throw new AppError('NOT_FOUND', `No certificate or request with id "${id}".`, {
      field: 'id',
      hint: `Give at least ${MIN_ID_PREFIX} characters of the ID, as \`certdesk cert list\` prints it.`,
    });
  }
  const found = new Map<string, { target: CertTarget; label: string }>();
  for (const c of certs) {
    if (!c.id.startsWith(id)) continue;
    const t = fromCert(c);
    found.set(`${t.requestId}|${t.certificateId}`, { target: t, label: `certificate ${short(c.id)} (${c.commonName})` });
  }
  for (const r of requests) {
    if (!r.id.startsWith(id)) continue;
    const t = fromRequest(r);
    const key = `${t.requestId}|${t.certificateId}`;
    if (!found.has(key)) found.set(key, { target: t, label: `request ${short(r.id)} (${r.commonName})` });
  }
  const hits = [...found.values()];
  if (hits.length === 1) return hits[0]!.target;
  if (hits.length > 1) {
    throw new AppError('INVALID_INPUT', `The id ${id} matches ${hits.length} entries: ${hits.map((h) => h.label).join(', ')}.`, {
      field: 'id',
      hint: 'Give more characters of the ID (the full ID is in `--json` output).',
    });
  }
  throw new AppError('NOT_FOUND', `No certificate or request with id ${id}.`, {
    field: 'id',
    hint: 'List them with `certdesk cert list` (saved certificates) or `certdesk request list` (requests).',
  });
}

/** Resolves the ID given to a `request` command: an exact id or a unique prefix of 8+ characters. */
export function resolveRequestId(input: string, requests: RequestEntry[]): string {
  const id = cleanId(input);
  if (requests.some((r) => r.id === id)) return id;
  const hits = id.length >= MIN_ID_PREFIX ? requests.filter((r) => r.id.startsWith(id)) : [];
  if (hits.length === 1) return hits[0]!.id;
  if (hits.length > 1) {
    throw new AppError('INVALID_INPUT', `The id ${id} matches ${hits.length} requests: ${hits.map((r) => `${short(r.id)} (${r.commonName})`).join(', ')}.`, {
      field: 'id',
      hint: 'Give more characters of the ID (the full ID is in `--json` output).',
    });
  }
  throw new AppError('NOT_FOUND', `No certificate request with id ${id}.`, {
    field: 'id',
    hint:
      id.length < MIN_ID_PREFIX
        ? `Give at least ${MIN_ID_PREFIX} characters of the ID, as \`certdesk request list\` prints it.`
        : 'List the requests with `certdesk request list`.',
  });
}
