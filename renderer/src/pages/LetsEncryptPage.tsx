// The Let's Encrypt tab: the request toolbar (Certificate Request, Renew, Revoke, More), Manage on the
// right, and one row per request. Selecting a row drives the toolbar; each disabled action says why.
import AccountTreeOutlinedIcon from '@mui/icons-material/AccountTreeOutlined';
import AddCircleOutlineIcon from '@mui/icons-material/AddCircleOutlined';
import ArrowDropDownIcon from '@mui/icons-material/ArrowDropDown';
import AutorenewIcon from '@mui/icons-material/Autorenew';
import BlockIcon from '@mui/icons-material/Block';
import CloudUploadOutlinedIcon from '@mui/icons-material/CloudUploadOutlined';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import DnsOutlinedIcon from '@mui/icons-material/DnsOutlined';
import ReplayIcon from '@mui/icons-material/Replay';
import ShieldOutlinedIcon from '@mui/icons-material/ShieldOutlined';
import TuneIcon from '@mui/icons-material/Tune';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import TableCell from '@mui/material/TableCell';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { useMemo, useState, type ReactNode } from 'react';
import type { Request } from '../../../shared/model/request.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { SelectableRow, TablePanel } from '../components/TablePanel.tsx';
import { useNotice } from '../components/Notice.tsx';
import { directoryLabel, STATUS_COLOR, STATUS_TEXT } from '../format.ts';
import type { ManageOpen } from '../manage/ManageDialog.tsx';
import { DeleteDialog, RenewDialog, RevokeDialog } from '../requests/ActionDialogs.tsx';
import { activityText, ExpiryText, NamesSummary, RequestStatusChip, SavedMark, stalled } from '../requests/bits.tsx';
import { challengeLabel, keyLabel } from '../requests/format.ts';
import { RequestDialog } from '../requests/RequestDialog.tsx';
import { RequestWindow } from '../requests/RequestWindow.tsx';
import { AssignDnsDialog } from '../dns/AssignDnsDialog.tsx';
import { mappingDomain, RequestMappingsDialog } from '../dns/DnsMappings.tsx';
import { DeployNowDialog } from '../deploy/Deployments.tsx';
import { MappingDialog } from '../deploy/MappingDialog.tsx';
import { useAccounts } from '../state/accounts.tsx';
import { useDns } from '../state/dns.tsx';
import { http01ServerName, serverMappingFor, useServers } from '../state/servers.tsx';
import { useCertificates } from '../state/certificates.ts';
import { useRequests, type Activity } from '../state/requests.tsx';
import { PageHeader } from './PageHeader.tsx';

const COLUMNS = ['Common name', 'Challenge', 'Status', 'Expires', 'Key type', 'Mapping'];
/**
 * Fixed widths: the columns stay put while statuses and progress change, and all of them fit from a 1024 px
 * window up (the table is then ~735 px wide); the common name takes every pixel left. Long texts wrap onto a
 * second line instead of being cut.
 */
const COLUMN_WIDTH: Record<string, number | undefined> = { Challenge: 100, Status: 140, Expires: 112, 'Key type': 92, Mapping: 80 };
/** From 1280 px on, the fixed columns get room enough to keep their texts on one line. */
const COLUMN_WIDTH_WIDE: Record<string, number | undefined> = { Challenge: 160, Status: 176, Expires: 132, 'Key type': 110, Mapping: 84 };
const SELECT_FIRST = 'Select a request in the table first.';

function busyWith(r: Request, a: Activity | undefined): boolean {
  return (r.status === 'processing' && !stalled(r, a)) || a?.running === true;
}

function renewBlocked(r: Request | undefined, a: Activity | undefined): string | null {
  if (!r) return SELECT_FIRST;
  if (busyWith(r, a)) return 'The CA is working on this request: wait for the result.';
  if (r.status === 'revoked') return 'This certificate is revoked: raise a new Certificate Request instead.';
  if (r.status === 'available' || r.status === 'renewed') return null;
  if (r.status === 'failed' && r.certificate) return 'The last renewal failed: use More → New challenge to try it again.';
  if (r.status === 'pending' && r.certificate) return 'A renewal is waiting for its challenges: open it from its status.';
  return 'Only an issued certificate can be renewed: answer the challenges and verify first.';
}

function revokeBlocked(r: Request | undefined, a: Activity | undefined): string | null {
  if (!r) return SELECT_FIRST;
  if (r.status === 'revoked') return 'This certificate is already revoked.';
  if (!r.certificate) return 'Nothing to revoke yet: no certificate has been issued for this request.';
  if (busyWith(r, a)) return 'The CA is working on this request: wait for the result.';
  return null;
}

