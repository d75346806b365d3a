// Pair an agent: its URL → Next reads the certificate it offers (`agents:probe`, cancellable); the person compares
// the fingerprint with what AgentInstaller.exe printed and accepts it; then a name and the one-time pairing code →
// Pair (`agents:pair` with that fingerprint pinned). A certificate that differs from the one pinned for the same
// URL is shown in red and refused. Errors go under the field they are about, on the step that has it.
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Agent, AgentProbe } from '../../../shared/model/agent.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { useOperation } from '../state/operation.ts';
import { completeUrl, DEFAULT_AGENT_PORT, nameFromUrl } from './agentText.ts';

type Step = 'url' | 'cert' | 'code';

const URL_FIELDS = ['url'];
const CODE_FIELDS = ['name', 'code', 'codeFile'];

export function PairAgentDialog({ onClose, onPaired }: { onClose: () => void; onPaired: (agent: Agent) => void }) {
  const [step, setStep] = useState<Step>('url');
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [probe, setProbe] = useState<AgentProbe | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorInfo | null>(null);
  const op = useOperation();
  const clear = (k: string) =>
    setErrors((e) => {
      const { [k]: _gone, ...rest } = e;
      return rest;
    });

  /** Puts a failure where it belongs: under a field of the step that has it (going back there), else an alert. */
  const place = (err: unknown) => {
    const fields = fieldErrors(err);
    const keys = Object.keys(fields);
    if (keys.some((k) => URL_FIELDS.includes(k))) setStep('url');
    else if (keys.some((k) => CODE_FIELDS.includes(k))) setStep('code');
    // The agent now offers another certificate than the one accepted: back to that step, with the reason.
    else if (keys.includes('acceptCert')) setStep('cert');
    if (fields.codeFile && !fields.code) fields.code = fields.codeFile;
    setErrors(fields);
    const shown = keys.length > 0 && keys.every((k) => URL_FIELDS.includes(k) || CODE_FIELDS.includes(k));
    setError(shown ? null : errorInfo(err));
  };

  const readCertificate = async () => {
    const full = completeUrl(url);
    if (!full) {
      setErrors({ url: 'URL is required: the agent’s address as its installer printed it, e.g. https://iis1.example.com:9443.' });
      return;
    }
    setUrl(full);
    setError(null);
    setErrors({});
    try {
      const found = await op.run((opId) => call('agents:probe', { url: full, opId }));
      setProbe(found);
      // The certificate step shows what was read; the finished steps would only push it down.
      op.reset();
      if (!name.trim()) setName(nameFromUrl(found.url));
      setStep('cert');
    } catch (err) {
      place(err);
    }
  };

  const pair = async () => {
    if (!probe) return;
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Name is required: give the agent a name you will recognise, e.g. iis1.';
    if (!code.trim()) local.code = 'Pairing code is required: AgentInstaller.exe start printed it (also in certdesk-agent pairing-code).';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setError(null);
    try {
      const agent = await op.run((opId) => call('agents:pair', { name: name.trim(), url: probe.url, code: code.trim(), acceptCert: probe.fingerprint, opId }));
      onPaired(agent);
    } catch (err) {
      place(err);
    }
  };

  const submit = () => {
    if (step === 'url') void readCertificate();
    else if (step === 'cert') {
      if (probe && probe.state !== 'mismatch') {
        setError(null);
        setStep('code');
      }
    } else void pair();
  };

  const working = op.running;
  const title = step === 'url' ? 'Pair an agent' : step === 'cert' ? 'Accept this certificate?' : 'Pair with the code';
  const mismatch = probe?.state === 'mismatch';
  const submitLabel = step === 'url' ? 'Next' : step === 'cert' ? (mismatch ? 'Refused' : 'Accept') : 'Pair';

  return (
    <FormDialog
      title={title}
      working={working}
      onClose={onClose}
      onSubmit={submit}
      aria-label={title}
      actions={
        <>
          {step !== 'url' ? (
            <Button onClick={() => setStep(step === 'code' ? 'cert' : 'url')} disabled={working}>
              Back
            </Button>
          ) : null}
          <FormCancel disabled={working}>
            Cancel
          </FormCancel>
          <Button type="submit" variant="contained" disabled={working || (step === 'cert' && mismatch)} data-testid="pair-submit">
            {submitLabel}
          </Button>
        </>
      }
    >
      {step === 'url' ? (
        <>
          <Typography variant="body2" color="text.secondary">
            The address where Certdesk reaches the agent: the server’s name or IP and the agent port ({DEFAULT_AGENT_PORT} unless you changed it). Its
            firewall must let this computer in on that port.
          </Typography>
          <TextField
            label="Agent URL"
            value={url}
            onChange={(e) => {
              setUrl(e.target.value);
              clear('url');
            }}
            required
            autoFocus
            error={!!errors.url}
            helperText={errors.url ?? `e.g. https://iis1.example.com:${DEFAULT_AGENT_PORT}`}
            placeholder={`https://iis1.example.com:${DEFAULT_AGENT_PORT}`}
            slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', 'data-testid': 'agent-url' } }}
          />
        </>
      ) : null}
      {step === 'cert' && probe ? <CertificateStep probe={probe} /> : null}
      {step === 'code' && probe ? (
        <>
          <Typography variant="body2" color="text.secondary">
            The one-time code <code>AgentInstaller.exe start</code> printed next to the certificate (on the server,{' '}
            <code>certdesk-agent pairing-code</code> prints it again). Certdesk sends it once with a new secret kept in your keychain; from then
            on only this Certdesk can drive the agent.
          </Typography>
          <TextField
            label="Name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              clear('name');
            }}
            required
            error={!!errors.name}
            helperText={errors.name ?? 'How this agent appears in Certdesk, e.g. iis1.'}
            slotProps={{ htmlInput: { maxLength: 64, spellCheck: false, 'data-testid': 'agent-name' } }}
          />
          <TextField
            label="Pairing code"
            value={code}
            onChange={(e) => {
              setCode(e.target.value.toUpperCase());
              clear('code');
            }}
            required
            autoFocus
            error={!!errors.code}
            helperText={errors.code ?? 'Looks like ABCD-EFGH-JKLM-NPQR.'}
            slotProps={{ htmlInput: { maxLength: 64, spellCheck: false, autoComplete: 'off', 'data-testid': 'agent-code', style: { fontFamily: 'monospace', letterSpacing: 1 } } }}
          />
          <Typography variant="caption" color="text.secondary" data-testid="pair-pinned">
            Certificate to pin: <span style={{ fontFamily: 'monospace' }}>{probe.fingerprint}</span>
          </Typography>
        </>
      ) : null}
      {error ? <ErrorAlert error={error} onClose={() => setError(null)} /> : null}
      {working || op.steps.length > 0 ? (
        <OperationProgress op={op} idleText={step === 'url' ? 'Connecting to the agent…' : 'Pairing with the agent…'} cancellable />
      ) : null}
    </FormDialog>
  );
}

