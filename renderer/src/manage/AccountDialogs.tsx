// The confirmations and small forms behind an account card's actions. Every destructive action says what
// will happen, and what will not, before it runs.
import DownloadIcon from '@mui/icons-material/Download';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Account } from '../../../shared/model/account.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { directoryLabel } from '../format.ts';
import { useOperation, type Operation } from '../state/operation.ts';
import { schemaErrors } from './formErrors.ts';
import { contract } from '../../../shared/ipc/contract.ts';

interface ShellProps {
  title: string;
  open: boolean;
  working: boolean;
  onClose: () => void;
  onSubmit: () => void;
  children: ReactNode;
  actions: ReactNode;
  danger?: boolean;
}

function Shell({ title, open, working, onClose, onSubmit, children, actions, danger }: ShellProps) {
  const titleId = useId();
  return (
    <Dialog
      open={open}
      onClose={working ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby={titleId}
      slotProps={{
        paper: {
          component: 'form',
          noValidate: true,
          onSubmit: (e: FormEvent) => {
            e.preventDefault();
            if (!working) onSubmit();
          },
        } as object,
      }}
    >
      <DialogTitle id={titleId} sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        {danger ? <WarningAmberIcon color="error" aria-hidden /> : null}
        {title}
      </DialogTitle>
      <DialogContent>
        <Stack spacing={2}>{children}</Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>{actions}</DialogActions>
    </Dialog>
  );
}

function Working({ op, text }: { op: Operation; text: string }) {
  return <OperationProgress op={op} idleText={text} />;
}

interface ActionDialogProps {
  account: Account;
  open: boolean;
  onClose: () => void;
  onDone: (account: Account) => void;
}

export function UpdateEmailDialog({ account, open, onClose, onDone }: ActionDialogProps) {
  const [email, setEmail] = useState(account.email ?? '');
  const [error, setError] = useState<string | undefined>();
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const op = useOperation();

  const submit = async () => {
    setAlert(null);
    const found = schemaErrors(contract['accounts:update'].req, { id: account.id, email });
    if (found.email) {
      setError(found.email);
      return;
    }
    try {
      onDone(await op.run((opId) => call('accounts:update', { id: account.id, email, opId })));
    } catch (err) {
      const byField = fieldErrors(err);
      setError(byField.email);
      if (!byField.email) setAlert(errorInfo(err));
    }
  };

  return (
    <Shell
      title="Update e-mail"
      open={open}
      working={op.running}
      onClose={onClose}
      onSubmit={() => void submit()}
      actions={
        <>
          <Button onClick={onClose} disabled={op.running}>
            Close
          </Button>
          <Button type="submit" variant="contained" disabled={op.running}>
            Update e-mail
          </Button>
        </>
      }
    >
      <Typography variant="body2">
        The CA gets the new address as the contact of <strong>{account.name}</strong>. Let&apos;s Encrypt no longer sends
        expiry e-mails: Certdesk&apos;s own alerts warn you.
      </Typography>
      <TextField
        label="E-mail"
        type="email"
        value={email}
        onChange={(e) => {
          setEmail(e.target.value);
          setError(undefined);
        }}
        error={Boolean(error)}
        helperText={error ?? ' '}
        disabled={op.running}
        autoFocus
        slotProps={{ htmlInput: { autoComplete: 'email', spellCheck: false } }}
      />
      {alert ? <ErrorAlert error={alert} /> : null}
      <Working op={op} text="Updating the account at the CA…" />
    </Shell>
  );
}

export function RolloverDialog({ account, open, onClose, onDone }: ActionDialogProps) {
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const op = useOperation();
  const submit = async () => {
    setAlert(null);
    try {
      onDone(await op.run((opId) => call('accounts:rollover', { id: account.id, opId })));
    } catch (err) {
      setAlert(errorInfo(err));
    }
  };
  return (
    <Shell
      title="Roll key over?"
      open={open}
      working={op.running}
      onClose={onClose}
      onSubmit={() => void submit()}
      actions={
        <>
          <Button onClick={onClose} disabled={op.running}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={op.running}>
            Roll key over
          </Button>
        </>
      }
    >
      <Typography variant="body2">
        Certdesk creates a <strong>new key</strong> for <strong>{account.name}</strong> and asks the CA to switch the account to
        it. It stays the <strong>same account</strong>: same account URL, same certificates, same rate limits.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        The old key stops working at once. If you exported it as a backup, export the new key afterwards.
      </Typography>
      {alert ? <ErrorAlert error={alert} /> : null}
      <Working op={op} text="Rolling the key over…" />
    </Shell>
  );
}

/** Export key: Electron asks where with a native dialog; a null path means the user cancelled it. */
export async function exportAccountKey(account: Account): Promise<{ path: string | null }> {
  return call('accounts:export-key', { id: account.id });
}

export function DeleteDialog({ account, open, onClose, onDeleted }: Omit<ActionDialogProps, 'onDone'> & { onDeleted: () => void }) {
  const [understood, setUnderstood] = useState(false);
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [exported, setExported] = useState<{ path: string | null } | null>(null);
  const [exporting, setExporting] = useState(false);
  const op = useOperation();

  const exportFirst = async () => {
    setAlert(null);
    setExporting(true);
    try {
      setExported(await exportAccountKey(account));
    } catch (err) {
      setAlert(errorInfo(err));
    } finally {
      setExporting(false);
    }
  };

  const submit = async () => {
    if (!understood) return;
    setAlert(null);
    try {
      await op.run(() => call('accounts:delete', { id: account.id, confirm: true }));
      onDeleted();
    } catch (err) {
      setAlert(errorInfo(err));
    }
  };

  return (
    <Shell
      title={`Delete “${account.name}” from Certdesk?`}
      open={open}
      working={op.running}
      onClose={onClose}
      onSubmit={() => void submit()}
      danger
      actions={
        <>
          <Button onClick={onClose} disabled={op.running}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" color="error" disabled={op.running || !understood}>
            Delete
          </Button>
        </>
      }
    >
      <Typography variant="body2">
        This removes the account and its key from Certdesk <strong>only</strong>. The account stays active at{' '}
        {directoryLabel(account)}: nothing is sent to the CA.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        To use it again later, export its key now and bring it back with Add Account. Without the key the account cannot
        be used again, by Certdesk or anything else. To close the account at the CA instead, use Deactivate.
      </Typography>
      <Box>
        <Button variant="outlined" size="small" startIcon={<DownloadIcon />} onClick={() => void exportFirst()} disabled={exporting || op.running}>
          Export key first
        </Button>
        {exported ? (
          <Alert severity={exported.path ? 'success' : 'info'} sx={{ mt: 1 }} data-testid="export-result">
            {exported.path ? `Key saved to ${exported.path}` : 'Export cancelled: no file was written.'}
          </Alert>
        ) : null}
      </Box>
      <FormControlLabel
        control={<Checkbox checked={understood} onChange={(e) => setUnderstood(e.target.checked)} disabled={op.running} />}
        label="I understand: Certdesk forgets this account and its key; the account stays active at the CA."
      />
      {alert ? <ErrorAlert error={alert} /> : null}
      <Working op={op} text="Deleting…" />
    </Shell>
  );
}

export function DeactivateDialog({ account, open, onClose, onDone }: ActionDialogProps) {
  const [typed, setTyped] = useState('');
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const op = useOperation();
  const matches = typed.trim() === account.name.trim();

  const submit = async () => {
    if (!matches) return;
    setAlert(null);
    try {
      onDone(await op.run((opId) => call('accounts:deactivate', { id: account.id, confirm: true, opId })));
    } catch (err) {
      setAlert(errorInfo(err));
    }
  };

  return (
    <Shell
      title={`Deactivate “${account.name}” at the CA?`}
      open={open}
      working={op.running}
      onClose={onClose}
      onSubmit={() => void submit()}
      danger
      actions={
        <>
          <Button onClick={onClose} disabled={op.running}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" color="error" disabled={op.running || !matches}>
            Deactivate
          </Button>
        </>
      }
    >
      <Alert severity="error" variant="outlined" icon={false}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          This cannot be undone.
        </Typography>
        <Typography variant="body2">
          {directoryLabel(account)} closes the account for good: no more certificates can be ordered, renewed or revoked with
          it, and its key cannot be used to register again. Certificates already issued stay valid until they expire.
        </Typography>
      </Alert>
      <Typography variant="body2">
        Type the account name <strong>{account.name}</strong> to confirm.
      </Typography>
      <TextField
        label="Type the account name to confirm"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        disabled={op.running}
        autoFocus
        slotProps={{ htmlInput: { autoComplete: 'off', spellCheck: false } }}
      />
      {alert ? <ErrorAlert error={alert} /> : null}
      <Working op={op} text="Deactivating the account at the CA…" />
    </Shell>
  );
}
