// Settings: automatic renewal, notifications and e-mail (settings:get / settings:set, each section saved on its
// own), what this Certdesk is and where it keeps its data (app:info), and the DNS checks' servers.
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { AppInfo, AppSettings } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { call, errorInfo } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { DefinitionRow } from '../components/DefinitionRow.tsx';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { DnsServersSettings } from '../dns/DnsServersSettings.tsx';
import { EmailSettingsSection } from '../settings/EmailSettingsSection.tsx';
import { NotificationSettingsSection } from '../settings/NotificationSettingsSection.tsx';
import { RenewalSettingsSection } from '../settings/RenewalSettingsSection.tsx';
import { MONO_FONTS } from '../theme.ts';
import { PageHeader } from './PageHeader.tsx';

const FACE_TEXT: Record<AppInfo['face'], string> = {
  electron: 'Desktop app',
  bridge: 'Browser preview (loopback bridge)',
  cli: 'Command line',
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DefinitionRow label={label} labelWidth={180} gap={2} py={1.25} alignItems="center" divided>
      {children}
    </DefinitionRow>
  );
}

export function SettingsPage() {
  const theme = useTheme();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [i, s] = await Promise.all([call('app:info', {}), call('settings:get', {})]);
      setInfo(i);
      setSettings(s);
    } catch (err) {
      setError(errorInfo(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <>
      <PageHeader title="Settings" subtitle="Automatic renewal, notifications and e-mail; about this Certdesk, where it keeps its data, and the DNS servers it checks." />
      {error ? (
        <Box sx={{ mb: 2 }}>
          <ErrorAlert error={error} action={<RetryButton onRetry={() => void load()} />} />
        </Box>
      ) : null}
      <Paper variant="outlined" sx={{ px: 2.5, py: 1, maxWidth: 860 }}>
        <Box component="dl" sx={{ m: 0 }} aria-label="Application information">
          <Row label="Version">{info ? <Typography variant="body2">{info.version}</Typography> : <Skeleton width={80} />}</Row>
          <Row label="Running as">{info ? <Typography variant="body2">{FACE_TEXT[info.face]}</Typography> : <Skeleton width={160} />}</Row>
          <Row label="Data directory">
            {info ? (
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, minWidth: 0 }}>
                <Typography variant="body2" sx={{ fontFamily: MONO_FONTS, overflowWrap: 'anywhere' }}>
                  {info.dataDir}
                </Typography>
                <CopyButton text={info.dataDir} label="Copy data directory path" />
              </Box>
            ) : (
              <Skeleton width={280} />
            )}
          </Row>
          <Row label="Keychain">
            {info ? (
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
                <Typography variant="body2">{info.keychain.backend}</Typography>
                <Chip
                  size="small"
                  color={info.keychain.available ? 'success' : 'error'}
                  variant="outlined"
                  label={info.keychain.available ? 'Available' : 'Unavailable'}
                />
              </Box>
            ) : (
              <Skeleton width={220} />
            )}
          </Row>
          {info?.keychain.detail ? (
            <Row label="">
              <Alert severity={info.keychain.available ? 'info' : 'warning'} sx={{ py: 0 }}>
                {info.keychain.detail}
              </Alert>
            </Row>
          ) : null}
          {info?.storeProblems?.length ? (
            <Row label="Database">
              <Alert severity="warning" sx={{ py: 0 }} aria-label="Database records set aside">
                {info.storeProblems.length === 1 ? 'One record' : `${info.storeProblems.length} records`} of db.json could not be
                read and {info.storeProblems.length === 1 ? 'is' : 'are'} set aside: kept in the file unchanged, but not shown
                or used until corrected.
                <Box component="ul" sx={{ m: 0, mt: 0.5, pl: 2.5, fontFamily: MONO_FONTS, fontSize: '0.8rem', overflowWrap: 'anywhere' }}>
                  {info.storeProblems.map((p) => (
                    <li key={`${p.collection}-${p.index}`}>{p.message}</li>
                  ))}
                </Box>
              </Alert>
            </Row>
          ) : null}
          <Row label="Theme">
            <Typography variant="body2">Follows your system setting (now {theme.palette.mode}).</Typography>
          </Row>
        </Box>
      </Paper>
      {settings ? (
        <>
          <RenewalSettingsSection settings={settings.renewal} onSaved={setSettings} />
          <NotificationSettingsSection settings={settings.notifications} onSaved={setSettings} />
          <EmailSettingsSection settings={settings.email} onSaved={setSettings} />
        </>
      ) : error ? null : (
        <Skeleton variant="rounded" height={320} sx={{ maxWidth: 860, mt: 2 }} />
      )}
      <DnsServersSettings />
    </>
  );
}
