// Let's Encrypt → More → Assign DNS: which DNS account answers the selected request's dns-01 challenges
// (or none: manual). Disabled accounts are listed greyed, saying why.
import Button from '@mui/material/Button';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Request } from '../../../shared/model/request.ts';
import { call, fieldErrors } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { useAttempt } from '../state/attempt.ts';
import { providerName, useDns } from '../state/dns.tsx';

export const MANUAL = '';

/** The DNS account select of the request dialog and of Assign DNS: Manual first, disabled accounts greyed. */
export function DnsAccountSelect({
  value,
  onChange,
  disabled,
  error,
  helperText,
  sx,
}: {
  value: string;
  onChange: (id: string) => void;
  disabled: boolean;
  error?: string | undefined;
  helperText?: string;
  sx?: object;
}) {
  const dns = useDns();
  const chosen = dns.account(value);
  const help =
    error ??
    helperText ??
    (dns.accounts.length === 0
      ? 'No DNS accounts yet — Manage → DNS.'
      : chosen
        ? `Certdesk adds and removes the TXT records at ${providerName(dns, chosen.provider)} and waits until every name server sees them.`
        : 'You add the TXT records yourself.');
  return (
    <TextField
      select
      label="DNS account"
      value={chosen || value === MANUAL ? value : MANUAL}
      onChange={(e) => onChange(e.target.value)}
      // Nothing to choose from but Manual.
      disabled={disabled || dns.accounts.length === 0}
      error={Boolean(error)}
      helperText={help}
      sx={sx}
      slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true }, htmlInput: { 'data-field': 'dnsAccountId' } }}
    >
      <MenuItem value={MANUAL}>
        <ListItemText primary="Manual (you add the records)" />
      </MenuItem>
      {dns.accounts.map((a) => (
        <MenuItem key={a.id} value={a.id} disabled={!a.enabled} data-testid="dns-account-option">
          <ListItemText
            primary={a.name}
            secondary={a.enabled ? providerName(dns, a.provider) : `${providerName(dns, a.provider)} · disabled: enable it in Manage → DNS`}
          />
        </MenuItem>
      ))}
    </TextField>
  );
}

export function AssignDnsDialog({ request, onClose, onDone }: { request: Request; onClose: () => void; onDone: (r: Request) => void }) {
  const [accountId, setAccountId] = useState(request.dnsAccountId ?? MANUAL);
  const [working, setWorking] = useState(false);
  const { error, attempt } = useAttempt();
  const [fieldError, setFieldError] = useState<string | undefined>();
  const cn = request.namesUnicode[0] ?? request.commonName;

  const save = () =>
    attempt(async () => {
      setWorking(true);
      setFieldError(undefined);
      try {
        onDone(await call('requests:assign-dns', { id: request.id, accountId: accountId === MANUAL ? null : accountId }));
      } catch (err) {
        setFieldError(fieldErrors(err).accountId);
        throw err;
      } finally {
        setWorking(false);
      }
    });

  return (
    <FormDialog
      title={`Assign DNS — ${cn}`}
      working={working}
      onClose={onClose}
      onSubmit={() => void save()}
      aria-label="Assign DNS"
      actions={
        <>
          <FormCancel disabled={working}>
            Cancel
          </FormCancel>
          <Button type="submit" variant="contained" disabled={working}>
            {working ? 'Saving…' : 'Assign'}
          </Button>
        </>
      }
    >
      <Typography variant="body2" color="text.secondary">
        The DNS account that answers this request’s dns-01 challenges, now and at every renewal. A DNS mapping for one of its domains
        (Manage → Deploy) still wins for that domain.
      </Typography>
      <DnsAccountSelect value={accountId} onChange={setAccountId} disabled={working} error={fieldError} />
      {error && !fieldError ? <ErrorAlert error={error} /> : null}
    </FormDialog>
  );
}
