// The DNS tab's dialogs: Test connection (a long operation with progress and Cancel, then the zone found or
// the provider's exact error) and Delete (refused while a pending request uses the account: the service's
// CONFLICT names it).
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DnsAccount } from '../../../shared/model/dns.ts';
import { call, errorInfo } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormDialog } from '../components/FormDialog.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { useAttempt } from '../state/attempt.ts';
import type { TestOutcome } from '../state/dns.tsx';
import { useOperation } from '../state/operation.ts';


export function TestDialog({ account, onClose, onTested }: { account: DnsAccount; onClose: () => void; onTested: (outcome: TestOutcome) => void }) {
  const op = useOperation();
  const [domain, setDomain] = useState(account.usedBy[0]?.domains[0]?.replace(/^\*\./, '') ?? '');
  const [result, setResult] = useState<{ zone: string; message: string } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const test = async () => {
    setResult(null);
    setError(null);
    try {
      const d = domain.trim();
      const r = await op.run((opId) => call('dns:test', { id: account.id, ...(d ? { domain: d } : {}), opId }));
      setResult(r);
      onTested({ ok: true, zone: r.zone, message: r.message, at: new Date().toISOString() });
    } catch (err) {
      const info = errorInfo(err);
      setError(info);
      if (info.code !== 'CANCELLED') onTested({ ok: false, message: info.message, at: new Date().toISOString() });
    }
  };

  return (
    <FormDialog
      title={`Test connection — ${account.name}`}
      working={op.running}
      onClose={onClose}
      dirty={false}
      onSubmit={() => void test()}
      aria-label="Test connection"
      actions={
        <>
          <Button onClick={onClose} disabled={op.running}>
            Close
          </Button>
          <Button type="submit" variant="contained" disabled={op.running}>
            {op.running ? 'Testing…' : result || error ? 'Test again' : 'Test'}
          </Button>
        </>
      }
    >
      <Typography variant="body2" color="text.secondary">
        Certdesk signs in to the provider and looks for the zone that holds <code>_acme-challenge.&lt;domain&gt;</code>. Nothing is
        changed in your DNS.
      </Typography>
      <TextField
        label="Domain to look for"
        value={domain}
        onChange={(e) => setDomain(e.target.value)}
        disabled={op.running}
        helperText={
          error?.field === 'domain'
            ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
            : 'A domain this account should serve, e.g. example.com. Empty: the domain of a pending request that uses this account.'
        }
        error={error?.field === 'domain'}
        slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' } }}
      />
      {/* Afterwards the result or the error says it all. */}
      {op.running ? <OperationProgress op={op} idleText={`Connecting to ${account.name}…`} /> : null}
      {result ? (
        <Alert severity="success" data-testid="dns-test-result">
          <AlertTitle>
            Zone found: <strong data-testid="dns-test-zone">{result.zone}</strong>
          </AlertTitle>
          {result.message}
        </Alert>
      ) : null}
      {error && error.field !== 'domain' ? <ErrorAlert error={error} /> : null}
    </FormDialog>
  );
}

export function DeleteDnsDialog({ account, onClose, onDeleted }: { account: DnsAccount; onClose: () => void; onDeleted: () => void }) {
  const { error, attempt } = useAttempt();
  const [working, setWorking] = useState(false);
  const submit = () =>
    attempt(async () => {
      setWorking(true);
      try {
        await call('dns:delete', { id: account.id, confirm: true });
        onDeleted();
      } finally {
        setWorking(false);
      }
    });
  const users = account.usedBy;
  return (
    <ConfirmDialog
      title={`Delete DNS account “${account.name}”?`}
      working={working}
      onClose={onClose}
      onConfirm={() => void submit()}
      danger
      confirmLabel="Delete"
      error={error}
      {...(error?.code === 'CONFLICT' ? { errorTitle: 'In use' } : {})}
    >
      <Typography variant="body2">
        Certdesk forgets this DNS account and removes its secrets from your OS keychain. Nothing changes at the provider. It is refused
        while a pending request or a DNS mapping uses the account.
      </Typography>
      {users.length > 0 ? (
        <Alert severity="warning" variant="outlined">
          Used by {users.length} pending request{users.length === 1 ? '' : 's'}: {users.map((u) => u.domains[0] ?? u.requestId).join(', ')}. Assign
          another DNS account to {users.length === 1 ? 'it' : 'them'} first (Let&apos;s Encrypt → More → Assign DNS).
        </Alert>
      ) : null}
    </ConfirmDialog>
  );
}
