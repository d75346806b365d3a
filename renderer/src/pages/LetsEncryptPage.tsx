// The Let's Encrypt tab: the request toolbar, Manage on the right, and the request table. Requests are
// not built yet, so their actions exist (for layout and keyboard order) but say when they will work.
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
import Divider from '@mui/material/Divider';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useState, type ReactNode } from 'react';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { directoryLabel, STATUS_COLOR, STATUS_TEXT } from '../format.ts';
import type { ManageTab } from '../manage/ManageDialog.tsx';
import { useAccounts } from '../state/accounts.tsx';
import { PageHeader } from './PageHeader.tsx';

const NOT_YET = 'Available once certificate requests land';
const COLUMNS = ['Common name', 'Challenge', 'Status', 'Expires', 'Key type', 'Mapping'];

function PendingAction({ icon, label }: { icon: ReactNode; label: string }) {
  return (
    <Tooltip title={NOT_YET}>
      <span>
        <Button startIcon={icon} disabled size="small" variant="text">
          {label}
        </Button>
      </span>
    </Tooltip>
  );
}

function MoreMenu() {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const items: Array<[string, ReactNode]> = [
    ['Delete', <DeleteOutlineIcon fontSize="small" key="d" />],
    ['Assign DNS', <DnsOutlinedIcon fontSize="small" key="a" />],
    ['New challenge', <ReplayIcon fontSize="small" key="n" />],
    ['Deploy now', <CloudUploadOutlinedIcon fontSize="small" key="p" />],
  ];
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
        slotProps={{ list: { 'aria-labelledby': 'more-actions-button', dense: true } }}
      >
        {items.map(([label, icon]) => (
          <MenuItem key={label} disabled>
            <ListItemIcon>{icon}</ListItemIcon>
            <ListItemText primary={label} secondary={NOT_YET} />
          </MenuItem>
        ))}
      </Menu>
    </>
  );
}

function EmptyState({ onManage }: { onManage: (tab: ManageTab) => void }) {
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
        <ErrorAlert error={error} action={<Button color="inherit" size="small" onClick={() => void reload()}>Retry</Button>} />
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
        <Button variant="contained" size="large" onClick={() => onManage('account')}>
          Create your ACME account
        </Button>
      </>
    );
  } else {
    next = (
      <Typography variant="body2" color="text.secondary">
        Your account <strong>{active.name}</strong> is ready. Certificate requests are coming next.
      </Typography>
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

export function LetsEncryptPage({ onManage }: { onManage: (tab: ManageTab) => void }) {
  return (
    <>
      <PageHeader title="Let's Encrypt" subtitle={<AccountSummary />} />
      <Paper variant="outlined" sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, overflow: 'hidden' }}>
        <Box role="toolbar" aria-label="Certificate request actions" sx={{ display: 'flex', alignItems: 'center', gap: 0.5, px: 1.5, py: 1, flexWrap: 'wrap' }}>
          <Tooltip title={NOT_YET}>
            <span>
              <Button variant="contained" size="small" startIcon={<AddCircleOutlineIcon />} disabled>
                Certificate Request
              </Button>
            </span>
          </Tooltip>
          <PendingAction icon={<AutorenewIcon />} label="Renew Certificate" />
          <PendingAction icon={<BlockIcon />} label="Revoke Certificate" />
          <MoreMenu />
          <Box sx={{ flex: 1 }} />
          <Button size="small" variant="outlined" startIcon={<TuneIcon />} onClick={() => onManage('account')}>
            Manage
          </Button>
        </Box>
        <Divider />
        <TableContainer sx={{ flex: 1, minHeight: 0 }}>
          <Table size="small" stickyHeader aria-label="Certificate requests">
            <TableHead>
              <TableRow>
                {COLUMNS.map((c) => (
                  <TableCell key={c}>{c}</TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              <TableRow>
                <TableCell colSpan={COLUMNS.length} sx={{ borderBottom: 0 }}>
                  <EmptyState onManage={onManage} />
                </TableCell>
              </TableRow>
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>
    </>
  );
}