function deleteBlocked(r: Request | undefined, a: Activity | undefined): string | null {
  if (!r) return SELECT_FIRST;
  if (busyWith(r, a)) return 'The CA is working on this request: wait for the result (or cancel it in its window).';
  return null;
}

function deployBlocked(r: Request | undefined, a: Activity | undefined): string | null {
  if (!r) return SELECT_FIRST;
  if (r.status === 'revoked') return 'This certificate is revoked: deploying it would break HTTPS.';
  if (!r.certificate) return 'Nothing to deploy yet: no certificate has been issued for this request.';
  if (busyWith(r, a)) return 'The CA is working on this request: wait for the result.';
  return null;
}

function assignDnsBlocked(r: Request | undefined, a: Activity | undefined): string | null {
  if (!r) return SELECT_FIRST;
  if (r.challengeType !== 'dns-01') return 'Only dns-01 requests use a DNS account.';
  if (busyWith(r, a)) return 'The CA is working on this request: wait for the result.';
  return null;
}

function newChallengeBlocked(r: Request | undefined, a: Activity | undefined): string | null {
  if (!r) return SELECT_FIRST;
  if (busyWith(r, a)) return 'The CA is working on this request: wait for the result.';
  if (r.status === 'available' || r.status === 'renewed' || r.status === 'revoked') {
    return 'This request has its certificate: use Renew Certificate for a new one.';
  }
  return null;
}

/** A toolbar button that explains itself when disabled. */
function ToolbarAction({ icon, label, blocked, onClick, variant = 'text' }: { icon: ReactNode; label: string; blocked: string | null; onClick: () => void; variant?: 'text' | 'contained' }) {
  const button = (
    <Button startIcon={icon} disabled={blocked !== null} size="small" variant={variant} onClick={onClick}>
      {label}
    </Button>
  );
  if (blocked === null) return button;
  return (
    <Tooltip title={blocked}>
      <span>{button}</span>
    </Tooltip>
  );
}

interface MoreItem {
  label: string;
  icon: ReactNode;
  blocked: string | null;
  onClick?: () => void;
}

function MoreMenu({ items }: { items: MoreItem[] }) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  return (
    <>
      <Button
        size="small"
        endIcon={<ArrowDropDownIcon />}
        onClick={(e) => setAnchor(e.currentTarget)}
        aria-haspopup="menu"
        aria-expanded={anchor ? 'true' : undefined}
        aria-controls={anchor ? 'more-actions-menu' : undefined}
        id="more-actions-button"
      >
        More
      </Button>
      <Menu
        id="more-actions-menu"
        anchorEl={anchor}
        open={anchor !== null}
        onClose={() => setAnchor(null)}
        slotProps={{ list: { 'aria-labelledby': 'more-actions-button', dense: true, sx: { minWidth: 260 } } }}
      >
        {items.map((item) => (
          <Tooltip key={item.label} title={item.blocked ?? ''} placement="right" disableHoverListener={item.blocked === null}>
            <MenuItem
              disabled={item.blocked !== null}
              onClick={() => {
                if (item.blocked !== null) return;
                setAnchor(null);
                item.onClick?.();
              }}
              // A disabled item still shows its tooltip (the reason).
              sx={{ '&.Mui-disabled': { pointerEvents: 'auto' } }}
            >
              <ListItemIcon>{item.icon}</ListItemIcon>
              <ListItemText primary={item.label} secondary={item.blocked ?? undefined} slotProps={{ secondary: { sx: { maxWidth: 260, whiteSpace: 'normal' } } }} />
            </MenuItem>
          </Tooltip>
        ))}
      </Menu>
    </>
  );
}

/** The challenge type and what answers it (an end server, a DNS account, or "manual"); wraps in a narrow column. */
function ChallengeText({ request, server, dnsName }: { request: Request; server: string | null; dnsName: string | null | undefined }) {
  return (
    <Typography variant="body2" sx={{ overflowWrap: 'anywhere', lineHeight: 1.35 }}>
      {server ? `http-01 · ${server}` : challengeLabel(request, dnsName)}
    </Typography>
  );
}

