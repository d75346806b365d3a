// Shows the steps of a running operation (from ops:progress) with a Cancel button.
import CancelOutlinedIcon from '@mui/icons-material/CancelOutlined';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect, useRef } from 'react';
import type { Operation, OperationStep } from '../state/operation.ts';

function StepIcon({ status }: { status: OperationStep['status'] }) {
  switch (status) {
    case 'running':
      return <CircularProgress size={14} thickness={5} aria-hidden />;
    case 'done':
      return <CheckCircleIcon sx={{ fontSize: 16 }} color="success" aria-hidden />;
    case 'failed':
      return <ErrorIcon sx={{ fontSize: 16 }} color="error" aria-hidden />;
    case 'cancelled':
      return <CancelOutlinedIcon sx={{ fontSize: 16 }} color="disabled" aria-hidden />;
  }
}

/** `idleText` is shown while no step has arrived yet ("Contacting the CA…"). */
/** What the progress box needs of an operation (a local one, or one tracked for a request). */
export type ProgressSource = Pick<Operation, 'running' | 'cancelling' | 'steps' | 'cancel'>;

export function OperationProgress({ op, idleText, cancellable = true }: { op: ProgressSource; idleText: string; cancellable?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  // Long forms scroll: bring the progress into view when the work starts.
  useEffect(() => {
    if (op.running) ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [op.running]);
  if (!op.running && op.steps.length === 0) return null;
  return (
    <Box
      ref={ref}
      role="status"
      aria-live="polite"
      aria-label="Progress"
      sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1.5, bgcolor: 'action.hover' }}
    >
      {op.running ? <LinearProgress sx={{ mb: 1.25, borderRadius: 1 }} /> : null}
      <Stack spacing={0.5}>
        {op.steps.length === 0 && op.running ? (
          <Typography variant="body2" color="text.secondary">
            {idleText}
          </Typography>
        ) : null}
        {op.steps.map((s) => (
          <Stack key={`${s.step}-${s.item ?? ''}`} direction="row" spacing={1} sx={{ alignItems: 'center' }}>
            <Box sx={{ width: 18, display: 'flex', justifyContent: 'center' }}>
              <StepIcon status={s.status} />
            </Box>
            <Typography variant="body2" data-testid="progress-step">
              {s.message}
            </Typography>
          </Stack>
        ))}
      </Stack>
      {op.running && cancellable ? (
        <Box sx={{ mt: 1, display: 'flex', justifyContent: 'flex-end' }}>
          <Button size="small" color="inherit" onClick={op.cancel} disabled={op.cancelling}>
            {op.cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        </Box>
      ) : null}
    </Box>
  );
}
