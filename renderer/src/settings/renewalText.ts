// How renewal policies, due reasons and states read in the UI.
import type { DueReason, RenewalPlan, RenewalPolicy, RenewalState } from '../../../shared/model/renewal.ts';
import type { Tone } from '../requests/format.ts';

export const POLICY_TEXT: Record<RenewalPolicy, { label: string; explain: string; short: (days: number | null) => string }> = {
  ari: {
    label: 'CA’s renewal window (ARI)',
    explain:
      'Renews at a random time inside the window the CA publishes for each certificate (RFC 9773), so the CA can spread renewals and ask for early ones after an incident. CAs without ARI: as “a third of the lifetime”.',
    short: () => 'ARI window',
  },
  lifetime: {
    label: 'When a third of the lifetime remains',
    explain: 'Renews a 90-day certificate 30 days before expiry and a 45-day one 15 days before; certificates of less than 10 days at half their lifetime.',
    short: () => 'Third of lifetime',
  },
  days: {
    label: 'A number of days before expiry',
    explain: 'Renews a fixed number of days before each certificate expires, whatever its lifetime (the old “renew at day 60”).',
    short: (days) => (days === null ? 'Days before expiry' : `${days} days before expiry`),
  },
};

export const REASON_TEXT: Record<DueReason, string> = {
  'ari-window': 'inside the CA’s renewal window',
  lifetime: 'a third of the lifetime left',
  'days-before': 'the set days before expiry',
  manual: 'no automatic validation: renew it by hand',
  retry: 'retry after a failed attempt',
  'not-renewable': 'nothing to renew',
};

export const STATE_TEXT: Record<RenewalState, { label: string; color: Tone }> = {
  scheduled: { label: 'Scheduled', color: 'success' },
  due: { label: 'Due', color: 'warning' },
  renewing: { label: 'Renewing', color: 'info' },
  retrying: { label: 'Retrying', color: 'error' },
  manual: { label: 'Manual renewal needed', color: 'warning' },
  inactive: { label: 'Inactive', color: 'default' },
};

/** "ARI window", "Default (ARI window)": how a plan's policy reads. */
export function planPolicyText(plan: Pick<RenewalPlan, 'policy' | 'policyOverride' | 'days'>): string {
  const text = POLICY_TEXT[plan.policy].short(plan.days);
  return plan.policyOverride === null ? `Default (${text})` : text;
}