function EmptyState({ onManage, onRequest }: { onManage: ManageOpen; onRequest: () => void }) {
  const { accounts, loading, error, reload } = useAccounts();
  const active = accounts.find((a) => a.status === 'valid');
  let next: ReactNode;
  if (loading) {
    next = (
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, justifyContent: 'center', color: 'text.secondary' }}>
        <CircularProgress size={16} /> <Typography variant="body2">Reading your accounts…</Typography>
      </Box>
    );
  } else if (error) {
    next = (
      <Box sx={{ textAlign: 'left' }}>
        <ErrorAlert error={error} action={<RetryButton onRetry={() => void reload()} />} />
      </Box>
    );
  } else if (!active) {
    next = (
      <>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {accounts.length === 0
            ? 'First step: an ACME account. It identifies you to the CA and signs your requests.'
            : 'None of your accounts is active any more: register a new one (in Manage) to request certificates.'}
        </Typography>
        {/* Straight to the form: the Account tab's list has nothing to show yet. */}
        <Button variant="contained" size="large" onClick={() => onManage('account', { register: true })}>
          Create your ACME account
        </Button>
      </>
    );
  } else {
    next = (
      <>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          Your account <strong>{active.name}</strong> is ready. Next: a Certificate Request — the names to secure, the key, and
          how you prove you control them.
        </Typography>
        <Button variant="contained" size="large" startIcon={<AddCircleOutlineIcon />} onClick={onRequest}>
          Certificate Request
        </Button>
      </>
    );
  }
  return (
    <Box sx={{ py: 7, px: 3, textAlign: 'center', maxWidth: 580, mx: 'auto' }} data-testid="empty-state">
      <Box
        aria-hidden
        sx={{ width: 56, height: 56, mx: 'auto', mb: 2, borderRadius: '50%', display: 'grid', placeItems: 'center', bgcolor: 'action.hover', color: 'primary.main' }}
      >
        <ShieldOutlinedIcon sx={{ fontSize: 30 }} />
      </Box>
      <Typography variant="subtitle1" sx={{ mb: 0.5 }}>
        No certificate requests yet
      </Typography>
      <Typography variant="body2" sx={{ mb: 2 }}>
        Certdesk gets certificates from Let&apos;s Encrypt for your domains, proves you own them, deploys them to your servers
        and renews them before they expire.
      </Typography>
      {next}
    </Box>
  );
}

