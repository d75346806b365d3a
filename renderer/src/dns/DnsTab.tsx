// Manage → DNS: the DNS accounts (name, provider, Enabled/Disabled, used by, last test) and what can be
// done with each: Test connection, Edit, Enable/Disable, Delete; Add → choose a provider → its form.
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import DnsOutlinedIcon from '@mui/icons-material/DnsOutlined';
import EditOutlinedIcon from '@mui/icons-material/EditOutlined';
import NetworkCheckIcon from '@mui/icons-material/NetworkCheck';
import PauseCircleOutlineIcon from '@mui/icons-material/PauseCircleOutlined';
import PlayCircleOutlineIcon from '@mui/icons-material/PlayCircleOutlined';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import Skeleton from '@mui/material/Skeleton';
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DnsAccount, DnsProviderInfo } from '../../../shared/model/dns.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { useNotice } from '../components/Notice.tsx';
import { providerName, useDns, type TestOutcome } from '../state/dns.tsx';
import { DnsAccountForm, ProviderChooser } from './DnsAccountForm.tsx';
import { DeleteDnsDialog, TestDialog } from './DnsDialogs.tsx';

type View = { kind: 'list' } | { kind: 'choose' } | { kind: 'add'; provider: DnsProviderInfo } | { kind: 'edit'; account: DnsAccount; provider: DnsProviderInfo };

function UsedBy({ account }: { account: DnsAccount }) {
  if (account.usedBy.length === 0) {
    return (
      <Typography variant="body2" color="text.disabled">
        —
      </Typography>
    );
  }
  const names = account.usedBy.map((u) => u.domains.join(', '));
  return (
    <Tooltip title={<Box component="ul" sx={{ m: 0, pl: 2 }}>{names.map((n, i) => <li key={i}>{n}</li>)}</Box>}>
      <Typography variant="body2" noWrap tabIndex={0} data-testid="dns-used-by">
        {account.usedBy.length === 1 ? (account.usedBy[0]!.domains[0] ?? '1 request') : `${account.usedBy.length} requests`}
      </Typography>
    </Tooltip>
  );
}

function LastTest({ outcome }: { outcome: TestOutcome | undefined }) {
  if (!outcome) {
    return (
      <Typography variant="body2" color="text.disabled">
        Not tested yet
      </Typography>
    );
  }
  return (
    <Tooltip title={`${new Date(outcome.at).toLocaleTimeString(undefined, { timeStyle: 'short' })}: ${outcome.message}`}>
      <Typography variant="body2" noWrap color={outcome.ok ? 'success.main' : 'error.main'} tabIndex={0} data-testid="dns-last-test">
        {outcome.ok ? `OK · ${outcome.zone}` : 'Failed'}
      </Typography>
    </Tooltip>
  );
}

