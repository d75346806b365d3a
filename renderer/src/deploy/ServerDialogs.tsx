// Test connection (each check the service ran) and Delete (confirm) of an end server.
import CheckCircleOutlineIcon from '@mui/icons-material/CheckCircleOutlined';
import ErrorOutlineIcon from '@mui/icons-material/ErrorOutlined';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EndServer } from '../../../shared/model/server.ts';
import { call, errorInfo } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { useOperation } from '../state/operation.ts';

interface Check {
  what: string;
  ok: boolean;
  message: string;
}

export function ServerTestDialog({ server, onClose, onTested }: { server: EndServer; onClose: () => void; onTested: (s: EndServer) => void }) {
  const op = useOperation();
  const [result, setResult] = useState<{ ok: boolean; message: string; checks: Check[] } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const run = async () => {
    setError(null);
    setResult(null);
    try {
      const r = await op.run((opId) => call('servers:test', { id: server.id, opId }));
      setResult({ ok: r.ok, message: r.message, checks: r.checks });
      onTested(r.server);
    } catch (err) {
      setError(errorInfo(err));
    }
  };

  useEffect(() => {
    void run();
    // Runs once when the dialog opens; Test again runs it on demand.
  }, []);

  return (
    <Dialog open onClose={op.running ? undefined : onClose} maxWidth="sm" fullWidth aria-labelledby="server-test-title">
      <DialogTitle id="server-test-title">Test connection · {server.name}</DialogTitle>
      <DialogContent>
        <Stack spacing={2}>
          <Typography variant="body2" color="text.secondary">
            Logs in to {server.user}@{server.host}:{server.port} with the pinned host key, runs a harmless command and checks that every
            mapped webroot can be written.
          </Typography>
          <OperationProgress op={op} idleText="Connecting to the server…" />
          {result ? (
            <Stack spacing={1} data-testid="server-test-result" data-ok={String(result.ok)}>
              <Typography variant="subtitle2" color={result.ok ? 'success.main' : 'error.main'}>
                {result.message}
              </Typography>
              <List dense disablePadding aria-label="Checks">
                {result.checks.map((c, i) => (
                  <ListItem key={i} disableGutters data-testid="server-check" data-ok={String(c.ok)}>
                    <ListItemIcon sx={{ minWidth: 32 }}>
                      {c.ok ? <CheckCircleOutlineIcon color="success" fontSize="small" aria-label="passed" /> : <ErrorOutlineIcon color="error" fontSize="small" aria-label="failed" />}
                    </ListItemIcon>
                    <ListItemText primary={c.what} secondary={c.message} />
                  </ListItem>
                ))}
              </List>
            </Stack>
          ) : null}
          {error ? <ErrorAlert error={error} /> : null}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={() => void run()} disabled={op.running}>
          Test again
        </Button>
        <Button onClick={onClose} variant="contained" disabled={op.running}>
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function DeleteServerDialog({ server, onClose, onDeleted }: { server: EndServer; onClose: () => void; onDeleted: () => void }) {
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const confirm = async () => {
    setWorking(true);
    setError(null);
    try {
      await call('servers:delete', { id: server.id, confirm: true });
      onDeleted();
    } catch (err) {
      setError(errorInfo(err));
    } finally {
      setWorking(false);
    }
  };
  return (
    <ConfirmDialog title={`Delete ${server.name}?`} working={working} onClose={onClose} onConfirm={() => void confirm()} confirmLabel="Delete server" danger error={error}>
      <Typography variant="body2">
        Certdesk forgets {server.user}@{server.host}:{server.port}, its pinned host key, its {server.domains.length === 1 ? 'mapping' : `${server.domains.length} mappings`}{' '}
        and removes its secrets from your keychain. Nothing on the server changes: certificates already deployed stay in place, but
        renewals are no longer deployed there and its domains’ http-01 challenges are no longer answered by it.
      </Typography>
    </ConfirmDialog>
  );
}
