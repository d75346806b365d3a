// Add / Edit end server: name, host, port, user and how Certdesk logs in (password, or a private key picked
// with the native open dialog so it never enters the window, with an optional passphrase). Continue reads the
// host key the server offers (`servers:probe`); the person accepts its fingerprint, then `servers:add` (or
// `servers:edit`) logs in with that key pinned. A key that differs from the pinned one is refused.
import KeyIcon from '@mui/icons-material/VpnKeyOutlined';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EndServer, HostKey, HostKeyProbe, ServerAuth } from '../../../shared/model/server.ts';
import { call, errorInfo, face, fieldErrors } from '../api.ts';
import { PasswordField } from '../components/PasswordField.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { useOperation } from '../state/operation.ts';

interface Draft {
  name: string;
  host: string;
  port: string;
  user: string;
  auth: ServerAuth;
  password: string;
  key: { handle: string; name: string } | null;
  /** Edit, key auth: text pasted instead of a picked file (browser face only). */
  keyText: string;
  passphrase: string;
}

function draftOf(server: EndServer | undefined): Draft {
  return {
    name: server?.name ?? '',
    host: server?.host ?? '',
    port: String(server?.port ?? 22),
    user: server?.user ?? '',
    auth: server?.auth ?? 'password',
    password: '',
    key: null,
    keyText: '',
    passphrase: '',
  };
}

/** The fingerprint as OpenSSH shows it: algorithm and SHA256:…. */
export function Fingerprint({ hostKey, testId }: { hostKey: HostKey; testId?: string }) {
  return (
    <Box sx={{ fontFamily: 'monospace', fontSize: 14, wordBreak: 'break-all' }} data-testid={testId}>
      <Typography component="span" variant="body2" color="text.secondary" sx={{ fontFamily: 'inherit', mr: 1 }}>
        {hostKey.algorithm}
      </Typography>
      <span data-testid={testId ? `${testId}-sha256` : undefined}>{hostKey.sha256}</span>
    </Box>
  );
}

