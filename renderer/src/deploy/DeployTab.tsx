// Manage → Deploy: the Linux end servers Certdesk reaches over SSH (name, user@host:port, authentication,
// pinned host key, last test, mapped domains) with Test connection, Edit, Delete; their mappings (domains,
// webroot for http-01, deploy settings); and the DNS mappings per domain.
import AddIcon from '@mui/icons-material/Add';
import AddLinkIcon from '@mui/icons-material/AddLink';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import EditOutlinedIcon from '@mui/icons-material/EditOutlined';
import NetworkCheckIcon from '@mui/icons-material/NetworkCheck';
import StorageOutlinedIcon from '@mui/icons-material/StorageOutlined';
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
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EndServer, ServerMapping } from '../../../shared/model/server.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { useNotice } from '../components/Notice.tsx';
import { DnsMappingsTable } from '../dns/DnsMappings.tsx';
import { useServers } from '../state/servers.tsx';
import { MappingDialog } from './MappingDialog.tsx';
import { ServerDialog } from './ServerDialog.tsx';
import { DeleteServerDialog, ServerTestDialog } from './ServerDialogs.tsx';

function LastTest({ server }: { server: EndServer }) {
  const t = server.lastTest;
  if (!t) {
    return (
      <Typography variant="body2" color="text.disabled">
        Not tested yet
      </Typography>
    );
  }
  return (
    <Tooltip title={`${new Date(t.at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}: ${t.message}`}>
      <Typography variant="body2" noWrap color={t.ok ? 'success.main' : 'error.main'} tabIndex={0} data-testid="server-last-test">
        {t.ok ? 'OK' : 'Failed'}
      </Typography>
    </Tooltip>
  );
}

function Domains({ domains }: { domains: string[] }) {
  if (domains.length === 0) {
    return (
      <Typography variant="body2" color="text.disabled">
        —
      </Typography>
    );
  }
  return (
    <Tooltip title={domains.join(', ')}>
      <Typography variant="body2" noWrap tabIndex={0} data-testid="server-domains">
        {domains[0]}
        {domains.length > 1 ? ` +${domains.length - 1}` : ''}
      </Typography>
    </Tooltip>
  );
}

/** A mapping's http-01 answer: a directory, the agent itself (`agent:self`) or an IIS site's directory (`iis:<site>`). */
function webrootText(webroot: string | null): string {
  if (!webroot) return 'No http-01';
  if (webroot === 'agent:self') return 'The agent answers itself';
  if (webroot.startsWith('iis:')) return `IIS site ${webroot.slice(4)}`;
  return webroot;
}

function webrootIsPath(webroot: string | null): boolean {
  return !!webroot && webroot !== 'agent:self' && !webroot.startsWith('iis:');
}

function deploySummary(m: ServerMapping): string {
  const d = m.deploy;
  if (!d || !d.enabled) return 'Not deployed';
  if (d.format === 'iis') return `IIS · site ${d.site ?? '?'}${d.reload ? ' · command' : ''}${d.check ? ` · check ${d.check}` : ''}`;
  const files = d.format === 'pem' ? [d.fullchainPath, d.certPath, d.keyPath].filter(Boolean).length : 1;
  return `${d.format.toUpperCase()} · ${files} file${files === 1 ? '' : 's'}${d.reload ? ' · reload' : ''}${d.check ? ` · check ${d.check}` : ''}`;
}

