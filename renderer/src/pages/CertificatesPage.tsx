// SSL → Certificates, the repository: every certificate saved from a request, searchable, sortable and
// filterable, with each one's planned renewal, a detail drawer, Export, E-mail and Delete.
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import EmailOutlinedIcon from '@mui/icons-material/EmailOutlined';
import FileDownloadOutlinedIcon from '@mui/icons-material/FileDownloadOutlined';
import Inventory2OutlinedIcon from '@mui/icons-material/Inventory2Outlined';
import SearchIcon from '@mui/icons-material/Search';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import InputAdornment from '@mui/material/InputAdornment';
import MenuItem from '@mui/material/MenuItem';
import TableCell from '@mui/material/TableCell';
import TableSortLabel from '@mui/material/TableSortLabel';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Certificate } from '../../../shared/model/request.ts';
import { call } from '../api.ts';
import { useNotice } from '../components/Notice.tsx';
import { SelectableRow, TablePanel } from '../components/TablePanel.tsx';
import { CertificateDrawer } from '../repository/CertificateDrawer.tsx';
import { EmailCertificateDialog, type EmailTarget } from '../repository/EmailCertificateDialog.tsx';
import { ExpiryTimeline } from '../repository/ExpiryTimeline.tsx';
import { ExportDialog, type ExportTarget } from '../repository/ExportDialog.tsx';
import { RenewalCell } from '../repository/RenewalSection.tsx';
import { DeleteDialog } from '../requests/ActionDialogs.tsx';
import { ExpiryText, NamesSummary } from '../requests/bits.tsx';
import { formatDate, keyLabel } from '../requests/format.ts';
import { useCertificates } from '../state/certificates.ts';
import { useRenewalPlans } from '../state/renewal.ts';
import { useRequests } from '../state/requests.tsx';
import { MONO_FONTS } from '../theme.ts';
import { PageHeader } from './PageHeader.tsx';

type SortKey = 'commonName' | 'sans' | 'issuer' | 'serial' | 'notAfter' | 'renewal' | 'keyType';

// The revoked flag rides in "Valid to": a revoked certificate's expiry no longer matters.
// Every column fits from a 1024 px window up; the common name takes what is left. Below 1280 px the SANs count
// (also "N more names" under the name) and the serial (under the issuer) give up their own columns.
// From 1600 px on, issuer, serial and renewal get room to show themselves whole.
const COLUMNS: Array<{ key: SortKey; label: string; width?: number; xlWidth?: number; align?: 'right'; wideOnly?: boolean }> = [
  { key: 'commonName', label: 'Common name' },
  { key: 'sans', label: 'SANs', align: 'right', width: 76, wideOnly: true },
  { key: 'issuer', label: 'Issuer', width: 136, xlWidth: 210 },
  { key: 'serial', label: 'Serial', width: 130, xlWidth: 200, wideOnly: true },
  { key: 'notAfter', label: 'Valid to', width: 124, xlWidth: 140 },
  { key: 'renewal', label: 'Renewal', width: 150, xlWidth: 210 },
  { key: 'keyType', label: 'Key type', width: 104 },
];
const WIDE = '(min-width: 1280px)';
const XL = '(min-width: 1600px)';

function sortValue(c: Certificate, key: SortKey, due: string | null | undefined): string | number {
  switch (key) {
    case 'commonName':
      return (c.namesUnicode[0] ?? c.commonName).toLowerCase();
    case 'sans':
      return c.names.length;
    case 'issuer':
      return c.issuer.toLowerCase();
    case 'serial':
      return c.serial;
    case 'notAfter':
      return c.notAfter;
    case 'renewal':
      // Unplanned ones last.
      return due ?? '~';
    case 'keyType':
      return c.keyType;
  }
}

function matches(c: Certificate, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  const serialQ = q.replace(/[^0-9a-f]/g, '');
  return (
    c.names.some((n) => n.toLowerCase().includes(q)) ||
    c.namesUnicode.some((n) => n.toLowerCase().includes(q)) ||
    c.issuer.toLowerCase().includes(q) ||
    (serialQ.length >= 2 && c.serial.toLowerCase().includes(serialQ))
  );
}

function FilterChip({ label, count, active, onToggle, tone }: { label: string; count: number; active: boolean; onToggle: () => void; tone: 'warning' | 'error' }) {
  return (
    <Chip
      size="small"
      label={`${label} · ${count}`}
      color={active ? tone : 'default'}
      variant={active ? 'filled' : 'outlined'}
      onClick={onToggle}
      aria-pressed={active}
      sx={{ fontWeight: 600 }}
    />
  );
}

