// Small pieces the request screens and the repository share: status chip, expiry, names, copyable values.
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { plainProblem } from '../../../shared/model/problems.ts';
import type { Request } from '../../../shared/model/request.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import type { Activity } from '../state/requests.tsx';
import { MONO_FONTS } from '../theme.ts';
import { daysLeftText, expiryTone, formatDate, nameForms, REQUEST_STATUS, type Tone } from './format.ts';

const PHASE_TEXT: Record<string, string> = {
  ordering: 'creating the order',
  challenges: 'reading the challenges',
  validating: 'the CA is validating',
  finalizing: 'the CA is issuing',
  downloading: 'downloading the certificate',
};

/**
 * True when the request waits half-way: it says Processing, but the verification started here was
 * cancelled (or failed to reach the CA) and nothing runs for it any more.
 */
export function stalled(request: Request, activity: Activity | undefined): boolean {
  return request.status === 'processing' && activity !== undefined && !activity.running && activity.error !== null;
}

/** The latest thing a running activity said, for tooltips. */
export function activityText(request: Request, activity: Activity | undefined): string {
  if (stalled(request, activity)) return 'Stopped: open it and press Verify to continue';
  if (activity?.running) {
    const items = Object.values(activity.items);
    const valid = items.filter((s) => s.step === 'valid').length;
    const last = activity.steps[activity.steps.length - 1];
    if (last && last.step !== 'done') return last.message;
    if (items.length > 0) return `${valid} of ${request.names.length} name${request.names.length === 1 ? '' : 's'} valid`;
  }
  const phase = PHASE_TEXT[request.phase];
  if (phase && (request.status === 'processing' || activity?.running)) return phase.charAt(0).toUpperCase() + phase.slice(1);
  return REQUEST_STATUS[request.status].opens;
}

/** Why a request failed, in one sentence: the plain words for the CA's problem, else its own message. */
export function failureReason(request: Request): string | null {
  if (request.status !== 'failed') return null;
  const bad = request.challenges.find((c) => c.status === 'invalid' && c.error);
  if (bad?.error) {
    const plain = plainProblem(bad.error, { identifier: bad.identifier, challengeType: bad.type });
    return `${bad.nameUnicode}: ${plain ?? bad.error.detail}`;
  }
  if (!request.error) return null;
  const plain = request.error.acmeType ? plainProblem({ type: request.error.acmeType, detail: request.error.message }) : null;
  return plain ?? request.error.message;
}

function clip(text: string, max = 220): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Status by colour and word; a button that opens the request window. */
export function RequestStatusChip({ request, activity, onOpen }: { request: Request; activity?: Activity | undefined; onOpen?: () => void }) {
  const status = REQUEST_STATUS[request.status];
  const busy = (request.status === 'processing' && !stalled(request, activity)) || activity?.running === true;
  const reason = failureReason(request);
  // A Failed chip says why (the first failing name's reason), then what opening it offers.
  const tip = busy ? activityText(request, activity) : reason ? `${clip(reason)} — ${status.opens}.` : status.opens;
  const label = request.status === 'renewed' && request.unsaved ? 'Renewed · not saved' : status.label;
  return (
    <Tooltip title={tip}>
      <Chip
        size="small"
        color={status.color}
        variant={request.status === 'revoked' ? 'outlined' : 'filled'}
        label={label}
        icon={busy ? <CircularProgress size={11} thickness={6} color="inherit" aria-hidden /> : undefined}
        onClick={onOpen}
        data-testid="request-status"
        aria-label={`${label}: ${tip}`}
        sx={{ minWidth: 84, fontWeight: 600, '& .MuiChip-icon': { ml: '6px', mr: '-2px' } }}
      />
    </Tooltip>
  );
}

const TONE_COLOR: Record<Tone, string> = {
  success: 'success.main',
  warning: 'warning.main',
  error: 'error.main',
  info: 'info.main',
  default: 'text.disabled',
};

