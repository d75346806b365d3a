// `certdesk renew --due | --dry-run [--at T]`, `certdesk cert policy ID ...`, and the renewal lines of
// `cert show` and `settings`: automatic renewal from the command line (cron/systemd where the app is not running).
import { AppError } from '../../shared/ipc/errors.ts';
import type { Res } from '../../shared/ipc/contract.ts';
import type { RenewalPlan, RenewalPolicy, RenewalResult } from '../../shared/model/renewal.ts';
import { RenewalPolicy as PolicyEnum } from '../../shared/model/renewal.ts';
import type { CliContext, Command } from './commands-types.ts';
import { resolveCertTarget } from './ids.ts';

const REASON: Record<RenewalPlan['reason'], string> = {
  'ari-window': 'inside the CA\'s renewal window (ARI)',
  lifetime: 'a third of the lifetime left (half under 10 days)',
  'days-before': 'days before expiry',
  manual: 'manual: no automatic validation for every name',
  retry: 'retry after a failure',
  'not-renewable': 'not renewable here',
};

/** "ari (default)", "days: 15 before expiry (own)". */
export function policyText(p: RenewalPlan): string {
  const what = p.policy === 'days' ? `days: ${p.days} before expiry` : p.policy;
  const fallback = p.policy === 'ari' && p.window === null && p.reason === 'lifetime' ? ', no renewal information from the CA: by lifetime' : '';
  return `${what} (${p.policyOverride ? 'own' : 'default'}${fallback})`;
}

/** Why the plan is due when it is, in words. */
export function reasonText(p: RenewalPlan): string {
  if (p.reason === 'days-before' && p.days !== null) return `${p.days} days before expiry`;
  if (p.reason === 'ari-window' && p.window) return `inside the CA's renewal window ${p.window.start} → ${p.window.end} (ARI)`;
  return REASON[p.reason];
}

/** The renewal lines of `cert show`. */
export function describePlan(p: RenewalPlan): string[] {
  const lines = [
    `Renewal      ${p.dueAt ? `due ${p.dueAt}` : 'not planned'} [${p.state}]: ${reasonText(p)}`,
    `Policy       ${policyText(p)}`,
    `Validation   ${p.automated ? `automatic (${p.automation})` : 'manual: renew it yourself (cert renew, then request verify)'}`,
  ];
  if (p.failures > 0) lines.push(`Failures     ${p.failures}; next attempt ${p.nextAttemptAt ?? 'at the next wake-up'}`);
  if (p.lastAttempt) lines.push(`Last try     ${p.lastAttempt.at} ${p.lastAttempt.ok ? 'renewed' : 'failed'}: ${p.lastAttempt.message}`);
  return lines;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function resultLine(r: RenewalResult): string {
  const head = `${r.ok ? 'renewed' : 'FAILED '}  ${r.certificateId.slice(0, 8)}  ${r.commonName}: ${r.message}`;
  const deps = r.deployments.map((d) => `\n           deployed to ${d.server}: ${d.ok ? 'ok' : `failed (${d.reason ?? 'see deploy history'})`}`);
  return head + deps.join('');
}

type DryRun = Res<'renewal:dry-run'>;

export const renewCommand: Command = {
  summary: 'Renew what is due now (--due; exit 1 if any failed), or show what would renew when, and why (--dry-run [--at ISO-TIME])',
  usage: 'renew --due | --dry-run [--at ISO-TIME]',
  options: { due: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, at: { type: 'string' } },
  async run(ctx, v) {
    if (v.due === true && v['dry-run'] === true) throw AppError.invalid('due', 'Give either --due or --dry-run, not both.');
    if (v['dry-run'] === true) {
      const at = typeof v.at === 'string' ? v.at : undefined;
      return ctx.call('renewal:dry-run', at !== undefined ? { at } : {});
    }
    if (v.at !== undefined) throw AppError.invalid('at', '--at goes with --dry-run (renew --due renews what is due now).');
    if (v.due !== true) throw AppError.invalid('due', 'Say what to do: --due renews what is due now, --dry-run shows what would renew.', 'Example: certdesk renew --dry-run --at 2027-03-01T00:00:00Z');
    return ctx.call('renewal:run-due', {});
  },
  print: (r: { results: RenewalResult[] } | DryRun) => {
    if ('results' in r) {
      if (r.results.length === 0) return 'Nothing is due for renewal now.';
      const failed = r.results.filter((x) => !x.ok).length;
      return `${r.results.map(resultLine).join('\n')}\n${r.results.length - failed} renewed, ${failed} failed.`;
    }
    if (r.plans.length === 0) return 'No saved certificates.';
    const due = new Set(r.due);
    const rows = [
      ['ID', 'COMMON NAME', 'EXPIRES', 'DUE', 'AT ' + r.at, 'POLICY', 'WHY'],
      ...r.plans.map((p) => [
        p.certificateId.slice(0, 8),
        p.commonName,
        p.notAfter,
        p.dueAt ?? '—',
        due.has(p.certificateId) ? 'renews' : p.state === 'manual' ? 'manual' : p.state === 'inactive' ? 'inactive' : p.state === 'retrying' ? `retry ${p.nextAttemptAt}` : 'not yet',
        policyText(p),
        reasonText(p),
      ]),
    ];
    return `${table(rows)}\n${due.size} of ${r.plans.length} would renew at ${r.at}.`;
  },
  exitCode: (r: { results: RenewalResult[] } | DryRun) => ('results' in r && r.results.some((x) => !x.ok) ? 1 : 0),
};

const POLICY_WORDS = [...PolicyEnum.options, 'default'] as const;

function policyArg(word: string | undefined, field: string): RenewalPolicy | null {
  if (word === 'default') return null;
  const parsed = PolicyEnum.safeParse(word);
  if (!parsed.success) throw AppError.invalid(field, `The renewal policy must be one of ${POLICY_WORDS.join(', ')}${word ? ` (got "${word}")` : ''}.`);
  return parsed.data;
}

function daysArg(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || n < 1 || n > 365) throw AppError.invalid('days', `--days must be a whole number from 1 to 365 (got "${String(v)}").`);
  return n;
}

