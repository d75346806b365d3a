// Renew, Revoke and Delete (seed Steps 5–7). Each says what will happen, and what will not, before it runs;
// the destructive ones need a tick.
import Alert from '@mui/material/Alert';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { RevocationReason, type Request } from '../../../shared/model/request.ts';
import { call } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { OperationProgress, type ProgressSource } from '../components/OperationProgress.tsx';
import { useAttempt } from '../state/attempt.ts';
import { useOperation } from '../state/operation.ts';
import { useRequests } from '../state/requests.tsx';
import { KEY_POLICY_RENEWAL, REVOCATION_LABELS } from './format.ts';

function namesLine(request: Request): string {
  const shown = request.namesUnicode.slice(0, 3).join(', ');
  return request.names.length > 3 ? `${shown} and ${request.names.length - 3} more` : shown;
}

export function RenewDialog({ request, onClose, onRenewing }: { request: Request; onClose: () => void; onRenewing: (request: Request) => void }) {
  const { run, activity, cancel } = useRequests();
  const { error, attempt } = useAttempt();
  const act = activity(request.id);
  const working = act?.running === true && act.kind === 'renew';
  const source: ProgressSource = {
    running: working,
    cancelling: act?.cancelling ?? false,
    steps: act?.kind === 'renew' ? act.steps : [],
    cancel: () => cancel(request.id),
  };

  const submit = () => attempt(async () => onRenewing(await run(request.id, 'renew', (opId) => call('requests:renew', { id: request.id, opId }))));

  return (
    <ConfirmDialog
      title={`Renew ${request.namesUnicode[0] ?? request.commonName}?`}
      working={working}
      onClose={onClose}
      onConfirm={() => void submit()}
      confirmLabel={working ? 'Renewing…' : 'Renew'}
      error={error}
      progress={<OperationProgress op={source} idleText="Creating the new order…" cancellable={false} />}
    >
      <Typography variant="body2" data-testid="renew-summary">
        A new order for the same names; key: <strong>{KEY_POLICY_RENEWAL[request.keyPolicy]}</strong>.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        Names: {namesLine(request)}. You answer fresh challenges next. The current certificate stays valid and in use; the
        renewed one reaches the repository when you save it.
      </Typography>
    </ConfirmDialog>
  );
}

export function RevokeDialog({ request, onClose, onRevoked }: { request: Request; onClose: () => void; onRevoked: (request: Request) => void }) {
  const [reason, setReason] = useState<RevocationReason>('unspecified');
  const { error, attempt } = useAttempt();
  const op = useOperation();
  const { upsert } = useRequests();

  const submit = () =>
    attempt(async () => {
      const revoked = await op.run((opId) => call('requests:revoke', { id: request.id, reason, confirm: true, opId }));
      upsert(revoked);
      onRevoked(revoked);
    });

  return (
    <ConfirmDialog
      title={`Revoke ${request.namesUnicode[0] ?? request.commonName}?`}
      working={op.running}
      onClose={onClose}
      onConfirm={() => void submit()}
      danger
      confirmLabel={op.running ? 'Revoking…' : 'Revoke'}
      tick={<Typography variant="body2">I understand: every site using this certificate stops working over HTTPS.</Typography>}
      error={error}
      progress={<OperationProgress op={op} idleText="Asking the CA to revoke…" cancellable={false} />}
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
    </ConfirmDialog>
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
  const { error, attempt } = useAttempt();
  const [working, setWorking] = useState(false);

  const submit = () =>
    attempt(async () => {
      setWorking(true);
      try {
        await onDelete();
      } catch (err) {
        setWorking(false);
        throw err;
      }
    });

  return (
    <ConfirmDialog
      title={`Delete ${name} from Certdesk?`}
      working={working}
      onClose={onClose}
      onConfirm={() => void submit()}
      danger
      confirmLabel="Delete"
      tick={<Typography variant="body2">I understand: Certdesk forgets the request, its key and its saved certificate.</Typography>}
      error={error}
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
    </ConfirmDialog>
  );
}
