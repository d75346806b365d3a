// Copy-on-write drafts of the (deeply frozen) store data, for Store.update's mutators. A draft looks and behaves
// like a mutable copy of the data, but nothing is copied until it is written: each object or list of the data is
// wrapped in a Proxy when a mutator first reads it, and copied (shallowly) only when it, or something below it, is
// changed. finishDraft() then gives the new data: the changed paths are new objects, everything else is the very
// (frozen, already validated) object it was. With 10,000 certificates, an update that changes one record copies
// that record and the list's pointers, not the 50 MB behind them.
//
// The draft follows JSON data (plain objects and arrays, what db.json holds). A draft's objects may be moved
// around, stored in new objects or lists, compared by identity (the same Proxy each time) and read by
// JSON.stringify; they are unwrapped wherever they end up when the draft is finished.

interface DraftState {
  base: Record<PropertyKey, unknown>;
  /** The shallow copy, once something was written; drafts of children are stored in it. */
  copy: Record<PropertyKey, unknown> | null;
  parent: DraftState | null;
  /** Drafts of children read before this object was copied (then its keys cannot have moved); made when needed. */
  children: Map<PropertyKey, unknown> | null;
  isArray: boolean;
  proxy: object;
  finished: boolean;
}

const STATE = Symbol('certdesk.draftState');

function isDraftable(v: unknown): v is Record<PropertyKey, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function stateOf(v: unknown): DraftState | undefined {
  return typeof v === 'object' && v !== null ? ((v as Record<symbol, unknown>)[STATE] as DraftState | undefined) : undefined;
}

export function isDraft(v: unknown): boolean {
  return stateOf(v) !== undefined;
}

function latest(s: DraftState): Record<PropertyKey, unknown> {
  return s.copy ?? s.base;
}

/** A finished draft reads as the data it became (frozen once the store has it): a write throws, as on that data. */
function assertLive(s: DraftState): void {
  if (s.finished) throw new TypeError('Cannot change the store data outside update(): this record belongs to an update that has finished.');
}

/** Copies the object (and, up the tree, its parents) before its first change. */
function markChanged(s: DraftState): void {
  if (s.copy !== null) return;
  const copy: Record<PropertyKey, unknown> = s.isArray ? (s.base as unknown as unknown[]).slice() as unknown as Record<PropertyKey, unknown> : { ...s.base };
  if (s.children !== null) for (const [key, child] of s.children) copy[key] = child;
  s.children = null;
  s.copy = copy;
  if (s.parent) markChanged(s.parent);
}

/** The draft of a child value that is still the store's own (frozen) object; anything else as it is. */
function childDraft(s: DraftState, key: PropertyKey, value: unknown): unknown {
  if (!isDraftable(value) || !Object.isFrozen(value) || stateOf(value) !== undefined) return value;
  if (s.copy !== null) {
    const d = createDraftState(value, s).proxy;
    s.copy[key] = d;
    return d;
  }
  s.children ??= new Map();
  let d = s.children.get(key);
  if (d === undefined) {
    d = createDraftState(value, s).proxy;
    s.children.set(key, d);
  }
  return d;
}

function read(s: DraftState, key: PropertyKey): unknown {
  // A record a mutator kept a reference to reads, after the update, as what was saved.
  if (s.finished) return Reflect.get(latest(s), key);
  const source = latest(s);
  const value = source[key];
  // Values, and the prototype's methods (push, find, ...), as they are; only the data's own objects get drafts.
  if (typeof value !== 'object' || value === null || typeof key === 'symbol') return value;
  if (s.copy === null && s.children !== null) {
    const d = s.children.get(key);
    if (d !== undefined) return d;
  }
  if (!Object.prototype.hasOwnProperty.call(source, key)) return value;
  return childDraft(s, key, value);
}

