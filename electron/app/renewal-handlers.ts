// Channels of issue 9: settings (renewal, notifications, e-mail), renewal:*, alerts:*, email:test, certs:email.
// Thin: the services hold the logic.
import type { Handlers } from '../../shared/ipc/dispatch.ts';
import type { Operations } from '../core/operations.ts';
import type { SettingsService } from '../renewal/settings-service.ts';
import type { RenewalService } from '../renewal/service.ts';
import type { AlertService } from '../alerts/alerts.ts';
import type { Mailer } from '../email/mailer.ts';

type RenewalChannels =
  | 'settings:get'
  | 'settings:set'
  | 'renewal:plans'
  | 'renewal:set-policy'
  | 'renewal:run-due'
  | 'renewal:dry-run'
  | 'alerts:list'
  | 'alerts:dismiss'
  | 'email:test'
  | 'certs:email';

export interface RenewalHandlerDeps {
  settings: SettingsService;
  renewal: RenewalService;
  ops: Operations;
  /** Refuses request fields naming local paths when the caller is a window. */
  refusePaths: (ctx: Parameters<Handlers['settings:set']>[1], req: object) => void;
  alerts: AlertService;
  mailer: Mailer;
}

export function renewalHandlers(deps: RenewalHandlerDeps): Pick<Handlers, RenewalChannels> {
  const { settings, renewal, ops } = deps;
  return {
    'settings:get': async () => settings.get(),
    'settings:set': async (req, ctx) => {
      deps.refusePaths(ctx, req);
      return settings.set(req);
    },
    'renewal:plans': async () => renewal.plans(),
    'renewal:set-policy': async (req) => renewal.setPolicy(req.certificateId, req.policy, req.days),
    'renewal:run-due': (req, ctx) => ops.run(req.opId, ctx.signal, async (op) => ({ results: await renewal.runDue(op) })),
    'renewal:dry-run': async (req) => renewal.dryRun(req.at !== undefined ? new Date(req.at) : undefined),
    'alerts:list': async () => deps.alerts.list(),
    'alerts:dismiss': async (req) => {
      await deps.alerts.dismiss(req.id);
      return { dismissed: true as const };
    },
    'email:test': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => deps.mailer.sendTest(req.to, op)),
    'certs:email': (req, ctx) => ops.run(req.opId, ctx.signal, (op) => deps.mailer.emailCertificate(req.id, req.to, req.format, op)),
  };
}