export function DnsTab() {
  const dns = useDns();
  const { accounts, loading, error, reload, upsert } = dns;
  const notify = useNotice();
  const [view, setView] = useState<View>({ kind: 'list' });
  const [testing, setTesting] = useState<DnsAccount | null>(null);
  const [deleting, setDeleting] = useState<DnsAccount | null>(null);
  const { tests, recordTest } = dns;
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ id: string; error: ErrorInfo } | null>(null);

  const back = () => setView({ kind: 'list' });

  if (view.kind === 'choose') return <ProviderChooser onBack={back} onChoose={(provider) => setView({ kind: 'add', provider })} />;
  if (view.kind === 'add' || view.kind === 'edit') {
    return (
      <DnsAccountForm
        provider={view.provider}
        {...(view.kind === 'edit' ? { account: view.account } : {})}
        onBack={() => setView(view.kind === 'add' ? { kind: 'choose' } : { kind: 'list' })}
        onDone={(a) => {
          setView({ kind: 'list' });
          notify(view.kind === 'add' ? `DNS account “${a.name}” added. Test connection checks that it works.` : `DNS account “${a.name}” saved.`);
          if (view.kind === 'add') setTesting(a);
          void reload();
        }}
      />
    );
  }

  const edit = (a: DnsAccount) => {
    const provider = dns.provider(a.provider);
    if (!provider) {
      setActionError({ id: a.id, error: { code: 'NOT_FOUND', message: `This Certdesk does not know the provider “${a.provider}” of ${a.name}.` } });
      return;
    }
    setView({ kind: 'edit', account: a, provider });
  };

  const toggle = async (a: DnsAccount) => {
    setActionError(null);
    setBusy(a.id);
    try {
      const fresh = await call('dns:set-enabled', { id: a.id, enabled: !a.enabled });
      upsert(fresh);
      notify(fresh.enabled ? `“${fresh.name}” is enabled: requests can use it.` : `“${fresh.name}” is disabled: requests cannot use it until you enable it.`, 'info');
    } catch (err) {
      setActionError({ id: a.id, error: errorInfo(err) });
    } finally {
      setBusy(null);
      void reload();
    }
  };

  return (
    <Stack spacing={2} data-testid="dns-tab">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="h6" component="h3">
            DNS accounts
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Credentials for your DNS providers, so Certdesk answers dns-01 challenges by itself. Secrets stay in your OS keychain.
          </Typography>
        </Box>
        <Button variant="contained" startIcon={<AddIcon />} onClick={() => setView({ kind: 'choose' })} disabled={dns.providers.length === 0}>
          Add DNS account
        </Button>
      </Box>

      {error ? <ErrorAlert error={error} action={<RetryButton onRetry={() => void reload()} />} /> : null}
      {actionError ? <ErrorAlert error={actionError.error} onClose={() => setActionError(null)} /> : null}

      <Paper variant="outlined">
        <TableContainer>
          <Table size="small" aria-label="DNS accounts" sx={{ tableLayout: 'fixed' }}>
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell sx={{ width: 112 }}>Provider</TableCell>
                <TableCell sx={{ width: 116 }}>Status</TableCell>
                <TableCell sx={{ width: 150 }}>Used by</TableCell>
                <TableCell sx={{ width: 160 }}>Last test</TableCell>
                <TableCell sx={{ width: 164 }} align="right">
                  Actions
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {loading && accounts.length === 0 ? (
                <TableRow>
                  {[140, 80, 60, 90, 100, 120].map((w, i) => (
                    <TableCell key={i}>
                      <Skeleton width={w} />
                    </TableCell>
                  ))}
                </TableRow>
              ) : null}
              {!loading && accounts.length === 0 ? (
                <TableRow>
                  <TableCell colSpan={6} sx={{ borderBottom: 0 }}>
                    <Box sx={{ py: 4, textAlign: 'center' }} data-testid="no-dns-accounts">
                      <DnsOutlinedIcon sx={{ fontSize: 40, color: 'text.disabled' }} aria-hidden />
                      <Typography variant="subtitle1" sx={{ mt: 1 }}>
                        No DNS account yet
                      </Typography>
                      <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 520, mx: 'auto' }}>
                        Without one, dns-01 challenges are manual: you add each TXT record yourself. <strong>Add DNS account</strong> lets
                        Certdesk do it ({dns.providers.map((p) => p.displayName).join(', ') || 'RFC 2136'}).
                      </Typography>
                    </Box>
                  </TableCell>
                </TableRow>
              ) : null}
              {accounts.map((a) => (
                <TableRow key={a.id} data-testid="dns-account-row" data-id={a.id} hover>
                  <TableCell>
                    <Typography variant="body2" sx={{ fontWeight: 600 }} noWrap title={a.name}>
                      {a.name}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Typography variant="body2" noWrap>
                      {providerName(dns, a.provider)}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Chip size="small" label={a.enabled ? 'Enabled' : 'Disabled'} color={a.enabled ? 'success' : 'default'} variant={a.enabled ? 'filled' : 'outlined'} data-testid="dns-status" />
                  </TableCell>
                  <TableCell>
                    <UsedBy account={a} />
                  </TableCell>
                  <TableCell>
                    <LastTest outcome={tests[a.id]} />
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                    <IconAction label={`Test connection of ${a.name}`} size="small" onClick={() => setTesting(a)}>
                      <NetworkCheckIcon fontSize="small" />
                    </IconAction>
                    <IconAction label={`Edit ${a.name}`} size="small" onClick={() => edit(a)}>
                      <EditOutlinedIcon fontSize="small" />
                    </IconAction>
                    <IconAction label={a.enabled ? `Disable ${a.name}` : `Enable ${a.name}`} size="small" onClick={() => void toggle(a)} disabled={busy === a.id}>
                      {a.enabled ? <PauseCircleOutlineIcon fontSize="small" /> : <PlayCircleOutlineIcon fontSize="small" />}
                    </IconAction>
                    <IconAction label={`Delete ${a.name}`} size="small" onClick={() => setDeleting(a)}>
                      <DeleteOutlineIcon fontSize="small" />
                    </IconAction>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>
      <Typography variant="caption" color="text.secondary">
        A request uses its own DNS account (Certificate Request, or More → Assign DNS); a DNS mapping for a domain (Deploy tab) takes
        precedence over it.
      </Typography>

      {testing ? <TestDialog account={testing} onClose={() => setTesting(null)} onTested={(o) => recordTest(testing.id, o)} /> : null}
      {deleting ? (
        <DeleteDnsDialog
          account={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            const name = deleting.name;
            setDeleting(null);
            notify(`DNS account “${name}” deleted; its secrets are gone from the keychain.`);
            void reload();
          }}
        />
      ) : null}
    </Stack>
  );
}