const handler: ProxyHandler<{ s: DraftState }> = {
  get(t, key) {
    const s = (t as unknown as { s: DraftState }).s;
    if (key === STATE) return s;
    return read(s, key);
  },
  set(t, key, value) {
    const s = (t as unknown as { s: DraftState }).s;
    assertLive(s);
    const source = latest(s);
    if (s.copy === null && Object.prototype.hasOwnProperty.call(source, key) && source[key] === value && (value !== undefined || key in source)) {
      return true; // unchanged
    }
    markChanged(s);
    s.copy![key] = value;
    return true;
  },
  deleteProperty(t, key) {
    const s = (t as unknown as { s: DraftState }).s;
    assertLive(s);
    if (!Object.prototype.hasOwnProperty.call(latest(s), key)) return true;
    markChanged(s);
    delete s.copy![key];
    return true;
  },
  has(t, key) {
    const s = (t as unknown as { s: DraftState }).s;
    return key in latest(s);
  },
  ownKeys(t) {
    const s = (t as unknown as { s: DraftState }).s;
    return Reflect.ownKeys(latest(s));
  },
  getOwnPropertyDescriptor(t, key) {
    const s = (t as unknown as { s: DraftState }).s;
    const owner = latest(s);
    const desc = Reflect.getOwnPropertyDescriptor(owner, key);
    if (!desc) return undefined;
    // The proxy's target is a plain holder: report every property as an ordinary, changeable one (a list's length
    // stays non-configurable, as the target list's own length is).
    return { writable: true, configurable: !(s.isArray && key === 'length'), enumerable: desc.enumerable, value: read(s, key) };
  },
  defineProperty(t, key, desc) {
    const s = (t as unknown as { s: DraftState }).s;
    assertLive(s);
    if (!('value' in desc)) throw new TypeError('Accessors cannot be defined on the store data.');
    markChanged(s);
    s.copy![key] = desc.value;
    return true;
  },
  getPrototypeOf(t) {
    const s = (t as unknown as { s: DraftState }).s;
    return Object.getPrototypeOf(s.base);
  },
  setPrototypeOf() {
    throw new TypeError('The prototype of store data cannot be changed.');
  },
  preventExtensions() {
    throw new TypeError('The store data cannot be frozen inside an update.');
  },
  isExtensible() {
    return true;
  },
};

function createDraftState(base: Record<PropertyKey, unknown>, parent: DraftState | null): DraftState {
  // The target is a plain holder (a list for lists, so Array.isArray sees one); every trap reads the state.
  const isArray = Array.isArray(base);
  const s: DraftState = { base, copy: null, parent, children: null, isArray, proxy: null as unknown as object, finished: false };
  const target = (isArray ? [] : {}) as unknown as { s: DraftState };
  target.s = s;
  s.proxy = new Proxy(target, handler as ProxyHandler<object>);
  return s;
}

/** A draft of `base` (a plain object whose values are frozen JSON data). */
export function createDraft<T extends object>(base: T): T {
  return createDraftState(base as unknown as Record<PropertyKey, unknown>, null).proxy as T;
}

/**
 * Walks a value a mutator put in the draft (a new object or list) and replaces the drafts inside it by their
 * results. Frozen values are the store's own and hold no drafts.
 */
function unwrapNew(value: unknown, seen: Set<object>): unknown {
  const st = stateOf(value);
  if (st) return finalize(st, seen);
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || seen.has(value)) return value;
  seen.add(value);
  const obj = value as Record<PropertyKey, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    const nv = unwrapNew(v, seen);
    if (nv !== v) obj[key] = nv;
  }
  return value;
}

function finalize(s: DraftState, seen: Set<object>): unknown {
  if (s.copy === null) {
    s.finished = true;
    return s.base;
  }
  const out = s.copy;
  s.finished = true;
  if (s.isArray) {
    const list = out as unknown as unknown[];
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'object' || v === null) continue;
      const nv = unwrapNew(v, seen);
      if (nv !== v) list[i] = nv;
    }
    return out;
  }
  for (const key of Object.keys(out)) {
    const v = out[key];
    const nv = unwrapNew(v, seen);
    if (nv !== v) out[key] = nv;
  }
  return out;
}

/**
 * The data after the mutators, and the top-level keys that may have changed (their value is not the base's).
 * The draft cannot be used afterwards.
 */
export function finishDraft<T extends object>(draft: T): { data: T; changed: ReadonlySet<string> } {
  const s = stateOf(draft);
  if (!s || s.parent !== null) throw new TypeError('finishDraft() takes a draft made by createDraft().');
  const base = s.base;
  const data = finalize(s, new Set()) as Record<string, unknown>;
  const changed = new Set<string>();
  if (data !== base) {
    for (const key of new Set([...Object.keys(base), ...Object.keys(data)])) if (data[key] !== base[key]) changed.add(key);
  }
  return { data: data as T, changed };
}
