// Manage → Windows agents (seed Step 3.1/3.2): the paired Certdesk agents (name, URL, OS and version, agent
// version, last seen, capabilities, state with the last test, mapped domains) with Map, Test and Unpair; Pair; and
// how to get one running: the two downloads (64-bit / 32-bit zip, native save dialog) and the installation steps.
import AddLinkIcon from '@mui/icons-material/AddLink';
import DownloadIcon from '@mui/icons-material/Download';
import LinkOffIcon from '@mui/icons-material/LinkOff';
import NetworkCheckIcon from '@mui/icons-material/NetworkCheck';
import DesktopWindowsOutlinedIcon from '@mui/icons-material/DesktopWindowsOutlined';
import PowerIcon from '@mui/icons-material/Power';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Agent, AgentArch } from '../../../shared/model/agent.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { useNotice } from '../components/Notice.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { MappingDialog } from '../deploy/MappingDialog.tsx';
import { useOperation } from '../state/operation.ts';
import { useServers } from '../state/servers.tsx';
import { AgentTestDialog, UnpairAgentDialog } from './AgentDialogs.tsx';
import { CAPABILITY_LABELS, DEFAULT_AGENT_PORT, DOWNLOADS, capabilityLabel, formatBytes, osLine, shortDate, stateColor, stateLabel } from './agentText.ts';
import { PairAgentDialog } from './PairAgentDialog.tsx';

function StateChip({ agent }: { agent: Agent }) {
  const t = agent.lastTest;
  const title = !agent.secretStored
    ? 'Its secret is missing from your keychain: unpair and pair it again.'
    : t
      ? `Last test ${shortDate(t.at)}: ${t.message}`
      : 'Not tested since pairing: press Test.';
  const label = agent.secretStored ? stateLabel(agent.state) : 'Pair again';
  return (
    <Tooltip title={title}>
      <Chip size="small" label={label} color={agent.secretStored ? stateColor(agent.state) : 'warning'} variant={agent.state === 'unknown' ? 'outlined' : 'filled'} tabIndex={0} data-testid="agent-state" data-state={agent.state} />
    </Tooltip>
  );
}

function Capabilities({ agent }: { agent: Agent }) {
  const caps = agent.report.capabilities;
  if (caps.length === 0) {
    return (
      <Typography variant="body2" color="text.disabled">
        —
      </Typography>
    );
  }
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }} data-testid="agent-capabilities">
      {caps.map((c) => (
        <Tooltip key={c} title={CAPABILITY_LABELS[c]?.help ?? c}>
          <Chip size="small" variant="outlined" label={capabilityLabel(c)} tabIndex={0} data-testid="agent-capability" data-capability={c} sx={{ height: 20, fontSize: 11 }} />
        </Tooltip>
      ))}
    </Box>
  );
}

function Domains({ domains }: { domains: string[] }) {
  if (domains.length === 0) {
    return (
      <Typography variant="body2" color="text.disabled" data-testid="agent-domains">
        —
      </Typography>
    );
  }
  return (
    <Tooltip title={domains.join(', ')}>
      <Typography variant="body2" noWrap tabIndex={0} data-testid="agent-domains">
        {domains[0]}
        {domains.length > 1 ? ` +${domains.length - 1}` : ''}
      </Typography>
    </Tooltip>
  );
}

