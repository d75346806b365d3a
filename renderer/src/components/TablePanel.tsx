// The body of a list page: an outlined panel with a toolbar, the list's load error (with Retry), a table
// whose header stays put while it scrolls, and a footer line. Its rows are selectable and keyboard-driven.
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow, { type TableRowProps } from '@mui/material/TableRow';
import type { KeyboardEvent, ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { ErrorAlert, RetryButton } from './ErrorAlert.tsx';

export interface TablePanelProps {
  toolbarLabel: string;
  /** Space between the toolbar's items (theme spacing units). */
  toolbarGap: number;
  toolbar: ReactNode;
  /** Why the list could not be read; Retry calls onRetry. */
  error: ErrorInfo | null;
  onRetry: () => void;
  tableLabel: string;
  minWidth: number;
  /** The header cells. */
  head: ReactNode;
  /** The first load is running and nothing is shown yet: placeholder rows instead of the body. */
  loading: boolean;
  /** Placeholder width per column (undefined: the cell's width); also the number of columns. */
  skeletonWidths: Array<number | undefined>;
  /** Shown across the table instead of the rows when there are none (null while there are). */
  empty: ReactNode;
  /** The rows. */
  children: ReactNode;
  /** Under the table, after a divider (null: no footer). */
  footer: ReactNode;
}

export function TablePanel({ toolbarLabel, toolbarGap, toolbar, error, onRetry, tableLabel, minWidth, head, loading, skeletonWidths, empty, children, footer }: TablePanelProps) {
  let body: ReactNode;
  if (loading) {
    body = [0, 1, 2].map((i) => (
      <TableRow key={i}>
        {skeletonWidths.map((width, c) => (
          <TableCell key={c}>
            <Skeleton width={width} />
          </TableCell>
        ))}
      </TableRow>
    ));
  } else if (empty) {
    body = (
      <TableRow>
        <TableCell colSpan={skeletonWidths.length} sx={{ borderBottom: 0 }}>
          {empty}
        </TableCell>
      </TableRow>
    );
  } else {
    body = children;
  }
  return (
    <Paper variant="outlined" sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, overflow: 'hidden' }}>
      <Box role="toolbar" aria-label={toolbarLabel} sx={{ display: 'flex', alignItems: 'center', gap: toolbarGap, px: 1.5, py: 1, flexWrap: 'wrap' }}>
        {toolbar}
      </Box>
      <Divider />
      {error ? (
        <Box sx={{ p: 1.5 }}>
          <ErrorAlert error={error} action={<RetryButton onRetry={onRetry} />} />
        </Box>
      ) : null}
      <TableContainer sx={{ flex: 1, minHeight: 0 }}>
        <Table size="small" stickyHeader aria-label={tableLabel} sx={{ tableLayout: 'fixed', minWidth }}>
          <TableHead>
            <TableRow>{head}</TableRow>
          </TableHead>
          <TableBody>{body}</TableBody>
        </Table>
      </TableContainer>
      {footer ? (
        <>
          <Divider />
          {footer}
        </>
      ) : null}
    </Paper>
  );
}

/** A row that can be selected and focused (Tab, ↑↓), with a focus ring for the keyboard. */
export function SelectableRow({ selected, cursor, ...rest }: Omit<TableRowProps, 'sx'> & { selected: boolean; cursor: 'pointer' | 'default' }) {
  return (
    <TableRow
      hover
      selected={selected}
      aria-selected={selected}
      tabIndex={0}
      sx={{ cursor, '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineOffset: -2 } }}
      {...rest}
    />
  );
}

/**
 * ↑/↓ on the row at `index`: selects the row above or below (`select(to)`) and moves the focus there.
 * Other keys, and the ends of the table, are left alone.
 */
export function moveRowFocus(e: KeyboardEvent<HTMLTableRowElement>, index: number, count: number, select: (to: number) => void): void {
  const to = e.key === 'ArrowDown' ? index + 1 : e.key === 'ArrowUp' ? index - 1 : -1;
  if (to < 0 || to >= count) return;
  e.preventDefault();
  select(to);
  (e.currentTarget.parentElement?.children[to] as HTMLElement | undefined)?.focus();
}
