// The bell in the top bar: how many alerts need you (alerts:list, reloaded on `alerts:changed`), and behind
// it the list — what happened, since when, the action that resolves it, and Dismiss. Dismissed alerts stay
// out of the count until their state changes, and are listed collapsed below.
import CloseIcon from '@mui/icons-material/Close';
import CloudOffIcon from '@mui/icons-material/CloudOff';
import EventBusyIcon from '@mui/icons-material/EventBusy';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import HourglassBottomIcon from '@mui/icons-material/HourglassBottom';
import NotificationsNoneIcon from '@mui/icons-material/NotificationsNone';
import PendingActionsIcon from '@mui/icons-material/PendingActions';
import ErrorOutlineOutlinedIcon from '@mui/icons-material/ErrorOutlineOutlined';
import SyncProblemIcon from '@mui/icons-material/SyncProblem';
import TouchAppIcon from '@mui/icons-material/TouchApp';
import Badge from '@mui/material/Badge';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Collapse from '@mui/material/Collapse';
import Popover from '@mui/material/Popover';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useState, type ReactNode } from 'react';
import type { Alert, AlertAction, AlertKind } from '../../../shared/model/renewal.ts';
import { call, errorInfo } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { useNotice } from '../components/Notice.tsx';
import { formatDateTime } from '../format.ts';
import { useAlerts } from '../state/renewal.ts';

const KIND_ICON: Record<AlertKind, ReactNode> = {
  expiring: <HourglassBottomIcon fontSize="small" />,
  expired: <EventBusyIcon fontSize="small" />,
  'renewal-failed': <SyncProblemIcon fontSize="small" />,
  'request-failed': <ErrorOutlineOutlinedIcon fontSize="small" />,
  'challenge-waiting': <PendingActionsIcon fontSize="small" />,
  'manual-renewal': <TouchAppIcon fontSize="small" />,
  'deploy-failed': <CloudOffIcon fontSize="small" />,
};

const KIND_TEXT: Record<AlertKind, string> = {
  expiring: 'Expiring',
  expired: 'Expired',
  'renewal-failed': 'Renewal failed',
  'request-failed': 'Request failed',
  'challenge-waiting': 'Challenge waiting for you',
  'manual-renewal': 'Manual renewal needed',
  'deploy-failed': 'Deployment failed',
};

const SEVERITY_COLOR = { info: 'info.main', warning: 'warning.main', error: 'error.main' } as const;

/** "3 hours ago", "2 days ago", else the date. */
function since(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const minutes = Math.round((now - t) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.round(hours / 24);
  if (days < 14) return `${days} day${days === 1 ? '' : 's'} ago`;
  return formatDateTime(iso);
}

function AlertItem({ alert, onAction, onDismiss, dismissing }: { alert: Alert; onAction: (a: AlertAction) => void; onDismiss?: () => void; dismissing?: boolean }) {
  const color = alert.dismissed ? 'text.disabled' : SEVERITY_COLOR[alert.severity];
  return (
    <Box
      component="li"
      aria-label={`${KIND_TEXT[alert.kind]}: ${alert.title}`}
      data-testid="alert-item"
      data-kind={alert.kind}
      sx={{ display: 'flex', gap: 1.25, py: 1.25, pl: 1.25, pr: 0.5, borderLeft: 3, borderColor: color, bgcolor: 'action.hover', borderRadius: 1, listStyle: 'none' }}
    >
      <Box sx={{ color, pt: 0.25 }} title={KIND_TEXT[alert.kind]}>
        {KIND_ICON[alert.kind]}
      </Box>
      <Box sx={{ flex: 1, minWidth: 0 }}>
        <Typography variant="body2" sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
          {alert.title}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
          {alert.message}
        </Typography>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mt: 0.5 }}>
          <Typography variant="caption" color="text.secondary" title={formatDateTime(alert.since)} sx={{ flex: 1 }}>
            {KIND_TEXT[alert.kind]} · {since(alert.since)}
          </Typography>
          <Button size="small" variant={alert.dismissed ? 'text' : 'outlined'} onClick={() => onAction(alert.action)} sx={{ py: 0, whiteSpace: 'nowrap' }}>
            {alert.action.label}
          </Button>
        </Box>
      </Box>
      {onDismiss ? (
        <IconAction label={`Dismiss: ${alert.title}`} size="small" onClick={onDismiss} disabled={dismissing} sx={{ alignSelf: 'flex-start' }}>
          <CloseIcon fontSize="small" />
        </IconAction>
      ) : null}
    </Box>
  );
}