function AccountSummary() {
  const { accounts } = useAccounts();
  if (accounts.length === 0) return <>Request, deploy and renew certificates from Let&apos;s Encrypt or another ACME CA.</>;
  return (
    <Box component="span" sx={{ display: 'inline-flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
      {accounts.map((a) => (
        <Chip
          key={a.id}
          size="small"
          variant="outlined"
          color={STATUS_COLOR[a.status]}
          label={`${a.name} · ${directoryLabel(a)} · ${STATUS_TEXT[a.status]}`}
        />
      ))}
    </Box>
  );
}

type Confirm = { kind: 'renew' | 'revoke' | 'delete'; request: Request } | null;

export function LetsEncryptPage({ onManage }: { onManage: ManageOpen }) {
  const { accounts } = useAccounts();
  const { requests, loading, error, reload, activity, run } = useRequests();
  const notify = useNotice();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [windowId, setWindowId] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [assigning, setAssigning] = useState<Request | null>(null);
  const [mappingsOf, setMappingsOf] = useState<Request | null>(null);
  const [serverMappingOf, setServerMappingOf] = useState<Request | null>(null);
  const [deploying, setDeploying] = useState<Request | null>(null);
  const dns = useDns();
  const servers = useServers();
  /** The end server that answers a request's http-01 challenges (its first name's mapping with a webroot). */
  const http01Server = (r: Request): string | null => http01ServerName(servers, r);

  const hasAccount = accounts.some((a) => a.status === 'valid');
  // Newest first: the request just raised is on top.
  const rows = requests.slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const selectedIndex = rows.findIndex((r) => r.id === selectedId);
  const wide = useMediaQuery('(min-width: 1280px)');
  const selected = rows[selectedIndex];
  const { certificates } = useCertificates();
  /** When each saved certificate was saved, for the Saved mark. */
  const savedAt = useMemo(() => new Map(certificates.map((c) => [c.id, c.savedAt])), [certificates]);
  const selectedActivity = selected ? activity(selected.id) : undefined;

  const newChallenge = async (r: Request) => {
    setWindowId(r.id);
    try {
      await run(r.id, 'new-challenge', (opId) => call('requests:new-challenge', { id: r.id, opId }));
    } catch (err) {
      notify(errorInfo(err).message, 'error');
    }
  };

  return (
    <>
      <PageHeader title="Let's Encrypt" subtitle={<AccountSummary />} />
      <TablePanel
        toolbarLabel="Certificate request actions"
        toolbarGap={0.5}
        toolbar={
          <>
            <ToolbarAction
              icon={<AddCircleOutlineIcon />}
              label="Certificate Request"
              variant="contained"
              blocked={hasAccount ? null : 'Create your ACME account first: Manage → Account.'}
              onClick={() => setCreating(true)}
            />
            <ToolbarAction
              icon={<AutorenewIcon />}
              label="Renew Certificate"
              blocked={renewBlocked(selected, selectedActivity)}
              onClick={() => selected && setConfirm({ kind: 'renew', request: selected })}
            />
            <ToolbarAction
              icon={<BlockIcon />}
              label="Revoke Certificate"
              blocked={revokeBlocked(selected, selectedActivity)}
              onClick={() => selected && setConfirm({ kind: 'revoke', request: selected })}
            />
            <MoreMenu
              items={[
                {
                  label: 'Delete',
                  icon: <DeleteOutlineIcon fontSize="small" />,
                  blocked: deleteBlocked(selected, selectedActivity),
                  onClick: () => selected && setConfirm({ kind: 'delete', request: selected }),
                },
                {
                  label: 'Assign DNS',
                  icon: <DnsOutlinedIcon fontSize="small" />,
                  blocked: assignDnsBlocked(selected, selectedActivity),
                  onClick: () => selected && setAssigning(selected),
                },
                {
                  label: 'New challenge',
                  icon: <ReplayIcon fontSize="small" />,
                  blocked: newChallengeBlocked(selected, selectedActivity),
                  onClick: () => selected && void newChallenge(selected),
                },
                {
                  label: 'Deploy now',
                  icon: <CloudUploadOutlinedIcon fontSize="small" />,
                  blocked: deployBlocked(selected, selectedActivity),
                  onClick: () => selected && setDeploying(selected),
                },
              ]}
            />
            <Box sx={{ flex: 1 }} />
            {selected ? (
              <Typography variant="caption" color="text.secondary" sx={{ mr: 1 }} aria-live="polite">
                Selected: {selected.namesUnicode[0] ?? selected.commonName}
              </Typography>
            ) : null}
            <Button size="small" variant="outlined" startIcon={<TuneIcon />} onClick={() => onManage('account')}>
              Manage
            </Button>
          </>
        }
        error={error}
        onRetry={() => void reload()}
        tableLabel="Certificate requests"
        minWidth={700}
        head={COLUMNS.map((c) => (
          <TableCell key={c} sx={{ width: (wide ? COLUMN_WIDTH_WIDE : COLUMN_WIDTH)[c], whiteSpace: 'nowrap' }} data-col={c}>
            {c}
          </TableCell>
        ))}
        loading={loading && rows.length === 0}
        skeletonWidths={COLUMNS.map((c) => (c === 'Common name' ? 180 : 80))}
        empty={rows.length === 0 ? <EmptyState onManage={onManage} onRequest={() => setCreating(true)} /> : null}
        footer={
          rows.length > 0 ? (
            <Typography variant="caption" color="text.secondary" sx={{ px: 2, py: 0.75 }}>
              {rows.length} request{rows.length === 1 ? '' : 's'} · click a status to open it · ↑↓ select, Enter opens, → reaches the row&apos;s buttons
            </Typography>
          ) : null
        }
        rowCount={rows.length}
        rowKey={(i) => rows[i]!.id}
        rowHeight={58}
        selectedIndex={selectedIndex < 0 ? null : selectedIndex}
        onRowFocus={(i) => setSelectedId(rows[i]!.id)}
        onRowAction={(i, key) => {
          const r = rows[i]!;
          // Enter opens the request; Space selects it (the toolbar then acts on it).
          if (key === 'Enter') setWindowId(r.id);
          setSelectedId(r.id);
        }}
        renderRow={(i, grid) => {
          const r = rows[i]!;
          const a = activity(r.id);
          const saved = r.savedCertificateId ? savedAt.get(r.savedCertificateId) : undefined;
          return (
            <SelectableRow
              key={r.id}
              grid={grid}
              selected={r.id === selectedId}
              cursor="default"
              onClick={() => setSelectedId(r.id)}
              onDoubleClick={() => setWindowId(r.id)}
              data-testid="request-row"
              data-id={r.id}
            >
              <TableCell sx={{ maxWidth: 0 }} data-col="name">
                <NamesSummary names={r.names} namesUnicode={r.namesUnicode} wrap inGrid />
              </TableCell>
              <TableCell data-col="challenge">
                <ChallengeText request={r} server={http01Server(r)} dnsName={dns.account(r.dnsAccountId)?.name} />
              </TableCell>
              <TableCell data-col="status">
                <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 0.25, minWidth: 0 }}>
                  <RequestStatusChip
                    request={r}
                    activity={a}
                    short
                    tabIndex={-1}
                    onOpen={() => {
                      setSelectedId(r.id);
                      setWindowId(r.id);
                    }}
                  />
                  {busyWith(r, a) || stalled(r, a) ? (
                    <Typography variant="caption" color="text.secondary" data-testid="request-progress" sx={{ lineHeight: 1.3, overflowWrap: 'anywhere' }}>
                      {activityText(r, a)}
                    </Typography>
                  ) : (
                    <SavedMark request={r} savedAt={saved} />
                  )}
                </Box>
              </TableCell>
              <TableCell data-col="expires">
                <ExpiryText notAfter={r.certificate?.notAfter} daysLeft={r.daysLeft} stacked />
              </TableCell>
              <TableCell data-col="key">
                <Typography variant="body2">{keyLabel(r.key)}</Typography>
              </TableCell>
              <TableCell sx={{ py: 0 }} data-col="mapping">
                <IconAction
                  label={`Mappings for ${r.namesUnicode[0] ?? r.commonName}`}
                  size="small"
                  tabIndex={-1}
                  placement="left"
                  onClick={(e) => {
                    e.stopPropagation();
                    if (r.challengeType === 'http-01') setServerMappingOf(r);
                    else setMappingsOf(r);
                  }}
                  color={
                    r.names.some((n) => dns.mappings.some((m) => m.domain === mappingDomain(n)) || serverMappingFor(servers.mappings, n) !== undefined)
                      ? 'primary'
                      : 'default'
                  }
                  data-testid="request-mapping"
                >
                  <AccountTreeOutlinedIcon fontSize="small" />
                </IconAction>
              </TableCell>
            </SelectableRow>
          );
        }}
      />

      {creating ? (
        <RequestDialog
          open
          onClose={() => setCreating(false)}
          onCreated={(r) => {
            setCreating(false);
            setSelectedId(r.id);
            setWindowId(r.id);
            void reload();
          }}
        />
      ) : null}
      {assigning ? (
        <AssignDnsDialog
          request={assigning}
          onClose={() => setAssigning(null)}
          onDone={(r) => {
            setAssigning(null);
            const name = dns.account(r.dnsAccountId)?.name;
            notify(name ? `${r.namesUnicode[0] ?? r.commonName} now uses the DNS account “${name}”.` : `${r.namesUnicode[0] ?? r.commonName} now uses manual dns-01 challenges.`);
            void reload();
          }}
        />
      ) : null}
      {mappingsOf ? (
        <RequestMappingsDialog
          names={mappingsOf.names}
          title={mappingsOf.namesUnicode[0] ?? mappingsOf.commonName}
          onClose={() => setMappingsOf(null)}
          onServerMapping={() => {
            setServerMappingOf(mappingsOf);
            setMappingsOf(null);
          }}
        />
      ) : null}
      {serverMappingOf ? (
        <MappingDialog
          domains={serverMappingOf.names}
          onClose={() => setServerMappingOf(null)}
          onSaved={(saved) => {
            setServerMappingOf(null);
            notify(`Mapping saved for ${saved.map((m) => m.domain).join(', ')}.`);
            void servers.reload();
          }}
        />
      ) : null}
      {deploying ? (
        <DeployNowDialog
          title={deploying.namesUnicode[0] ?? deploying.commonName}
          names={deploying.names}
          target={{ requestId: deploying.id }}
          onClose={() => setDeploying(null)}
        />
      ) : null}
      {windowId ? <RequestWindow requestId={windowId} onClose={() => setWindowId(null)} /> : null}
      {confirm?.kind === 'renew' ? (
        <RenewDialog
          request={confirm.request}
          onClose={() => setConfirm(null)}
          onRenewing={(r) => {
            setConfirm(null);
            setWindowId(r.id);
          }}
        />
      ) : null}
      {confirm?.kind === 'revoke' ? (
        <RevokeDialog
          request={confirm.request}
          onClose={() => setConfirm(null)}
          onRevoked={(r) => {
            setConfirm(null);
            notify(`The certificate of ${r.namesUnicode[0] ?? r.commonName} is revoked.`, 'warning');
          }}
        />
      ) : null}
      {confirm?.kind === 'delete' ? (
        <DeleteDialog
          name={confirm.request.namesUnicode[0] ?? confirm.request.commonName}
          what="request"
          onClose={() => setConfirm(null)}
          onDelete={async () => {
            await call('requests:delete', { id: confirm.request.id, confirm: true });
            const name = confirm.request.namesUnicode[0] ?? confirm.request.commonName;
            setConfirm(null);
            setSelectedId(null);
            notify(`${name} removed from Certdesk. The certificate stays valid until it expires.`);
            void reload();
          }}
        />
      ) : null}
    </>
  );
}