/** "Mar 3, 2027 · 89 days left" with a coloured dot (fine / ≤ 30 days / ≤ 7 days / expired). */
export function ExpiryText({ notAfter, daysLeft, compact }: { notAfter: string | null | undefined; daysLeft: number | null; compact?: boolean }) {
  if (!notAfter || daysLeft === null) {
    return (
      <Typography variant="body2" color="text.disabled">
        —
      </Typography>
    );
  }
  const tone = expiryTone(daysLeft);
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.75, minWidth: 0 }} data-testid="expiry" data-tone={tone}>
      <Box aria-hidden sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: TONE_COLOR[tone], flexShrink: 0 }} />
      <Typography variant="body2" noWrap title={`${formatDate(notAfter)} · ${daysLeftText(daysLeft)}`}>
        {formatDate(notAfter)}
        <Box component="span" sx={{ color: tone === 'success' ? 'text.secondary' : TONE_COLOR[tone], fontWeight: tone === 'success' ? 400 : 600 }}>
          {compact ? ` · ${daysLeft < 0 ? 'expired' : `${daysLeft} days`}` : ` · ${daysLeftText(daysLeft)}`}
        </Box>
      </Typography>
    </Box>
  );
}

/**
 * The common name as typed, and under it "N more names" (the rest in a tooltip) — or, for a single
 * internationalised name, the punycode the CA sees.
 */
export function NamesSummary({ names, namesUnicode }: { names: string[]; namesUnicode: string[] }) {
  const first = nameForms(names[0] ?? '', namesUnicode[0]);
  const rest = names.slice(1).map((n, i) => nameForms(n, namesUnicode[i + 1]));
  return (
    <Box sx={{ minWidth: 0 }}>
      <Typography variant="body2" sx={{ fontWeight: 600 }} noWrap title={first.puny ? `${first.shown} (${first.puny})` : first.shown}>
        {first.shown}
      </Typography>
      {rest.length > 0 ? (
        <Typography variant="caption" color="text.secondary" component="div" noWrap>
          <Tooltip
            title={
              <Box component="ul" sx={{ m: 0, pl: 2, maxHeight: 320, overflow: 'auto' }}>
                {rest.map((n) => (
                  <li key={n.shown}>
                    {n.shown}
                    {n.puny ? ` (${n.puny})` : ''}
                  </li>
                ))}
              </Box>
            }
          >
            <Box
              component="span"
              tabIndex={0}
              data-testid="more-names"
              sx={{ textDecoration: 'underline dotted', textUnderlineOffset: 3, cursor: 'help', outline: 'none', '&:focus-visible': { outline: 2, outlineColor: 'primary.main' } }}
            >
              {rest.length} more name{rest.length === 1 ? '' : 's'}
            </Box>
          </Tooltip>
        </Typography>
      ) : first.puny ? (
        <Typography variant="caption" color="text.secondary" component="div" noWrap sx={{ fontFamily: MONO_FONTS }}>
          {first.puny}
        </Typography>
      ) : null}
    </Box>
  );
}

/** A labelled value in a monospace box with a copy button (challenge values, fingerprints, serials). */
export function CopyValue({ label, value, copyLabel, caption, testId }: { label?: string; value: string; copyLabel: string; caption?: ReactNode; testId?: string }) {
  return (
    <Box sx={{ minWidth: 0 }}>
      {label ? (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ fontWeight: 600, mb: 0.25 }}>
          {label}
        </Typography>
      ) : null}
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 0.5,
          border: 1,
          borderColor: 'divider',
          borderRadius: 1,
          pl: 1.25,
          pr: 0.25,
          py: 0.25,
          bgcolor: 'action.hover',
        }}
      >
        <Typography
          variant="body2"
          data-testid={testId}
          sx={{ fontFamily: MONO_FONTS, fontSize: 12.5, flex: 1, minWidth: 0, overflowWrap: 'anywhere', userSelect: 'all', py: 0.5 }}
        >
          {value}
        </Typography>
        <CopyButton text={value} label={copyLabel} />
      </Box>
      {caption ? (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.25, overflowWrap: 'anywhere' }}>
          {caption}
        </Typography>
      ) : null}
    </Box>
  );
}
