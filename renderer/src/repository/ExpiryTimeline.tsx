// The expiry timeline above the repository: one row per certificate (the soonest to expire first) on a time
// axis with today marked, its expiry (colour = urgency) and, where automatic renewal planned one, its renewal
// with a bar between the two: at a glance what renews when, and what will expire unrenewed. Counts of what
// expired, what lies in the next 90 days and what later sit beside it. Clicking a mark opens the certificate.
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { ChartsReferenceLine } from '@mui/x-charts/ChartsReferenceLine';
import { useXScale, useYScale } from '@mui/x-charts/hooks';
import { ScatterChart } from '@mui/x-charts/ScatterChart';
import { useMemo } from 'react';
import type { RenewalPlan } from '../../../shared/model/renewal.ts';
import type { Certificate } from '../../../shared/model/request.ts';
import { daysLeftText, formatDate } from '../requests/format.ts';
import { REASON_TEXT } from '../settings/renewalText.ts';

const SPAN_DAYS = 90;
const DAY = 86_400_000;
/** Rows shown; the rest are counted below the chart. */
const MAX_ROWS = 8;
const ROW_HEIGHT = 26;
const LABEL_CHARS = 26;

interface Row {
  certificate: Certificate;
  name: string;
  expires: number;
  renews: number | null;
  plan: RenewalPlan | undefined;
}

function shorten(name: string): string {
  return name.length > LABEL_CHARS ? `${name.slice(0, LABEL_CHARS - 1)}…` : name;
}

/** The bar from the planned renewal to the expiry of each row (drawn under the marks). */
function Spans({ rows, color }: { rows: Row[]; color: string }) {
  const x = useXScale<'time'>();
  const y = useYScale<'linear'>();
  return (
    <g aria-hidden>
      {rows.map((r, i) =>
        r.renews !== null ? (
          <line key={r.certificate.id} x1={x(r.renews)} x2={x(r.expires)} y1={y(i)} y2={y(i)} stroke={color} strokeOpacity={0.35} strokeWidth={6} strokeLinecap="round" />
        ) : null,
      )}
    </g>
  );
}

