// The confirmations and small forms behind an account card's actions. Every destructive action says what
// will happen, and what will not, before it runs.
import DownloadIcon from '@mui/icons-material/Download';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Account } from '../../../shared/model/account.ts';
import { call, fieldErrors } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { directoryLabel } from '../format.ts';
import { useAttempt } from '../state/attempt.ts';
import { useOperation } from '../state/operation.ts';
import { EmailField } from './FormParts.tsx';
import { schemaErrors } from './formErrors.ts';
import { contract } from '../../../shared/ipc/contract.ts';

interface ActionDialogProps {
  account: Account;
  open: boolean;
  onClose: () => void;
  onDone: (account: Account) => void;
}

export function UpdateEmailDialog({ account, open, onClose, onDone }: ActionDialogProps) {
  const [email, setEmail] = useState(account.email ?? '');
  const [error, setError] = useState<string | undefined>();
  const { error: alert, attempt } = useAttempt();
  const op = useOperation();

  const submit = () =>
    attempt(async () => {
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
        // A message for the field goes under it; anything else into the alert.
        if (!byField.email) throw err;
      }
    });

  return (
    <ConfirmDialog
      title="Update e-mail"
      open={open}
      working={op.running}
      onClose={onClose}
      onConfirm={() => void submit()}
      cancelLabel="Close"
      confirmLabel="Update e-mail"
      error={alert}
      progress={<OperationProgress op={op} idleText="Updating the account at the CA…" />}
    >
      <Typography variant="body2">
        The CA gets the new address as the contact of <strong>{account.name}</strong>. Let&apos;s Encrypt no longer sends
        expiry e-mails: Certdesk&apos;s own alerts warn you.
      </Typography>
      <EmailField
        value={email}
        onChange={(value) => {
          setEmail(value);
          setError(undefined);
        }}
        error={error}
        hint=" "
        disabled={op.running}
        autoFocus
      />
    </ConfirmDialog>
  );
}

export function RolloverDialog({ account, open, onClose, onDone }: ActionDialogProps) {
  const { error, attempt } = useAttempt();
  const op = useOperation();
  const submit = () => attempt(async () => onDone(await op.run((opId) => call('accounts:rollover', { id: account.id, opId }))));
  return (
    <ConfirmDialog
      title="Roll key over?"
      open={open}
      working={op.running}
      onClose={onClose}
      onConfirm={() => void submit()}
      confirmLabel="Roll key over"
      error={error}
      progress={<OperationProgress op={op} idleText="Rolling the key over…" />}
    >
      <Typography variant="body2">
        Certdesk creates a <strong>new key</strong> for <strong>{account.name}</strong> and asks the CA to switch the account to
        it. It stays the <strong>same account</strong>: same account URL, same certificates, same rate limits.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        The old key stops working at once. If you exported it as a backup, export the new key afterwards.
      </Typography>
    </ConfirmDialog>
  );
}

/** Export key: Electron asks where with a native dialog; a null path means the user cancelled it. */
export async function exportAccountKey(account: Account): Promise<{ path: string | null }> {
  return call('accounts:export-key', { id: account.id });
}

export function DeleteDialog({ account, open, onClose, onDeleted }: Omit<ActionDialogProps, 'onDone'> & { onDeleted: () => void }) {
  const { error, attempt } = useAttempt();
  const [exported, setExported] = useState<{ path: string | null } | null>(null);
  const [exporting, setExporting] = useState(false);
  const op = useOperation();

  // Its failure shows in the same alert as the deletion's.
  const exportFirst = () =>
    attempt(async () => {
      setExporting(true);
      try {
        setExported(await exportAccountKey(account));
      } finally {
        setExporting(false);
      }
    });

  const submit = () =>
    attempt(async () => {
      await op.run(() => call('accounts:delete', { id: account.id, confirm: true }));
      onDeleted();
    });

  return (
    <ConfirmDialog
      title={`Delete “${account.name}” from Certdesk?`}
      open={open}
      working={op.running}
      onClose={onClose}
      onConfirm={() => void submit()}
      danger
      confirmLabel="Delete"
      tick="I understand: Certdesk forgets this account and its key; the account stays active at the CA."
      error={error}
      progress={<OperationProgress op={op} idleText="Deleting…" />}
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
    </ConfirmDialog>
  );
}

export function DeactivateDialog({ account, open, onClose, onDone }: ActionDialogProps) {
  const [typed, setTyped] = useState('');
  const { error, attempt } = useAttempt();
  const op = useOperation();
  const matches = typed.trim() === account.name.trim();

  const submit = () => attempt(async () => onDone(await op.run((opId) => call('accounts:deactivate', { id: account.id, confirm: true, opId }))));

  return (
    <ConfirmDialog
      title={`Deactivate “${account.name}” at the CA?`}
      open={open}
      working={op.running}
      onClose={onClose}
      onConfirm={() => void submit()}
      danger
      confirmLabel="Deactivate"
      blocked={!matches}
      error={error}
      progress={<OperationProgress op={op} idleText="Deactivating the account at the CA…" />}
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
    </ConfirmDialog>
  );
}
