// Test (each check the service ran, with progress) and Unpair (confirm: what goes, what stays) of a paired agent.
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
import type { Res } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Agent } from '../../../shared/model/agent.ts';
import { call, errorInfo } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { useOperation } from '../state/operation.ts';

type TestResult = Omit<Res<'agents:test'>, 'agent'>;

export function AgentTestDialog({ agent, onClose, onTested }: { agent: Agent; onClose: () => void; onTested: (a: Agent) => void }) {
  const op = useOperation();
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const run = async () => {
    setError(null);
    setResult(null);
    try {
      const r = await op.run((opId) => call('agents:test', { id: agent.id, opId }));
      setResult({ ok: r.ok, message: r.message, checks: r.checks });
      onTested(r.agent);
    } catch (err) {
      setError(errorInfo(err));
    }
  };

  useEffect(() => {
    void run();
    // Runs once when the dialog opens; Test again runs it on demand.
  }, []);

  return (
    <Dialog open onClose={op.running ? undefined : onClose} maxWidth="sm" fullWidth aria-labelledby="agent-test-title">
      <DialogTitle id="agent-test-title">Test agent · {agent.name}</DialogTitle>
      <DialogContent>
        <Stack spacing={2}>
          <Typography variant="body2" color="text.secondary">
            Connects to {agent.url} with the pinned certificate, asks the agent for its signed report (version, OS, capabilities) and checks that
            every mapped webroot can be written.
          </Typography>
          <OperationProgress op={op} idleText="Connecting to the agent…" />
          {result ? (
            <Stack spacing={1} data-testid="agent-test-result" data-ok={String(result.ok)}>
              <Typography variant="subtitle2" color={result.ok ? 'success.main' : 'error.main'}>
                {result.message}
              </Typography>
              <List dense disablePadding aria-label="Checks">
                {result.checks.map((c, i) => (
                  <ListItem key={i} disableGutters data-testid="agent-check" data-ok={String(c.ok)}>
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

export function UnpairAgentDialog({ agent, onClose, onUnpaired }: { agent: Agent; onClose: () => void; onUnpaired: (told: boolean) => void }) {
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const confirm = async () => {
    setWorking(true);
    setError(null);
    try {
      const r = await call('agents:delete', { id: agent.id, confirm: true });
      onUnpaired(r.unpaired);
    } catch (err) {
      setError(errorInfo(err));
    } finally {
      setWorking(false);
    }
  };
  const n = agent.domains.length;
  return (
    <ConfirmDialog title={`Unpair ${agent.name}?`} working={working} onClose={onClose} onConfirm={() => void confirm()} confirmLabel="Unpair agent" danger error={error}>
      <Typography variant="body2" data-testid="unpair-text">
        Certdesk tells the agent at {agent.url} to forget this pairing (when it answers), forgets its pinned certificate and removes its secret
        from your keychain.{' '}
        {n > 0 ? (
          <strong>
            Its {n === 1 ? 'mapping' : `${n} mappings`} ({agent.domains.join(', ')}) {n === 1 ? 'is' : 'are'} removed too:
          </strong>
        ) : null}{' '}
        {n > 0 ? 'renewals are no longer deployed there and those domains’ http-01 challenges are no longer answered by it.' : ''}
      </Typography>
      <Typography variant="body2" color="text.secondary">
        Nothing else changes on the server: certificates already installed stay in place and the agent keeps running. To remove it, run{' '}
        <code>AgentInstaller.exe stop</code> there; to pair it again, it prints a new pairing code at its next start.
      </Typography>
    </ConfirmDialog>
  );
}
