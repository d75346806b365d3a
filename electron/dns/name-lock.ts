// Serialises work per record name where a DNS API replaces whole record sets (Route 53, GoDaddy, Azure): the
// apex and the wildcard of one order put two values on `_acme-challenge.<domain>` at the same moment, and a
// read-modify-write of one must not drop the other's value. Process-wide, keyed by whatever names the record
// set at the service (endpoint + zone + name), so two provider objects for one account also take turns.
const tails = new Map<string, Promise<unknown>>();

export async function withNameLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = before.then(() => mine);
  tails.set(key, tail);
  try {
    await before;
    return await work();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
