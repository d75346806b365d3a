// Settings → Notifications: OS notifications at expiry thresholds and after renewals, and how Certdesk keeps
// running (in the tray when its window closes, at login). Each threshold fires once per certificate.
import AddIcon from '@mui/icons-material/Add';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState, type ReactNode } from 'react';
import type { AppSettings } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { NotificationSettings } from '../../../shared/model/renewal.ts';
import { call } from '../api.ts';
import { useNotice } from '../components/Notice.tsx';
import { SettingsSection } from './SettingsSection.tsx';
import { saveSection } from './saveSection.ts';

const sortThresholds = (t: number[]) => [...new Set(t)].sort((a, b) => b - a);
const same = (a: NotificationSettings, b: NotificationSettings) => JSON.stringify({ ...a, thresholds: sortThresholds(a.thresholds) }) === JSON.stringify({ ...b, thresholds: sortThresholds(b.thresholds) });

export function SwitchRow({ label, help, checked, onChange, disabled, field }: { label: string; help: ReactNode; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean; field: string }) {
  return (
    <Box>
      <FormControlLabel
        control={<Switch size="small" checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} slotProps={{ input: { 'data-field': field } as object }} />}
        label={<Typography variant="body2">{label}</Typography>}
      />
      <Typography variant="caption" color="text.secondary" component="div" sx={{ ml: 5.5, mt: -0.5 }}>
        {help}
      </Typography>
    </Box>
  );
}

export function NotificationSettingsSection({ settings, onSaved }: { settings: NotificationSettings; onSaved: (s: AppSettings) => void }) {
  const notify = useNotice();
  const [form, setForm] = useState<NotificationSettings>(settings);
  const [adding, setAdding] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [saving, setSaving] = useState(false);
  // Another section's save hands down a fresh copy of every part: only a real change resets this form.
  const savedKey = JSON.stringify(settings);
  useEffect(() => setForm(settings), [savedKey]);

  const dirty = !same(form, settings);
  const set = (patch: Partial<NotificationSettings>) => setForm((f) => ({ ...f, ...patch }));

  const addThreshold = () => {
    const text = adding.trim();
    if (text === '') return;
    if (!/^\d+$/.test(text) || Number(text) > 365) {
      setErrors({ thresholds: `“${text}” is not a number of days from 0 to 365.` });
      return;
    }
    if (form.thresholds.length >= 10) {
      setErrors({ thresholds: 'At most 10 thresholds: remove one first.' });
      return;
    }
    setErrors({});
    set({ thresholds: sortThresholds([...form.thresholds, Number(text)]) });
    setAdding('');
  };

  const save = async () => {
    await saveSection({
      part: 'notifications',
      fields: ['enabled', 'thresholds', 'onSuccess', 'stayInTray', 'startAtLogin'],
      send: () => call('settings:set', { notifications: { ...form, thresholds: sortThresholds(form.thresholds) } }),
      onStored: (s) => {
        onSaved(s);
        notify(s.notifications.enabled ? `Notifications on: ${s.notifications.thresholds.join(', ')} days before expiry.` : 'Notifications off.');
      },
      setErrors,
      setAlert,
      setSaving,
    });
  };

  return (
    <SettingsSection
      title="Notifications"
      description="Messages from your operating system when a certificate nears expiry and after each renewal. Each one is shown once, never again at every check. The alerts bell lists them too."
      dirty={dirty}
      saving={saving}
      alert={alert}
      onCloseAlert={() => setAlert(null)}
      onSave={() => void save()}
      onUndo={() => {
        setForm(settings);
        setErrors({});
        setAdding('');
      }}
    >
      <SwitchRow
        label="Show notifications"
        help="Expiry reminders, failed renewals (always), and successful ones if chosen below."
        checked={form.enabled}
        onChange={(v) => set({ enabled: v })}
        disabled={saving}
        field="notifications.enabled"
      />
      <Box role="group" aria-label="Thresholds">
        <Typography variant="body2" sx={{ fontWeight: 600, mb: 0.75 }} color={errors.thresholds ? 'error' : 'text.primary'}>
          Remind me this many days before expiry
        </Typography>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
          {sortThresholds(form.thresholds).map((t) => (
            <Chip
              key={t}
              label={t === 0 ? 'on the day' : t === 1 ? '1 day' : `${t} days`}
              onDelete={saving ? undefined : () => set({ thresholds: form.thresholds.filter((x) => x !== t) })}
              data-testid="threshold-chip"
              disabled={!form.enabled}
            />
          ))}
          {form.thresholds.length === 0 ? (
            <Typography variant="body2" color="text.secondary">
              No reminders
            </Typography>
          ) : null}
          <TextField
            value={adding}
            onChange={(e) => setAdding(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                addThreshold();
              }
            }}
            placeholder="Days"
            disabled={saving || !form.enabled}
            sx={{ width: 90 }}
            slotProps={{ htmlInput: { 'aria-label': 'Add a threshold (days)', inputMode: 'numeric', 'data-field': 'notifications.thresholds' } }}
          />
          <Button size="small" startIcon={<AddIcon />} onClick={addThreshold} disabled={saving || !form.enabled || adding.trim() === ''}>
            Add
          </Button>
        </Stack>
        <FormHelperText error={Boolean(errors.thresholds)}>{errors.thresholds ?? 'One reminder per certificate at each threshold (default 30, 14, 7 and 1 days).'}</FormHelperText>
      </Box>
      <SwitchRow
        label="Notify on successful renewals"
        help="Failures always notify; this adds one for every certificate renewed."
        checked={form.onSuccess}
        onChange={(v) => set({ onSuccess: v })}
        disabled={saving || !form.enabled}
        field="notifications.onSuccess"
      />
      <SwitchRow
        label="Keep running in the tray when the window closes"
        help="Renewals and reminders go on; Quit in the tray menu stops Certdesk."
        checked={form.stayInTray}
        onChange={(v) => set({ stayInTray: v })}
        disabled={saving}
        field="notifications.stayInTray"
      />
      <SwitchRow
        label="Start at login"
        help="Starts hidden in the tray when you log in, so renewals happen without opening Certdesk."
        checked={form.startAtLogin}
        onChange={(v) => set({ startAtLogin: v })}
        disabled={saving}
        field="notifications.startAtLogin"
      />
    </SettingsSection>
  );
}
