// The confirmation before an action: what will happen (and what will not), an optional tick the user must
// set first, the button that runs it (red for a destructive action), the error if it failed, and its progress.
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import { useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { ErrorAlert } from './ErrorAlert.tsx';
import { FormDialog } from './FormDialog.tsx';

export interface ConfirmDialogProps {
  title: string;
  open?: boolean;
  /** The action is running: the dialog stays open and its buttons are disabled. */
  working: boolean;
  onClose: () => void;
  /** Runs the action; only called while the confirm button is enabled. */
  onConfirm: () => void;
  confirmLabel: ReactNode;
  cancelLabel?: string;
  /** A destructive action: a warning sign before the title and a red confirm button. */
  danger?: boolean;
  /** Keeps the confirm button disabled (e.g. until the typed name matches). */
  blocked?: boolean;
  /** Tick-to-confirm: the label of a checkbox that must be ticked before the action can run. */
  tick?: ReactNode;
  /** The last failure, shown under the body. */
  error: ErrorInfo | null;
  /** The failure's title when its code's own would read wrong. */
  errorTitle?: string;
  /** Shown last: the running action's progress. */
  progress?: ReactNode;
  children: ReactNode;
}

export function ConfirmDialog({
  title,
  open,
  working,
  onClose,
  onConfirm,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger = false,
  blocked = false,
  tick,
  error,
  errorTitle,
  progress,
  children,
}: ConfirmDialogProps) {
  const [ticked, setTicked] = useState(false);
  const ready = !blocked && (tick === undefined || ticked);
  return (
    <FormDialog
      title={
        <>
          {danger ? <WarningAmberIcon color="error" aria-hidden /> : null}
          {title}
        </>
      }
      titleSx={{ display: 'flex', alignItems: 'center', gap: 1 }}
      open={open}
      working={working}
      onClose={onClose}
      // A confirmation holds nothing worth keeping (a typed name to confirm is typed again in a second).
      dirty={false}
      onSubmit={() => {
        if (ready) onConfirm();
      }}
      actions={
        <>
          <Button onClick={onClose} disabled={working}>
            {cancelLabel}
          </Button>
          <Button type="submit" variant="contained" color={danger ? 'error' : 'primary'} disabled={working || !ready}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
      {tick !== undefined ? (
        <FormControlLabel control={<Checkbox checked={ticked} onChange={(e) => setTicked(e.target.checked)} disabled={working} />} label={tick} />
      ) : null}
      {error ? <ErrorAlert error={error} {...(errorTitle ? { title: errorTitle } : {})} /> : null}
      {progress}
    </FormDialog>
  );
}