export function DeployTab() {
  const { servers, agents, mappings, loading, error, reload, upsert, targetName } = useServers();
  const notify = useNotice();
  const [editing, setEditing] = useState<EndServer | 'new' | null>(null);
  const [testing, setTesting] = useState<EndServer | null>(null);
  const [deleting, setDeleting] = useState<EndServer | null>(null);
  const [mappingOf, setMappingOf] = useState<{ mapping?: ServerMapping; serverId?: string } | null>(null);
  const [actionError, setActionError] = useState<ErrorInfo | null>(null);

  const unmap = async (m: ServerMapping) => {
    setActionError(null);
    try {
      await call('servers:unmap', { serverId: m.serverId, domains: [m.domain] });
      notify(`Mapping of ${m.domain} removed.`);
    } catch (err) {
      setActionError(errorInfo(err));
    } finally {
      void reload();
    }
  };

  return (
    <Stack spacing={3} data-testid="deploy-tab">
      <Stack spacing={2} component="section" aria-labelledby="servers-title">
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Box sx={{ flex: 1, minWidth: 0 }}>
            <Typography variant="h6" component="h3" id="servers-title">
              End servers
            </Typography>
            <Typography variant="body2" color="text.secondary">
              Linux servers Certdesk reaches over SSH: it answers http-01 challenges in their webroot and deploys certificates there.
              Passwords and keys stay in your OS keychain. Windows servers: install and pair the Certdesk agent (Windows agents tab).
            </Typography>
          </Box>
          <Button variant="contained" startIcon={<AddIcon />} onClick={() => setEditing('new')} data-testid="add-server">
            Add server
          </Button>
        </Box>
        {error ? <ErrorAlert error={error} action={<RetryButton onRetry={() => void reload()} />} /> : null}
        {actionError ? <ErrorAlert error={actionError} onClose={() => setActionError(null)} /> : null}
        <Paper variant="outlined">
          <TableContainer>
            <Table size="small" aria-label="End servers" sx={{ tableLayout: 'fixed' }}>
              <TableHead>
                <TableRow>
                  <TableCell sx={{ width: 120 }}>Name</TableCell>
                  <TableCell>Address</TableCell>
                  <TableCell sx={{ width: 96 }}>Auth</TableCell>
                  <TableCell sx={{ width: 100 }}>Last test</TableCell>
                  <TableCell sx={{ width: 130 }}>Domains</TableCell>
                  <TableCell sx={{ width: 164 }} align="right">
                    Actions
                  </TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {loading && servers.length === 0 ? (
                  <TableRow>
                    {[80, 140, 60, 60, 90, 120].map((w, i) => (
                      <TableCell key={i}>
                        <Skeleton width={w} />
                      </TableCell>
                    ))}
                  </TableRow>
                ) : null}
                {!loading && servers.length === 0 ? (
                  <TableRow>
                    <TableCell colSpan={6} sx={{ borderBottom: 0 }}>
                      <Box sx={{ py: 3, textAlign: 'center' }} data-testid="no-servers">
                        <StorageOutlinedIcon sx={{ fontSize: 40, color: 'text.disabled' }} aria-hidden />
                        <Typography variant="subtitle1" sx={{ mt: 1 }}>
                          No end server yet
                        </Typography>
                        <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 520, mx: 'auto' }}>
                          <strong>Add server</strong> lets Certdesk answer http-01 challenges and install renewed certificates on your Linux
                          servers by itself.
                        </Typography>
                      </Box>
                    </TableCell>
                  </TableRow>
                ) : null}
                {servers.map((s) => (
                  <TableRow key={s.id} hover data-testid="server-row" data-id={s.id}>
                    <TableCell>
                      <Typography variant="body2" sx={{ fontWeight: 600 }} noWrap title={s.name}>
                        {s.name}
                      </Typography>
                    </TableCell>
                    <TableCell>
                      <Tooltip title={`Host key ${s.hostKey.algorithm} ${s.hostKey.sha256}`}>
                        <Typography variant="body2" noWrap tabIndex={0} sx={{ fontFamily: 'monospace', fontSize: 13 }} data-testid="server-address">
                          {s.user}@{s.host}:{s.port}
                        </Typography>
                      </Tooltip>
                    </TableCell>
                    <TableCell>
                      <Chip size="small" variant="outlined" label={s.auth === 'key' ? 'Key' : 'Password'} data-testid="server-auth" />
                    </TableCell>
                    <TableCell>
                      <LastTest server={s} />
                    </TableCell>
                    <TableCell>
                      <Domains domains={s.domains} />
                    </TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                      <IconAction label={`Map domains to ${s.name}`} size="small" onClick={() => setMappingOf({ serverId: s.id })}>
                        <AddLinkIcon fontSize="small" />
                      </IconAction>
                      <IconAction label={`Test connection of ${s.name}`} size="small" onClick={() => setTesting(s)}>
                        <NetworkCheckIcon fontSize="small" />
                      </IconAction>
                      <IconAction label={`Edit ${s.name}`} size="small" onClick={() => setEditing(s)}>
                        <EditOutlinedIcon fontSize="small" />
                      </IconAction>
                      <IconAction label={`Delete ${s.name}`} size="small" onClick={() => setDeleting(s)}>
                        <DeleteOutlineIcon fontSize="small" />
                      </IconAction>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        </Paper>
      </Stack>

      <Stack spacing={1} component="section" aria-labelledby="server-mappings-title">
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Typography variant="h6" component="h3" id="server-mappings-title" sx={{ flex: 1 }}>
            Server mappings
          </Typography>
          <Button startIcon={<AddLinkIcon />} onClick={() => setMappingOf({})} disabled={servers.length === 0 && agents.length === 0} data-testid="add-mapping">
            Add mapping
          </Button>
        </Box>
        <Typography variant="body2" color="text.secondary">
          Per domain: the end server or Windows agent that answers its http-01 challenges (webroot) and receives its certificates. A server
          mapping takes precedence over DNS for http-01.
        </Typography>
        <Paper variant="outlined">
          <TableContainer>
            <Table size="small" aria-label="Server mappings" sx={{ tableLayout: 'fixed' }}>
              <TableHead>
                <TableRow>
                  <TableCell sx={{ width: 160 }}>Domain</TableCell>
                  <TableCell sx={{ width: 100 }}>Server</TableCell>
                  <TableCell>Webroot</TableCell>
                  <TableCell sx={{ width: 200 }}>Deploy</TableCell>
                  <TableCell sx={{ width: 92 }} align="right">
                    Actions
                  </TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {mappings.length === 0 ? (
                  <TableRow>
                    <TableCell colSpan={5}>
                      <Typography variant="body2" color="text.secondary" sx={{ py: 1 }} data-testid="no-server-mappings">
                        No server mapping yet. Map domains to a server (or a Windows agent) with the link icon of its row, or with the mapping icon of a request.
                      </Typography>
                    </TableCell>
                  </TableRow>
                ) : null}
                {mappings.map((m) => (
                  <TableRow key={`${m.serverId}/${m.domain}`} hover data-testid="server-mapping-row" data-domain={m.domain}>
                    <TableCell>
                      <Typography variant="body2" noWrap title={m.domain}>
                        {m.domain}
                      </Typography>
                    </TableCell>
                    <TableCell>
                      <Typography variant="body2" noWrap>
                        {targetName(m.serverId) ?? '—'}
                      </Typography>
                    </TableCell>
                    <TableCell>
                      <Typography variant="body2" noWrap sx={{ fontFamily: webrootIsPath(m.webroot) ? 'monospace' : undefined, fontSize: 13 }} color={m.webroot ? 'text.primary' : 'text.disabled'} title={m.webroot ?? undefined} data-testid="mapping-webroot-summary">
                        {webrootText(m.webroot)}
                      </Typography>
                    </TableCell>
                    <TableCell>
                      <Typography variant="body2" noWrap color={m.deploy?.enabled ? 'text.primary' : 'text.disabled'} title={deploySummary(m)} data-testid="mapping-deploy-summary">
                        {deploySummary(m)}
                      </Typography>
                    </TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                      <IconAction label={`Edit mapping of ${m.domain}`} size="small" onClick={() => setMappingOf({ mapping: m })}>
                        <EditOutlinedIcon fontSize="small" />
                      </IconAction>
                      <IconAction label={`Remove mapping of ${m.domain}`} size="small" onClick={() => void unmap(m)}>
                        <DeleteOutlineIcon fontSize="small" />
                      </IconAction>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        </Paper>
      </Stack>

      <Stack spacing={1} component="section" aria-labelledby="dns-mappings-title">
        <Typography variant="h6" component="h3" id="dns-mappings-title">
          DNS mappings
        </Typography>
        <Typography variant="body2" color="text.secondary">
          Per domain: the DNS account that answers its dns-01 challenges, the zone, and the provider’s per-domain fields (RFC 2136: the
          zone and, optionally, its own TSIG key). A mapping takes precedence over the request’s DNS account.
        </Typography>
        <DnsMappingsTable />
      </Stack>

      {editing ? (
        <ServerDialog
          {...(editing === 'new' ? {} : { server: editing })}
          onClose={() => setEditing(null)}
          onSaved={(s) => {
            const added = editing === 'new';
            setEditing(null);
            upsert(s);
            notify(added ? `Server “${s.name}” added with its host key pinned. Map domains to it next.` : `Server “${s.name}” saved.`);
            void reload();
          }}
        />
      ) : null}
      {testing ? <ServerTestDialog server={testing} onClose={() => setTesting(null)} onTested={(s) => upsert(s)} /> : null}
      {deleting ? (
        <DeleteServerDialog
          server={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            const name = deleting.name;
            setDeleting(null);
            notify(`Server “${name}” deleted; its secrets are gone from the keychain.`);
            void reload();
          }}
        />
      ) : null}
      {mappingOf ? (
        <MappingDialog
          domains={mappingOf.mapping ? [mappingOf.mapping.domain] : []}
          {...(mappingOf.serverId ? { serverId: mappingOf.serverId } : {})}
          {...(mappingOf.mapping ? { mapping: mappingOf.mapping } : {})}
          onClose={() => setMappingOf(null)}
          onSaved={(saved) => {
            setMappingOf(null);
            notify(`Mapping saved for ${saved.map((m) => m.domain).join(', ')}.`);
            void reload();
          }}
        />
      ) : null}
    </Stack>
  );
}
