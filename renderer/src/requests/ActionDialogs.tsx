// Renew, Revoke and Delete (seed Steps 5–7). Each says what will happen, and what will not, before it runs;
// the destructive ones need a tick.
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { RevocationReason, type Request } from '../../../shared/model/request.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { OperationProgress, type ProgressSource } from '../components/OperationProgress.tsx';
import { useOperation } from '../state/operation.ts';
import { useRequests } from '../state/requests.tsx';
import { KEY_POLICY_RENEWAL, REVOCATION_LABELS } from './format.ts';

interface ShellProps {
  title: string;
  working: boolean;
  onClose: () => void;
  onSubmit: () => void;
  children: ReactNode;
  actions: ReactNode;
  danger?: boolean;
}

export function ConfirmShell({ title, working, onClose, onSubmit, children, actions, danger }: ShellProps) {
  const titleId = useId();
  return (
    <Dialog
      open
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

function namesLine(request: Request): string {
  const shown = request.namesUnicode.slice(0, 3).join(', ');
  return request.names.length > 3 ? `${shown} and ${request.names.length - 3} more` : shown;
}

export function RenewDialog({ request, onClose, onRenewing }: { request: Request; onClose: () => void; onRenewing: (request: Request) => void }) {
  const { run, activity, cancel } = useRequests();
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const act = activity(request.id);
  const working = act?.running === true && act.kind === 'renew';
  const source: ProgressSource = {
    running: working,
    cancelling: act?.cancelling ?? false,
    steps: act?.kind === 'renew' ? act.steps : [],
    cancel: () => cancel(request.id),
  };

  const submit = async () => {
    setAlert(null);
    try {
      onRenewing(await run(request.id, 'renew', (opId) => call('requests:renew', { id: request.id, opId })));
    } catch (err) {
      setAlert(errorInfo(err));
    }
  };

  return (
    <ConfirmShell
      title={`Renew ${request.namesUnicode[0] ?? request.commonName}?`}
      working={working}
      onClose={onClose}
      onSubmit={() => void submit()}
      actions={
        <>
          <Button onClick={onClose} disabled={working}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={working}>
            {working ? 'Renewing…' : 'Renew'}
          </Button>
        </>
      }
    >
      <Typography variant="body2" data-testid="renew-summary">
        A new order for the same names; key: <strong>{KEY_POLICY_RENEWAL[request.keyPolicy]}</strong>.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        Names: {namesLine(request)}. You answer fresh challenges next. The current certificate stays valid and in use; the
        renewed one reaches the repository when you save it.
      </Typography>
      {alert ? <ErrorAlert error={alert} /> : null}
      <OperationProgress op={source} idleText="Creating the new order…" cancellable={false} />
    </ConfirmShell>
  );
}

export function RevokeDialog({ request, onClose, onRevoked }: { request: Request; onClose: () => void; onRevoked: (request: Request) => void }) {
  const [reason, setReason] = useState<RevocationReason>('unspecified');
  const [understood, setUnderstood] = useState(false);
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const op = useOperation();
  const { upsert } = useRequests();

  const submit = async () => {
    if (!understood) return;
    setAlert(null);
    try {
      const revoked = await op.run((opId) => call('requests:revoke', { id: request.id, reason, confirm: true, opId }));
      upsert(revoked);
      onRevoked(revoked);
    } catch (err) {
      setAlert(errorInfo(err));
    }
  };

  return (
    <ConfirmShell
      title={`Revoke ${request.namesUnicode[0] ?? request.commonName}?`}
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
            {op.running ? 'Revoking…' : 'Revoke'}
          </Button>
        </>
      }
    >
      <Alert severity="error" variant="outlined" icon={false}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          HTTPS breaks immediately for every site that uses this certificate.
        </Typography>
        <Typography variant="body2">
          The CA marks serial {request.certificate?.serial ?? '—'} as revoked for good; browsers and clients that check refuse it
          from then on. Install a replacement first if the sites must stay up. Revocation cannot be undone.
        </Typography>
      </Alert>
      <TextField
        select
        label="Reason"
        value={reason}
        onChange={(e) => setReason(e.target.value as RevocationReason)}
        disabled={op.running}
        helperText={REVOCATION_LABELS[reason].help}
      >
        {RevocationReason.options.map((r) => (
          <MenuItem key={r} value={r}>
            {REVOCATION_LABELS[r].label}
          </MenuItem>
        ))}
      </TextField>
      <FormControlLabel
        control={<Checkbox checked={understood} onChange={(e) => setUnderstood(e.target.checked)} disabled={op.running} />}
        label={<Typography variant="body2">I understand: every site using this certificate stops working over HTTPS.</Typography>}
      />
      {alert ? <ErrorAlert error={alert} /> : null}
      <OperationProgress op={op} idleText="Asking the CA to revoke…" cancellable={false} />
    </ConfirmShell>
  );
}

/** Delete, for a request (Let's Encrypt tab) or a saved certificate (repository): both forget the pair. */
export function DeleteDialog({
  name,
  what,
  onClose,
  onDelete,
}: {
  name: string;
  what: 'request' | 'certificate';
  onClose: () => void;
  onDelete: () => Promise<void>;
}) {
  const [understood, setUnderstood] = useState(false);
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [working, setWorking] = useState(false);

  const submit = async () => {
    if (!understood) return;
    setAlert(null);
    setWorking(true);
    try {
      await onDelete();
    } catch (err) {
      setAlert(errorInfo(err));
      setWorking(false);
    }
  };

  return (
    <ConfirmShell
      title={`Delete ${name} from Certdesk?`}
      working={working}
      onClose={onClose}
      onSubmit={() => void submit()}
      danger
      actions={
        <>
          <Button onClick={onClose} disabled={working}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" color="error" disabled={working || !understood}>
            Delete
          </Button>
        </>
      }
    >
      <Typography variant="body2" data-testid="delete-summary">
        {what === 'request'
          ? 'Removes the request and its saved certificate from Certdesk; the certificate stays valid until it expires.'
          : 'Removes the certificate and its request from Certdesk; the certificate stays valid until it expires.'}
      </Typography>
      <Typography variant="body2" color="text.secondary">
        Nothing is sent to the CA and servers using it keep working. Its private key is erased from Certdesk: export it first if
        you still need it. To make the certificate stop working, revoke it instead.
      </Typography>
      <FormControlLabel
        control={<Checkbox checked={understood} onChange={(e) => setUnderstood(e.target.checked)} disabled={working} />}
        label={<Typography variant="body2">I understand: Certdesk forgets the request, its key and its saved certificate.</Typography>}
      />
      {alert ? <ErrorAlert error={alert} /> : null}
    </ConfirmShell>
  );
}
