// Deployment results: one row per server (status chip Deployed / Failed, the serial the check address served,
// when), a details view (reason, files written, rolled back, reload command with exit code and output), the
// older deployments from `deploy:history`, and Deploy now with live progress, Cancel and the result per server.
import CloudUploadOutlinedIcon from '@mui/icons-material/CloudUploadOutlined';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Collapse from '@mui/material/Collapse';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Deployment } from '../../../shared/model/server.ts';
import { call, errorInfo, on } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { formatDateTime } from '../format.ts';
import { useOperation } from '../state/operation.ts';
import { serverMappingFor, useServers } from '../state/servers.tsx';

const MONO = { fontFamily: 'monospace', fontSize: 12.5 } as const;

const TRIGGER: Record<Deployment['trigger'], string> = { issued: 'after issuance', renewed: 'after renewal', manual: 'Deploy now' };

function DeploymentRow({ d }: { d: Deployment }) {
  const [open, setOpen] = useState(false);
  const ok = d.status === 'deployed';
  return (
    <Box data-testid="deployment" data-status={d.status} data-server={d.serverName} sx={{ borderTop: 1, borderColor: 'divider', '&:first-of-type': { borderTop: 0 } }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 1.5, py: 1 }}>
        <Chip size="small" color={ok ? 'success' : 'error'} label={ok ? 'Deployed' : 'Failed'} data-testid="deployment-status" />
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="body2" noWrap>
            <strong>{d.serverName}</strong> · {d.domain}
          </Typography>
          <Typography variant="caption" color="text.secondary" noWrap component="div">
            {formatDateTime(d.finishedAt)} · {TRIGGER[d.trigger]}
            {d.servedSerial ? (
              <>
                {' '}
                · served serial <span style={MONO} data-testid="deployment-served-serial">{d.servedSerial}</span>
              </>
            ) : null}
          </Typography>
        </Box>
        <IconAction label={open ? `Hide details of ${d.serverName}` : `Details of ${d.serverName}`} size="small" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {open ? <ExpandLessIcon fontSize="small" /> : <ExpandMoreIcon fontSize="small" />}
        </IconAction>
      </Box>
      {!ok && d.reason ? (
        <Typography variant="body2" color="error" sx={{ px: 1.5, pb: 1 }} data-testid="deployment-reason">
          {d.reason}
          {d.rolledBack ? ' The previous files were put back.' : ''}
        </Typography>
      ) : null}
      <Collapse in={open} unmountOnExit>
        <Stack spacing={1} sx={{ px: 1.5, pb: 1.5 }} data-testid="deployment-details">
          <Typography variant="body2">
            Certificate serial <span style={MONO}>{d.serial}</span>
            {d.servedSerial ? (d.servedSerial === d.serial ? ' — served after the reload.' : ` — but the check address served ${d.servedSerial}.`) : ' — not checked.'}
          </Typography>
          {d.files.length > 0 ? (
            <Box>
              <Typography variant="caption" color="text.secondary">
                Files written
              </Typography>
              {d.files.map((f) => (
                <Typography key={f} variant="body2" sx={MONO}>
                  {f}
                </Typography>
              ))}
            </Box>
          ) : null}
          {d.reload ? (
            <Box>
              <Typography variant="caption" color="text.secondary">
                Reload: <span style={MONO}>{d.reload.command}</span> · exit code {d.reload.exitCode ?? '—'}
              </Typography>
              {d.reload.output ? (
                <Paper variant="outlined" component="pre" sx={{ ...MONO, m: 0, mt: 0.5, p: 1, maxHeight: 160, overflow: 'auto', whiteSpace: 'pre-wrap' }} data-testid="deployment-reload-output">
                  {d.reload.output}
                </Paper>
              ) : null}
            </Box>
          ) : null}
        </Stack>
      </Collapse>
    </Box>
  );
}

export function DeploymentList({ deployments, empty }: { deployments: Deployment[]; empty?: string }) {
  if (deployments.length === 0) {
    return empty ? (
      <Typography variant="body2" color="text.secondary">
        {empty}
      </Typography>
    ) : null;
  }
  return (
    <Paper variant="outlined" data-testid="deployments">
      {deployments.map((d) => (
        <DeploymentRow key={d.id} d={d} />
      ))}
    </Paper>
  );
}