export function ServerDialog({ server, onClose, onSaved }: { server?: EndServer; onClose: () => void; onSaved: (s: EndServer) => void }) {
  const editing = server !== undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(server));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [probe, setProbe] = useState<HostKeyProbe | null>(null);
  const op = useOperation();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setErrors((e) => {
      const { [k]: _gone, ...rest } = e;
      return rest;
    });
  };

  const viaMain = face() === 'electron' || face() === null;
  const endpointChanged = !editing || draft.host.trim() !== server.host || Number(draft.port) !== server.port;

  const localErrors = (): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!draft.name.trim()) out.name = 'Name is required: how this server appears in Certdesk, e.g. web1.';
    if (!draft.host.trim()) out.host = 'Host is required: the server’s DNS name or IP address.';
    const port = Number(draft.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) out.port = 'Port must be a whole number between 1 and 65535 (SSH: 22).';
    if (!draft.user.trim()) out.user = 'User is required: the account Certdesk logs in as over SSH.';
    const authChanged = !editing || draft.auth !== server.auth;
    if (draft.auth === 'password' && authChanged && !draft.password) out.password = 'Password is required for password authentication.';
    if (draft.auth === 'key' && authChanged && !draft.key && !draft.keyText.trim()) out.privateKey = 'Private key is required: choose the key file (OpenSSH or PEM).';
    return out;
  };

  const save = async (accept: HostKey | null) => {
    setError(null);
    try {
      const saved = await op.run(async (opId) => {
        const secrets = {
          ...(draft.auth === 'password' && draft.password ? { password: draft.password } : {}),
          ...(draft.auth === 'key' && draft.key ? { privateKeyHandle: draft.key.handle } : {}),
          ...(draft.auth === 'key' && !draft.key && draft.keyText.trim() ? { privateKey: draft.keyText } : {}),
          ...(draft.auth === 'key' && draft.passphrase ? { passphrase: draft.passphrase } : {}),
        };
        const base = { name: draft.name.trim(), host: draft.host.trim(), port: Number(draft.port), user: draft.user.trim(), ...secrets, opId };
        if (editing) return call('servers:edit', { id: server.id, ...base, ...(accept ? { acceptHostKey: accept.sha256 } : {}) });
        return call('servers:add', { ...base, acceptHostKey: accept!.sha256 });
      });
      onSaved(saved);
    } catch (err) {
      const fields = fieldErrors(err);
      // A refused login (wrong password/key) belongs to the credentials step: go back there.
      setProbe(null);
      setErrors(fields);
      if (Object.keys(fields).length === 0) setError(errorInfo(err));
    }
  };

  const next = async () => {
    if (probe) {
      if (probe.state !== 'mismatch') await save(probe.offered);
      return;
    }
    const local = localErrors();
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setError(null);
    if (!endpointChanged) {
      await save(null);
      return;
    }
    try {
      const found = await op.run((opId) => call('servers:probe', { host: draft.host.trim(), port: Number(draft.port), opId }));
      setProbe(found);
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(fields);
      if (Object.keys(fields).length === 0) setError(errorInfo(err));
    }
  };

  const pickKey = async () => {
    try {
      const { file } = await call('files:open', { purpose: 'ssh-key' });
      if (file) set('key', { handle: file.handle, name: file.name });
    } catch (err) {
      setErrors((e) => ({ ...e, privateKey: fieldMessage(errorInfo(err)) }));
    }
  };

  const working = op.running;
  const title = probe ? 'Accept the host key?' : editing ? `Edit ${server.name}` : 'Add server';
  const submitLabel = probe ? (probe.state === 'mismatch' ? 'Refused' : 'Accept and add') : 'Continue';

  return (
    <FormDialog
      title={title}
      working={working}
      onClose={onClose}
      onSubmit={() => void next()}
      aria-label={title}
      actions={
        <>
          {probe ? (
            <Button onClick={() => setProbe(null)} disabled={working}>
              Back
            </Button>
          ) : null}
          <FormCancel disabled={working}>
            Cancel
          </FormCancel>
          <Button type="submit" variant="contained" disabled={working || probe?.state === 'mismatch'} data-testid="server-submit">
            {probe && editing && probe.state !== 'mismatch' ? 'Accept and save' : submitLabel}
          </Button>
        </>
      }
    >
      {probe ? (
        <HostKeyStep probe={probe} />
      ) : (
        <>
          <TextField label="Name" value={draft.name} onChange={(e) => set('name', e.target.value)} required error={!!errors.name} helperText={errors.name ?? 'How this server appears in Certdesk, e.g. web1.'} autoFocus slotProps={{ htmlInput: { maxLength: 64, 'data-testid': 'server-name' } }} />
          <Stack direction="row" spacing={2}>
            <TextField label="Host" value={draft.host} onChange={(e) => set('host', e.target.value)} required error={!!errors.host} helperText={errors.host ?? 'DNS name or IP address.'} sx={{ flex: 1 }} slotProps={{ htmlInput: { spellCheck: false, 'data-testid': 'server-host' } }} />
            <TextField label="Port" value={draft.port} onChange={(e) => set('port', e.target.value.replace(/[^0-9]/g, ''))} required error={!!errors.port} helperText={errors.port ?? 'SSH port.'} sx={{ width: 120 }} slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 5, 'data-testid': 'server-port' } }} />
          </Stack>
          <TextField label="User" value={draft.user} onChange={(e) => set('user', e.target.value)} required error={!!errors.user} helperText={errors.user ?? 'The account Certdesk logs in as; it needs write access to the webroots and certificate paths.'} slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', 'data-testid': 'server-user' } }} />
          <Box>
            <FormLabel id="server-auth-label">Authentication</FormLabel>
            <RadioGroup row aria-labelledby="server-auth-label" value={draft.auth} onChange={(_e, v) => set('auth', v as ServerAuth)}>
              <FormControlLabel value="password" control={<Radio />} label="Password" />
              <FormControlLabel value="key" control={<Radio />} label="Private key" data-testid="server-auth-key" />
            </RadioGroup>
          </Box>
          {draft.auth === 'password' ? (
            <PasswordField
              label="Password"
              value={draft.password}
              onChange={(e) => set('password', e.target.value)}
              error={!!errors.password}
              helperText={errors.password ?? (editing && server.secrets.password ? 'Stored in your keychain. Leave empty to keep it.' : 'Kept in your OS keychain, never in Certdesk’s files.')}
              slotProps={{ htmlInput: { autoComplete: 'new-password', 'data-testid': 'server-password' } }}
            />
          ) : (
            <>
              <Box>
                <Typography variant="body2" sx={{ mb: 0.75, fontWeight: 600 }} color={errors.privateKey ? 'error' : 'text.primary'}>
                  Private key
                </Typography>
                {viaMain ? (
                  <Paper variant="outlined" sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 1.5, py: 1, borderStyle: draft.key ? 'solid' : 'dashed', borderColor: errors.privateKey ? 'error.main' : 'divider' }}>
                    <Button size="small" variant="outlined" startIcon={<KeyIcon />} onClick={() => void pickKey()}>
                      Choose key file…
                    </Button>
                    <Typography variant="body2" color={draft.key ? 'text.primary' : 'text.secondary'} noWrap data-testid="server-key-name">
                      {draft.key ? draft.key.name : editing && server.secrets.privateKey ? 'A key is stored in your keychain.' : 'No key chosen'}
                    </Typography>
                  </Paper>
                ) : (
                  <TextField
                    fullWidth
                    multiline
                    minRows={3}
                    maxRows={6}
                    placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                    value={draft.keyText}
                    onChange={(e) => set('keyText', e.target.value)}
                    error={!!errors.privateKey}
                    slotProps={{ htmlInput: { spellCheck: false, 'data-testid': 'server-key-text', style: { fontFamily: 'monospace', fontSize: 12 } } }}
                  />
                )}
                <Typography variant="caption" color={errors.privateKey ? 'error' : 'text.secondary'} sx={{ display: 'block', mt: 0.5, mx: 1.75 }}>
                  {errors.privateKey ?? 'Read by Certdesk’s engine and kept in your OS keychain; it never enters this window.'}
                </Typography>
              </Box>
              <PasswordField
                label="Passphrase (optional)"
                value={draft.passphrase}
                onChange={(e) => set('passphrase', e.target.value)}
                error={!!errors.passphrase}
                helperText={errors.passphrase ?? (editing && server.secrets.passphrase ? 'Stored in your keychain. Leave empty to keep it.' : 'Only when the key file is encrypted.')}
                slotProps={{ htmlInput: { autoComplete: 'new-password', 'data-testid': 'server-passphrase' } }}
              />
            </>
          )}
        </>
      )}
      {error ? <ErrorAlert error={error} onClose={() => setError(null)} /> : null}
      {working || op.steps.length > 0 ? <OperationProgress op={op} idleText="Connecting to the server…" cancellable /> : null}
    </FormDialog>
  );
}

