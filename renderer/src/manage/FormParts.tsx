// The pieces the account forms (New Registration, Add Account, Update e-mail) are built from.
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import type { Operation } from '../state/operation.ts';

export function FormSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ p: 2 }}>
      <Typography variant="overline" color="text.secondary" component="h4" sx={{ display: 'block', lineHeight: 1.6, mb: 1.25 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

export function FormHeader({
  title,
  text,
  onBack,
  disabled,
  backLabel = 'Accounts',
}: {
  title: string;
  text: string;
  onBack: () => void;
  disabled?: boolean;
  /** The list the back button returns to. */
  backLabel?: string;
}) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1.5, mb: 2 }}>
      <Button size="small" startIcon={<ArrowBackIcon />} onClick={onBack} disabled={disabled} sx={{ mt: 0.25, whiteSpace: 'nowrap', flexShrink: 0 }}>
        {backLabel}
      </Button>
      <Box>
        <Typography variant="h6" component="h3">
          {title}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {text}
        </Typography>
      </Box>
    </Box>
  );
}

/** The end of a form: its error, the progress of its operation, then Back and the submit button. */
export function FormFooter({
  op,
  idleText,
  alert,
  onCloseAlert,
  onBack,
  submitLabel,
  workingLabel,
}: {
  op: Operation;
  idleText: string;
  alert: ErrorInfo | null;
  onCloseAlert: () => void;
  onBack: () => void;
  submitLabel: string;
  workingLabel: string;
}) {
  const working = op.running;
  return (
    <>
      {alert ? <ErrorAlert error={alert} onClose={onCloseAlert} /> : null}
      <OperationProgress op={op} idleText={idleText} />
      <Box sx={{ display: 'flex', gap: 1, justifyContent: 'flex-end' }}>
        <Button onClick={onBack} disabled={working}>
          Back
        </Button>
        <Button type="submit" variant="contained" disabled={working}>
          {working ? workingLabel : submitLabel}
        </Button>
      </Box>
    </>
  );
}

interface FieldProps {
  value: string;
  onChange: (value: string) => void;
  /** The field's error; `hint` shows under it while there is none. */
  error: string | undefined;
  hint: string;
  disabled: boolean;
  required?: boolean;
  autoFocus?: boolean;
}

/** A text field of an account form: its error, when it has one, takes the place of its hint. */
export function FormField({
  label,
  type,
  htmlInput,
  value,
  onChange,
  error,
  hint,
  disabled,
  required,
  autoFocus,
}: FieldProps & { label: string; type?: string; htmlInput: Record<string, unknown> }) {
  return (
    <TextField
      label={label}
      type={type}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      required={required}
      disabled={disabled}
      error={Boolean(error)}
      helperText={error ?? hint}
      autoFocus={autoFocus}
      slotProps={{ htmlInput }}
    />
  );
}

/** The account's name in Certdesk's lists. */
export function AccountNameField(props: FieldProps) {
  return <FormField label="Account name" htmlInput={{ maxLength: 64, autoComplete: 'off' }} {...props} />;
}

/** The account's contact address at the CA. */
export function EmailField(props: FieldProps) {
  return <FormField label="E-mail" type="email" htmlInput={{ autoComplete: 'email', spellCheck: false }} {...props} />;
}
