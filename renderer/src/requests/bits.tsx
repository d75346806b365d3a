// Small pieces the request screens and the repository share: status chip, expiry, names, copyable values.
import CheckCircleOutlineIcon from '@mui/icons-material/CheckCircleOutlineOutlined';
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
import { formatDateTime } from '../format.ts';
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

/**
 * Status by colour and word; a button that opens the request window. `short`: the word alone (a table shows
 * the saved state beside it, see SavedMark); `tabIndex`: -1 inside a table row (one tab stop per table).
 */
export function RequestStatusChip({ request, activity, onOpen, short, tabIndex }: { request: Request; activity?: Activity | undefined; onOpen?: () => void; short?: boolean; tabIndex?: number }) {
  const status = REQUEST_STATUS[request.status];
  const busy = (request.status === 'processing' && !stalled(request, activity)) || activity?.running === true;
  const reason = failureReason(request);
  // A Failed chip says why (the first failing name's reason), then what opening it offers.
  const tip = busy ? activityText(request, activity) : reason ? `${clip(reason, 100)} — ${status.opens}.` : status.opens;
  const label = request.status === 'renewed' && request.unsaved && !short ? 'Renewed · not saved' : status.label;
  return (
    // Beside the chip, not under it: a tooltip must not cover the next row.
    <Tooltip title={tip} placement="right" slotProps={{ tooltip: { sx: { maxWidth: 560 } } }}>
      <Chip
        size="small"
        color={status.color}
        variant={request.status === 'revoked' ? 'outlined' : 'filled'}
        label={label}
        icon={busy ? <CircularProgress size={11} thickness={6} color="inherit" aria-hidden /> : undefined}
        onClick={onOpen}
        data-testid="request-status"
        aria-label={`${label}: ${tip}`}
        {...(tabIndex === undefined ? {} : { tabIndex })}
        sx={{ minWidth: 84, fontWeight: 600, '& .MuiChip-icon': { ml: '6px', mr: '-2px' } }}
      />
    </Tooltip>
  );
}

/**
 * Whether the request's certificate is in the repository: "Saved" (tooltip: when), "Not saved" for a renewal
 * still to save, nothing before a certificate exists.
 */
export function SavedMark({ request, savedAt }: { request: Pick<Request, 'certificate' | 'savedCertificateId' | 'unsaved'>; savedAt: string | undefined }) {
  if (!request.certificate) return null;
  if (request.savedCertificateId && !request.unsaved) {
    const tip = savedAt ? `Saved to the repository on ${formatDateTime(savedAt)}` : 'Saved to the repository';
    return (
      <Tooltip title={tip} placement="right">
        <Typography
          variant="caption"
          color="success.main"
          data-testid="saved-mark"
          aria-label={tip}
          sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.25, fontWeight: 600, lineHeight: 1.3 }}
        >
          <CheckCircleOutlineIcon sx={{ fontSize: 14 }} aria-hidden />
          Saved
        </Typography>
      </Tooltip>
    );
  }
  const tip = request.savedCertificateId ? 'A renewed certificate is not saved yet: open it and press Save' : 'Not in the repository yet: open it and press Save';
  return (
    <Tooltip title={tip} placement="right">
      <Typography variant="caption" color="text.secondary" data-testid="saved-mark-missing" aria-label={tip} sx={{ lineHeight: 1.3 }}>
        Not saved
      </Typography>
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

/**
 * "Mar 3, 2027 · 89 days left" with a coloured dot (fine / ≤ 30 days / ≤ 7 days / expired); `stacked`: the
 * days left on a second line, for narrow columns.
 */
export function ExpiryText({ notAfter, daysLeft, compact, stacked }: { notAfter: string | null | undefined; daysLeft: number | null; compact?: boolean; stacked?: boolean }) {
  if (!notAfter || daysLeft === null) {
    return (
      <Typography variant="body2" color="text.disabled">
        —
      </Typography>
    );
  }
  const tone = expiryTone(daysLeft);
  if (stacked) {
    return (
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 0.75, minWidth: 0 }} data-testid="expiry" data-tone={tone} title={`${formatDate(notAfter)} · ${daysLeftText(daysLeft)}`}>
        <Box aria-hidden sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: TONE_COLOR[tone], flexShrink: 0, alignSelf: 'center', mt: '-1.1em' }} />
        <Box sx={{ minWidth: 0 }}>
          <Typography variant="body2" sx={{ whiteSpace: 'nowrap' }}>
            {formatDate(notAfter)}
          </Typography>
          <Typography
            variant="caption"
            component="div"
            sx={{ lineHeight: 1.3, color: tone === 'success' ? 'text.secondary' : TONE_COLOR[tone], fontWeight: tone === 'success' ? 400 : 600 }}
          >
            {compact ? (daysLeft < 0 ? 'expired' : `${daysLeft} days`) : daysLeftText(daysLeft)}
          </Typography>
        </Box>
      </Box>
    );
  }
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

/** A domain name that may break onto the next line after a dot or a hyphen (not in the middle of a label). */
function breakable(name: string): ReactNode[] {
  return name.split(/(?<=[.-])/).flatMap((part, i) => (i === 0 ? [part] : [<wbr key={i} />, part]));
}

/**
 * The common name as typed, and under it "N more names" (the rest in a tooltip) — or, for a single
 * internationalised name, the punycode the CA sees. `wrap`: a long name breaks onto a second line before it is
 * cut (the full name stays in the title); `inGrid`: inside a table row, whose tooltips open beside the text and
 * whose "more names" is reached with the arrow keys, not Tab.
 */
export function NamesSummary({ names, namesUnicode, wrap, inGrid }: { names: string[]; namesUnicode: string[]; wrap?: boolean; inGrid?: boolean }) {
  const first = nameForms(names[0] ?? '', namesUnicode[0]);
  const rest = names.slice(1).map((n, i) => nameForms(n, namesUnicode[i + 1]));
  const clamp = wrap ? { display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden', overflowWrap: 'anywhere', lineHeight: 1.35 } : {};
  return (
    <Box sx={{ minWidth: 0 }}>
      <Typography
        variant="body2"
        sx={{ fontWeight: 600, ...clamp }}
        noWrap={!wrap}
        title={first.puny ? `${first.shown} (${first.puny})` : first.shown}
        data-testid="common-name"
      >
        {wrap ? breakable(first.shown) : first.shown}
      </Typography>
      {rest.length > 0 ? (
        <Typography variant="caption" color="text.secondary" component="div" noWrap>
          <Tooltip
            {...(inGrid ? { placement: 'right' as const } : {})}
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
              tabIndex={inGrid ? -1 : 0}
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