/** A labelled toolbar button that says why when it is disabled. */
function ActionButton({ icon, label, blocked, onClick }: { icon: ReactNode; label: string; blocked: string | null; onClick: () => void }) {
  const button = (
    <Button size="small" startIcon={icon} disabled={blocked !== null} onClick={onClick}>
      {label}
    </Button>
  );
  return blocked === null ? (
    button
  ) : (
    <Tooltip title={blocked}>
      <span>{button}</span>
    </Tooltip>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return (
    <Box sx={{ textAlign: 'center', maxWidth: 480, mx: 'auto', py: 7 }} data-testid="repository-empty">
      <Inventory2OutlinedIcon sx={{ fontSize: 44, color: 'text.disabled', mb: 1 }} aria-hidden />
      {children}
    </Box>
  );
}

export function CertificatesPage({ focus }: { focus?: { id: string; at: number } | null }) {
  const { certificates, loading, error, reload } = useCertificates();
  const renewal = useRenewalPlans();
  const { planOf } = renewal;
  const { requests } = useRequests();
  const notify = useNotice();
  const [query, setQuery] = useState('');
  const [expiring, setExpiring] = useState(false);
  const [expired, setExpired] = useState(false);
  const [keyType, setKeyType] = useState('');
  const [issuer, setIssuer] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 'asc' | 'desc' }>({ key: 'notAfter', dir: 'asc' });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [drawerId, setDrawerId] = useState<string | null>(null);
  const [exportTarget, setExportTarget] = useState<ExportTarget | null>(null);
  const [emailTarget, setEmailTarget] = useState<EmailTarget | null>(null);
  const [deleting, setDeleting] = useState<Certificate | null>(null);

  const keyTypes = useMemo(() => [...new Set(certificates.map((c) => c.keyType))].sort(), [certificates]);
  const issuers = useMemo(() => [...new Set(certificates.map((c) => c.issuer))].sort(), [certificates]);
  const counts = {
    expiring: certificates.filter((c) => c.daysLeft >= 0 && c.daysLeft <= 30).length,
    expired: certificates.filter((c) => c.daysLeft < 0).length,
  };

  const rows = useMemo(() => {
    const filtered = certificates.filter(
      (c) =>
        matches(c, query.trim()) &&
        (!keyType || c.keyType === keyType) &&
        (!issuer || c.issuer === issuer) &&
        // The two expiry filters widen each other: "expiring or expired" when both are on.
        (!(expiring || expired) || (expiring && c.daysLeft >= 0 && c.daysLeft <= 30) || (expired && c.daysLeft < 0)),
    );
    const dir = sort.dir === 'asc' ? 1 : -1;
    // Each certificate's sort value is computed once, not twice per comparison (10,000 rows: ~270,000 comparisons,
    // each lower-casing names or looking up renewal plans). The sort is stable, as before.
    const keyed = filtered.map((c) => ({ c, v: sortValue(c, sort.key, sort.key === 'renewal' ? planOf(c.id)?.dueAt : undefined) }));
    keyed.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) * dir);
    return keyed.map((k) => k.c);
  }, [certificates, query, keyType, issuer, expiring, expired, sort, planOf]);

  const selected = certificates.find((c) => c.id === selectedId) ?? null;
  const selectedIndex = useMemo(() => rows.findIndex((c) => c.id === selectedId), [rows, selectedId]);
  const wide = useMediaQuery(WIDE);
  const xl = useMediaQuery(XL);
  const columns = COLUMNS.filter((c) => wide || !c.wideOnly);
  const drawer = certificates.find((c) => c.id === drawerId) ?? null;
  const filtering = query.trim() !== '' || expiring || expired || keyType !== '' || issuer !== '';

  const exportOf = (c: Certificate): ExportTarget => {
    const request = c.requestId ? requests.find((r) => r.id === c.requestId) : undefined;
    return { id: c.id, commonName: c.namesUnicode[0] ?? c.commonName, passwordStored: request?.keystorePasswordStored ?? false, keystoreType: request?.keystoreType };
  };

  const emailOf = (c: Certificate): EmailTarget => {
    const request = c.requestId ? requests.find((r) => r.id === c.requestId) : undefined;
    return { id: c.id, commonName: c.namesUnicode[0] ?? c.commonName, keystoreType: request?.keystoreType };
  };

  const open = (c: Certificate) => {
    setSelectedId(c.id);
    setDrawerId(c.id);
  };

  // An alert's "Open certificate" lands here: open it once the list has it.
  const focusKnown = focus ? certificates.some((c) => c.id === focus.id) : false;
  useEffect(() => {
    if (!focus || !focusKnown) return;
    setSelectedId(focus.id);
    setDrawerId(focus.id);
  }, [focus, focusKnown]);

  const noSelection = 'Select a certificate in the table first.';

  return (
    <>
      <PageHeader title="Certificates" subtitle="The repository: every certificate saved from a request, with its key, chain and earlier versions." />
      {certificates.length > 0 ? <ExpiryTimeline certificates={certificates} planOf={planOf} onOpen={open} /> : null}
      <TablePanel
        toolbarLabel="Repository filters and actions"
        toolbarGap={1}
        toolbar={
          <>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap', flex: '1 1 auto', minWidth: 0 }} data-testid="repository-filters">
            <TextField
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="Names, issuer, serial"
              fullWidth={false}
              sx={{ flex: '1 1 150px', minWidth: 150, maxWidth: 260 }}
              slotProps={{
                htmlInput: { 'aria-label': 'Search names, issuer, serial', spellCheck: false },
                input: {
                  startAdornment: (
                    <InputAdornment position="start">
                      <SearchIcon fontSize="small" />
                    </InputAdornment>
                  ),
                },
              }}
            />
            <FilterChip label="Expiring ≤ 30 days" count={counts.expiring} active={expiring} onToggle={() => setExpiring((v) => !v)} tone="warning" />
            <FilterChip label="Expired" count={counts.expired} active={expired} onToggle={() => setExpired((v) => !v)} tone="error" />
            <TextField
              select
              value={keyType}
              onChange={(e) => setKeyType(e.target.value)}
              fullWidth={false}
              sx={{ minWidth: 128 }}
              slotProps={{ select: { displayEmpty: true, inputProps: { 'aria-label': 'Key type' } } }}
            >
              <MenuItem value="">All key types</MenuItem>
              {keyTypes.map((k) => (
                <MenuItem key={k} value={k}>
                  {keyLabel(k)}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              select
              value={issuer}
              onChange={(e) => setIssuer(e.target.value)}
              fullWidth={false}
              sx={{ minWidth: 128 }}
              slotProps={{ select: { displayEmpty: true, inputProps: { 'aria-label': 'Issuer' } } }}
            >
              <MenuItem value="">All issuers</MenuItem>
              {issuers.map((i) => (
                <MenuItem key={i} value={i}>
                  {i}
                </MenuItem>
              ))}
            </TextField>
            </Box>
            {/* Text labels, not bare icons; the three stay together at the right (or on their own line). */}
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, ml: 'auto' }} data-testid="repository-actions">
              <ActionButton
                icon={<FileDownloadOutlinedIcon />}
                label="Export"
                blocked={selected ? null : noSelection}
                onClick={() => selected && setExportTarget(exportOf(selected))}
              />
              <ActionButton
                icon={<EmailOutlinedIcon />}
                label="E-mail"
                blocked={selected ? (selected.revoked ? 'A revoked certificate is not sent.' : null) : noSelection}
                onClick={() => selected && setEmailTarget(emailOf(selected))}
              />
              <ActionButton icon={<DeleteOutlineIcon />} label="Delete" blocked={selected ? null : noSelection} onClick={() => selected && setDeleting(selected)} />
            </Box>
          </>
        }
        error={error}
        onRetry={() => void reload()}
        tableLabel="Saved certificates"
        minWidth={700}
        head={columns.map((col) => (
          <TableCell key={col.key} align={col.align} sx={{ width: (xl ? col.xlWidth : undefined) ?? col.width, whiteSpace: 'nowrap' }} sortDirection={sort.key === col.key ? sort.dir : false} data-col={col.key}>
            <TableSortLabel
              tabIndex={-1}
              active={sort.key === col.key}
              direction={sort.key === col.key ? sort.dir : 'asc'}
              onClick={() => setSort((s) => ({ key: col.key, dir: s.key === col.key && s.dir === 'asc' ? 'desc' : 'asc' }))}
            >
              {col.label}
            </TableSortLabel>
          </TableCell>
        ))}
        loading={loading && certificates.length === 0}
        skeletonWidths={columns.map(() => undefined)}
        empty={
          rows.length > 0 ? null : certificates.length === 0 ? (
            <Empty>
              <Typography variant="subtitle1">Nothing saved yet</Typography>
              <Typography variant="body2" color="text.secondary">
                When a request is Available, open it from ACME → Let&apos;s Encrypt and press <strong>Save</strong>: the certificate
                lands here, ready to export and to renew.
              </Typography>
            </Empty>
          ) : (
            <Empty>
              <Typography variant="subtitle1">No certificate matches</Typography>
              <Button
                size="small"
                onClick={() => {
                  setQuery('');
                  setExpiring(false);
                  setExpired(false);
                  setKeyType('');
                  setIssuer('');
                }}
              >
                Clear search and filters
              </Button>
            </Empty>
          )
        }
        footer={
          certificates.length > 0 ? (
            <Typography variant="caption" color="text.secondary" sx={{ px: 2, py: 0.75 }} aria-live="polite" data-testid="repository-count">
              {filtering ? `${rows.length} of ${certificates.length} certificates` : `${certificates.length} certificate${certificates.length === 1 ? '' : 's'}`} ·
              click a row for its details · ↑↓ move, Enter opens
            </Typography>
          ) : null
        }
        rowCount={rows.length}
        rowKey={(i) => rows[i]!.id}
        rowHeight={53}
        selectedIndex={selectedIndex < 0 ? null : selectedIndex}
        onRowFocus={(i) => setSelectedId(rows[i]!.id)}
        onRowAction={(i) => open(rows[i]!)}
        renderRow={(i, grid) => {
          const c = rows[i]!;
          return (
            <SelectableRow key={c.id} grid={grid} selected={c.id === selectedId} cursor="pointer" onClick={() => open(c)} data-testid="certificate-row" data-id={c.id}>
              <TableCell sx={{ maxWidth: 0 }} data-col="name">
                <NamesSummary names={c.names} namesUnicode={c.namesUnicode} wrap inGrid />
              </TableCell>
              {wide ? (
                <TableCell align="right" data-col="sans">
                  {c.names.length}
                </TableCell>
              ) : null}
              <TableCell data-col="issuer">
                <Typography variant="body2" noWrap title={c.issuer}>
                  {c.issuer}
                </Typography>
                {wide ? null : (
                  <Typography variant="caption" color="text.secondary" component="div" noWrap title={`Serial ${c.serial}`} sx={{ fontFamily: MONO_FONTS, fontSize: 11.5 }}>
                    {c.serial}
                  </Typography>
                )}
              </TableCell>
              {wide ? (
                <TableCell data-col="serial">
                  <Typography variant="body2" noWrap title={c.serial} sx={{ fontFamily: MONO_FONTS, fontSize: 12 }}>
                    {c.serial}
                  </Typography>
                </TableCell>
              ) : null}
              <TableCell data-col="valid">
                {c.revoked ? (
                  <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 0.25 }}>
                    <Chip size="small" color="error" label="Revoked" data-testid="revoked-flag" />
                    <Typography variant="caption" color="text.secondary">
                      {formatDate(c.notAfter)}
                    </Typography>
                  </Box>
                ) : (
                  <ExpiryText notAfter={c.notAfter} daysLeft={c.daysLeft} stacked />
                )}
              </TableCell>
              <TableCell data-col="renewal">{c.revoked ? null : <RenewalCell plan={planOf(c.id)} />}</TableCell>
              <TableCell data-col="key">
                <Typography variant="body2">{keyLabel(c.keyType)}</Typography>
              </TableCell>
            </SelectableRow>
          );
        }}
      />

      <CertificateDrawer
        certificate={drawer}
        onClose={() => setDrawerId(null)}
        onExport={(c) => setExportTarget(exportOf(c))}
        onEmail={(c) => setEmailTarget(emailOf(c))}
        renewal={{ plan: drawer ? planOf(drawer.id) : undefined, unavailable: renewal.unavailable, error: renewal.error }}
        onDelete={(c) => setDeleting(c)}
      />
      {exportTarget ? <ExportDialog target={exportTarget} onClose={() => setExportTarget(null)} /> : null}
      {emailTarget ? <EmailCertificateDialog target={emailTarget} onClose={() => setEmailTarget(null)} /> : null}
      {deleting ? (
        <DeleteDialog
          name={deleting.namesUnicode[0] ?? deleting.commonName}
          what="certificate"
          onClose={() => setDeleting(null)}
          onDelete={async () => {
            await call('certs:delete', { id: deleting.id, confirm: true });
            const name = deleting.namesUnicode[0] ?? deleting.commonName;
            setDeleting(null);
            setDrawerId(null);
            setSelectedId(null);
            notify(`${name} removed from Certdesk. The certificate stays valid until it expires.`);
            void reload();
          }}
        />
      ) : null}
    </>
  );
}
