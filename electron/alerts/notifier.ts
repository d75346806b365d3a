// OS notifications and the tray (issue 9): one notification per renewal result, one per expiry threshold and
// certificate version, never repeated at a tick (each is recorded as a notice first). A notification that cannot
// be shown is logged; it never changes a renewal's outcome.
import type { RenewalPlan, RenewalResult } from '../../shared/model/renewal.ts';
import type { Logger } from '../core/logger.ts';
import type { PlatformServices, TrayState } from '../app/platform-services.ts';
import { notificationSettings } from '../renewal/settings.ts';
import { systemClock, type Clock, type RenewalObserver } from '../renewal/types.ts';
import type { Store } from '../store/store.ts';
import { FAILED_KINDS, type AlertService } from './alerts.ts';
import { daysUntil, Notices } from './notices.ts';

export interface NotifierDeps {
  store: Pick<Store, 'data' | 'update'>;
  platform: Pick<PlatformServices, 'notify' | 'setTray'>;
  alerts: Pick<AlertService, 'derive' | 'refresh'>;
  logger: Logger;
  clock?: Clock;
  /** Other once-a-tick jobs (the weekly digest); one that fails is logged and stops nothing. */
  also?: ((now: Date) => Promise<void>)[];
}

/** The tray shows "expiring" when a certificate expires within this many days. */
export const TRAY_EXPIRING_DAYS = 14;
const TRAY_MENU_MAX = 8;
/** How often the timer ticks when started (thresholds are days apart: minutes are plenty). */
export const TICK_MS = 10 * 60_000;

export class Notifier implements RenewalObserver {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly notices: Notices;
  private lastTray: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(private readonly deps: NotifierDeps) {
    this.log = deps.logger.child('notifier');
    this.clock = deps.clock ?? systemClock;
    this.notices = new Notices(deps.store);
  }

  /** RenewalObserver: one notification per result (successes only when Settings ask for them). */
  async renewalFinished(result: RenewalResult, plan: RenewalPlan): Promise<void> {
    const settings = notificationSettings(this.deps.store.data.settings);
    const now = this.clock.now();
    // A success is named by its new serial; a failure by the attempt's recorded time when the plan carries it.
    const attempt = result.ok ? (result.serial ?? now.toISOString()) : plan.lastAttempt && !plan.lastAttempt.ok ? plan.lastAttempt.at : now.toISOString();
    const key = `renewal:${result.certificateId}:${result.ok ? 'ok' : 'failed'}:${attempt}`;
    const fresh = await this.notices.claim([key], now);
    if (fresh.length === 0 || !settings.enabled) return;
    if (result.ok && !settings.onSuccess) return;
    this.show(
      result.ok
        ? { title: `Renewed ${result.commonName}`, body: `${result.message}${result.serial ? ` New serial ${result.serial}.` : ''}` }
        : { title: `Renewal of ${result.commonName} failed`, body: `${result.message}${plan.nextAttemptAt ? ` Next attempt ${plan.nextAttemptAt}.` : ''}` },
    );
    this.deps.alerts.refresh();
    this.updateTray();
  }

