// Manage → Account: the account cards and the two ways to get an account (New Registration, Add Account).
import AddIcon from '@mui/icons-material/Add';
import AddCircleOutlineIcon from '@mui/icons-material/AddCircleOutlined';
import FileOpenOutlinedIcon from '@mui/icons-material/FileOpenOutlined';
import PersonAddAltIcon from '@mui/icons-material/PersonAddAlt';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Account } from '../../../shared/model/account.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { useNotice } from '../components/Notice.tsx';
import { STATUS_TEXT } from '../format.ts';
import { useAccounts } from '../state/accounts.tsx';
import { AccountCard, type AccountAction } from './AccountCard.tsx';
import { DeactivateDialog, DeleteDialog, exportAccountKey, RolloverDialog, UpdateEmailDialog } from './AccountDialogs.tsx';
import { ImportForm } from './ImportForm.tsx';
import { RegistrationForm } from './RegistrationForm.tsx';

export type AccountView = 'list' | 'register' | 'import';
type View = AccountView;
type DialogKind = 'email' | 'rollover' | 'delete' | 'deactivate';

export function AccountTab({ initialView = 'list', onRequestCertificate }: { initialView?: AccountView; onRequestCertificate?: () => void }) {
  const { accounts, loading, error, reload, upsert } = useAccounts();
  const notify = useNotice();
  const [view, setView] = useState<View>(initialView);
  /** The account just registered or added: the list offers the next step with it. */
  const [fresh, setFresh] = useState<Account | null>(null);
  const [dialog, setDialog] = useState<{ kind: DialogKind; account: Account } | null>(null);
  const [busy, setBusy] = useState<{ id: string; action: AccountAction } | null>(null);
  const [actionError, setActionError] = useState<{ id: string; error: ErrorInfo } | null>(null);

  const closeDialog = () => setDialog(null);
  /** After every action: show the fresh account at once, then re-read the list (statuses). */
  const finished = (account: Account, message: string) => {
    upsert(account);
    setDialog(null);
    notify(message);
    void reload();
  };

  const runQuick = async (account: Account, action: 'export' | 'refresh') => {
    setActionError(null);
    setBusy({ id: account.id, action });
    try {
      if (action === 'export') {
        const { path } = await exportAccountKey(account);
        notify(path ? `Account key of “${account.name}” saved to ${path}` : 'Export cancelled: no file was written.', path ? 'success' : 'info');
      } else {
        const fresh = await call('accounts:refresh', { id: account.id });
        upsert(fresh);
        notify(`“${fresh.name}” is ${STATUS_TEXT[fresh.status].toLowerCase()} at the CA.`, fresh.status === 'valid' ? 'success' : 'info');
      }
    } catch (err) {
      setActionError({ id: account.id, error: errorInfo(err) });
    } finally {
      setBusy(null);
      void reload();
    }
  };

  const onAction = (account: Account, action: AccountAction) => {
    if (action === 'export' || action === 'refresh') void runQuick(account, action);
    else setDialog({ kind: action, account });
  };

  if (view === 'register') {
    return (
      <RegistrationForm
        onBack={() => setView('list')}
        onDone={(account) => {
          upsert(account);
          setView('list');
          setFresh(account);
          notify(`Account “${account.name}” registered.`);
          void reload();
        }}
      />
    );
  }
  if (view === 'import') {
    return (
      <ImportForm
        onBack={() => setView('list')}
        onDone={(account) => {
          upsert(account);
          setView('list');
          setFresh(account);
          notify(`Account “${account.name}” added.`);
          void reload();
        }}
      />
    );
  }

  return (
    <Stack spacing={2}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="h6" component="h3">
            ACME accounts
          </Typography>
          <Typography variant="body2" color="text.secondary">
            One account per directory. It identifies you to the CA and signs every certificate request.
          </Typography>
        </Box>
        <Button variant="contained" startIcon={<AddIcon />} onClick={() => setView('register')}>
          New Registration
        </Button>
        <Button variant="outlined" startIcon={<FileOpenOutlinedIcon />} onClick={() => setView('import')}>
          Add Account
        </Button>
      </Box>

      {fresh && fresh.status === 'valid' && onRequestCertificate ? (
        <Alert
          severity="success"
          data-testid="next-step"
          action={
            <Button color="inherit" variant="outlined" size="small" startIcon={<AddCircleOutlineIcon />} onClick={onRequestCertificate} sx={{ whiteSpace: 'nowrap', alignSelf: 'center' }}>
              Request a certificate
            </Button>
          }
        >
          <AlertTitle>“{fresh.name}” is ready</AlertTitle>
          Next step: a Certificate Request — the names to secure and how you prove you control them.
        </Alert>
      ) : null}

      {error ? <ErrorAlert error={error} action={<RetryButton onRetry={() => void reload()} />} /> : null}

      {loading ? <Skeleton variant="rounded" height={180} /> : null}

      {!loading && !error && accounts.length === 0 ? (
        <Paper variant="outlined" sx={{ p: 4, textAlign: 'center' }} data-testid="no-accounts">
          <PersonAddAltIcon sx={{ fontSize: 40, color: 'text.disabled' }} aria-hidden />
          <Typography variant="subtitle1" sx={{ mt: 1 }}>
            No account yet
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 520, mx: 'auto' }}>
            <strong>New Registration</strong> creates an account at Let&apos;s Encrypt (or another ACME CA).{' '}
            <strong>Add Account</strong> brings back one you already have, from its exported key.
          </Typography>
        </Paper>
      ) : null}

      {accounts.map((account) => (
        <Stack key={account.id} spacing={1}>
          <AccountCard account={account} busy={busy?.id === account.id ? busy.action : null} onAction={(a) => onAction(account, a)} />
          {actionError?.id === account.id ? <ErrorAlert error={actionError.error} onClose={() => setActionError(null)} /> : null}
        </Stack>
      ))}

      {dialog?.kind === 'email' ? (
        <UpdateEmailDialog open account={dialog.account} onClose={closeDialog} onDone={(a) => finished(a, `E-mail of “${a.name}” updated.`)} />
      ) : null}
      {dialog?.kind === 'rollover' ? (
        <RolloverDialog open account={dialog.account} onClose={closeDialog} onDone={(a) => finished(a, `New key in use for “${a.name}”.`)} />
      ) : null}
      {dialog?.kind === 'deactivate' ? (
        <DeactivateDialog open account={dialog.account} onClose={closeDialog} onDone={(a) => finished(a, `“${a.name}” is deactivated at the CA.`)} />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <DeleteDialog
          open
          account={dialog.account}
          onClose={closeDialog}
          onDeleted={() => {
            const name = dialog.account.name;
            setDialog(null);
            notify(`“${name}” removed from Certdesk. It is still active at the CA.`);
            void reload();
          }}
        />
      ) : null}
    </Stack>
  );
}
