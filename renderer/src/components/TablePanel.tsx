// The body of a list page: an outlined panel with a toolbar, the list's load error (with Retry), a table
// whose header stays put while it scrolls, and a footer line.
//
// The table is an ARIA grid with one tab stop (roving tabindex): Tab lands on the current row once, ↑/↓,
// Home/End and PageUp/PageDown move between rows, Enter/Space act on the row, → and ← step through the row's
// own links and buttons (which are not tab stops), Escape goes back to the row. ↑ on the first row reaches the
// header's sort buttons, if any. Rows are virtualised (@tanstack/react-virtual): only what is on screen (plus
// the focused row) is in the page, so 10,000 certificates paint as fast as ten.
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
import { defaultRangeExtractor, measureElement, useVirtualizer, type Range, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { ErrorAlert, RetryButton } from './ErrorAlert.tsx';

/** What the panel gives each row: spread it on the row (SelectableRow). */
export interface GridRowProps {
  tabIndex: number;
  'aria-rowindex': number;
  'data-row-index': number;
  ref: (node: HTMLTableRowElement | null) => void;
  onFocus: () => void;
}

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
  /** Number of rows. */
  rowCount: number;
  /** A stable key per row. */
  rowKey: (index: number) => string;
  /** One row: a SelectableRow with `props` spread on it. */
  renderRow: (index: number, props: GridRowProps) => ReactNode;
  /** Estimated row height in px (rows are measured once shown). */
  rowHeight: number;
  /** The selected row (the keyboard starts there), or null. */
  selectedIndex: number | null;
  /** The keyboard moved to another row (select it). */
  onRowFocus?: (index: number) => void;
  /** Enter or Space on a row. */
  onRowAction?: (index: number, key: 'Enter' | ' ') => void;
  /** Under the table, after a divider (null: no footer). */
  footer: ReactNode;
}

/** What can take the focus inside a row or the header: links, buttons, chips, tooltip anchors. */
const CONTROLS = 'a[href], button:not([disabled]), input:not([disabled]), [role="button"], [tabindex]';

function controlsIn(el: Element | null): HTMLElement[] {
  if (!el) return [];
  return [...el.querySelectorAll<HTMLElement>(CONTROLS)].filter((c) => c.getAttribute('aria-disabled') !== 'true' && c.closest('[aria-hidden="true"]') === null);
}

