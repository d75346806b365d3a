// The alerts behind the bell (issue 9): derived from the store every time they are asked for, never stored
// themselves. Each alert has a stable id (`<kind>:<subject>`) and a state key (the failure's time, the threshold
// crossed, the serial): a dismissal is stored for that state only, so a new failure or threshold shows it again.
import { AppError } from '../../shared/ipc/errors.ts';
import type { Alert, AlertAction, AlertKind } from '../../shared/model/renewal.ts';
import type { Request } from '../../shared/model/request.ts';
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { RequestService } from '../orders/requests.ts';
import { notificationSettings } from '../renewal/settings.ts';
import { systemClock, type Clock } from '../renewal/types.ts';
import type { CertificateRecord, DeploymentRecord, StoreData } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { DAY_MS, daysUntil } from './notices.ts';

export interface AlertServiceDeps {
  store: Pick<Store, 'data' | 'update'>;
  /** The request views: which challenges nobody answers automatically (`challenges[].automation`). */
  /** `view` (one record's view) lets the alerts look at failed and pending requests only; without it, list(). */
  requests: Pick<RequestService, 'list'> & Partial<Pick<RequestService, 'view'>>;
  hub: EventHub;
  logger: Logger;
  clock?: Clock;
}

/** An alert before the dismissals are applied, with the state it stands for. */
export interface DerivedAlert extends Omit<Alert, 'dismissed'> {
  stateKey: string;
}

/** Alerts of these kinds make the tray show "failed". */
export const FAILED_KINDS: ReadonlySet<AlertKind> = new Set(['expired', 'renewal-failed', 'request-failed', 'deploy-failed']);

/** The shortest time between two refreshes caused by events (see schedule()). */
const REFRESH_GAP_MS = 200;

const EVENTS_THAT_CHANGE_ALERTS = new Set(['requests:changed', 'certs:changed', 'renewal:changed', 'deploy:changed']);

