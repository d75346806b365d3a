// One label/value pair of a definition list (<dl>): the label in a fixed-width column, the value beside it.
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';

export interface DefinitionRowProps {
  label: string;
  children: ReactNode;
  /** Width of the label column, in px. */
  labelWidth: number;
  /** Space between the columns and above/below the row (theme spacing units). */
  gap: number;
  py: number;
  /** A line between rows (none above the first). */
  divided?: boolean;
  alignItems?: 'center' | 'baseline';
}

export function DefinitionRow({ label, children, labelWidth, gap, py, divided = false, alignItems }: DefinitionRowProps) {
  return (
    <Box
      sx={{
        display: 'grid',
        gridTemplateColumns: `${labelWidth}px 1fr`,
        gap,
        py,
        ...(divided ? { borderTop: 1, borderColor: 'divider', '&:first-of-type': { borderTop: 0 } } : {}),
        ...(alignItems ? { alignItems } : {}),
      }}
    >
      <Typography variant="body2" color="text.secondary" component="dt">
        {label}
      </Typography>
      <Box component="dd" sx={{ m: 0, minWidth: 0 }}>
        {children}
      </Box>
    </Box>
  );
}
