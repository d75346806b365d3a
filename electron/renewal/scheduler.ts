// When the renewal engine wakes up: twice a day at a random minute (chosen once per data directory and kept in
// db.json settings, so that many installations do not hit the CA at the same minute), at start-up, and when the
// machine resumes from sleep or the screen is unlocked (PlatformServices.onResume). Every wake-up calls the
// idempotent RenewalService.reconcile().
//
// The wake-ups are scheduled in UTC (node-schedule with tz Etc/UTC), so a daylight-saving change neither skips
// nor doubles one; each scheduled wake-up also records the instant it was for, and a second call for the same
// instant (or an earlier one) is skipped. The instants come from the driver (node-schedule, or a test's fake clock).
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/store.ts';

/** db.json `settings` key of the scheduler's own state. */
export const WAKE_SETTINGS_KEY = 'renewalWake';

/** The two daily wake-ups: UTC hours and the minute. */
export interface WakeRule {
  hours: [number, number];
  minute: number;
}

/** Calls `fire` at every instant the rule matches (UTC); resolves to a cancel function. */
export interface WakeDriver {
  every(rule: WakeRule, fire: (at: Date) => void): Promise<() => void>;
}

/** The production driver: node-schedule, loaded only when a long-running face starts the scheduler. */
export const nodeScheduleDriver: WakeDriver = {
  async every(rule, fire) {
    const schedule = await import('node-schedule');
    const job = schedule.scheduleJob(utcRule(schedule, rule), (at: Date) => fire(at));
    return () => {
      job?.cancel();
    };
  },
};

/** The node-schedule rule of a WakeRule (exported for the DST test, which asks node-schedule itself). */
export function utcRule(schedule: typeof import('node-schedule'), rule: WakeRule): import('node-schedule').RecurrenceRule {
  const r = new schedule.RecurrenceRule();
  r.tz = 'Etc/UTC';
  r.hour = [...rule.hours];
  r.minute = rule.minute;
  r.second = 0;
  return r;
}

/** A minute in the 12-hour cycle (0–719) as the two UTC hours and the minute. */
export function wakeRule(minuteOfHalfDay: number): WakeRule {
  const m = ((Math.floor(minuteOfHalfDay) % 720) + 720) % 720;
  const h = Math.floor(m / 60);
  return { hours: [h, h + 12], minute: m % 60 };
}

interface WakeState {
  /** 0–719: minutes after 00:00 and 12:00 UTC. */
  minute: number;
  /** The scheduled instant of the last scheduled wake-up that ran. */
  lastSlot: string | null;
}

export interface SchedulerDeps {
  reconcile(reason: string): Promise<unknown>;
  store: Pick<Store, 'data' | 'update'>;
  logger: Logger;
  random?: () => number;
  driver?: WakeDriver;
  /** PlatformServices.onResume (desktop only). */
  onResume?: ((cb: () => void) => () => void) | undefined;
}

export class RenewalScheduler {
  private readonly log: Logger;
  private stops: (() => void)[] = [];
  private started = false;
  private last: Promise<unknown> = Promise.resolve();
  /** The minute in use (chosen before it could be stored, on a data directory with nothing saved yet). */
  private minute: number | null = null;

  constructor(private readonly deps: SchedulerDeps) {
    this.log = deps.logger.child('renewal');
  }

  /** The wake-up rule in force (the minute is chosen at the first start and kept). */
  async rule(): Promise<WakeRule> {
    return wakeRule((await this.state()).minute);
  }

  /** Schedules the wake-ups, subscribes to resume, and reconciles once now. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const rule = await this.rule();
    const cancel = await (this.deps.driver ?? nodeScheduleDriver).every(rule, (at) => {
      void this.scheduled(at);
    });
    this.stops.push(cancel);
    if (this.deps.onResume) this.stops.push(this.deps.onResume(() => void this.wake('resume')));
    this.log.info('renewal wake-ups scheduled', { utc: rule.hours.map((h) => `${String(h).padStart(2, '0')}:${String(rule.minute).padStart(2, '0')}`) });
    void this.wake('start');
  }

  stop(): void {
    for (const s of this.stops.splice(0)) {
      try {
        s();
      } catch {
        // already gone
      }
    }
    this.started = false;
  }

  /** Waits for the wake-ups started so far (tests, shutdown). */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.last;
      await seen.catch(() => undefined);
    } while (seen !== this.last);
  }

  /** A wake-up for a reason (start, resume): reconciles. */
  wake(reason: string): Promise<void> {
    const p = this.deps.reconcile(reason).then(
      () => undefined,
      (err: unknown) => this.log.warn('reconcile failed', { reason, error: (err as Error).message }),
    );
    this.last = Promise.all([this.last, p]);
    return p;
  }

  /**
   * A scheduled wake-up for the instant `at`: runs unless a wake-up for this instant or a later one already ran
   * (a timer that fires twice, or late after a sleep, does not double a run).
   */
  scheduled(at: Date): Promise<boolean> {
    const p = this.runSlot(at).catch((err: unknown) => {
      this.log.warn('scheduled wake-up failed', { slot: at.toISOString(), error: (err as Error).message });
      return false;
    });
    this.last = Promise.all([this.last, p]);
    return p;
  }

  private async runSlot(at: Date): Promise<boolean> {
    const slot = at.toISOString();
    // Nothing saved yet: nothing to renew, and nothing to write (a new data directory stays unwritten).
    if (this.deps.store.data.certificates.length === 0) {
      await this.wake('schedule');
      return true;
    }
    let run = false;
    await this.deps.store.update((d) => {
      const s = readState(d.settings[WAKE_SETTINGS_KEY]);
      if (s && s.lastSlot && s.lastSlot >= slot) return;
      run = true;
      d.settings = { ...d.settings, [WAKE_SETTINGS_KEY]: { minute: s?.minute ?? (this.minute ??= this.pickMinute()), lastSlot: slot } };
    });
    if (!run) {
      this.log.info('scheduled wake-up already ran', { slot });
      return false;
    }
    await this.wake('schedule');
    return true;
  }

  private pickMinute(): number {
    return Math.floor((this.deps.random ?? Math.random)() * 720) % 720;
  }

  private async state(): Promise<WakeState> {
    const s = readState(this.deps.store.data.settings[WAKE_SETTINGS_KEY]);
    if (s) return s;
    const fresh: WakeState = { minute: (this.minute ??= this.pickMinute()), lastSlot: null };
    // Kept from the first start that has certificates to renew; until then a new data directory stays unwritten.
    if (this.deps.store.data.certificates.length === 0) return fresh;
    await this.deps.store.update((d) => {
      const again = readState(d.settings[WAKE_SETTINGS_KEY]);
      if (again) {
        fresh.minute = again.minute;
        fresh.lastSlot = again.lastSlot;
        return;
      }
      d.settings = { ...d.settings, [WAKE_SETTINGS_KEY]: fresh };
    });
    return fresh;
  }
}

function readState(v: unknown): WakeState | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!Number.isInteger(o.minute) || (o.minute as number) < 0 || (o.minute as number) >= 720) return null;
  return { minute: o.minute as number, lastSlot: typeof o.lastSlot === 'string' ? o.lastSlot : null };
}
