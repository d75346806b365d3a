// Every password and secret is typed here: masked, with an eye to show it, and a label that never runs under
// the eye nor loses its required asterisk. The label's text may shorten (ellipsis, the whole label as its
// tooltip and accessible name); the asterisk does not.
import VisibilityIcon from '@mui/icons-material/Visibility';
import VisibilityOffIcon from '@mui/icons-material/VisibilityOff';
import InputAdornment from '@mui/material/InputAdornment';
import TextField, { type TextFieldProps } from '@mui/material/TextField';
import { useState, type ReactNode } from 'react';
import { IconAction } from './IconAction.tsx';

/** Room the eye takes at the end of the input (button + its margin), so the label stops before it. */
const EYE_SPACE = 48;

export type PasswordFieldProps = Omit<TextFieldProps, 'type' | 'label'> & {
  label: string;
  /** Shown in clear (controlled); without it the field keeps its own state. */
  visible?: boolean;
  onVisibleChange?: (visible: boolean) => void;
  /** False: no eye on this field (e.g. a confirmation that follows its password's eye). */
  toggle?: boolean;
  /**
   * What the eye shows ("the typed text" unless given). Not the field's label: a search for the field by its
   * label must find the field only, not its eye too.
   */
  what?: string;
  /** Shown before the eye (e.g. a "Stored" chip), and the room in px it takes, which the label leaves free. */
  endExtra?: ReactNode;
  endExtraWidth?: number;
};

export function PasswordField({ label, visible, onVisibleChange, toggle = true, what = 'the typed text', endExtra, endExtraWidth = 0, slotProps, ...rest }: PasswordFieldProps) {
  const [ownVisible, setOwnVisible] = useState(false);
  const shown = visible ?? ownVisible;
  const setShown = (v: boolean) => {
    if (visible === undefined) setOwnVisible(v);
    onVisibleChange?.(v);
  };
  const reserve = (toggle ? EYE_SPACE : 0) + (endExtra ? endExtraWidth : 0);
  const given = (slotProps ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const inputLabel = given.inputLabel ?? {};
  const input = given.input ?? {};
  const htmlInput = given.htmlInput ?? {};
  return (
    <TextField
      {...rest}
      type={shown ? 'text' : 'password'}
      label={
        <span className="PasswordField-labelText" title={label}>
          {label}
        </span>
      }
      slotProps={{
        ...given,
        htmlInput: { spellCheck: false, autoCapitalize: 'off', ...htmlInput },
        inputLabel: {
          ...inputLabel,
          sx: {
            display: 'flex',
            // Resting inside the field: stop before the eye. Floated (scaled to 75%): the same, in its scale.
            maxWidth: `calc(100% - 14px - ${reserve}px)`,
            '&.MuiInputLabel-shrink': { maxWidth: `calc((100% - 14px - ${reserve}px) / 0.75)` },
            '& .PasswordField-labelText': { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0 },
            '& .MuiFormLabel-asterisk': { flexShrink: 0, whiteSpace: 'pre' },
            ...(inputLabel.sx as object | undefined),
          },
        },
        input: {
          ...input,
          ...(toggle || endExtra
            ? {
                endAdornment: (
                  <InputAdornment position="end" className="PasswordField-eye" sx={{ gap: 0.5 }}>
                    {endExtra}
                    {toggle ? <IconAction
                      label={shown ? `Hide ${what}` : `Show ${what}`}
                      size="small"
                      edge="end"
                      onClick={() => setShown(!shown)}
                      disabled={rest.disabled}
                    >
                      {shown ? <VisibilityOffIcon fontSize="small" /> : <VisibilityIcon fontSize="small" />}
                    </IconAction> : null}
                  </InputAdornment>
                ),
              }
            : {}),
        },
      }}
    />
  );
}
