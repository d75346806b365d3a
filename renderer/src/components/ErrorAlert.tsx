import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';
import { useEffect, useRef, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';

const TITLES: Partial<Record<ErrorInfo['code'], string>> = {
  INVALID_INPUT: 'Check the form',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Already there',
  ACME_ERROR: 'The CA refused',
  NETWORK: 'Could not connect',
  TLS: 'Certificate not trusted',
  KEYCHAIN_UNAVAILABLE: 'Keychain unavailable',
  STORE_LOCKED: 'Data directory in use',
  STORE_CORRUPT: 'Data directory damaged',
  CANCELLED: 'Cancelled',
  FORBIDDEN: 'Not allowed',
  INTERNAL: 'Something went wrong',
};

/** What failed, why, and what to do: message + hint, titled by the error code. */
export function ErrorAlert({
  error,
  onClose,
  action,
  title,
}: {
  error: ErrorInfo;
  onClose?: (() => void) | undefined;
  action?: ReactNode;
  /** Instead of the code's title, where the code alone reads wrong (a CONFLICT that means "in use"). */
  title?: string;
}) {
  const severity = error.code === 'CANCELLED' ? 'info' : 'error';
  const ref = useRef<HTMLDivElement>(null);
  // In a scrolled form the alert may appear below the fold: bring it into view.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [error]);
  return (
    <Alert ref={ref} severity={severity} onClose={onClose} action={action} role="alert" sx={{ '& .MuiAlert-message': { minWidth: 0 } }}>
      <AlertTitle>{title ?? TITLES[error.code] ?? 'Error'}</AlertTitle>
      <span data-testid="error-message">{error.message}</span>
      {error.hint ? (
        <span style={{ display: 'block', marginTop: 4, opacity: 0.9 }} data-testid="error-hint">
          {error.hint}
        </span>
      ) : null}
    </Alert>
  );
}

/** The Retry action of an alert about something that could not be read. */
export function RetryButton({ onRetry }: { onRetry: () => void }) {
  return (
    <Button color="inherit" size="small" onClick={() => onRetry()}>
      Retry
    </Button>
  );
}