export class AlertService {
  private readonly log: Logger;
  private readonly clock: Clock;
  /** The ids and state keys last announced, so `alerts:changed` fires only when they change. */
  private signature: string | null = null;
  private pending = false;
  private lastRefresh = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: AlertServiceDeps) {
    this.log = deps.logger.child('alerts');
    this.clock = deps.clock ?? systemClock;
    this.unsubscribe = deps.hub.on((event) => {
      if (EVENTS_THAT_CHANGE_ALERTS.has(event)) this.schedule();
    });
  }

  /** Every alert, newest first; dismissed ones are flagged (hidden from the bell's count, still listed). */
  list(): Alert[] {
    const data = this.deps.store.data;
    return this.derive().map(({ stateKey, ...a }) => ({ ...a, dismissed: data.dismissals.some((d) => d.alertId === a.id && d.stateKey === stateKey) }));
  }

  /** Hides the alert until its state changes. */
  async dismiss(id: string): Promise<void> {
    const alert = this.derive().find((a) => a.id === id);
    if (!alert) throw new AppError('NOT_FOUND', `There is no alert ${id} (any more).`, { field: 'id', hint: 'Reload the alerts: the state behind it may have changed.' });
    const at = this.clock.now().toISOString();
    await this.deps.store.update((d) => {
      // Only the live alerts' dismissals are worth keeping: the others are for states that are gone.
      const live = new Set(this.derive(d).map((a) => a.id));
      d.dismissals = [...d.dismissals.filter((x) => x.alertId !== id && live.has(x.alertId)), { alertId: id, stateKey: alert.stateKey, at }];
    });
    this.log.info('alert dismissed', { id, stateKey: alert.stateKey });
    this.refresh(true);
  }

  /**
   * Emits `alerts:changed` when the alerts differ from the last announced ones (time crosses a threshold without
   * any event: the notifier's tick calls this). `force`: emit anyway (a dismissal).
   */
  refresh(force = false): void {
    const sig = this.derive()
      .map((a) => `${a.id}=${a.stateKey}`)
      .join('\n');
    if (!force && sig === this.signature) return;
    this.signature = sig;
    this.deps.hub.emit('alerts:changed', {});
  }

  close(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Coalesces a burst of events (an order touches its request many times) into one refresh: the first event
   * after a quiet spell refreshes at the next turn of the loop, later ones at most every REFRESH_GAP_MS (renewing
   * 100 certificates at once sends thousands of events; deriving the alerts at each turn cost seconds).
   */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    const run = (): void => {
      this.pending = false;
      this.timer = null;
      this.lastRefresh = performance.now();
      try {
        this.refresh();
      } catch (err) {
        this.log.warn('alerts could not be computed', { error: (err as Error).message });
      }
    };
    const wait = this.lastRefresh + REFRESH_GAP_MS - performance.now();
    if (wait <= 0) setImmediate(run);
    else {
      this.timer = setTimeout(run, wait);
      this.timer.unref();
    }
  }

  /** The alerts the data stands for, newest first. */
  derive(data: Readonly<StoreData> = this.deps.store.data): DerivedAlert[] {
    const now = this.clock.now();
    const thresholds = [...notificationSettings(data.settings).thresholds].sort((a, b) => a - b);
    const out: DerivedAlert[] = [];
    const certAction = (c: CertificateRecord, kind: AlertAction['kind'], label: string): AlertAction => ({ kind, label, requestId: c.requestId, certificateId: c.id });

    for (const c of data.certificates) {
      if (c.revoked) continue;
      const name = c.names[0] ?? c.id;
      const serial = c.summary.serial;
      const left = daysUntil(c.summary.notAfter, now);
      const renew = c.requestId ? certAction(c, 'renew', 'Renew now') : certAction(c, 'open-certificate', 'Open certificate');
      if (left <= 0) {
        out.push({ id: `expired:${c.id}`, stateKey: serial, kind: 'expired', severity: 'error', title: `${name} has expired`, message: `The certificate for ${c.names.join(', ')} expired on ${c.summary.notAfter}.`, action: renew, since: c.summary.notAfter });
        continue;
      }
      // The smallest threshold crossed: one alert per certificate, its state moves on at each threshold.
      const crossed = thresholds.find((t) => left <= t);
      if (crossed !== undefined) {
        const days = Math.ceil(left);
        out.push({
          id: `expiring:${c.id}`,
          stateKey: `${serial}:${crossed}`,
          kind: 'expiring',
          severity: crossed <= 7 ? 'error' : 'warning',
          title: `${name} expires in ${days} day${days === 1 ? '' : 's'}`,
          message: `The certificate for ${c.names.join(', ')} expires on ${c.summary.notAfter}.`,
          action: renew,
          since: new Date(Date.parse(c.summary.notAfter) - crossed * DAY_MS).toISOString(),
        });
      }
    }

    const certs = new Map(data.certificates.map((c) => [c.id, c]));
    for (const r of data.renewals) {
      const c = certs.get(r.certificateId);
      if (!c || c.revoked) continue;
      const name = c.names[0] ?? c.id;
      if (r.lastAttempt && !r.lastAttempt.ok) {
        out.push({
          id: `renewal-failed:${c.id}`,
          stateKey: r.lastAttempt.at,
          kind: 'renewal-failed',
          severity: 'error',
          title: `Renewal of ${name} failed`,
          message: r.lastAttempt.message + (r.nextAttemptAt ? ` Next attempt ${r.nextAttemptAt}.` : ''),
          action: c.requestId ? certAction(c, 'open-request', 'Open request') : certAction(c, 'open-certificate', 'Open certificate'),
          since: r.lastAttempt.at,
        });
      }
      if (r.state === 'manual' && r.dueAt !== null && Date.parse(r.dueAt) <= now.getTime()) {
        out.push({
          id: `manual-renewal:${c.id}`,
          stateKey: `${r.serial}`,
          kind: 'manual-renewal',
          severity: 'warning',
          title: `Renew ${name} by hand`,
          message: `${name} is due for renewal, and nothing answers its challenges automatically (no DNS account, DNS mapping or server mapping). Renew it and answer the challenges.`,
          action: c.requestId ? certAction(c, 'renew', 'Renew now') : certAction(c, 'open-certificate', 'Open certificate'),
          since: r.dueAt,
        });
      }
    }

    const records = new Map(data.requests.map((r) => [r.id, r]));
    for (const req of this.requestViews(data)) {
      if (req.status === 'failed') {
        const rec = records.get(req.id);
        const at = rec?.updatedAt ?? now.toISOString();
        out.push({
          id: `request-failed:${req.id}`,
          stateKey: at,
          kind: 'request-failed',
          severity: 'error',
          title: `Request for ${req.commonName} failed`,
          message: req.error?.message ?? 'The request failed.',
          action: { kind: 'open-request', label: 'Open request', requestId: req.id, certificateId: req.savedCertificateId },
          since: at,
        });
      } else if (req.status === 'pending') {
        const manual = req.challenges.filter((ch) => ch.automation === null && ch.status !== 'valid');
        if (manual.length === 0) continue;
        const rec = records.get(req.id);
        const at = rec?.updatedAt ?? now.toISOString();
        out.push({
          id: `challenge-waiting:${req.id}`,
          stateKey: req.orderUrl ?? at,
          kind: 'challenge-waiting',
          severity: 'warning',
          title: `${req.commonName}: challenges wait for you`,
          message: `${manual.length} challenge${manual.length === 1 ? '' : 's'} (${manual.map((ch) => ch.name).join(', ')}) must be answered by hand, then Verify.`,
          action: { kind: 'open-request', label: 'Open request', requestId: req.id, certificateId: req.savedCertificateId },
          since: at,
        });
      }
    }

    // The newest deployment per subject and server decides: a later success clears an earlier failure.
    const latest = new Map<string, DeploymentRecord>();
    for (const d of data.deployments) {
      const key = `${d.certificateId ?? d.requestId ?? ''}|${d.serverId}`;
      const prev = latest.get(key);
      if (!prev || prev.finishedAt <= d.finishedAt) latest.set(key, d);
    }
    for (const d of latest.values()) {
      if (d.status !== 'failed') continue;
      const subject = d.certificateId ?? d.requestId ?? 'unknown';
      out.push({
        id: `deploy-failed:${subject}:${d.serverId}`,
        stateKey: d.finishedAt,
        kind: 'deploy-failed',
        severity: 'error',
        title: `Deployment of ${d.domain} to ${d.serverName} failed`,
        message: d.reason ?? 'The server does not serve the new certificate.',
        action: d.requestId
          ? { kind: 'open-request', label: 'Open request', requestId: d.requestId, certificateId: d.certificateId }
          : { kind: 'open-certificate', label: 'Open certificate', requestId: null, certificateId: d.certificateId },
        since: d.finishedAt,
      });
    }

    return out.sort((a, b) => (a.since < b.since ? 1 : a.since > b.since ? -1 : a.id.localeCompare(b.id)));
  }

  private requestViews(data: Readonly<StoreData>): Request[] {
    // Only failed and pending requests raise alerts: with the service's view of one record, only those are turned
    // into views (listing every request built 10,000 views, challenges and all, each time the bell asked).
    const view = this.deps.requests.view?.bind(this.deps.requests);
    if (view) return data.requests.filter((r) => r.status === 'failed' || r.status === 'pending').map((r) => view(r));
    // The views are the service's; on a draft (dismiss) only the ids matter, which the records give.
    if (data !== this.deps.store.data) {
      const ids = new Set(data.requests.map((x) => x.id));
      return this.deps.requests.list().filter((r) => ids.has(r.id));
    }
    return this.deps.requests.list();
  }
}