export function TablePanel(props: TablePanelProps) {
  const { toolbarLabel, toolbarGap, toolbar, error, onRetry, tableLabel, minWidth, head, loading, skeletonWidths, empty, rowCount, footer } = props;
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const headRef = useRef<HTMLTableRowElement | null>(null);
  const rowEls = useRef(new Map<number, HTMLTableRowElement>());
  /** The row element shown for `index` now (a row scrolled away is gone from the page). */
  const rowEl = (index: number): HTMLTableRowElement | undefined => {
    const el = rowEls.current.get(index);
    return el?.isConnected && el.dataset.rowIndex === String(index) ? el : undefined;
  };
  // The row that holds the tab stop; follows the selection until the keyboard moves it.
  const [focusIndex, setFocusIndex] = useState(0);
  const pendingFocus = useRef<number | null>(null);
  const current = Math.min(Math.max(0, focusIndex), Math.max(0, rowCount - 1));

  useEffect(() => {
    if (props.selectedIndex !== null && props.selectedIndex >= 0) setFocusIndex(props.selectedIndex);
  }, [props.selectedIndex]);

  // The focused row stays in the page even when scrolled away, so the focus (and the tab stop) is never lost.
  const keep = useRef(current);
  keep.current = current;
  const rangeExtractor = useCallback((range: Range) => {
    const shown = defaultRangeExtractor(range);
    const k = keep.current;
    if (k < range.count && !shown.includes(k)) shown.push(k);
    return shown.sort((a, b) => a - b);
  }, []);

  // Rows not shown yet are estimated at the height most rows measured so far (their height depends on the window's
  // width: long names and the renewal chip wrap). Every measurement that differs from the estimate makes the
  // virtualizer recompute the positions of all rows after it, an O(rows) pass per scroll frame with 10,000 rows;
  // with the typical height as the estimate most rows measure what they were estimated at and nothing is recomputed.
  const heights = useRef<{ counts: Map<number, number>; typical: number; best: number }>({ counts: new Map(), typical: props.rowHeight, best: 0 });
  const estimateSize = useCallback(() => heights.current.typical, []);
  const measureRow = useCallback((el: Element, entry: ResizeObserverEntry | undefined, instance: Virtualizer<HTMLDivElement, Element>) => {
    const size = measureElement(el, entry, instance);
    const h = heights.current;
    if (size > 0) {
      const seen = (h.counts.get(size) ?? 0) + 1;
      h.counts.set(size, seen);
      if (seen > h.best) {
        h.best = seen;
        h.typical = size;
      }
    }
    return size;
  }, []);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    measureElement: measureRow,
    // Rows beyond the screen rendered ahead on each side: enough for a row's worth of scrolling between frames;
    // more only adds rows to mount and unmount in every frame of a fast scroll.
    overscan: 4,
    rangeExtractor,
    getItemKey: props.rowKey,
    // The rows carry their index as data-row-index (the keyboard code reads it too). Without naming it here the
    // virtualizer looked for data-index, measured no row, and logged a warning for every row at every render:
    // with 10,000 certificates that warning alone took most of each scroll frame.
    indexAttribute: 'data-row-index',
    // The sticky header covers the top of the list: scrolling to a row keeps it below the header.
    scrollPaddingStart: 40,
    // Before the first layout (and in tests without layout) show a screenful rather than nothing.
    initialRect: { width: 1000, height: 800 },
  });

  const focusRow = (index: number) => {
    const to = Math.min(Math.max(0, index), rowCount - 1);
    if (to < 0) return;
    setFocusIndex(to);
    props.onRowFocus?.(to);
    const el = rowEl(to);
    if (el) {
      el.focus({ preventScroll: true });
      virtualizer.scrollToIndex(to, { align: 'auto' });
    } else {
      pendingFocus.current = to;
      virtualizer.scrollToIndex(to, { align: 'auto' });
    }
  };

  useLayoutEffect(() => {
    const p = pendingFocus.current;
    if (p === null) return;
    const el = rowEl(p);
    if (el) {
      pendingFocus.current = null;
      el.focus({ preventScroll: true });
    }
  });

  const rowsPerPage = () => {
    const h = scrollRef.current?.clientHeight ?? 400;
    return Math.max(1, Math.floor((h - 40) / props.rowHeight) - 1);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLTableRowElement>('tr[data-row-index]');
    const inHead = headRef.current?.contains(target) ?? false;
    if (inHead) {
      const controls = controlsIn(headRef.current);
      const at = controls.indexOf(target);
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        const next = controls[at + (e.key === 'ArrowRight' ? 1 : -1)];
        next?.focus();
      } else if (e.key === 'ArrowDown' || e.key === 'Escape') {
        e.preventDefault();
        focusRow(current);
      }
      return;
    }
    if (!row) return;
    const index = Number(row.dataset.rowIndex);
    const onRow = target === row;
    const controls = controlsIn(row);
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        e.preventDefault();
        if (e.key === 'ArrowUp' && index === 0 && onRow) {
          controlsIn(headRef.current)[0]?.focus();
          return;
        }
        focusRow(index + (e.key === 'ArrowDown' ? 1 : -1));
        return;
      }
      case 'PageDown':
      case 'PageUp':
        e.preventDefault();
        focusRow(index + (e.key === 'PageDown' ? 1 : -1) * rowsPerPage());
        return;
      case 'Home':
      case 'End':
        if (!onRow) return;
        e.preventDefault();
        focusRow(e.key === 'Home' ? 0 : rowCount - 1);
        return;
      case 'ArrowRight':
      case 'ArrowLeft': {
        e.preventDefault();
        const at = onRow ? -1 : controls.indexOf(target);
        const to = at + (e.key === 'ArrowRight' ? 1 : -1);
        if (to < 0) row.focus();
        else controls[Math.min(to, controls.length - 1)]?.focus();
        return;
      }
      case 'Escape':
        if (onRow) return;
        e.preventDefault();
        row.focus();
        return;
      case 'Enter':
      case ' ':
        // A focused link or button inside the row does its own thing.
        if (!onRow) return;
        e.preventDefault();
        props.onRowAction?.(index, e.key);
        return;
      default:
    }
  };

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
    const items = virtualizer.getVirtualItems();
    const parts: ReactNode[] = [];
    let end = 0;
    const spacer = (key: string, height: number) =>
      height > 0 ? (
        <tr key={key} aria-hidden="true" data-spacer="">
          <td colSpan={skeletonWidths.length} style={{ height, padding: 0, border: 0 }} />
        </tr>
      ) : null;
    for (const item of items) {
      parts.push(spacer(`gap-${item.key}`, item.start - end));
      parts.push(
        props.renderRow(item.index, {
          tabIndex: item.index === current ? 0 : -1,
          'aria-rowindex': item.index + 2,
          'data-row-index': item.index,
          ref: (node) => {
            if (!node) return;
            rowEls.current.set(item.index, node);
            virtualizer.measureElement(node);
          },
          onFocus: () => {
            if (item.index !== current) setFocusIndex(item.index);
          },
        }),
      );
      end = item.end;
    }
    parts.push(spacer('gap-end', virtualizer.getTotalSize() - end));
    body = parts;
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
      <TableContainer ref={scrollRef} sx={{ flex: 1, minHeight: 0 }} data-testid="table-scroll">
        <Table
          size="small"
          stickyHeader
          role="grid"
          aria-label={tableLabel}
          aria-rowcount={loading || empty ? undefined : rowCount + 1}
          onKeyDown={onKeyDown}
          // Narrower side padding than MUI's 16 px: at 1024 px every column must fit.
          sx={{ tableLayout: 'fixed', minWidth, '& .MuiTableCell-root': { px: 1.5 } }}
        >
          <TableHead>
            <TableRow ref={headRef} aria-rowindex={1}>
              {head}
            </TableRow>
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

/** A row that can be selected and focused (one tab stop per table, ↑↓), with a focus ring for the keyboard. */
export function SelectableRow({ selected, cursor, grid, ...rest }: Omit<TableRowProps, 'sx' | 'ref' | 'tabIndex'> & { selected: boolean; cursor: 'pointer' | 'default'; grid: GridRowProps }) {
  const { ref, ...gridProps } = grid;
  return (
    <TableRow
      hover
      ref={ref}
      selected={selected}
      aria-selected={selected}
      sx={{ cursor, '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineOffset: -2 } }}
      {...gridProps}
      {...rest}
    />
  );
}