function FingerprintBox({ value, testId, color }: { value: string; testId: string; color?: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 1.5, display: 'flex', alignItems: 'center', gap: 1, borderColor: color ?? 'divider' }}>
      <Box sx={{ fontFamily: 'monospace', fontSize: 14, wordBreak: 'break-all', flex: 1, color }} data-testid={testId}>
        {value}
      </Box>
      <CopyButton text={value} label="Copy fingerprint" />
    </Paper>
  );
}

function CertificateStep({ probe }: { probe: AgentProbe }) {
  if (probe.state === 'mismatch') {
    return (
      <Stack spacing={2} data-testid="agent-cert-mismatch">
        <Alert severity="error" icon={<WarningAmberIcon />}>
          <AlertTitle>The agent offers a different certificate</AlertTitle>
          {probe.url} does not offer the certificate Certdesk pinned for it. Someone may be intercepting the connection, or the agent was
          reinstalled with a new identity. Certdesk refuses to pair.
        </Alert>
        <Box>
          <Typography variant="subtitle2">Pinned</Typography>
          <FingerprintBox value={probe.pinned ?? '—'} testId="agent-cert-pinned" />
        </Box>
        <Box>
          <Typography variant="subtitle2" color="error">
            Offered now
          </Typography>
          <FingerprintBox value={probe.fingerprint} testId="agent-cert-offered" color="error.main" />
        </Box>
        <Typography variant="body2" color="text.secondary">
          If the agent really has a new certificate, compare it with the one its installer printed, unpair the old agent here and pair again.
        </Typography>
      </Stack>
    );
  }
  return (
    <Stack spacing={2} data-testid="agent-cert">
      <Typography variant="body2">
        {probe.state === 'match'
          ? `${probe.url} offers the certificate Certdesk already pinned for it:`
          : `${probe.url} offers this certificate. Certdesk will pin it and refuse any other:`}
      </Typography>
      <FingerprintBox value={probe.fingerprint} testId="agent-cert-offered" />
      <Alert severity="warning">
        Only accept if it is the fingerprint <code>AgentInstaller.exe start</code> printed on the server (the line{' '}
        <code>Certificate: SHA256:…</code>). Agent version {probe.version || 'unknown'}.
      </Alert>
      {probe.paired ? (
        <Alert severity="info" data-testid="agent-already-paired">
          <AlertTitle>This agent is paired already</AlertTitle>
          It answers another Certdesk (or an earlier pairing of this one) and will refuse a new code. On the server, run{' '}
          <code>certdesk-agent unpair</code> (or <code>AgentInstaller.exe stop</code> then <code>start</code>) to get a new pairing code, then
          continue here.
        </Alert>
      ) : null}
    </Stack>
  );
}
