// Renewal of one saved certificate: where it stands (state chip), when it is due and why, who answers its
// challenges, the last and next attempts, and its own policy (renewal:set-policy; "Default (…)" follows
// Settings → Automatic renewal). Also the short line the table shows per certificate.
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState, type ReactNode } from 'react';
import type { AppSettings } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { RenewalPlan, RenewalPolicy } from '../../../shared/model/renewal.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { DefinitionRow } from '../components/DefinitionRow.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useNotice } from '../components/Notice.tsx';
import { formatDateTime, formatMediumDate } from '../format.ts';
import { planPolicyText, POLICY_TEXT, REASON_TEXT, STATE_TEXT } from '../settings/renewalText.ts';

export function RenewalStateChip({ plan }: { plan: RenewalPlan }) {
  const s = STATE_TEXT[plan.state];
  return <Chip size="small" variant="outlined" color={s.color} label={s.label} data-testid="renewal-state" sx={{ height: 22 }} />;
}

const SHORT_STATE: Record<RenewalPlan['state'], string> = {
  scheduled: 'Scheduled',
  due: 'Due now',
  renewing: 'Renewing',
  retrying: 'Retrying',
  manual: 'Manual',
  inactive: 'Inactive',
};

const CELL_POLICY: Record<RenewalPlan['policy'], (days: number | null) => string> = {
  ari: () => 'ARI window',
  lifetime: () => '⅓ of lifetime left',
  days: (days) => `${days ?? '?'} days before`,
};

/** The table's cell: the due date (or the next attempt) with a compact state, and the policy below. */
export function RenewalCell({ plan }: { plan: RenewalPlan | undefined }) {
  if (!plan) return <Typography variant="body2" color="text.disabled">—</Typography>;
  const when = plan.state === 'retrying' && plan.nextAttemptAt ? plan.nextAttemptAt : plan.dueAt;
  const state = STATE_TEXT[plan.state];
  return (
    <Box sx={{ minWidth: 0 }} title={`${state.label} · ${planPolicyText(plan)}${plan.dueAt ? ` · due ${formatDateTime(plan.dueAt)}` : ''}`}>
      {/* In a narrow column the state chip goes under the date rather than cutting it. */}
      <Box sx={{ display: 'flex', alignItems: 'center', columnGap: 0.75, rowGap: 0.25, flexWrap: 'wrap' }}>
        <Typography variant="body2" sx={{ whiteSpace: 'nowrap' }} data-testid="renewal-due">
          {when ? formatMediumDate(new Date(when)) : 'Not planned'}
        </Typography>
        {plan.state === 'scheduled' ? null : (
          <Chip size="small" variant="outlined" color={state.color} label={SHORT_STATE[plan.state]} data-testid="renewal-state" sx={{ height: 20, fontSize: 11 }} />
        )}
      </Box>
      <Typography variant="caption" color="text.secondary" component="div" data-testid="renewal-policy" sx={{ lineHeight: 1.3 }}>
        {CELL_POLICY[plan.policy](plan.days)}
        {plan.policyOverride === null ? ' · default' : ''}
      </Typography>
    </Box>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DefinitionRow label={label} labelWidth={120} gap={1.5} py={0.5}>
      {children}
    </DefinitionRow>
  );
}

type Choice = '' | RenewalPolicy;