/** The request's latest deployment per server, with its older ones on demand. */
export function RequestDeployments({ requestId, deployments }: { requestId: string; deployments: Deployment[] }) {
  const [history, setHistory] = useState<Deployment[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const load = async () => {
    try {
      setHistory(await call('deploy:history', { requestId, limit: 50 }));
      setError(null);
    } catch (err) {
      setError(errorInfo(err));
    }
  };
  // An open history follows new deployments.
  const open = history !== null;
  useEffect(() => {
    if (!open) return undefined;
    return on('deploy:changed', (e) => {
      if (e.requestId === requestId) void load();
    });
  }, [open, requestId]);
  const latest = new Set(deployments.map((d) => d.id));
  const older = history?.filter((d) => !latest.has(d.id)) ?? [];
  return (
    <Stack spacing={1} component="section" aria-label="Deployments">
      <Box sx={{ display: 'flex', alignItems: 'center' }}>
        <Typography variant="subtitle2" component="h3" sx={{ flex: 1 }}>
          Deployments
        </Typography>
        {history === null ? (
          <Button size="small" onClick={() => void load()}>
            Older deployments
          </Button>
        ) : null}
      </Box>
      <DeploymentList deployments={deployments} empty="Not deployed yet. A server mapping with Deploy Certificate on (Manage → Deploy) installs it after issuance." />
      {history !== null ? (
        older.length > 0 ? (
          <>
            <Typography variant="caption" color="text.secondary">
              Older
            </Typography>
            <DeploymentList deployments={older} />
          </>
        ) : (
          <Typography variant="body2" color="text.secondary">
            No older deployment.
          </Typography>
        )
      ) : null}
      {error ? <ErrorAlert error={error} onClose={() => setError(null)} /> : null}
    </Stack>
  );
}

/** The servers that would receive a certificate for these names: mappings with Deploy Certificate on. */
export function useDeployTargets(names: string[]): Array<{ serverId: string; serverName: string; domain: string }> {
  const { mappings, targetName } = useServers();
  const out = new Map<string, { serverId: string; serverName: string; domain: string }>();
  for (const n of names) {
    const m = serverMappingFor(
      mappings.filter((x) => x.deploy?.enabled),
      n,
    );
    if (m && !out.has(m.serverId)) out.set(m.serverId, { serverId: m.serverId, serverName: targetName(m.serverId) ?? m.serverId, domain: m.domain });
  }
  return [...out.values()];
}

export interface DeployNowProps {
  title: string;
  names: string[];
  target: { requestId: string } | { certificateId: string };
  onClose: () => void;
  onDone?: (ok: boolean) => void;
}

export function DeployNowDialog({ title, names, target, onClose, onDone }: DeployNowProps) {
  const targets = useDeployTargets(names);
  const op = useOperation();
  const [result, setResult] = useState<{ ok: boolean; deployments: Deployment[] } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const run = async () => {
    setError(null);
    setResult(null);
    try {
      const r = await op.run((opId) => call('deploy:run', { ...target, opId }));
      setResult(r);
      onDone?.(r.ok);
    } catch (err) {
      setError(errorInfo(err));
    }
  };

  return (
    <Dialog open onClose={op.running ? undefined : onClose} maxWidth="sm" fullWidth aria-labelledby="deploy-now-title">
      <DialogTitle id="deploy-now-title" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <CloudUploadOutlinedIcon color="primary" aria-hidden />
        Deploy now · {title}
      </DialogTitle>
      <DialogContent>
        <Stack spacing={2} data-testid="deploy-now">
          {targets.length === 0 ? (
            <Alert severity="info" variant="outlined">
              No end server is mapped with Deploy Certificate on for {names.join(', ')}. Map one in Manage → Deploy (or with the mapping
              icon of the request) first.
            </Alert>
          ) : (
            <Typography variant="body2">
              Certdesk uploads the certificate and its key to{' '}
              <strong>{targets.map((t) => `${t.serverName} (${t.domain})`).join(', ')}</strong>, one after another: writes the files, runs
              the reload command and checks the new certificate is served. A server where any step fails gets its previous files back.
            </Typography>
          )}
          <OperationProgress op={op} idleText="Connecting to the servers…" />
          {result ? (
            <Stack spacing={1}>
              <Alert severity={result.ok ? 'success' : 'error'} variant="outlined" data-testid="deploy-result" data-ok={String(result.ok)}>
                {result.ok
                  ? `Deployed to ${result.deployments.length} server${result.deployments.length === 1 ? '' : 's'}.`
                  : `${result.deployments.filter((d) => d.status === 'failed').length} of ${result.deployments.length} deployments failed: see each server below.`}
              </Alert>
              <DeploymentList deployments={result.deployments} />
            </Stack>
          ) : null}
          {error ? <ErrorAlert error={error} /> : null}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        {op.running ? (
          <Button color="inherit" variant="outlined" onClick={op.cancel} disabled={op.cancelling}>
            {op.cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        ) : (
          <Button onClick={onClose}>Close</Button>
        )}
        <Button variant="contained" startIcon={<CloudUploadOutlinedIcon />} onClick={() => void run()} disabled={op.running || targets.length === 0} data-testid="deploy-now-run">
          {result ? 'Deploy again' : 'Deploy now'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
