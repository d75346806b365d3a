// Settings → E-mail: the SMTP server Certdesk sends through (renewal-failure mails, the weekly digest, and
// E-mail certificate), with Send test. The password goes to the OS keychain and never comes back: the field
// only says that one is stored. An extra CA for the server's certificate is read here from a PEM file and sent
// as text (a window never sends file paths).
import SendOutlinedIcon from '@mui/icons-material/SendOutlined';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import type { AppSettings } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EmailSettings, SmtpSecurity } from '../../../shared/model/renewal.ts';
import { call, errorInfo } from '../api.ts';
import { PasswordField } from '../components/PasswordField.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useNotice } from '../components/Notice.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import type { PemFile } from '../manage/directory.ts';
import { PemFileField } from '../manage/PemFileField.tsx';
import { useOperation } from '../state/operation.ts';
import { SwitchRow } from './NotificationSettingsSection.tsx';
import { RecipientsField } from './RecipientsField.tsx';
import { SettingsSection } from './SettingsSection.tsx';
import { saveSection } from './saveSection.ts';

const SECURITY: Array<{ value: SmtpSecurity; label: string; port: number }> = [
  { value: 'starttls', label: 'STARTTLS (port 587)', port: 587 },
  { value: 'tls', label: 'TLS from the start (port 465)', port: 465 },
  { value: 'none', label: 'None — loopback or a trusted network only', port: 25 },
];

interface Form {
  enabled: boolean;
  host: string;
  port: string;
  security: SmtpSecurity;
  user: string;
  from: string;
  to: string[];
  failureMails: boolean;
  weeklyDigest: boolean;
}

const formOf = (e: EmailSettings): Form => ({
  enabled: e.enabled,
  host: e.host,
  port: String(e.port),
  security: e.security,
  user: e.user,
  from: e.from,
  to: [...e.to],
  failureMails: e.failureMails,
  weeklyDigest: e.weeklyDigest,
});

const FIELDS = ['enabled', 'host', 'port', 'security', 'user', 'from', 'to', 'failureMails', 'weeklyDigest', 'emailPassword', 'emailCaPem'] as const;