export function ExpiryTimeline({
  certificates,
  planOf,
  onOpen,
  now = Date.now(),
}: {
  certificates: Certificate[];
  /** The renewal plan of a certificate (none while automatic renewal is unavailable). */
  planOf: (id: string) => RenewalPlan | undefined;
  onOpen: (c: Certificate) => void;
  now?: number;
}) {
  const theme = useTheme();
  // One pass over the certificates: the counts, and the MAX_ROWS soonest to expire kept in order as they come
  // (sorting all 10,000 to show 8 cost more than the rest of the page's first render). Recomputed when the list
  // changes, not at every render.
  const { expired, later, within, soonest, pending } = useMemo(() => {
    const counts = { expired: 0, later: 0, within: 0, soonest: [] as Certificate[], pending: 0 };
    for (const c of certificates) {
      if (c.revoked) continue;
      if (c.daysLeft < 0) {
        counts.expired++;
        continue;
      }
      if (c.daysLeft > SPAN_DAYS) counts.later++;
      else counts.within++;
      counts.pending++;
      const s = counts.soonest;
      // ISO dates compare as strings; equal ones keep the list's order (as the stable sort did).
      if (s.length === MAX_ROWS && c.notAfter >= s[MAX_ROWS - 1]!.notAfter) continue;
      let at = s.length;
      while (at > 0 && s[at - 1]!.notAfter > c.notAfter) at--;
      s.splice(at, 0, c);
      if (s.length > MAX_ROWS) s.pop();
    }
    return counts;
  }, [certificates]);

  const rows: Row[] = useMemo(
    () =>
      soonest.map((c) => {
        const plan = planOf(c.id);
        const due = plan?.dueAt ? Date.parse(plan.dueAt) : NaN;
        return { certificate: c, name: c.namesUnicode[0] ?? c.commonName, expires: Date.parse(c.notAfter), renews: Number.isNaN(due) ? null : Math.max(due, now), plan };
      }),
    [soonest, planOf, now],
  );
  const notShown = pending - rows.length;
  const planned = rows.filter((r) => r.renews !== null).length;

  const min = now - 3 * DAY;
  const max = Math.max(now + SPAN_DAYS * DAY, ...rows.map((r) => r.expires + 3 * DAY));
  const expiryColor = theme.palette.error.main;
  const renewColor = theme.palette.primary.main;

  const open = (seriesId: string | number, index: number) => {
    const row = seriesId === 'renews' ? rows.filter((r) => r.renews !== null)[index] : rows[index];
    if (row) onOpen(row.certificate);
  };

  return (
    <Paper variant="outlined" sx={{ px: 2, pt: 1.25, pb: 0.5, mb: 1.5 }} aria-label="Expiry timeline" role="figure" data-testid="expiry-timeline">
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          Expiries and planned renewals
        </Typography>
        <Typography variant="caption" color={expired ? 'error' : 'text.secondary'} data-testid="timeline-expired">
          {expired} expired
        </Typography>
        <Typography variant="caption" color="text.secondary" data-testid="timeline-within">
          {within} within 90 days
        </Typography>
        <Typography variant="caption" color="text.secondary" data-testid="timeline-later">
          {later} later
        </Typography>
        <Typography variant="caption" color="text.secondary" data-testid="timeline-planned">
          {planned} of {rows.length} shown with a planned renewal
        </Typography>
      </Box>
      {rows.length === 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ py: 1.5 }}>
          Nothing left to expire: every saved certificate has expired or been revoked.
        </Typography>
      ) : (
        <ScatterChart
          height={rows.length * ROW_HEIGHT + 78}
          margin={{ top: 8, right: 16, bottom: 4, left: 4 }}
          series={[
            {
              id: 'renews',
              label: 'Planned renewal',
              color: renewColor,
              markerSize: 6,
              data: rows.flatMap((r, i) => (r.renews !== null ? [{ x: r.renews, y: i, id: `${r.certificate.id}-renews` }] : [])),
              valueFormatter: (v) => {
                const r = v ? rows[v.y] : undefined;
                if (!r?.plan) return null;
                return `${r.name}: renews ${formatDate(new Date(v!.x).toISOString())} (${REASON_TEXT[r.plan.reason]})`;
              },
            },
            {
              id: 'expires',
              label: 'Expiry',
              color: expiryColor,
              markerSize: 6,
              data: rows.map((r, i) => ({ x: r.expires, y: i, id: `${r.certificate.id}-expires` })),
              valueFormatter: (v) => {
                const r = v ? rows[v.y] : undefined;
                return r ? `${r.name}: expires ${formatDate(r.certificate.notAfter)}, ${daysLeftText(r.certificate.daysLeft)}` : null;
              },
            },
          ]}
          xAxis={[
            {
              scaleType: 'time',
              min,
              max,
              // Over a long span the year matters more than the day.
              valueFormatter: (v: Date | number) =>
                new Date(v).toLocaleDateString(undefined, max - min > 300 * DAY ? { month: 'short', year: 'numeric' } : { day: 'numeric', month: 'short' }),
              tickLabelMinGap: 12,
              tickLabelStyle: { fontSize: 11 },
              height: 24,
            },
          ]}
          yAxis={[
            {
              min: -0.6,
              max: rows.length - 0.4,
              reverse: true,
              tickInterval: rows.map((_, i) => i),
              valueFormatter: (v: number) => shorten(rows[v]?.name ?? ''),
              tickLabelStyle: { fontSize: 12 },
              width: 190,
              disableTicks: true,
            },
          ]}
          grid={{ vertical: true }}
          slotProps={{ legend: { position: { vertical: 'top', horizontal: 'end' } } }}
          onItemClick={(_e: unknown, item: { seriesId: string | number; dataIndex: number }) => open(item.seriesId, item.dataIndex)}
        >
          <Spans rows={rows} color={renewColor} />
          <ChartsReferenceLine x={now} label="today" labelAlign="start" lineStyle={{ stroke: theme.palette.text.secondary, strokeDasharray: '4 3' }} labelStyle={{ fontSize: 11 }} />
        </ScatterChart>
      )}
      {notShown > 0 ? (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ pb: 0.75 }}>
          {notShown} more expire later; the table below lists every certificate.
        </Typography>
      ) : null}
    </Paper>
  );
}