export function AlertsBell({ onAction }: { onAction: (action: AlertAction) => void }) {
  const notify = useNotice();
  const { active, dismissed, unavailable, error, loading, reload } = useAlerts();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [showDismissed, setShowDismissed] = useState(false);
  const [dismissing, setDismissing] = useState<string | null>(null);
  const count = active.length;
  const worst = active.some((a) => a.severity === 'error') ? 'error' : active.some((a) => a.severity === 'warning') ? 'warning' : 'info';

  const act = (action: AlertAction) => {
    setAnchor(null);
    onAction(action);
  };

  const dismiss = async (a: Alert) => {
    setDismissing(a.id);
    try {
      await call('alerts:dismiss', { id: a.id });
      await reload();
    } catch (err) {
      notify(`Could not dismiss the alert: ${errorInfo(err).message}`, 'error');
    } finally {
      setDismissing(null);
    }
  };

  const label = unavailable ? 'Alerts (not available in this version)' : count === 0 ? 'Alerts: none' : `Alerts: ${count} need${count === 1 ? 's' : ''} you`;

  return (
    <>
      <IconAction label={label} color="inherit" onClick={(e) => setAnchor(e.currentTarget)} aria-haspopup="dialog" data-testid="alerts-bell">
        {/* No count drawn at 0: a hidden "0" would still be text the button's name ("Alerts: none") lacks. */}
        <Badge color={worst} badgeContent={count > 0 ? count : undefined} data-testid="alerts-count">
          <NotificationsNoneIcon />
        </Badge>
      </IconAction>
      <Popover
        open={anchor !== null}
        anchorEl={anchor}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
        slotProps={{ paper: { role: 'dialog', 'aria-label': 'Alerts', sx: { width: 420, maxHeight: 'calc(100% - 80px)', p: 2, mt: 1 } } as object }}
      >
        <Typography variant="subtitle2" gutterBottom>
          Alerts{count ? ` (${count})` : ''}
        </Typography>
        {unavailable ? (
          <Typography variant="body2" color="text.secondary" data-testid="alerts-unavailable">
            Alerts are not available in this version of Certdesk.
          </Typography>
        ) : error ? (
          <ErrorAlert error={error} action={<RetryButton onRetry={() => void reload()} />} />
        ) : loading ? (
          <Typography variant="body2" color="text.secondary">
            Loading…
          </Typography>
        ) : (
          <>
            {count === 0 ? (
              <Typography variant="body2" color="text.secondary" data-testid="alerts-empty">
                No alerts. Expiring certificates, failed renewals and requests, and challenges that need you show up here.
              </Typography>
            ) : (
              <Stack component="ul" spacing={1} sx={{ m: 0, p: 0 }} aria-label="Active alerts">
                {active.map((a) => (
                  <AlertItem key={a.id} alert={a} onAction={act} onDismiss={() => void dismiss(a)} dismissing={dismissing === a.id} />
                ))}
              </Stack>
            )}
            {dismissed.length ? (
              <Box sx={{ mt: 1.5 }}>
                <Button
                  size="small"
                  color="inherit"
                  onClick={() => setShowDismissed((v) => !v)}
                  aria-expanded={showDismissed}
                  endIcon={<ExpandMoreIcon sx={{ transform: showDismissed ? 'rotate(180deg)' : 'none', transition: 'transform 150ms' }} />}
                >
                  Dismissed ({dismissed.length})
                </Button>
                <Collapse in={showDismissed}>
                  <Typography variant="caption" color="text.secondary" component="div" sx={{ my: 0.5 }}>
                    Hidden from the count until their state changes (another failure, a nearer threshold).
                  </Typography>
                  <Stack component="ul" spacing={1} sx={{ m: 0, p: 0 }} aria-label="Dismissed alerts">
                    {dismissed.map((a) => (
                      <AlertItem key={a.id} alert={a} onAction={act} />
                    ))}
                  </Stack>
                </Collapse>
              </Box>
            ) : null}
          </>
        )}
      </Popover>
    </>
  );
}
