// One account: who it is, where it lives, its state at the CA, and what can be done with it.
import AccountCircleOutlinedIcon from '@mui/icons-material/AccountCircleOutlined';
import BlockIcon from '@mui/icons-material/Block';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import DownloadIcon from '@mui/icons-material/Download';
import EmailOutlinedIcon from '@mui/icons-material/EmailOutlined';
import KeyIcon from '@mui/icons-material/Key';
import RefreshIcon from '@mui/icons-material/Refresh';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardActions from '@mui/material/CardActions';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Divider from '@mui/material/Divider';
import Typography from '@mui/material/Typography';
import { useId, type ReactNode } from 'react';
import type { Account } from '../../../shared/model/account.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { directoryLabel, formatDateTime, keyAlgorithmLabel, STATUS_COLOR, STATUS_TEXT } from '../format.ts';
import { MONO_FONTS } from '../theme.ts';

export type AccountAction = 'email' | 'rollover' | 'export' | 'delete' | 'deactivate' | 'refresh';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="body2" color="text.secondary" sx={{ minHeight: 32, display: 'flex', alignItems: 'center' }}>
        {label}
      </Typography>
      <Box component="dd" sx={{ m: 0, minWidth: 0, minHeight: 32, display: 'flex', alignItems: 'center', gap: 0.5 }}>
        {children}
      </Box>
    </>
  );
}

function Mono({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Typography variant="body2" sx={{ fontFamily: MONO_FONTS, fontSize: '0.8rem', overflowWrap: 'anywhere', minWidth: 0 }} data-testid={testId}>
      {children}
    </Typography>
  );
}

interface AccountCardProps {
  account: Account;
  /** The action running on this account, if any: its button shows progress, the others wait. */
  busy: AccountAction | null;
  onAction: (action: AccountAction) => void;
}

export function AccountCard({ account, busy, onAction }: AccountCardProps) {
  const titleId = useId();
  const active = account.status === 'valid';
  const blocked = busy !== null;
  const spin = (action: AccountAction, icon: ReactNode) => (busy === action ? <CircularProgress size={14} /> : icon);

  return (
    <Card component="article" aria-labelledby={titleId} data-testid="account-card" data-account-id={account.id}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 2, pt: 1.75, pb: 1 }}>
        <AccountCircleOutlinedIcon color={active ? 'primary' : 'disabled'} sx={{ fontSize: 34 }} aria-hidden />
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
            <Typography id={titleId} variant="subtitle1" component="h4" noWrap>
              {account.name}
            </Typography>
            <Chip
              size="small"
              color={STATUS_COLOR[account.status]}
              variant={active ? 'filled' : 'outlined'}
              icon={active ? <CheckCircleIcon /> : <BlockIcon />}
              label={STATUS_TEXT[account.status]}
              data-testid="account-status"
            />
          </Box>
          <Typography variant="body2" color="text.secondary" noWrap>
            {directoryLabel(account)}
          </Typography>
        </Box>
        <IconAction label="Check status at the CA" onClick={() => onAction('refresh')} disabled={blocked}>
          {busy === 'refresh' ? <CircularProgress size={18} /> : <RefreshIcon />}
        </IconAction>
      </Box>
      <CardContent sx={{ pt: 0.5, pb: 1.5 }}>
        {account.status !== 'valid' ? (
          <Alert severity={account.status === 'revoked' ? 'error' : 'info'} variant="outlined" role="note" sx={{ mb: 1.5, py: 0 }}>
            {account.status === 'revoked'
              ? 'The CA revoked this account: it can no longer order or renew certificates. Register a new account.'
              : 'Deactivated at the CA: it can no longer order or renew certificates. To register a new account at this directory, delete this one from Certdesk first.'}
          </Alert>
        ) : null}
        <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: '120px minmax(0, 1fr)', columnGap: 2 }}>
          <Fact label="E-mail">
            <Typography variant="body2" data-testid="account-email">
              {account.email ?? '—'}
            </Typography>
          </Fact>
          <Fact label="Directory">
            <Mono>{account.directoryUrl}</Mono>
          </Fact>
          {account.caName ? (
            <Fact label="Trusted CA">
              <Typography variant="body2">{account.caName}</Typography>
            </Fact>
          ) : null}
          <Fact label="Account URL">
            <Mono testId="account-url">{account.url}</Mono>
            <CopyButton text={account.url} label="Copy account URL" />
          </Fact>
          <Fact label="Key">
            <Typography variant="body2" sx={{ whiteSpace: 'nowrap' }}>
              {keyAlgorithmLabel(account.keyAlgorithm)}
            </Typography>
            <Typography variant="body2" color="text.secondary" aria-hidden>
              ·
            </Typography>
            <Mono testId="account-thumbprint">{account.keyThumbprint}</Mono>
            <CopyButton text={account.keyThumbprint} label="Copy key thumbprint" />
          </Fact>
          {account.eabKid ? (
            <Fact label="EAB key ID">
              <Mono>{account.eabKid}</Mono>
            </Fact>
          ) : null}
          <Fact label="Created">
            <Typography variant="body2">{formatDateTime(account.createdAt)}</Typography>
          </Fact>
        </Box>
      </CardContent>
      <Divider />
      <CardActions sx={{ px: 1.5, py: 1, flexWrap: 'wrap', gap: 0.5, '& > :not(style) ~ :not(style)': { ml: 0 } }}>
        <Button size="small" startIcon={spin('email', <EmailOutlinedIcon />)} onClick={() => onAction('email')} disabled={blocked || !active}>
          Update e-mail
        </Button>
        <Button size="small" startIcon={spin('rollover', <KeyIcon />)} onClick={() => onAction('rollover')} disabled={blocked || !active}>
          Roll key over
        </Button>
        <Button size="small" startIcon={spin('export', <DownloadIcon />)} onClick={() => onAction('export')} disabled={blocked}>
          Export key
        </Button>
        <Box sx={{ flex: 1 }} />
        <Button size="small" color="inherit" startIcon={spin('delete', <DeleteOutlineIcon />)} onClick={() => onAction('delete')} disabled={blocked}>
          Delete
        </Button>
        <Button size="small" color="error" startIcon={spin('deactivate', <BlockIcon />)} onClick={() => onAction('deactivate')} disabled={blocked || !active}>
          Deactivate
        </Button>
      </CardActions>
    </Card>
  );
}
