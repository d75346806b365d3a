// One section of the Settings page that saves on its own: a form with a title, a sentence on what it does,
// its fields, the error that belongs to no field, and Undo / Save (only when something changed).
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { FormEvent, ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';

export interface SettingsSectionProps {
  title: string;
  description: ReactNode;
  dirty: boolean;
  saving: boolean;
  alert: ErrorInfo | null;
  onCloseAlert: () => void;
  onSave: () => void;
  onUndo: () => void;
  /** Buttons left of Undo (e.g. Send test). */
  extraActions?: ReactNode;
  children: ReactNode;
}

export function SettingsSection({ title, description, dirty, saving, alert, onCloseAlert, onSave, onUndo, extraActions, children }: SettingsSectionProps) {
  return (
    <Paper
      variant="outlined"
      component="form"
      noValidate
      aria-label={title}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (!saving && dirty) onSave();
      }}
      sx={{ px: 2.5, py: 2, maxWidth: 860, mt: 2 }}
    >
      <Typography variant="subtitle1" component="h3">
        {title}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
        {description}
      </Typography>
      <Stack spacing={1.75}>
        {children}
        {alert ? <ErrorAlert error={alert} onClose={onCloseAlert} /> : null}
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
          {extraActions}
          <Box sx={{ flex: 1 }} />
          {dirty ? (
            <Typography variant="caption" color="text.secondary">
              Unsaved changes
            </Typography>
          ) : null}
          <Button onClick={onUndo} disabled={saving || !dirty}>
            Undo
          </Button>
          <Button type="submit" variant="contained" disabled={saving || !dirty}>
            {saving ? 'Saving…' : 'Save'}
          </Button>
        </Box>
      </Stack>
    </Paper>
  );
}