export function RenewalSection({ plan, unavailable, error }: { plan: RenewalPlan | undefined; unavailable: boolean; error: ErrorInfo | null }) {
  const notify = useNotice();
  const [defaults, setDefaults] = useState<AppSettings['renewal'] | null>(null);
  const [choice, setChoice] = useState<Choice>('');
  const [days, setDays] = useState('');
  const [daysError, setDaysError] = useState<string | undefined>();
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call('settings:get', {})
      .then((s) => setDefaults(s.renewal))
      .catch(() => setDefaults(null));
  }, [plan?.policy, plan?.policyOverride]);
  useEffect(() => {
    setChoice(plan?.policyOverride ?? '');
    setDays(String(plan?.days ?? defaults?.days ?? 30));
  }, [plan?.policyOverride, plan?.days, defaults?.days]);

  if (unavailable)
    return (
      <Typography variant="body2" color="text.secondary" data-testid="renewal-unavailable">
        Automatic renewal is not available in this version of Certdesk.
      </Typography>
    );
  if (error) return <ErrorAlert error={error} />;
  if (!plan)
    return (
      <Typography variant="body2" color="text.secondary">
        No renewal plan yet.
      </Typography>
    );

  const setPolicy = async (policy: Choice, daysText: string) => {
    setAlert(null);
    setDaysError(undefined);
    if (policy === 'days' && (!/^\d+$/.test(daysText.trim()) || Number(daysText) < 1 || Number(daysText) > 365)) {
      setDaysError('Days must be a whole number from 1 to 365.');
      return;
    }
    setSaving(true);
    try {
      const next = await call('renewal:set-policy', { certificateId: plan.certificateId, policy: policy === '' ? null : policy, ...(policy === 'days' ? { days: Number(daysText) } : {}) });
      notify(`${plan.commonName}: ${next.dueAt ? `renews ${formatDateTime(next.dueAt)}` : 'renewal policy saved'}.`);
    } catch (err) {
      const f = fieldErrors(err);
      if (f.days) setDaysError(f.days);
      else setAlert(errorInfo(err));
    } finally {
      setSaving(false);
    }
  };

  const defaultLabel = defaults ? `Default (${POLICY_TEXT[defaults.policy].short(defaults.days)})` : 'Default (from Settings)';
  const daysDirty = choice === 'days' && (plan.policyOverride !== 'days' || String(plan.days) !== days.trim());

  return (
    <Stack spacing={1}>
      {plan.state === 'manual' ? (
        <Alert severity="warning" variant="outlined" sx={{ py: 0 }}>
          No automatic validation for every name (no DNS account, DNS mapping or end server): renew it by hand from ACME → Let’s Encrypt.
        </Alert>
      ) : null}
      <Box component="dl" sx={{ m: 0 }}>
        <Row label="State">
          <RenewalStateChip plan={plan} />
        </Row>
        <Row label="Due">
          <Typography variant="body2" data-testid="drawer-renewal-due">
            {plan.dueAt ? formatDateTime(plan.dueAt) : 'Not planned'} — {REASON_TEXT[plan.reason]}
          </Typography>
        </Row>
        {plan.window ? (
          <Row label="CA window">
            <Typography variant="body2">
              {formatDateTime(plan.window.start)} → {formatDateTime(plan.window.end)}
              {plan.window.explanationUrl ? (
                <>
                  {' · '}
                  <a href={plan.window.explanationUrl} target="_blank" rel="noreferrer">
                    why
                  </a>
                </>
              ) : null}
            </Typography>
          </Row>
        ) : null}
        <Row label="Validation">
          <Typography variant="body2">{plan.automation ?? 'Manual: nobody answers the challenges by themselves'}</Typography>
        </Row>
        <Row label="Last attempt">
          <Typography variant="body2" color={plan.lastAttempt && !plan.lastAttempt.ok ? 'error' : 'text.primary'}>
            {plan.lastAttempt ? `${formatDateTime(plan.lastAttempt.at)} — ${plan.lastAttempt.ok ? 'renewed' : plan.lastAttempt.message}` : 'None yet'}
          </Typography>
        </Row>
        {plan.nextAttemptAt ? (
          <Row label="Next attempt">
            <Typography variant="body2">
              {formatDateTime(plan.nextAttemptAt)}
              {plan.failures ? ` (after ${plan.failures} failure${plan.failures === 1 ? '' : 's'})` : ''}
            </Typography>
          </Row>
        ) : null}
      </Box>
      <Stack direction="row" spacing={1.5} sx={{ alignItems: 'flex-start', pt: 0.5 }}>
        <TextField
          select
          label="Policy"
          value={choice}
          onChange={(e) => {
            const v = e.target.value as Choice;
            setChoice(v);
            if (v !== 'days') void setPolicy(v, days);
          }}
          disabled={saving}
          sx={{ width: 340 }}
          slotProps={{ htmlInput: { 'data-field': 'policy' } }}
        >
          <MenuItem value="">{defaultLabel}</MenuItem>
          <MenuItem value="ari">{POLICY_TEXT.ari.label}</MenuItem>
          <MenuItem value="lifetime">{POLICY_TEXT.lifetime.label}</MenuItem>
          <MenuItem value="days">{POLICY_TEXT.days.label}</MenuItem>
        </TextField>
        {choice === 'days' ? (
          <>
            <TextField
              label="Days"
              value={days}
              onChange={(e) => {
                setDays(e.target.value);
                setDaysError(undefined);
              }}
              disabled={saving}
              error={Boolean(daysError)}
              helperText={daysError ?? 'before expiry'}
              sx={{ width: 110 }}
              slotProps={{ htmlInput: { inputMode: 'numeric', 'data-field': 'days' } }}
            />
            <Button variant="outlined" onClick={() => void setPolicy('days', days)} disabled={saving || !daysDirty} sx={{ mt: 1 }}>
              Apply
            </Button>
          </>
        ) : null}
      </Stack>
      {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} /> : null}
    </Stack>
  );
}