function AgentsTable({ onMap, onTest, onUnpair }: { onMap: (a: Agent) => void; onTest: (a: Agent) => void; onUnpair: (a: Agent) => void }) {
  const { agents, loading } = useServers();
  return (
    <Paper variant="outlined">
      <TableContainer>
        <Table size="small" aria-label="Paired agents" sx={{ tableLayout: 'fixed' }}>
          <TableHead>
            <TableRow>
              <TableCell sx={{ width: 176 }}>Agent</TableCell>
              <TableCell>System</TableCell>
              <TableCell sx={{ width: 172 }}>Capabilities</TableCell>
              <TableCell sx={{ width: 124 }}>State · last seen</TableCell>
              <TableCell sx={{ width: 104 }}>Domains</TableCell>
              <TableCell sx={{ width: 112 }} align="right">
                Actions
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {loading && agents.length === 0 ? (
              <TableRow>
                {[110, 120, 100, 70, 80, 90].map((w, i) => (
                  <TableCell key={i}>
                    <Skeleton width={w} />
                  </TableCell>
                ))}
              </TableRow>
            ) : null}
            {!loading && agents.length === 0 ? (
              <TableRow>
                <TableCell colSpan={6} sx={{ borderBottom: 0 }}>
                  <Box sx={{ py: 3, textAlign: 'center' }} data-testid="no-agents">
                    <DesktopWindowsOutlinedIcon sx={{ fontSize: 40, color: 'text.disabled' }} aria-hidden />
                    <Typography variant="subtitle1" sx={{ mt: 1 }}>
                      No agent paired yet
                    </Typography>
                    <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 540, mx: 'auto' }}>
                      Install the agent on your Windows server (below), then <strong>Pair agent</strong>: Certdesk will answer http-01 challenges
                      and install renewed certificates into IIS there by itself.
                    </Typography>
                  </Box>
                </TableCell>
              </TableRow>
            ) : null}
            {agents.map((a) => (
              <TableRow key={a.id} hover data-testid="agent-row" data-id={a.id}>
                <TableCell>
                  <Typography variant="body2" sx={{ fontWeight: 600 }} noWrap title={a.name} data-testid="agent-name-cell">
                    {a.name}
                  </Typography>
                  <Tooltip title={`Pinned certificate ${a.fingerprint}`}>
                    <Typography variant="caption" color="text.secondary" noWrap tabIndex={0} sx={{ display: 'block', fontFamily: 'monospace' }} data-testid="agent-url-cell">
                      {a.url}
                    </Typography>
                  </Tooltip>
                </TableCell>
                <TableCell>
                  <Typography variant="body2" title={`${osLine(a)} · host ${a.report.hostname}`} sx={{ lineHeight: 1.3, overflowWrap: 'anywhere' }} data-testid="agent-os">
                    {osLine(a)}
                  </Typography>
                  <Typography variant="caption" color="text.secondary" noWrap sx={{ display: 'block' }} data-testid="agent-version">
                    Agent {a.report.version} · {a.report.hostname}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Capabilities agent={a} />
                </TableCell>
                <TableCell>
                  <StateChip agent={a} />
                  <Typography variant="caption" noWrap color={a.lastSeen ? 'text.secondary' : 'text.disabled'} sx={{ display: 'block', mt: 0.25 }} title="Last contact that worked" data-testid="agent-last-seen">
                    {a.lastSeen ? `Seen ${shortDate(a.lastSeen)}` : 'Never seen'}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Domains domains={a.domains} />
                </TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                  <IconAction label={`Map domains to ${a.name}`} size="small" onClick={() => onMap(a)}>
                    <AddLinkIcon fontSize="small" />
                  </IconAction>
                  <IconAction label={`Test ${a.name}`} size="small" onClick={() => onTest(a)}>
                    <NetworkCheckIcon fontSize="small" />
                  </IconAction>
                  <IconAction label={`Unpair ${a.name}`} size="small" onClick={() => onUnpair(a)}>
                    <LinkOffIcon fontSize="small" />
                  </IconAction>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </Paper>
  );
}

/** One download button: agents:package opens the native save dialog (Electron) and writes the zip there. */
function Downloads() {
  const op = useOperation();
  const [arch, setArch] = useState<AgentArch | null>(null);
  const [saved, setSaved] = useState<{ path: string; bytes: number; arch: AgentArch } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const download = async (which: AgentArch) => {
    setArch(which);
    setSaved(null);
    setError(null);
    try {
      const r = await op.run((opId) => call('agents:package', { arch: which, opId }));
      // The saved line says it all; the packager's steps stay only when something went wrong.
      op.reset();
      if (r.path) setSaved({ path: r.path, bytes: r.bytes, arch: which });
    } catch (err) {
      setError(errorInfo(err));
    }
  };

  return (
    <Stack spacing={1.5}>
      <Stack direction="row" spacing={1.5} sx={{ flexWrap: 'wrap' }}>
        {DOWNLOADS.map((d) => (
          <Tooltip key={d.arch} title={d.hint}>
            <span>
              <Button variant={d.arch === 'x64' ? 'contained' : 'outlined'} startIcon={<DownloadIcon />} disabled={op.running} onClick={() => void download(d.arch)} data-testid={`agent-download-${d.arch}`}>
                {d.label}
              </Button>
            </span>
          </Tooltip>
        ))}
      </Stack>
      {op.running || op.steps.length > 0 ? <OperationProgress op={op} idleText={`Building the ${arch === 'x86' ? '32-bit' : '64-bit'} agent package…`} cancellable /> : null}
      {saved ? (
        <Alert severity="success" onClose={() => setSaved(null)} data-testid="agent-download-saved">
          The {saved.arch === 'x64' ? '64-bit' : '32-bit'} agent ({formatBytes(saved.bytes)}) is saved to{' '}
          <code data-testid="agent-download-path" style={{ wordBreak: 'break-all' }}>
            {saved.path}
          </code>
          . Copy it to the Windows server and go on with step 2.
        </Alert>
      ) : null}
      {error ? (
        <Box data-testid="agent-download-error">
          <ErrorAlert error={error} onClose={() => setError(null)} title="The agent package could not be made" />
        </Box>
      ) : null}
    </Stack>
  );
}

function InstallSteps() {
  const step = (n: number, title: string, body: ReactNode, extra?: ReactNode) => (
    <Box component="li" sx={{ display: 'grid', gridTemplateColumns: '28px 1fr', gap: 1.5, py: 1.25, borderTop: n > 1 ? 1 : 0, borderColor: 'divider' }}>
      <Box sx={{ width: 26, height: 26, borderRadius: '50%', bgcolor: 'primary.main', color: 'primary.contrastText', display: 'grid', placeItems: 'center', fontSize: 13, fontWeight: 600 }} aria-hidden>
        {n}
      </Box>
      <Box sx={{ minWidth: 0 }}>
        <Typography variant="subtitle2">{title}</Typography>
        <Typography variant="body2" color="text.secondary" component="div">
          {body}
        </Typography>
        {extra ? <Box sx={{ mt: 1.25 }}>{extra}</Box> : null}
      </Box>
    </Box>
  );
  return (
    <Paper variant="outlined" sx={{ px: 2, py: 0.5 }}>
      <Box component="ol" sx={{ m: 0, p: 0, listStyle: 'none' }} aria-label="Installation steps" data-testid="agent-install-steps">
        {step(1, 'Download the agent', 'A zip with AgentInstaller.exe, the agent, its configuration file and a README. Take the 64-bit one unless the server runs a 32-bit Windows.', <Downloads />)}
        {step(2, 'Unzip it on the IIS server', <>For example to <code>C:\Program Files\Certdesk Agent</code>. The agent keeps its key and pairing there, readable by administrators only.</>)}
        {step(
          3,
          'Install and start the service',
          <>
            Open a command prompt <strong>as administrator</strong> in that folder and run <code>AgentInstaller.exe start</code>. It installs the
            Windows service “Certdesk Agent”, starts it and prints a <strong>pairing code</strong> and the agent’s <strong>certificate fingerprint</strong>
            (<code>Certificate: SHA256:…</code>): note both.
          </>,
        )}
        {step(
          4,
          `Open port ${DEFAULT_AGENT_PORT}`,
          <>
            Let this computer reach the agent: allow inbound TCP {DEFAULT_AGENT_PORT} in Windows Defender Firewall (and any firewall in between), e.g.{' '}
            <code>netsh advfirewall firewall add rule name="Certdesk Agent" dir=in action=allow protocol=TCP localport={DEFAULT_AGENT_PORT}</code>.
          </>,
        )}
        {step(
          5,
          'Pair it here',
          <>
            <strong>Pair agent</strong> above: give its URL (<code>https://server:{DEFAULT_AGENT_PORT}</code>), check the fingerprint is the one it printed, and enter
            the pairing code. Then map domains to it (link icon of its row, or the mapping icon of a request).
          </>,
        )}
      </Box>
      <Typography variant="body2" color="text.secondary" sx={{ borderTop: 1, borderColor: 'divider', py: 1.25 }}>
        To remove the agent, run <code>AgentInstaller.exe stop</code> in the same folder as administrator: it stops and uninstalls the service. Unpair
        it here too.
      </Typography>
    </Paper>
  );
}

export function AgentsTab() {
  const { agents, error, reload, upsertAgent } = useServers();
  const notify = useNotice();
  const [pairing, setPairing] = useState(false);
  const [testing, setTesting] = useState<Agent | null>(null);
  const [unpairing, setUnpairing] = useState<Agent | null>(null);
  const [mapping, setMapping] = useState<Agent | null>(null);

  return (
    <Stack spacing={3} data-testid="agents-tab">
      <Stack spacing={2} component="section" aria-labelledby="agents-title">
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Box sx={{ flex: 1, minWidth: 0 }}>
            <Typography variant="h6" component="h3" id="agents-title">
              Paired agents
            </Typography>
            <Typography variant="body2" color="text.secondary">
              The Certdesk agent runs as a service on a Windows server: it answers http-01 challenges and installs certificates into IIS for
              Certdesk. Each is paired once; its secret stays in your OS keychain and its certificate is pinned.
            </Typography>
          </Box>
          <Button variant="contained" startIcon={<PowerIcon />} onClick={() => setPairing(true)} data-testid="pair-agent">
            Pair agent
          </Button>
        </Box>
        {error ? <ErrorAlert error={error} action={<RetryButton onRetry={() => void reload()} />} /> : null}
        <AgentsTable onMap={setMapping} onTest={setTesting} onUnpair={setUnpairing} />
        {agents.length > 0 ? (
          <Typography variant="caption" color="text.secondary">
            Agents are end servers for mappings: their mappings are listed with the others in Manage → Deploy.
          </Typography>
        ) : null}
      </Stack>

      <Stack spacing={1} component="section" aria-labelledby="agent-install-title">
        <Typography variant="h6" component="h3" id="agent-install-title">
          Install the agent on a Windows server
        </Typography>
        <InstallSteps />
      </Stack>

      {pairing ? (
        <PairAgentDialog
          onClose={() => setPairing(false)}
          onPaired={(a) => {
            setPairing(false);
            upsertAgent(a);
            notify(`Agent “${a.name}” paired with its certificate pinned. Map domains to it next.`);
            void reload();
          }}
        />
      ) : null}
      {testing ? <AgentTestDialog agent={testing} onClose={() => setTesting(null)} onTested={(a) => upsertAgent(a)} /> : null}
      {unpairing ? (
        <UnpairAgentDialog
          agent={unpairing}
          onClose={() => setUnpairing(null)}
          onUnpaired={(told) => {
            const name = unpairing.name;
            setUnpairing(null);
            notify(told ? `Agent “${name}” unpaired; it forgot this Certdesk and its mappings are gone.` : `Agent “${name}” removed here (it did not answer: run certdesk-agent unpair on the server).`);
            void reload();
          }}
        />
      ) : null}
      {mapping ? (
        <MappingDialog
          domains={[]}
          serverId={mapping.id}
          onClose={() => setMapping(null)}
          onSaved={(saved) => {
            setMapping(null);
            notify(`Mapping saved for ${saved.map((m) => m.domain).join(', ')}.`);
            void reload();
          }}
        />
      ) : null}
    </Stack>
  );
}
