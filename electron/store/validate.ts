// Checks parsed db.json content against the store schema. A wrong top-level shape (a list that is not a list)
// stops the store: nothing sensible can be read, and nothing is written. A wrong record is set aside instead:
// the record stays in db.json exactly as it is (every save puts it back where it was), services never see it,
// and the problem is reported (log, `certdesk info`, Settings) with the record, the field and what was expected.
import type { z } from 'zod';
import { AppError } from '../../shared/ipc/errors.ts';
import { COLLECTION_NAMES, COLLECTIONS, type CollectionName, type StoreData } from './schema.ts';

export interface StoreProblem {
  collection: CollectionName;
  /** Position of the record in its list in db.json, as read at open. */
  index: number;
  /** The record's id, when it has a usable one. */
  id: string | null;
  /** The first field at fault (dotted path inside the record; '' for the record as a whole). */
  field: string;
  /** One sentence for people: which record, which field, what was expected, what was found. */
  message: string;
}

/** Invalid records set aside at open, by collection, with their position in the file. */
export type Quarantine = Record<CollectionName, { index: number; record: unknown }[]>;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'true/false';
  return typeof v;
}

/** A short rendering of a value found in the file (long strings and objects are cut). */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(root: unknown, pathParts: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of pathParts) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function fieldName(pathParts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of pathParts) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'array' ? 'a list' : issue.expected}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function describeIssue(record: unknown, issue: z.core.$ZodIssue): { field: string; text: string } {
  const field = fieldName(issue.path);
  const found = valueAt(record, issue.path);
  const what = issue.path.length === 0 ? `the record is ${kindOf(record)}, expected an object` : `${field}: ${expectation(issue)}, found ${shown(found)}`;
  return { field, text: what };
}

function label(collection: CollectionName, index: number, id: string | null): string {
  return `${collection}[${index}]${id !== null ? ` (id ${JSON.stringify(id)})` : ''}`;
}

function idOf(record: unknown): string | null {
  return isObject(record) && typeof record.id === 'string' && record.id !== '' ? record.id : null;
}

/** Why a record cannot be used, or null when it can. */
function recordIssues(collection: CollectionName, record: unknown): { field: string; text: string }[] {
  const result = COLLECTIONS[collection].schema.safeParse(record);
  if (result.success) return [];
  return result.error.issues.map((i) => describeIssue(record, i));
}

function found(v: unknown): string {
  return v === undefined ? 'it is missing' : `it is ${kindOf(v)} (${shown(v)})`;
}

/**
 * What is wrong with the top-level fields of parsed db.json content, or null. `complete`: the content is at the
 * current schema version, so every field must be there; otherwise (before migrations) only fields that are
 * present are judged, so that a migration never replaces a damaged list with an empty one.
 */
export function topLevelProblem(raw: Json, complete: boolean): string | null {
  const present = (k: string): boolean => complete || raw[k] !== undefined;
  if (present('storeId') && (typeof raw.storeId !== 'string' || raw.storeId.trim() === '')) {
    return `"storeId" must be the store id (a non-empty string), but ${found(raw.storeId)}`;
  }
  for (const name of COLLECTION_NAMES) {
    if (present(name) && !Array.isArray(raw[name])) {
      return `"${name}" must be a list of ${COLLECTIONS[name].noun} records (a JSON array), but ${found(raw[name])}`;
    }
  }
  if (present('settings') && !isObject(raw.settings)) return `"settings" must be an object, but ${found(raw.settings)}`;
  return null;
}

/**
 * Splits migrated data into what services may use and what is set aside. The records services get are the
 * stored objects themselves (never a parsed copy: fields this version does not know are kept).
 */
export function setAside(
  data: StoreData,
  /** Records known to be valid (checked when they were saved, and not changed since): not checked again. */
  trusted?: (collection: CollectionName, record: unknown) => boolean,
): { data: StoreData; quarantine: Quarantine; problems: StoreProblem[] } {
  const problems: StoreProblem[] = [];
  const quarantine: Quarantine = { accounts: [], requests: [], certificates: [], dnsAccounts: [], dnsMappings: [], servers: [], agents: [], serverMappings: [], deployments: [], renewals: [], notices: [], dismissals: [] };
  const clean: Json = { ...data };
  for (const collection of COLLECTION_NAMES) {
    const list = data[collection] as unknown[];
    const keep: unknown[] = [];
    const seen = new Map<string, number>();
    list.forEach((record, index) => {
      const id = idOf(record);
      let issues = trusted?.(collection, record) ? [] : recordIssues(collection, record);
      if (issues.length === 0 && id !== null && seen.has(id)) {
        issues = [{ field: 'id', text: `id: the same id as ${label(collection, seen.get(id)!, null)}; ids must be unique` }];
      }
      if (issues.length === 0) {
        if (id !== null) seen.set(id, index);
        keep.push(record);
        return;
      }
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1, 3).map((i) => i.field || 'record').join(', ')}${issues.length > 3 ? ', ...' : ''})` : '';
      problems.push({
        collection,
        index,
        id,
        field: issues[0]!.field,
        message: `${label(collection, index, id)}: ${issues[0]!.text}${more}.`,
      });
      quarantine[collection].push({ index, record });
    });
    clean[collection] = keep;
  }
  return { data: clean as unknown as StoreData, quarantine, problems };
}

/** The data to write: the records of `data` with the set-aside records put back at their places. */
export function withSetAside(data: StoreData, quarantine: Quarantine): StoreData {
  if (COLLECTION_NAMES.every((c) => quarantine[c].length === 0)) return data;
  const out: Json = { ...data };
  for (const collection of COLLECTION_NAMES) {
    const list = [...(data[collection] as unknown[])];
    for (const { index, record } of quarantine[collection]) list.splice(Math.min(index, list.length), 0, record);
    out[collection] = list;
  }
  return out as unknown as StoreData;
}

/** Deep equality of JSON-like values (what db.json holds): same types, same keys, same values. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !sameJson((a as Json)[k], (b as Json)[k])) return false;
  }
  return true;
}

/**
 * Refuses to save a record that would be set aside at the next open (a bug: say so instead of hiding it later).
 * `only`: the collections to check (the ones a write may have changed; the others are the saved, checked ones).
 * `saved`: the data as last saved (every record of it checked): a record that is one of the saved objects, or
 * equal to the saved one at the same place, needs no check again, so a write that changes one request checks one request, not all of them.
 */
export function assertSavable(data: StoreData, only?: ReadonlySet<string>, saved?: StoreData): void {
  for (const collection of COLLECTION_NAMES) {
    if (only && !only.has(collection)) continue;
    const list = data[collection] as unknown[];
    const previous = saved ? (saved[collection] as unknown[]) : [];
    // A record that is the very object saved before (an update copies only what it changes) was checked then.
    const known = list === previous ? null : new Set(previous);
    if (known === null) continue;
    for (let index = 0; index < list.length; index++) {
      if (known.has(list[index])) continue;
      if (index < previous.length && sameJson(list[index], previous[index])) continue;
      const issues = recordIssues(collection, list[index]);
      if (issues.length > 0) {
        throw new AppError(
          'INTERNAL',
          `Refusing to save an invalid ${COLLECTIONS[collection].noun} record, ${label(collection, index, idOf(list[index]))}: ${issues[0]!.text}. Nothing was saved.`,
        );
      }
    }
  }
}
