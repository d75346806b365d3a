// The agent mapping (seed Step 3.1) for Linux end servers: which server answers the domains' http-01
// challenges (webroot) and what Certdesk deploys there after issuance (files, format, owner and modes, reload
// command, the address that must serve the new certificate). Field errors from the service go under their input.
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Collapse from '@mui/material/Collapse';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useMemo, useState } from 'react';
import type { Req } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DeployFormat, ServerMapping } from '../../../shared/model/server.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormDialog } from '../components/FormDialog.tsx';
import { useServers } from '../state/servers.tsx';

interface Draft {
  serverId: string;
  domains: string;
  webroot: string;
  deploy: boolean;
  format: DeployFormat;
  certPath: string;
  chainPath: string;
  fullchainPath: string;
  keyPath: string;
  keystorePassword: string;
  owner: string;
  keyMode: string;
  certMode: string;
  reload: string;
  check: string;
}

function draftOf(serverId: string, domains: string[], m: ServerMapping | undefined): Draft {
  const d = m?.deploy;
  return {
    serverId,
    domains: domains.join(', '),
    webroot: m?.webroot ?? '',
    deploy: d?.enabled ?? false,
    format: d?.format ?? 'pem',
    certPath: d?.certPath ?? '',
    chainPath: d?.chainPath ?? '',
    fullchainPath: d?.fullchainPath ?? '',
    keyPath: d?.keyPath ?? '',
    keystorePassword: '',
    owner: d?.owner ?? '',
    keyMode: d?.keyMode ?? '600',
    certMode: d?.certMode ?? '644',
    reload: d?.reload ?? '',
    check: d?.check ?? '',
  };
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

/** Domains typed as a list: commas, spaces or new lines; the `*.` of a wildcard is the domain itself. */
function domainList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((d) => d.trim().toLowerCase().replace(/^\*\./, '')).filter(Boolean))];
}

export interface MappingDialogProps {
  /** Prefilled domains (a request's names, or the mapping being edited). */
  domains: string[];
  /** Preselected server. */
  serverId?: string;
  /** Editing an existing mapping: its domain is fixed. */
  mapping?: ServerMapping;
  onClose: () => void;
  onSaved: (mappings: ServerMapping[]) => void;
}

