// The expiry timeline above the repository: the next 90 days as one line, a dot per certificate that expires
// in them (colour = urgency), with what lies before (expired) and after (later) counted at the ends.
import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Paper from '@mui/material/Paper';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { Certificate } from '../../../shared/model/request.ts';
import { daysLeftText, expiryTone, formatDate } from '../requests/format.ts';

const SPAN_DAYS = 90;
const TICKS = [0, 7, 30, 60, 90];
const TONE_COLOR = { success: 'success.main', warning: 'warning.main', error: 'error.main', info: 'info.main', default: 'text.disabled' } as const;

export function ExpiryTimeline({ certificates, onOpen }: { certificates: Certificate[]; onOpen: (c: Certificate) => void }) {
  const live = certificates.filter((c) => !c.revoked);
  const expired = live.filter((c) => c.daysLeft < 0).length;
  const later = live.filter((c) => c.daysLeft > SPAN_DAYS).length;
  const within = live.filter((c) => c.daysLeft >= 0 && c.daysLeft <= SPAN_DAYS).sort((a, b) => a.daysLeft - b.daysLeft);

  return (
    <Paper variant="outlined" sx={{ px: 2, py: 1.25, mb: 1.5, display: 'flex', alignItems: 'center', gap: 2 }} aria-label="Expiry timeline" role="figure">
      <Box sx={{ width: 118, flexShrink: 0 }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          Next 90 days
        </Typography>
        <Typography variant="caption" color={expired ? 'error' : 'text.secondary'} data-testid="timeline-expired">
          {expired} expired
        </Typography>
      </Box>
      <Box sx={{ flex: 1, position: 'relative', height: 34, minWidth: 0 }}>
        {/* The line, shaded where it gets urgent. */}
        <Box sx={{ position: 'absolute', left: 0, right: 0, top: 10, height: 4, borderRadius: 2, bgcolor: 'action.hover', overflow: 'hidden' }}>
          <Box sx={{ position: 'absolute', left: 0, width: `${(7 / SPAN_DAYS) * 100}%`, top: 0, bottom: 0, bgcolor: 'error.main', opacity: 0.25 }} />
          <Box sx={{ position: 'absolute', left: `${(7 / SPAN_DAYS) * 100}%`, width: `${(23 / SPAN_DAYS) * 100}%`, top: 0, bottom: 0, bgcolor: 'warning.main', opacity: 0.22 }} />
        </Box>
        {TICKS.map((d) => (
          <Typography
            key={d}
            variant="caption"
            color="text.secondary"
            sx={{ position: 'absolute', top: 17, left: `${(d / SPAN_DAYS) * 100}%`, transform: d === 0 ? 'none' : d === SPAN_DAYS ? 'translateX(-100%)' : 'translateX(-50%)', fontSize: 11, whiteSpace: 'nowrap' }}
          >
            {d === 0 ? 'today' : `${d} d`}
          </Typography>
        ))}
        {within.map((c) => {
          const name = c.namesUnicode[0] ?? c.commonName;
          return (
            <Tooltip key={c.id} title={`${name} — ${formatDate(c.notAfter)}, ${daysLeftText(c.daysLeft)}`}>
              <ButtonBase
                aria-label={`${name}: ${daysLeftText(c.daysLeft)}`}
                onClick={() => onOpen(c)}
                sx={{
                  position: 'absolute',
                  top: 5,
                  left: `calc(${(c.daysLeft / SPAN_DAYS) * 100}% - 7px)`,
                  width: 14,
                  height: 14,
                  borderRadius: '50%',
                  border: 2,
                  borderColor: 'background.paper',
                  bgcolor: TONE_COLOR[expiryTone(c.daysLeft)],
                  '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineOffset: 1 },
                }}
              />
            </Tooltip>
          );
        })}
      </Box>
      <Box sx={{ width: 96, flexShrink: 0, textAlign: 'right' }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }} data-testid="timeline-within">
          {within.length} within
        </Typography>
        <Typography variant="caption" color="text.secondary" data-testid="timeline-later">
          {later} later
        </Typography>
      </Box>
    </Paper>
  );
}
