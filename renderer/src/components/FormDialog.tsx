// A dialog that is a form: Enter submits, and while its work runs it cannot be closed nor submitted again.
// Escape, the backdrop and its Cancel button (FormCancel) ask before throwing typed input away.
import Box from '@mui/material/Box';
import Button, { type ButtonProps } from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import type { SxProps, Theme } from '@mui/material/styles';
import { createContext, useContext, useId, type FormEvent, type ReactNode } from 'react';
import { useDiscardGuard } from './DiscardGuard.tsx';

export interface FormDialogProps {
  title: ReactNode;
  open?: boolean;
  /** The dialog's work is running: closing and submitting wait for it. */
  working: boolean;
  onClose: () => void;
  /** Enter or the submit button, when no work is running. */
  onSubmit: () => void;
  /** The buttons, right-aligned at the bottom (the submit one with type="submit"; Cancel as FormCancel). */
  actions: ReactNode;
  children: ReactNode;
  /** The form's own name, besides the title that labels the dialog. */
  'aria-label'?: string;
  titleSx?: SxProps<Theme>;
  contentSx?: SxProps<Theme>;
  /**
   * The form holds input that closing would lose (besides typed text, which is found on its own). `false`
   * turns the question off: a confirmation whose typed name is worth nothing once it is closed.
   */
  dirty?: boolean;
  /** How the question names this dialog ("the export"); its title when that is text. */
  discardWhat?: string;
}

/** Closes the nearest FormDialog the way Escape does: asking first when there is typed input. */
const CloseContext = createContext<(() => void) | null>(null);

/** The Cancel button of a FormDialog: abandons the unsaved input, after asking when there is some. */
export function FormCancel({ children = 'Cancel', onClick, ...rest }: Omit<ButtonProps, 'type'>) {
  const close = useContext(CloseContext);
  return (
    <Button
      {...rest}
      onClick={(e) => {
        onClick?.(e);
        close?.();
      }}
    >
      {children}
    </Button>
  );
}

export function FormDialog({ title, open = true, working, onClose, onSubmit, actions, children, 'aria-label': ariaLabel, titleSx, contentSx, dirty, discardWhat }: FormDialogProps) {
  const titleId = useId();
  const guard = useDiscardGuard({
    onClose,
    dirty: dirty === true,
    open,
    ...(discardWhat ? { what: discardWhat } : typeof title === 'string' ? { what: `“${title}”` } : {}),
  });
  const close = dirty === false ? onClose : guard.requestClose;
  return (
    <>
      <Dialog
        open={open}
        onClose={working ? undefined : close}
        maxWidth="sm"
        fullWidth
        aria-labelledby={titleId}
        slotProps={{
          paper: {
            ...(dirty === false ? {} : guard.rootProps),
          } as object,
        }}
      >
        <DialogFormBody
          label={ariaLabel}
          onSubmit={(e) => {
            e.preventDefault();
            if (!working) onSubmit();
          }}
        >
        <CloseContext.Provider value={working ? null : close}>
          {guard.wrap(
            <>
              <DialogTitle id={titleId} sx={titleSx}>
                {title}
              </DialogTitle>
              <DialogContent>
                <Stack spacing={2} sx={contentSx}>
                  {children}
                </Stack>
              </DialogContent>
              <DialogActions sx={{ px: 3, pb: 2 }}>{actions}</DialogActions>
            </>,
          )}
        </CloseContext.Provider>
        </DialogFormBody>
      </Dialog>
      {guard.prompt}
    </>
  );
}

/**
 * The form of a dialog, inside its Paper rather than being it: the Paper carries role=dialog, which a <form> may
 * not (axe aria-allowed-role). Lays its children out as the Paper would (title, scrolling content, actions).
 */
export function DialogFormBody({ label, onSubmit, children }: { label?: string | undefined; onSubmit: (e: FormEvent) => void; children: ReactNode }) {
  return (
    <Box component="form" noValidate onSubmit={onSubmit} aria-label={label} sx={{ display: 'flex', flexDirection: 'column', flex: '1 1 auto', minHeight: 0 }}>
      {children}
    </Box>
  );
}
