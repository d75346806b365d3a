// Settings → Automatic renewal: the default policy (ARI / lifetime / days before expiry) and how many
// certificates renew at once. A certificate's own policy (in its drawer) overrides the default.
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useId, useState } from 'react';
import type { AppSettings } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { RenewalPolicy } from '../../../shared/model/renewal.ts';
import { call } from '../api.ts';
import { useNotice } from '../components/Notice.tsx';
import { POLICY_TEXT } from './renewalText.ts';
import { SettingsSection } from './SettingsSection.tsx';
import { saveSection } from './saveSection.ts';

const POLICIES: RenewalPolicy[] = ['ari', 'lifetime', 'days'];

interface Form {
  policy: RenewalPolicy;
  days: string;
  concurrency: string;
}

const formOf = (s: AppSettings['renewal']): Form => ({ policy: s.policy, days: String(s.days), concurrency: String(s.concurrency) });

function wholeNumber(text: string, min: number, max: number, what: string): string | null {
  if (!/^\d+$/.test(text.trim())) return `${what} must be a whole number from ${min} to ${max}.`;
  const n = Number(text);
  return n < min || n > max ? `${what} must be from ${min} to ${max}.` : null;
}

export function RenewalSettingsSection({ settings, onSaved }: { settings: AppSettings['renewal']; onSaved: (s: AppSettings) => void }) {
  const notify = useNotice();
  const labelId = useId();
  const [form, setForm] = useState<Form>(() => formOf(settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [saving, setSaving] = useState(false);
  // Another section's save hands down a fresh copy of every part: only a real change resets this form.
  const savedKey = JSON.stringify(settings);
  useEffect(() => setForm(formOf(settings)), [savedKey]);

  const saved = formOf(settings);
  const dirty = form.policy !== saved.policy || form.days.trim() !== saved.days || form.concurrency.trim() !== saved.concurrency;
  const set = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(patch)) delete next[k];
      return next;
    });
  };

  const save = async () => {
    setAlert(null);
    const local: Record<string, string> = {};
    const daysProblem = wholeNumber(form.days, 1, 365, 'Days before expiry');
    if (daysProblem) local.days = daysProblem;
    const concurrencyProblem = wholeNumber(form.concurrency, 1, 16, 'Renewals at once');
    if (concurrencyProblem) local.concurrency = concurrencyProblem;
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    await saveSection({
      part: 'renewal',
      fields: ['policy', 'days', 'concurrency'],
      send: () => call('settings:set', { renewal: { policy: form.policy, days: Number(form.days), concurrency: Number(form.concurrency) } }),
      onStored: (s) => {
        onSaved(s);
        notify(`Automatic renewal: ${POLICY_TEXT[s.renewal.policy].short(s.renewal.days).toLowerCase()} by default.`);
      },
      setErrors,
      setAlert,
      setSaving,
    });
  };

  return (
    <SettingsSection
      title="Automatic renewal"
      description="When saved certificates renew by themselves (those whose names Certdesk can validate alone: a DNS account, a DNS mapping or an end server). Each certificate may choose its own policy in its details."
      dirty={dirty}
      saving={saving}
      alert={alert}
      onCloseAlert={() => setAlert(null)}
      onSave={() => void save()}
      onUndo={() => {
        setForm(saved);
        setErrors({});
      }}
    >
      <FormControl disabled={saving}>
        <FormLabel id={labelId} sx={{ mb: 0.5, fontSize: 14 }}>
          Default policy
        </FormLabel>
        <RadioGroup aria-labelledby={labelId} value={form.policy} onChange={(e) => set({ policy: e.target.value as RenewalPolicy })}>
          {POLICIES.map((p) => (
            <FormControlLabel
              key={p}
              value={p}
              control={<Radio size="small" />}
              sx={{ alignItems: 'flex-start', mb: 0.75, '& .MuiRadio-root': { pt: 0.25 } }}
              label={
                <span>
                  <Typography variant="body2" component="span" sx={{ fontWeight: 600, display: 'block' }}>
                    {POLICY_TEXT[p].label}
                  </Typography>
                  <Typography variant="body2" color="text.secondary" component="span" sx={{ display: 'block' }}>
                    {POLICY_TEXT[p].explain}
                  </Typography>
                </span>
              }
            />
          ))}
        </RadioGroup>
      </FormControl>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'flex-start' }}>
        <TextField
          label="Days before expiry"
          value={form.days}
          onChange={(e) => set({ days: e.target.value })}
          disabled={saving || form.policy !== 'days'}
          error={Boolean(errors.days)}
          helperText={errors.days ?? (form.policy === 'days' ? '1–365. 30 renews a 90-day certificate at day 60.' : 'Used with “Days before expiry”.')}
          sx={{ width: 260 }}
          slotProps={{ htmlInput: { inputMode: 'numeric', 'data-field': 'renewal.days' } }}
        />
        <TextField
          label="Renewals at once"
          value={form.concurrency}
          onChange={(e) => set({ concurrency: e.target.value })}
          disabled={saving}
          error={Boolean(errors.concurrency)}
          helperText={errors.concurrency ?? '1–16. More finishes a large batch sooner; the CA limits new orders.'}
          sx={{ width: 300 }}
          slotProps={{ htmlInput: { inputMode: 'numeric', 'data-field': 'renewal.concurrency' } }}
        />
      </Stack>
    </SettingsSection>
  );
}