function fieldMessage(info: ErrorInfo): string {
  return info.hint ? `${info.message} ${info.hint}` : info.message;
}

function HostKeyStep({ probe }: { probe: HostKeyProbe }) {
  if (probe.state === 'mismatch') {
    return (
      <Stack spacing={2} data-testid="host-key-mismatch">
        <Alert severity="error" icon={<WarningAmberIcon />}>
          <AlertTitle>The server offers a different host key</AlertTitle>
          {probe.host}:{probe.port} does not offer the key Certdesk pinned for it. Someone may be intercepting the connection, or the
          server was reinstalled. Certdesk refuses to connect.
        </Alert>
        <Box>
          <Typography variant="subtitle2">Pinned</Typography>
          {probe.pinned ? <Fingerprint hostKey={probe.pinned} testId="host-key-pinned" /> : null}
        </Box>
        <Box>
          <Typography variant="subtitle2">Offered now</Typography>
          <Fingerprint hostKey={probe.offered} testId="host-key-offered" />
        </Box>
        <Typography variant="body2" color="text.secondary">
          If the server really has a new key, check it on the server (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), delete the
          server in Certdesk and add it again.
        </Typography>
      </Stack>
    );
  }
  return (
    <Stack spacing={2} data-testid="host-key-dialog">
      <Typography variant="body2">
        {probe.state === 'match'
          ? `${probe.host}:${probe.port} offers the host key Certdesk already pinned:`
          : `${probe.host}:${probe.port} offers this host key. Certdesk will pin it and refuse any other:`}
      </Typography>
      <Paper variant="outlined" sx={{ p: 2 }}>
        <Fingerprint hostKey={probe.offered} testId="host-key-offered" />
      </Paper>
      <Alert severity="warning">
        Only accept if it matches the server’s key: run <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> on the server.
      </Alert>
    </Stack>
  );
}