export function EmailSettingsSection({ settings, onSaved }: { settings: EmailSettings; onSaved: (s: AppSettings) => void }) {
  const notify = useNotice();
  const [form, setForm] = useState<Form>(() => formOf(settings));
  /** A new password to store ('' = unchanged), or null = remove the stored one. */
  const [password, setPassword] = useState<string | null>('');
  /** A new CA file, null = remove the stored one, undefined = unchanged. */
  const [ca, setCa] = useState<PemFile | null | undefined>(undefined);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [saving, setSaving] = useState(false);
  const test = useOperation();
  const [testResult, setTestResult] = useState<{ ok: true; text: string } | { ok: false; error: ErrorInfo } | null>(null);
  // Another section's save hands down a fresh copy of every part: only a real change resets this form.
  const savedKey = JSON.stringify(settings);
  useEffect(() => setForm(formOf(settings)), [savedKey]);

  const saved = formOf(settings);
  const dirty = JSON.stringify(form) !== JSON.stringify(saved) || password !== '' || ca !== undefined;
  const set = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(patch)) delete next[k];
      return next;
    });
  };
  const busy = saving || test.running;

  const undo = () => {
    setForm(saved);
    setPassword('');
    setCa(undefined);
    setErrors({});
  };

  const save = async () => {
    setAlert(null);
    if (!/^\d+$/.test(form.port.trim()) || Number(form.port) < 1 || Number(form.port) > 65535) {
      setErrors({ port: 'Port must be a number from 1 to 65535 (usually 587, 465 or 25).' });
      return;
    }
    await saveSection({
      part: 'email',
      fields: FIELDS,
      send: () =>
        call('settings:set', {
          email: { ...form, port: Number(form.port) },
          ...(password === null ? { emailPassword: '' } : password !== '' ? { emailPassword: password } : {}),
          ...(ca === null ? { emailCaPem: '' } : ca ? { emailCaPem: ca.text } : {}),
        }),
      onStored: (s) => {
        setPassword('');
        setCa(undefined);
        onSaved(s);
        notify(s.email.enabled ? `E-mail on: notices go to ${s.email.to.join(', ')}.` : 'E-mail settings saved (e-mail is off).');
      },
      setErrors,
      setAlert,
      setSaving,
    });
  };

  const sendTest = async () => {
    setTestResult(null);
    try {
      const r = await test.run((opId) => call('email:test', { opId }));
      setTestResult({ ok: true, text: r.message || `Test mail sent to ${r.to.join(', ')}.` });
    } catch (err) {
      setTestResult({ ok: false, error: errorInfo(err) });
    }
  };

  const testBlocked = dirty ? 'Save your changes first: the test uses the stored settings.' : !settings.enabled ? 'Turn e-mail on and save first.' : null;

  return (
    <SettingsSection
      title="E-mail"
      description="Mails about failed renewals and a weekly digest of what expires soon, sent through your mail server; E-mail certificate uses it too. Let’s Encrypt no longer sends expiry mails, so this is how you hear about them away from this computer."
      dirty={dirty}
      saving={busy}
      alert={alert}
      onCloseAlert={() => setAlert(null)}
      onSave={() => void save()}
      onUndo={undo}
      extraActions={
        <>
          <Button variant="outlined" startIcon={<SendOutlinedIcon />} onClick={() => void sendTest()} disabled={busy || testBlocked !== null} data-testid="email-send-test">
            {test.running ? 'Sending…' : 'Send test'}
          </Button>
          {testBlocked ? (
            <Typography variant="caption" color="text.secondary">
              {testBlocked}
            </Typography>
          ) : null}
        </>
      }
    >
      <SwitchRow
        label="Send e-mail"
        help="Needs a server, a sender and at least one recipient."
        checked={form.enabled}
        onChange={(v) => set({ enabled: v })}
        disabled={busy}
        field="email.enabled"
      />
      <Stack direction="row" spacing={2} sx={{ alignItems: 'flex-start' }}>
        <TextField
          label="SMTP server"
          value={form.host}
          onChange={(e) => set({ host: e.target.value })}
          disabled={busy}
          error={Boolean(errors.host)}
          helperText={errors.host ?? 'Host name or IP address, e.g. smtp.example.com.'}
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { spellCheck: false, 'data-field': 'email.host' } }}
        />
        <TextField
          label="Port"
          value={form.port}
          onChange={(e) => set({ port: e.target.value })}
          disabled={busy}
          error={Boolean(errors.port)}
          helperText={errors.port ?? ' '}
          sx={{ width: 110 }}
          slotProps={{ htmlInput: { inputMode: 'numeric', 'data-field': 'email.port' } }}
        />
        <TextField
          select
          label="Security"
          value={form.security}
          onChange={(e) => {
            const security = e.target.value as SmtpSecurity;
            const known = SECURITY.map((s) => String(s.port));
            // Follow the usual port while the user has not chosen another one.
            set({ security, ...(known.includes(form.port.trim()) ? { port: String(SECURITY.find((s) => s.value === security)!.port) } : {}) });
          }}
          disabled={busy}
          error={Boolean(errors.security)}
          helperText={errors.security ?? ' '}
          sx={{ width: 250 }}
          slotProps={{ htmlInput: { 'data-field': 'email.security' } }}
        >
          {SECURITY.map((s) => (
            <MenuItem key={s.value} value={s.value}>
              {s.label}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'flex-start' }}>
        <TextField
          label="User"
          value={form.user}
          onChange={(e) => set({ user: e.target.value })}
          disabled={busy}
          error={Boolean(errors.user)}
          helperText={errors.user ?? 'Empty: the server takes mail without signing in.'}
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', 'data-field': 'email.user' } }}
        />
        <Box sx={{ flex: 1 }}>
          <PasswordField
            label="Password"
            fullWidth
            value={password ?? ''}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy || password === null}
            placeholder={settings.hasPassword && password !== null ? 'stored' : ''}
            error={Boolean(errors.emailPassword)}
            helperText={
              errors.emailPassword ??
              (password === null
                ? 'The stored password is removed when you save.'
                : settings.hasPassword
                  ? 'Stored in your OS keychain; type a new one to replace it.'
                  : 'Kept in your OS keychain, never in the data directory or a mail.')
            }
            slotProps={{ htmlInput: { autoComplete: 'new-password', 'data-field': 'emailPassword' }, inputLabel: settings.hasPassword ? { shrink: true } : {} }}
          />
          {settings.hasPassword ? (
            <Button size="small" color={password === null ? 'primary' : 'error'} onClick={() => setPassword(password === null ? '' : null)} disabled={busy} sx={{ mt: 0.25 }}>
              {password === null ? 'Keep the stored password' : 'Remove the stored password'}
            </Button>
          ) : null}
        </Box>
      </Stack>
      <TextField
        label="From"
        value={form.from}
        onChange={(e) => set({ from: e.target.value })}
        disabled={busy}
        error={Boolean(errors.from)}
        helperText={errors.from ?? 'The sender address your server accepts, e.g. certdesk@example.com.'}
        slotProps={{ htmlInput: { spellCheck: false, 'data-field': 'email.from' } }}
      />
      <RecipientsField
        label="To"
        value={form.to}
        onChange={(to) => set({ to })}
        error={errors.to}
        helperText="Who hears about failed renewals and gets the digest. Press Enter after each address."
        disabled={busy}
        field="email.to"
      />
      <SwitchRow
        label="Mail every failed renewal"
        help="One mail per failure, with what failed and what to do."
        checked={form.failureMails}
        onChange={(v) => set({ failureMails: v })}
        disabled={busy}
        field="email.failureMails"
      />
      <SwitchRow
        label="Weekly digest"
        help="Once a week: every certificate that expires in the next 30 days and when it renews."
        checked={form.weeklyDigest}
        onChange={(v) => set({ weeklyDigest: v })}
        disabled={busy}
        field="email.weeklyDigest"
      />
      {settings.caName && ca === undefined ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            Extra CA for the server
          </Typography>
          <Chip size="small" variant="outlined" label={settings.caName} data-testid="email-ca-name" />
          <Button size="small" onClick={() => setCa(null)} disabled={busy}>
            Remove
          </Button>
        </Box>
      ) : ca === null ? (
        <Alert severity="info" variant="outlined" action={<Button size="small" color="inherit" onClick={() => setCa(undefined)}>Keep it</Button>}>
          The extra CA ({settings.caName}) is removed when you save: the server’s certificate must then be trusted by the system.
        </Alert>
      ) : (
        <PemFileField
          label="Extra CA for the server (optional)"
          value={ca ?? null}
          onChange={(v) => setCa(v ?? undefined)}
          mustContain={/-----BEGIN CERTIFICATE-----/}
          wrongKindMessage="this is not a PEM certificate. Choose the CA certificate (-----BEGIN CERTIFICATE-----)."
          helperText="Only for a server whose certificate your system does not trust (a company CA). The file is read here and stored in the data directory."
          error={errors.emailCaPem}
          disabled={busy}
        />
      )}
      {test.running || test.steps.length ? <OperationProgress op={test} idleText="Connecting to the mail server…" /> : null}
      {testResult?.ok ? (
        <Alert severity="success" variant="outlined" onClose={() => setTestResult(null)} data-testid="email-test-result">
          {testResult.text}
        </Alert>
      ) : null}
      {testResult && !testResult.ok ? <ErrorAlert error={testResult.error} onClose={() => setTestResult(null)} title="Test mail not sent" /> : null}
    </SettingsSection>
  );
}
