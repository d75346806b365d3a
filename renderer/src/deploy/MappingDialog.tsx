// The agent mapping (seed Step 3.1): which end server answers the domains' http-01 challenges and what Certdesk
// deploys there after issuance (files, format, owner and modes, reload command, the address that must serve the
// new certificate). The end server is a Linux server over SSH or a paired Certdesk agent (one list, grouped): an
// agent may answer http-01 itself (self-serve) or from an IIS site's directory, and on Windows install into IIS;
// its paths are Windows paths there. Field errors from the service go under their input.
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Collapse from '@mui/material/Collapse';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import ListSubheader from '@mui/material/ListSubheader';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useMemo, useState } from 'react';
import type { Req } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Agent } from '../../../shared/model/agent.ts';
import type { DeployFormat, ServerMapping } from '../../../shared/model/server.ts';
import { hasCapability, isWindowsAgent } from '../agents/agentText.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { useServers } from '../state/servers.tsx';

/** How the target answers http-01: files in a directory, the agent itself (`agent:self`), an IIS site's directory. */
type WebrootMode = 'dir' | 'self' | 'iis';

/** `agent:self` in the contract (SELF_SERVE_WEBROOT of electron/agent/protocol.ts, kept out of the window's bundle). */
const SELF_SERVE = 'agent:self';

interface Draft {
  serverId: string;
  domains: string;
  webrootMode: WebrootMode;
  webroot: string;
  /** webrootMode iis: the IIS site whose physical path gets the files. */
  webrootSite: string;
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
  /** format iis: the IIS site whose https binding gets the certificate. */
  site: string;
}

function draftOf(serverId: string, domains: string[], m: ServerMapping | undefined): Draft {
  const d = m?.deploy;
  const w = m?.webroot ?? '';
  const mode: WebrootMode = w === SELF_SERVE ? 'self' : w.startsWith('iis:') ? 'iis' : 'dir';
  return {
    serverId,
    domains: domains.join(', '),
    webrootMode: mode,
    webroot: mode === 'dir' ? w : '',
    webrootSite: mode === 'iis' ? w.slice(4) : '',
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
    site: d?.site ?? '',
  };
}

/** What the chosen target can do, for the form: Windows paths, self-serve http-01, IIS. */
interface TargetTraits {
  agent: Agent | undefined;
  windows: boolean;
  selfServe: boolean;
  iis: boolean;
}

function traitsOf(agent: Agent | undefined): TargetTraits {
  return { agent, windows: isWindowsAgent(agent), selfServe: hasCapability(agent, 'self-serve'), iis: hasCapability(agent, 'iis') };
}

