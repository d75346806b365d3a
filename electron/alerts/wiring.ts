// Issue 9's alerts, OS notifications, tray and e-mail, built and started in one place so that bootstrap stays a
// list of services: the long-running faces tick (thresholds, tray, weekly digest) every few minutes, on resume
// and unlock, and when settings change; the CLI only builds them (its commands call them directly).
import type { EventHub } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { RequestService } from '../orders/requests.ts';
import type { Repository } from '../repository/certificates.ts';
import type { SettingsService } from '../renewal/settings-service.ts';
import type { RenewalObserver } from '../renewal/types.ts';
import type { Store } from '../store/store.ts';
import { headlessPlatform, type PlatformServices } from '../app/platform-services.ts';
import { Mailer } from '../email/mailer.ts';
import { AlertService } from './alerts.ts';
import { Notifier } from './notifier.ts';

export interface NotificationsDeps {
  store: Store;
  requests: RequestService;
  repository: Repository;
  settings: SettingsService;
  hub: EventHub;
  logger: Logger;
  platform: PlatformServices | undefined;
  face: 'electron' | 'bridge' | 'cli';
}

export interface Notifications {
  alerts: AlertService;
  notifier: Notifier;
  mailer: Mailer;
  /** Hand these to the renewal service (addObserver): a notification and a mail per result. */
  observers: RenewalObserver[];
  close(): void;
}

export async function startNotifications(deps: NotificationsDeps): Promise<Notifications> {
  const { store, requests, repository, settings, hub, logger } = deps;
  const platform = deps.platform ?? headlessPlatform({ logger });
  const alerts = new AlertService({ store, requests, hub, logger });
  const mailer = new Mailer({ store, settings, repository, logger });
  const notifier = new Notifier({ store, platform, alerts, logger, also: [(now) => mailer.digestTick(now)] });
  const unsubscribe: (() => void)[] = [];
  if (deps.face !== 'cli') {
    const tick = (): void => void notifier.tick().catch(() => undefined);
    notifier.start();
    const off = platform.onResume?.(tick);
    if (off) unsubscribe.push(off);
    unsubscribe.push(
      settings.onChange((s) => {
        platform.setLoginItem?.(s.notifications.startAtLogin);
        tick();
      }),
    );
    platform.setLoginItem?.((await settings.get()).notifications.startAtLogin);
  }
  return {
    alerts,
    notifier,
    mailer,
    observers: [notifier, mailer],
    close() {
      notifier.stop();
      alerts.close();
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