async function certificateIdArg(ctx: CliContext, id: string | undefined): Promise<string> {
  if (!id) throw AppError.invalid('id', 'The certificate ID is required.', 'List them with certdesk cert list.');
  const [certs, requests] = await Promise.all([ctx.call('certs:list', {}), ctx.call('requests:list', {})]);
  const t = resolveCertTarget(
    id,
    certs.map((c) => ({ id: c.id, requestId: c.requestId, commonName: c.commonName })),
    requests.map((r) => ({ id: r.id, savedCertificateId: r.savedCertificateId, commonName: r.commonName })),
  );
  if (!t.certificateId) throw new AppError('NOT_FOUND', `Request ${id} has no certificate saved in the repository.`, { field: 'id', hint: `Save it first: certdesk cert save ${id}.` });
  return t.certificateId;
}

export const certPolicyCommand: Command = {
  summary: "Set a certificate's own renewal policy (default: back to the one in Settings)",
  usage: 'cert policy ID ari|lifetime|days|default [--days N]',
  options: { days: { type: 'string' } },
  positionals: ['ID', 'POLICY'],
  flags: { certificateId: 'ID', policy: 'POLICY' },
  async run(ctx, v, args) {
    const policy = policyArg(args[1], 'policy');
    const days = daysArg(v.days);
    const certificateId = await certificateIdArg(ctx, args[0]);
    return ctx.call('renewal:set-policy', { certificateId, policy, ...(days !== undefined ? { days } : {}) });
  },
  print: (p: RenewalPlan) => `Renewal policy of ${p.commonName} set.\n${describePlan(p).join('\n')}`,
};

/** `settings set renewal.policy ari|lifetime|days [--days N]` (the renewal part of `settings set`). */
export async function setRenewalSetting(ctx: CliContext, key: string, value: string | undefined, days: unknown): Promise<Res<'settings:set'>> {
  if (key === 'renewal.policy') {
    const policy = policyArg(value, 'value');
    if (policy === null) throw AppError.invalid('value', 'renewal.policy is the default itself: choose ari, lifetime or days.');
    const d = daysArg(days);
    if (d !== undefined && policy !== 'days') throw AppError.invalid('days', '--days goes with renewal.policy days.');
    return ctx.call('settings:set', { renewal: { policy, ...(d !== undefined ? { days: d } : {}) } });
  }
  if (key === 'renewal.days') {
    const d = daysArg(value);
    if (d === undefined) throw AppError.invalid('value', 'Give the number of days, e.g. settings set renewal.days 15.');
    return ctx.call('settings:set', { renewal: { days: d } });
  }
  if (key === 'renewal.concurrency') {
    const n = Number(value);
    if (!value || !/^\d+$/.test(value) || n < 1 || n > 16) throw AppError.invalid('value', `renewal.concurrency must be a whole number from 1 to 16 (got "${value ?? ''}").`);
    return ctx.call('settings:set', { renewal: { concurrency: n } });
  }
  throw AppError.invalid('key', `Unknown setting "${key}".`, 'Use renewal.policy, renewal.days or renewal.concurrency (or --dns-servers).');
}

/** The renewal lines of `settings show`. */
export function describeRenewalSettings(s: Res<'settings:get'>): string {
  const r = s.renewal;
  return [`Renewal      policy ${r.policy}${r.policy === 'days' ? ` (${r.days} days before expiry)` : ''}, days ${r.days}, at most ${r.concurrency} at once`].join('\n');
}
