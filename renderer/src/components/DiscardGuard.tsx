// Closing a dialog that holds typed input asks first ("Discard the changes?"); a pristine one closes at once.
// A dialog knows it is dirty in two ways: its form says so (the `dirty` it passes, or `useDirty` in a form
// rendered inside it, e.g. New Registration inside Manage), or a text field inside it no longer holds what
// it held when it was first focused (typed input, found without any help from the form).
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import { createContext, useContext, useEffect, useId, useMemo, useRef, useState, type FocusEvent, type ReactNode } from 'react';

interface DirtyRegistry {
  set: (id: string, dirty: boolean) => void;
}

const DirtyContext = createContext<DirtyRegistry | null>(null);

/** Tells the dialog around this form whether the form holds unsaved input. */
export function useDirty(dirty: boolean): void {
  const registry = useContext(DirtyContext);
  const id = useId();
  useEffect(() => {
    registry?.set(id, dirty);
    return () => registry?.set(id, false);
  }, [registry, id, dirty]);
}

type Field = HTMLInputElement | HTMLTextAreaElement;

function isTypedField(el: EventTarget | null): el is Field {
  if (el instanceof HTMLTextAreaElement) return true;
  if (!(el instanceof HTMLInputElement)) return false;
  // Searches and filters hold nothing worth keeping; buttons, boxes and files are not typed.
  return !['search', 'checkbox', 'radio', 'file', 'button', 'submit', 'reset', 'hidden', 'range', 'color'].includes(el.type) && !el.readOnly;
}

export interface DiscardGuard {
  /** Closes at once when nothing was typed, else asks first. */
  requestClose: () => void;
  /**
   * Runs `leave` (e.g. switching to another tab, which unmounts the form) at once when nothing was typed, else asks
   * first ("Discarding leaves <where> and loses it").
   */
  requestLeave: (leave: () => void, where: string) => void;
  /** Spread on the dialog's root element (the Paper): it watches the fields inside it. */
  rootProps: { onFocus: (e: FocusEvent<HTMLElement>) => void };
  /** Render inside the dialog's tree: the provider forms inside report their state to, and the question. */
  wrap: (children: ReactNode) => ReactNode;
  /** The question, when asked (render it next to the dialog). */
  prompt: ReactNode;
}

/**
 * `onClose` runs once the user discards (or at once when nothing is dirty). `dirty` is the form's own say;
 * `open` resets what was seen typed when the dialog opens again.
 */
export function useDiscardGuard({ onClose, dirty = false, open = true, what }: { onClose: () => void; dirty?: boolean; open?: boolean; what?: string }): DiscardGuard {
  const root = useRef<HTMLElement | null>(null);
  /** Each field's value when it was first focused. */
  const before = useRef(new Map<Field, string>());
  const [registered, setRegistered] = useState<Record<string, boolean>>({});
  /** The question on screen: what Discard does, and (for a leave) what is left. */
  const [asking, setAsking] = useState<{ run: () => void; leaving?: string } | null>(null);

  useEffect(() => {
    if (open) before.current = new Map();
    else setAsking(null);
  }, [open]);

  const registry = useMemo<DirtyRegistry>(
    () => ({
      set: (id, value) =>
        setRegistered((all) => {
          if (Boolean(all[id]) === value) return all;
          const next = { ...all };
          if (value) next[id] = true;
          else delete next[id];
          return next;
        }),
    }),
    [],
  );

  const typed = () => {
    for (const [field, value] of before.current) {
      // A field that is gone (its form was submitted or left) holds nothing to lose any more.
      if (field.isConnected && root.current?.contains(field) && field.value !== value) return true;
    }
    return false;
  };

  const isDirty = () => dirty || Object.keys(registered).length > 0 || typed();

  const requestClose = () => {
    if (isDirty()) setAsking({ run: onClose });
    else onClose();
  };

  const requestLeave = (leave: () => void, where: string) => {
    if (isDirty()) setAsking({ run: leave, leaving: where });
    else leave();
  };

  const onFocus = (e: FocusEvent<HTMLElement>) => {
    // React passes focus events through portals: only fields of this dialog's own DOM count.
    root.current = e.currentTarget;
    const target = e.target;
    if (!isTypedField(target) || !e.currentTarget.contains(target)) return;
    if (!before.current.has(target)) before.current.set(target, target.value);
  };

  const prompt = (
    <DiscardDialog
      open={asking !== null}
      what={what}
      leaving={asking?.leaving}
      onKeep={() => setAsking(null)}
      onDiscard={() => {
        const run = asking?.run;
        setAsking(null);
        run?.();
      }}
    />
  );
  return {
    requestClose,
    requestLeave,
    rootProps: { onFocus },
    wrap: (children) => <DirtyContext.Provider value={registry}>{children}</DirtyContext.Provider>,
    prompt,
  };
}

/** "Discard the changes?" — Keep editing (the default, also Escape) or Discard. */
export function DiscardDialog({
  open,
  what,
  leaving,
  onKeep,
  onDiscard,
}: {
  open: boolean;
  what?: string | undefined;
  /** Discard leaves this part of the dialog (e.g. "the Account tab") rather than closing the dialog. */
  leaving?: string | undefined;
  onKeep: () => void;
  onDiscard: () => void;
}) {
  const titleId = useId();
  const textId = useId();
  return (
    <Dialog open={open} onClose={onKeep} maxWidth="xs" fullWidth aria-labelledby={titleId} aria-describedby={textId} data-testid="discard-confirm">
      <DialogTitle id={titleId}>Discard the changes?</DialogTitle>
      <DialogContent>
        <DialogContentText id={textId} variant="body2">
          {what ? `What you entered in ${what} has not been saved.` : 'What you entered has not been saved.'}{' '}
          {leaving ? `Discarding leaves ${leaving} and loses it.` : 'Discarding closes the dialog and loses it.'}
        </DialogContentText>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onKeep} variant="contained" autoFocus>
          Keep editing
        </Button>
        <Button onClick={onDiscard} color="error">
          Discard
        </Button>
      </DialogActions>
    </Dialog>
  );
}