  /**
   * Fires the thresholds crossed since the last tick (each once per certificate version), refreshes the alerts
   * and the tray. Safe to call as often as wanted; overlapping calls share one run.
   */
  tick(now: Date = this.clock.now()): Promise<void> {
    this.ticking ??= this.tickNow(now).finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  /** Ticks now and every TICK_MS (desktop and bridge; the CLI never starts it). */
  start(): void {
    if (this.timer) return;
    const run = (): void => {
      this.tick().catch((err: unknown) => this.log.warn('notifier tick failed', { error: (err as Error).message }));
    };
    run();
    this.timer = setInterval(run, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tickNow(now: Date): Promise<void> {
    const data = this.deps.store.data;
    const settings = notificationSettings(data.settings);
    const thresholds = [...settings.thresholds].sort((a, b) => a - b);
    const wanted: { keys: string[]; note: { title: string; body: string } }[] = [];
    for (const c of data.certificates) {
      if (c.revoked) continue;
      const serial = c.summary.serial;
      const name = c.names[0] ?? c.id;
      const left = daysUntil(c.summary.notAfter, now);
      if (left <= 0) {
        wanted.push({ keys: [`expired:${c.id}:${serial}`], note: { title: `${name} has expired`, body: `The certificate for ${c.names.join(', ')} expired on ${c.summary.notAfter}.` } });
        continue;
      }
      const crossed = thresholds.filter((t) => left <= t);
      if (crossed.length === 0) continue;
      // After a long sleep several thresholds are crossed at once: one notification (the smallest), all recorded.
      const smallest = crossed[0]!;
      const days = Math.ceil(left);
      wanted.push({
        keys: crossed.map((t) => `threshold:${c.id}:${serial}:${t}`),
        note: { title: `${name} expires in ${days} day${days === 1 ? '' : 's'}`, body: `The certificate for ${c.names.join(', ')} expires on ${c.summary.notAfter} (threshold ${smallest} days).` },
      });
    }
    const all = wanted.flatMap((w) => w.keys);
    const fresh = new Set(all.length ? await this.notices.claim(all, now) : []);
    for (const w of wanted) {
      // The smallest threshold's key is first; it decides whether this certificate has something new to say.
      if (!fresh.has(w.keys[0]!)) continue;
      if (settings.enabled) this.show(w.note);
    }
    this.deps.alerts.refresh();
    this.updateTray(now);
    for (const job of this.deps.also ?? []) {
      await job(now).catch((err: unknown) => this.log.warn('tick job failed', { error: (err as Error).message }));
    }
  }

  /** The tray's state now (exported for tests and the first draw). */
  trayState(now: Date = this.clock.now()): TrayState {
    const data = this.deps.store.data;
    const certs = data.certificates.filter((c) => !c.revoked).sort((a, b) => (a.summary.notAfter < b.summary.notAfter ? -1 : 1));
    const alerts = this.deps.alerts.derive();
    const dismissed = new Set(data.dismissals.map((d) => `${d.alertId}=${d.stateKey}`));
    const live = alerts.filter((a) => !dismissed.has(`${a.id}=${a.stateKey}`));
    let worst: TrayState['worst'] = 'fine';
    if (live.some((a) => FAILED_KINDS.has(a.kind))) worst = 'failed';
    else if (certs.some((c) => daysUntil(c.summary.notAfter, now) <= TRAY_EXPIRING_DAYS)) worst = 'expiring';
    const next = certs.slice(0, TRAY_MENU_MAX).map((c) => {
      const days = Math.ceil(daysUntil(c.summary.notAfter, now));
      return { label: `${c.names[0] ?? c.id} — ${days <= 0 ? 'expired' : `${days} day${days === 1 ? '' : 's'}`}`, certificateId: c.id, requestId: c.requestId };
    });
    const first = certs[0];
    const n = certs.length;
    const tooltip =
      n === 0
        ? 'Certdesk: no saved certificates'
        : `Certdesk: ${n} certificate${n === 1 ? '' : 's'}; next expiry in ${Math.ceil(daysUntil(first!.summary.notAfter, now))} days (${first!.names[0] ?? first!.id})` +
          (worst === 'failed' ? ` — ${live.filter((a) => FAILED_KINDS.has(a.kind)).length} problem(s)` : '');
    return { worst, tooltip, next };
  }

  /** Calls setTray when the state differs from the last one drawn. */
  updateTray(now: Date = this.clock.now()): void {
    if (!this.deps.platform.setTray) return;
    try {
      const state = this.trayState(now);
      const sig = JSON.stringify(state);
      if (sig === this.lastTray) return;
      this.lastTray = sig;
      this.deps.platform.setTray(state);
    } catch (err) {
      this.log.warn('tray could not be updated', { error: (err as Error).message });
    }
  }

  private show(note: { title: string; body: string }): void {
    try {
      this.deps.platform.notify(note);
    } catch (err) {
      this.log.warn('notification could not be shown', { title: note.title, error: (err as Error).message });
    }
  }
}