export function MappingDialog({ domains, serverId, mapping, onClose, onSaved }: MappingDialogProps) {
  const { servers, mappings } = useServers();
  const initial = useMemo(() => {
    const sid = mapping?.serverId ?? serverId ?? servers[0]?.id ?? '';
    const existing = mapping ?? mappings.find((m) => m.serverId === sid && domains.map((d) => d.toLowerCase().replace(/^\*\./, '')).includes(m.domain));
    return draftOf(sid, mapping ? [mapping.domain] : domains, existing);
    // The draft is taken once, when the dialog opens.
  }, []);
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [working, setWorking] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    const key = ['serverId', 'domains', 'webroot'].includes(k) ? k : `deploy.${k}`;
    setErrors((e) => {
      const { [key]: _gone, [k]: _also, ...rest } = e;
      return rest;
    });
  };
  const err = (k: keyof Draft): string | undefined => errors[`deploy.${k}`] ?? errors[k];
  const storedPassword = mapping?.deploy?.keystorePasswordStored ?? false;

  const submit = async () => {
    const local: Record<string, string> = {};
    if (!draft.serverId) local.serverId = 'Server is required: add an end server first (Add server).';
    const list = domainList(draft.domains);
    if (list.length === 0) local.domains = 'Domains: give at least one domain, e.g. example.com.';
    if (!draft.webroot.trim() && !draft.deploy) local.webroot = 'Give a webroot (http-01), tick Deploy certificate, or both: otherwise this mapping does nothing.';
    if (draft.webroot.trim() && !draft.webroot.trim().startsWith('/')) local.webroot = 'Webroot must be an absolute path on the server, e.g. /var/www/html.';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    const deploy: Req<'servers:map'>['deploy'] = draft.deploy
      ? {
          enabled: true,
          format: draft.format,
          certPath: orNull(draft.certPath),
          ...(draft.format === 'pem' ? { chainPath: orNull(draft.chainPath), fullchainPath: orNull(draft.fullchainPath), keyPath: orNull(draft.keyPath) } : { chainPath: null, fullchainPath: null, keyPath: null }),
          ...(draft.format !== 'pem' && draft.keystorePassword ? { keystorePassword: draft.keystorePassword } : {}),
          owner: orNull(draft.owner),
          keyMode: draft.keyMode.trim() || '600',
          certMode: draft.certMode.trim() || '644',
          reload: orNull(draft.reload),
          check: orNull(draft.check),
        }
      : mapping?.deploy
        ? { ...mapping.deploy, enabled: false, keystorePassword: undefined }
        : null;
    setWorking(true);
    setError(null);
    try {
      if (mapping && mapping.serverId !== draft.serverId) await call('servers:unmap', { serverId: mapping.serverId, domains: [mapping.domain] });
      const saved = await call('servers:map', { serverId: draft.serverId, domains: list, webroot: orNull(draft.webroot), deploy });
      onSaved(saved);
    } catch (e) {
      const fields = fieldErrors(e);
      setErrors(fields);
      if (Object.keys(fields).length === 0) setError(errorInfo(e));
    } finally {
      setWorking(false);
    }
  };

  const text = (k: keyof Draft, label: string, hint: string, extra: { placeholder?: string; width?: number; mono?: boolean; type?: string } = {}) => (
    <TextField
      label={label}
      value={draft[k] as string}
      onChange={(e) => set(k, e.target.value as never)}
      error={!!err(k)}
      helperText={err(k) ?? hint}
      placeholder={extra.placeholder}
      type={extra.type}
      sx={extra.width ? { width: extra.width } : { flex: 1 }}
      slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', 'data-testid': `mapping-${k}`, style: extra.mono ? { fontFamily: 'monospace' } : undefined } }}
    />
  );

  return (
    <FormDialog
      title={mapping ? `Mapping · ${mapping.domain}` : 'Map domains to an end server'}
      working={working}
      onClose={onClose}
      onSubmit={() => void submit()}
      aria-label="Mapping"
      actions={
        <>
          <Button onClick={onClose} disabled={working}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={working} data-testid="mapping-save">
            Save mapping
          </Button>
        </>
      }
    >
      <Box data-testid="mapping-editor" sx={{ display: 'contents' }} />
      <TextField
        select
        label="End server"
        value={draft.serverId}
        onChange={(e) => set('serverId', e.target.value)}
        error={!!errors.serverId}
        helperText={errors.serverId ?? (servers.length === 0 ? 'No end server yet: add one in Manage → Deploy first.' : 'Where the files go, over SSH.')}
        slotProps={{ htmlInput: { 'data-testid': 'mapping-server' } }}
      >
        {servers.map((s) => (
          <MenuItem key={s.id} value={s.id}>
            {s.name} · {s.user}@{s.host}:{s.port}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label="Domains"
        value={draft.domains}
        onChange={(e) => set('domains', e.target.value)}
        disabled={mapping !== undefined}
        error={!!errors.domains}
        helperText={errors.domains ?? 'Separated by commas; a domain covers its subdomains too (the most specific mapping wins).'}
        slotProps={{ htmlInput: { spellCheck: false, 'data-testid': 'mapping-domains' } }}
      />
      {text('webroot', 'Webroot (http-01)', 'Absolute path the web server serves; Certdesk places .well-known/acme-challenge/<token> files there. Empty: this server does not answer http-01.', { placeholder: '/var/www/html', mono: true })}
      <FormControlLabel
        control={<Checkbox checked={draft.deploy} onChange={(e) => set('deploy', e.target.checked)} slotProps={{ input: { 'data-testid': 'mapping-deploy' } as object }} />}
        label="Deploy Certificate"
      />
      <Collapse in={draft.deploy} unmountOnExit>
        <Stack spacing={2} sx={{ pl: 2, borderLeft: 2, borderColor: 'divider' }}>
          <Box>
            <Typography variant="body2" sx={{ mb: 0.75 }} id="deploy-format-label">
              Format
            </Typography>
            <ToggleButtonGroup exclusive size="small" value={draft.format} onChange={(_e, v: DeployFormat | null) => v && set('format', v)} aria-labelledby="deploy-format-label">
              <ToggleButton value="pem">PEM files</ToggleButton>
              <ToggleButton value="pfx">PFX</ToggleButton>
              <ToggleButton value="jks">JKS</ToggleButton>
            </ToggleButtonGroup>
          </Box>
          {draft.format === 'pem' ? (
            <>
              {text('certPath', 'Certificate', 'The leaf certificate alone (optional).', { placeholder: '/etc/ssl/example/cert.pem', mono: true })}
              {text('chainPath', 'Chain', 'The issuer chain without the leaf (optional).', { placeholder: '/etc/ssl/example/chain.pem', mono: true })}
              {text('fullchainPath', 'Full chain', 'Leaf + chain: what nginx’s ssl_certificate wants.', { placeholder: '/etc/ssl/example/fullchain.pem', mono: true })}
              {text('keyPath', 'Private key', 'Written with the key mode below.', { placeholder: '/etc/ssl/example/privkey.pem', mono: true })}
            </>
          ) : (
            <>
              {text('certPath', 'Keystore', `The ${draft.format === 'pfx' ? 'PKCS#12 (.pfx)' : 'Java keystore (.jks)'} file with the key and the chain.`, { placeholder: draft.format === 'pfx' ? '/etc/ssl/example/cert.pfx' : '/opt/app/keystore.jks', mono: true })}
              {text('keystorePassword', 'Keystore password', storedPassword ? 'Stored in your keychain. Leave empty to keep it.' : 'Kept in your keychain. Empty: the request’s keystore password.', { type: 'password' })}
            </>
          )}
          <Stack direction="row" spacing={2}>
            {text('owner', 'Owner', 'user, user:group or :group; empty: as the SSH user creates them.', { placeholder: 'www-data:www-data' })}
            {text('keyMode', 'Key mode', draft.format === 'pem' ? 'Private key.' : 'Keystore.', { width: 120, mono: true })}
            {text('certMode', 'Cert mode', 'Certificates.', { width: 120, mono: true })}
          </Stack>
          {text('reload', 'Reload command', 'Runs after the files are in place; a non-zero exit puts the previous files back.', { placeholder: 'sudo systemctl reload nginx', mono: true })}
          {text('check', 'Check address', 'host:port that must then serve the new certificate (TLS, with SNI). Empty: not checked.', { placeholder: '127.0.0.1:443', mono: true })}
        </Stack>
      </Collapse>
      {error ? <ErrorAlert error={error} onClose={() => setError(null)} /> : null}
    </FormDialog>
  );
}
