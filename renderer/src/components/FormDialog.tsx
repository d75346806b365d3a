// A dialog that is a form: Enter submits, and while its work runs it cannot be closed nor submitted again.
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import type { SxProps, Theme } from '@mui/material/styles';
import { useId, type FormEvent, type ReactNode } from 'react';

export interface FormDialogProps {
  title: ReactNode;
  open?: boolean;
  /** The dialog's work is running: closing and submitting wait for it. */
  working: boolean;
  onClose: () => void;
  /** Enter or the submit button, when no work is running. */
  onSubmit: () => void;
  /** The buttons, right-aligned at the bottom (the submit one with type="submit"). */
  actions: ReactNode;
  children: ReactNode;
  /** The form's own name, besides the title that labels the dialog. */
  'aria-label'?: string;
  titleSx?: SxProps<Theme>;
  contentSx?: SxProps<Theme>;
}

export function FormDialog({ title, open = true, working, onClose, onSubmit, actions, children, 'aria-label': ariaLabel, titleSx, contentSx }: FormDialogProps) {
  const titleId = useId();
  return (
    <Dialog
      open={open}
      onClose={working ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby={titleId}
      slotProps={{
        paper: {
          component: 'form',
          noValidate: true,
          onSubmit: (e: FormEvent) => {
            e.preventDefault();
            if (!working) onSubmit();
          },
          'aria-label': ariaLabel,
        } as object,
      }}
    >
      <DialogTitle id={titleId} sx={titleSx}>
        {title}
      </DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={contentSx}>
          {children}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>{actions}</DialogActions>
    </Dialog>
  );
}