const WINDOWS_ABSOLUTE = /^[A-Za-z]:[\\/]/;

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
  const { servers, agents, mappings, agent } = useServers();
  const initial = useMemo(() => {
    const sid = mapping?.serverId ?? serverId ?? servers[0]?.id ?? agents[0]?.id ?? '';
    const existing = mapping ?? mappings.find((m) => m.serverId === sid && domains.map((d) => d.toLowerCase().replace(/^\*\./, '')).includes(m.domain));
    return draftOf(sid, mapping ? [mapping.domain] : domains, existing);
    // The draft is taken once, when the dialog opens.
  }, []);
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [working, setWorking] = useState(false);
  const traits = traitsOf(agent(draft.serverId));
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => {
      const next = { ...d, [k]: v };
      if (k === 'serverId') {
        // A target that cannot do what the draft chose: fall back to what every target does.
        const t = traitsOf(agent(v as string));
        if ((next.webrootMode === 'self' && !t.selfServe) || (next.webrootMode === 'iis' && !t.iis)) next.webrootMode = 'dir';
        if (next.format === 'iis' && !t.iis) next.format = 'pem';
      }
      return next;
    });
    const key = ['serverId', 'domains', 'webroot', 'webrootMode', 'webrootSite'].includes(k) ? (k === 'serverId' || k === 'domains' ? k : 'webroot') : `deploy.${k}`;
    setErrors((e) => {
      const { [key]: _gone, [k]: _also, ...rest } = e;
      return rest;
    });
  };
  const err = (k: keyof Draft): string | undefined => errors[`deploy.${k}`] ?? errors[k];
  const storedPassword = mapping?.deploy?.keystorePasswordStored ?? false;

  const submit = async () => {
    const local: Record<string, string> = {};
    if (!draft.serverId) local.serverId = 'End server is required: add an end server (Manage → Deploy) or pair an agent (Manage → Windows agents) first.';
    const list = domainList(draft.domains);
    if (list.length === 0) local.domains = 'Domains: give at least one domain, e.g. example.com.';
    const webroot = draft.webrootMode === 'self' ? SELF_SERVE : draft.webrootMode === 'iis' ? (draft.webrootSite.trim() ? `iis:${draft.webrootSite.trim()}` : '') : draft.webroot.trim();
    if (draft.webrootMode === 'iis' && !draft.webrootSite.trim()) local.webroot = 'IIS site is required: its name as IIS Manager shows it, e.g. Default Web Site.';
    else if (!webroot && !draft.deploy) local.webroot = 'Give a webroot (http-01), tick Deploy certificate, or both: otherwise this mapping does nothing.';
    else if (draft.webrootMode === 'dir' && webroot && traits.windows && !WINDOWS_ABSOLUTE.test(webroot)) local.webroot = 'Webroot must be an absolute Windows path on the server, e.g. C:\\inetpub\\wwwroot.';
    else if (draft.webrootMode === 'dir' && webroot && !traits.windows && !webroot.startsWith('/')) local.webroot = 'Webroot must be an absolute path on the server, e.g. /var/www/html.';
    if (draft.deploy && draft.format === 'iis' && !draft.site.trim()) local['deploy.site'] = 'IIS site is required: the site whose https binding gets the certificate, e.g. Default Web Site.';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    const deploy: Req<'servers:map'>['deploy'] = draft.deploy && draft.format === 'iis'
      ? { enabled: true, format: 'iis', site: draft.site.trim(), certPath: null, chainPath: null, fullchainPath: null, keyPath: null, owner: null, reload: orNull(draft.reload), check: orNull(draft.check) }
      : draft.deploy
      ? {
          enabled: true,
          format: draft.format,
          certPath: orNull(draft.certPath),
          ...(draft.format === 'pem' ? { chainPath: orNull(draft.chainPath), fullchainPath: orNull(draft.fullchainPath), keyPath: orNull(draft.keyPath) } : { chainPath: null, fullchainPath: null, keyPath: null }),
          ...(draft.format !== 'pem' && draft.keystorePassword ? { keystorePassword: draft.keystorePassword } : {}),
          owner: traits.windows ? null : orNull(draft.owner),
          keyMode: draft.keyMode.trim() || '600',
          certMode: draft.certMode.trim() || '644',
          reload: orNull(draft.reload),
          check: orNull(draft.check),
          site: null,
        }
      : mapping?.deploy
        ? { ...mapping.deploy, enabled: false, keystorePassword: undefined }
        : null;
    setWorking(true);
    setError(null);
    try {
      if (mapping && mapping.serverId !== draft.serverId) await call('servers:unmap', { serverId: mapping.serverId, domains: [mapping.domain] });
      const saved = await call('servers:map', { serverId: draft.serverId, domains: list, webroot: webroot || null, deploy });
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

  const win = traits.windows;
  const targetHelp =
    servers.length === 0 && agents.length === 0
      ? 'No end server yet: add one in Manage → Deploy, or pair an agent in Manage → Windows agents.'
      : traits.agent
        ? `A Certdesk agent${win ? ' on Windows' : ''}: it places the files and installs the certificate itself, over its pinned HTTPS connection.`
        : 'A Linux server: Certdesk places the files over SSH.';
  const webrootHelp = win
    ? 'Absolute path IIS serves for the site (C:\\inetpub\\wwwroot for the Default Web Site); the agent places .well-known\\acme-challenge\\<token> files there. Empty: no http-01 here.'
    : 'Absolute path the web server serves; Certdesk places .well-known/acme-challenge/<token> files there. Empty: this server does not answer http-01.';
  const p = (posix: string, windows: string) => (win ? windows : posix);

  return (
    <FormDialog
      title={mapping ? `Mapping · ${mapping.domain}` : 'Map domains to an end server'}
      working={working}
      onClose={onClose}
      onSubmit={() => void submit()}
      aria-label="Mapping"
      actions={
        <>
          <FormCancel disabled={working}>
            Cancel
          </FormCancel>
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
        helperText={errors.serverId ?? targetHelp}
        slotProps={{ htmlInput: { 'data-testid': 'mapping-server' }, select: { MenuProps: { slotProps: { paper: { sx: { maxHeight: 360 } } } } } }}
      >
        {servers.length > 0 ? <ListSubheader>Linux servers (SSH)</ListSubheader> : null}
        {servers.map((s) => (
          <MenuItem key={s.id} value={s.id} data-testid="mapping-target-server">
            {s.name} · {s.user}@{s.host}:{s.port}
          </MenuItem>
        ))}
        {agents.length > 0 ? <ListSubheader>Certdesk agents</ListSubheader> : null}
        {agents.map((a) => (
          <MenuItem key={a.id} value={a.id} data-testid="mapping-target-agent">
            {a.name} · agent {a.url.replace(/^https:\/\//, '')}
            {isWindowsAgent(a) ? ' · Windows' : ''}
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
      {traits.agent && (traits.selfServe || traits.iis || draft.webrootMode !== 'dir') ? (
        <Box>
          <Typography variant="body2" sx={{ mb: 0.25 }} id="webroot-mode-label">
            http-01 challenges
          </Typography>
          <RadioGroup aria-labelledby="webroot-mode-label" value={draft.webrootMode} onChange={(_e, v) => set('webrootMode', v as WebrootMode)}>
            <FormControlLabel value="dir" control={<Radio size="small" />} label="Files in a webroot directory" data-testid="mapping-webroot-dir" />
            {traits.selfServe || draft.webrootMode === 'self' ? (
              <FormControlLabel
                value="self"
                control={<Radio size="small" />}
                label={`The agent answers http-01 itself${traits.agent.report.challengePort ? ` (port ${traits.agent.report.challengePort})` : ''}`}
                disabled={!traits.selfServe}
                data-testid="mapping-webroot-self"
              />
            ) : null}
            {traits.iis || draft.webrootMode === 'iis' ? (
              <FormControlLabel value="iis" control={<Radio size="small" />} label="The directory of an IIS site" disabled={!traits.iis} data-testid="mapping-webroot-iis" />
            ) : null}
          </RadioGroup>
          {draft.webrootMode === 'self' ? (
            <FormHelperText error={!!errors.webroot} sx={{ mx: 1.75 }} data-testid="mapping-webroot-self-help">
              {errors.webroot ??
                `Let's Encrypt's request for /.well-known/acme-challenge/<token> must reach the agent's challenge port${traits.agent.report.challengePort === 80 ? '' : ' (forward port 80 to it)'}; no web server needed.`}
            </FormHelperText>
          ) : null}
        </Box>
      ) : null}
      {draft.webrootMode === 'dir' ? text('webroot', 'Webroot (http-01)', webrootHelp, { placeholder: p('/var/www/html', 'C:\\inetpub\\wwwroot'), mono: true }) : null}
      {draft.webrootMode === 'iis' ? (
        <TextField
          label="IIS site (http-01)"
          value={draft.webrootSite}
          onChange={(e) => set('webrootSite', e.target.value)}
          error={!!errors.webroot}
          helperText={errors.webroot ?? 'The agent places the files in this site’s physical path, as IIS Manager shows the site.'}
          placeholder="Default Web Site"
          slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', 'data-testid': 'mapping-webrootSite' } }}
        />
      ) : null}
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
              {traits.iis || draft.format === 'iis' ? (
                <ToggleButton value="iis" disabled={!traits.iis} data-testid="mapping-format-iis">
                  IIS
                </ToggleButton>
              ) : null}
              <ToggleButton value="pem">PEM files</ToggleButton>
              <ToggleButton value="pfx">PFX</ToggleButton>
              <ToggleButton value="jks">JKS</ToggleButton>
            </ToggleButtonGroup>
            {err('format') ? (
              <FormHelperText error sx={{ mx: 1.75 }}>
                {err('format')}
              </FormHelperText>
            ) : null}
          </Box>
          {draft.format === 'iis' ? (
            <>
              {text('site', 'IIS site', 'The agent imports the certificate into LocalMachine\\My and binds it to this site’s https binding (the previous one is put back if the check fails).', { placeholder: 'Default Web Site' })}
            </>
          ) : draft.format === 'pem' ? (
            <>
              {text('certPath', 'Certificate', 'The leaf certificate alone (optional).', { placeholder: p('/etc/ssl/example/cert.pem', 'C:\\certs\\example\\cert.pem'), mono: true })}
              {text('chainPath', 'Chain', 'The issuer chain without the leaf (optional).', { placeholder: p('/etc/ssl/example/chain.pem', 'C:\\certs\\example\\chain.pem'), mono: true })}
              {text('fullchainPath', 'Full chain', win ? 'Leaf + chain in one PEM file.' : 'Leaf + chain: what nginx’s ssl_certificate wants.', { placeholder: p('/etc/ssl/example/fullchain.pem', 'C:\\certs\\example\\fullchain.pem'), mono: true })}
              {text('keyPath', 'Private key', win ? 'The private key in PEM.' : 'Written with the key mode below.', { placeholder: p('/etc/ssl/example/privkey.pem', 'C:\\certs\\example\\privkey.pem'), mono: true })}
            </>
          ) : (
            <>
              {text('certPath', 'Keystore', `The ${draft.format === 'pfx' ? 'PKCS#12 (.pfx)' : 'Java keystore (.jks)'} file with the key and the chain.`, {
                placeholder: draft.format === 'pfx' ? p('/etc/ssl/example/cert.pfx', 'C:\\certs\\example\\cert.pfx') : p('/opt/app/keystore.jks', 'C:\\app\\keystore.jks'),
                mono: true,
              })}
              {text('keystorePassword', 'Keystore password', storedPassword ? 'Stored in your keychain. Leave empty to keep it.' : 'Kept in your keychain. Empty: the request’s keystore password.', { type: 'password' })}
            </>
          )}
          {draft.format !== 'iis' && !win ? (
            <Stack direction="row" spacing={2}>
              {text('owner', 'Owner', 'user, user:group or :group; empty: as the SSH user creates them.', { placeholder: 'www-data:www-data' })}
              {text('keyMode', 'Key mode', draft.format === 'pem' ? 'Private key.' : 'Keystore.', { width: 120, mono: true })}
              {text('certMode', 'Cert mode', 'Certificates.', { width: 120, mono: true })}
            </Stack>
          ) : null}
          {text('reload', draft.format === 'iis' ? 'Command after install (optional)' : 'Reload command', draft.format === 'iis' ? 'IIS picks the new binding up by itself; a command here runs after it, and a non-zero exit puts the previous binding back.' : 'Runs after the files are in place; a non-zero exit puts the previous files back.', {
            placeholder: win ? 'powershell -Command Restart-WebAppPool -Name DefaultAppPool' : 'sudo systemctl reload nginx',
            mono: true,
          })}
          {text('check', 'Check address', 'host:port that must then serve the new certificate (TLS, with SNI). Empty: not checked.', { placeholder: '127.0.0.1:443', mono: true })}
        </Stack>
      </Collapse>
      {error ? <ErrorAlert error={error} onClose={() => setError(null)} /> : null}
    </FormDialog>
  );
}
