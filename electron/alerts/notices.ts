// One-time notices (issue 9): an OS notification, a mail or a threshold that already went out is recorded under a
// key naming what and for which state (`threshold:<certId>:<serial>:<days>`), so no tick repeats it.
import type { NoticeRecord, StoreData } from '../store/schema.ts';
import { NOTICES_MAX } from '../store/schema.ts';
import type { Store } from '../store/store.ts';

export type NoticeStore = Pick<Store, 'data' | 'update'>;

export class Notices {
  constructor(private readonly store: NoticeStore) {}

  has(key: string): boolean {
    return this.store.data.notices.some((n) => n.key === key);
  }

  /**
   * Records `keys` that are not recorded yet; answers those that were new. Runs inside one store update, so two
   * ticks racing each other cannot both claim one key.
   */
  async claim(keys: string[], at: Date): Promise<string[]> {
    const fresh: string[] = [];
    if (keys.every((k) => this.has(k))) return fresh;
    await this.store.update((d: StoreData) => {
      const known = new Set(d.notices.map((n) => n.key));
      const added: NoticeRecord[] = [];
      for (const key of keys) {
        if (known.has(key)) continue;
        known.add(key);
        fresh.push(key);
        added.push({ key, at: at.toISOString() });
      }
      if (added.length === 0) return;
      d.notices = [...d.notices, ...added].slice(-NOTICES_MAX);
    });
    return fresh;
  }
}

export const DAY_MS = 86_400_000;

/** Days from `now` to `notAfter`, fractional (negative once expired). */
export function daysUntil(notAfter: string, now: Date): number {
  return (Date.parse(notAfter) - now.getTime()) / DAY_MS;
}

/** ISO 8601 week of `d` (UTC), e.g. "2027-W05": the weekly digest's key. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
