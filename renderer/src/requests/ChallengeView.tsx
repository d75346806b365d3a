// The challenge window's body (seed Step 3): one card per name with exactly what to publish, its live state
// while the CA validates (pending → CA validating → valid / invalid) and the CA's own message when it fails.
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import InfoOutlinedIcon from '@mui/icons-material/InfoOutlined';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { Fragment, useEffect, useState, type ReactNode } from 'react';
import { PREFLIGHT_LABELS, type PreflightItem, type PreflightResult, type PreflightVerdict } from '../../../shared/model/preflight.ts';
import { plainProblem, problemKind } from '../../../shared/model/problems.ts';
import type { Challenge, Request } from '../../../shared/model/request.ts';
import type { OperationStep } from '../state/operation.ts';
import { mappingDomain } from '../dns/DnsMappings.tsx';
import { useDns } from '../state/dns.tsx';
import type { Activity } from '../state/requests.tsx';
import { MONO_FONTS } from '../theme.ts';
import { CopyValue, stalled } from './bits.tsx';

export type NameState = 'pending' | 'publishing' | 'propagating' | 'submitting' | 'validating' | 'valid' | 'invalid';

const STATE_VIEW: Record<NameState, { label: string; color: 'default' | 'info' | 'success' | 'error' | 'warning' }> = {
  pending: { label: 'Waiting for you', color: 'default' },
  publishing: { label: 'Adding the record', color: 'info' },
  propagating: { label: 'Checking propagation', color: 'info' },
  submitting: { label: 'Asking the CA', color: 'info' },
  validating: { label: 'CA validating', color: 'info' },
  valid: { label: 'Valid', color: 'success' },
  invalid: { label: 'Invalid', color: 'error' },
};

/** The live state of one name: the running operation's latest word for it, else what the request says. */
export function nameState(challenge: Challenge, live: OperationStep | undefined, running: boolean): NameState {
  if (live && running) {
    if (live.step === 'valid') return 'valid';
    if (live.step === 'invalid') return 'invalid';
    if (live.step === 'submit') return 'submitting';
    // An automatic solver's word for this name: adding the TXT record, then waiting for every name server;
    // its clean-up after the CA's verdict leaves the verdict as it is.
    if (live.step === 'dns') {
      if (/\badding\b|CNAME/i.test(live.message)) return 'publishing';
      if (!/remov/i.test(live.message)) return 'propagating';
    } else {
      return 'validating';
    }
  }
  if (running && challenge.progress && challenge.status === 'pending' && !/remov/i.test(challenge.progress)) return 'propagating';
  if (challenge.status === 'valid') return 'valid';
  if (challenge.status === 'invalid') return 'invalid';
  if (challenge.status === 'processing') return 'validating';
  return 'pending';
}

/** The solver's message for a name without the "name: " the operation's step puts before it. */
function liveMessage(c: Challenge, live: OperationStep | undefined): string | null {
  if (!live || live.step !== 'dns') return null;
  return live.message.startsWith(`${c.name}: `) ? live.message.slice(c.name.length + 2) : live.message;
}

function StateChip({ state, automated }: { state: NameState; automated: boolean }) {
  // Nothing waits for the user when a DNS account answers: Verify does it all.
  const view = state === 'pending' && automated ? { ...STATE_VIEW.pending, label: 'Ready for Verify' } : STATE_VIEW[state];
  const icon =
    state === 'valid' ? (
      <CheckCircleIcon />
    ) : state === 'invalid' ? (
      <ErrorIcon />
    ) : state === 'pending' ? (
      <HourglassEmptyIcon />
    ) : (
      <CircularProgress size={11} thickness={6} color="inherit" aria-hidden />
    );
  return (
    <Chip
      size="small"
      color={view.color}
      variant={state === 'pending' ? 'outlined' : 'filled'}
      icon={icon}
      label={view.label}
      data-testid="name-state"
      data-state={state}
      sx={{ fontWeight: 600, '& .MuiChip-icon': { fontSize: 15, ml: '6px' } }}
    />
  );
}


const VERDICT_COLOR: Record<PreflightVerdict, 'success' | 'error' | 'warning'> = {
  ready: 'success',
  'not-found': 'error',
  'wrong-content': 'error',
  'not-visible': 'warning',
  unreachable: 'warning',
};

/** One name's pre-flight result: the verdict, what was found, and expected vs got. */
function PreflightLine({ item }: { item: PreflightItem }) {
  const color = VERDICT_COLOR[item.verdict];
  return (
    <Alert
      severity={color}
      variant="outlined"
      icon={item.verdict === 'ready' ? <CheckCircleIcon fontSize="small" /> : undefined}
      sx={{ mx: 2, mb: 1.5, py: 0, '& .MuiAlert-message': { minWidth: 0 } }}
      data-testid="preflight-result"
      data-verdict={item.verdict}
    >
      <Typography variant="body2" component="span" sx={{ display: 'block', overflowWrap: 'anywhere' }}>
        <strong data-testid="preflight-verdict">Check: {PREFLIGHT_LABELS[item.verdict]}</strong> — {item.message}
      </Typography>
      {item.expected !== null || item.got !== null ? (
        <Box component="dl" sx={{ m: 0, mt: 0.5, display: 'grid', gridTemplateColumns: 'auto minmax(0, 1fr)', columnGap: 1, fontSize: 12.5 }}>
          {(
            [
              ['Expected', item.expected, 'preflight-expected'],
              ['Got', item.got, 'preflight-got'],
            ] as const
          ).map(([label, value, testId]) => (
            <Fragment key={label}>
              <Box component="dt" sx={{ color: 'text.secondary' }}>
                {label}
              </Box>
              <Box component="dd" sx={{ m: 0, fontFamily: MONO_FONTS, overflowWrap: 'anywhere' }} data-testid={testId}>
                {value ?? '—'}
              </Box>
            </Fragment>
          ))}
        </Box>
      ) : null}
    </Alert>
  );
}

/** "0:07", "1:32", "1:02:03". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Milliseconds since `since`, ticking every second while `live`. */
function useElapsed(since: number | undefined, live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return undefined;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [live]);
  return since === undefined ? 0 : now - since;
}

/** The steps one name goes through at Verify, in order (automatic dns-01 adds the record first). */
function stepsFor(automatedDns: boolean): NameState[] {
  return automatedDns ? ['publishing', 'propagating', 'submitting', 'validating'] : ['submitting', 'validating'];
}

const STEP_WORDS: Partial<Record<NameState, string>> = {
  publishing: 'Adding the record',
  propagating: 'Checking propagation',
  submitting: 'Asking the CA',
  validating: 'CA checking',
};

/** While Verify runs: per name where it stands (Asking the CA → CA checking → Valid / Invalid) and the time so far. */
function VerifyPanel({ challenges, states, automatedDns, startedAt, running }: { challenges: Challenge[]; states: NameState[]; automatedDns: (c: Challenge) => boolean; startedAt: number | undefined; running: boolean }) {
  const elapsed = useElapsed(startedAt, running);
  const done = states.filter((st) => st === 'valid' || st === 'invalid').length;
  return (
    <Paper variant="outlined" sx={{ px: 2, py: 1.25 }} data-testid="verify-panel" role="status" aria-live="polite" aria-label="Verification progress">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.75 }}>
        <CircularProgress size={14} thickness={5} aria-hidden />
        <Typography variant="subtitle2" component="h3" sx={{ flex: 1 }}>
          The CA is checking {challenges.length === 1 ? 'the name' : `${challenges.length} names`} · {done} of {challenges.length} decided
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ fontVariantNumeric: 'tabular-nums' }} data-testid="verify-elapsed" aria-label={`Elapsed ${formatElapsed(elapsed)}`}>
          {startedAt === undefined ? '' : `${formatElapsed(elapsed)} elapsed`}
        </Typography>
      </Box>
      <Box component="ol" sx={{ m: 0, p: 0, listStyle: 'none', display: 'grid', gridTemplateColumns: 'minmax(120px, max-content) minmax(0, 1fr)', columnGap: 2, rowGap: 0.5 }}>
        {challenges.map((c, i) => {
          const st = states[i] ?? 'pending';
          const order = stepsFor(automatedDns(c));
          const at = st === 'valid' || st === 'invalid' ? order.length : order.indexOf(st);
          return (
            <Box component="li" key={c.name} sx={{ display: 'contents' }} data-testid="verify-steps" data-name={c.name} data-state={st}>
              <Typography variant="body2" sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                {c.nameUnicode}
              </Typography>
              <Box sx={{ display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: 0.5 }}>
                {order.map((step, j) => {
                  const state = j < at ? 'done' : j === at ? 'current' : 'todo';
                  return (
                    <Box key={step} component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }} data-step={step} data-step-state={state}>
                      <Typography
                        variant="body2"
                        component="span"
                        color={state === 'todo' ? 'text.disabled' : state === 'current' ? 'info.main' : 'text.secondary'}
                        sx={{ fontWeight: state === 'current' ? 700 : 400 }}
                      >
                        {STEP_WORDS[step]}
                      </Typography>
                      <Typography variant="body2" component="span" color="text.disabled" aria-hidden>
                        →
                      </Typography>
                    </Box>
                  );
                })}
                <Typography
                  variant="body2"
                  component="span"
                  color={st === 'valid' ? 'success.main' : st === 'invalid' ? 'error.main' : 'text.disabled'}
                  sx={{ fontWeight: st === 'valid' || st === 'invalid' ? 700 : 400 }}
                >
                  {st === 'valid' ? 'Valid' : st === 'invalid' ? 'Invalid' : 'Valid / Invalid'}
                </Typography>
              </Box>
            </Box>
          );
        })}
      </Box>
    </Paper>
  );
}

function ChallengeCard({
  challenge,
  state,
  sharedWith,
  automation,
  progress,
  preflight,
}: {
  challenge: Challenge;
  /** The last pre-flight check's result for this name (null: not checked). */
  preflight: PreflightItem | null;
  state: NameState;
  sharedWith: string[];
  /** Who answers this name, in words: the engine's sentence, or for dns-01 the mapped DNS account (null: manual). */
  automation: string | null;
  /** The solver's latest word for this name ("2 of 3 name servers see the record"), while it works. */
  progress: string | null;
}) {
  const puny = challenge.nameUnicode !== challenge.name ? challenge.name : null;
  const working = state === 'submitting' || state === 'validating' || state === 'publishing' || state === 'propagating';
  const plain = challenge.error ? plainProblem(challenge.error, { identifier: challenge.identifier, challengeType: challenge.type }) : null;
  return (
    <Paper
      variant="outlined"
      component="section"
      aria-label={challenge.nameUnicode}
      data-testid="challenge-card"
      data-name={challenge.name}
      sx={{ position: 'relative', overflow: 'hidden', borderColor: state === 'invalid' ? 'error.main' : state === 'valid' ? 'success.main' : undefined }}
    >
      {working ? <LinearProgress sx={{ position: 'absolute', top: 0, left: 0, right: 0, height: 2 }} aria-hidden /> : null}
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 2, pt: 1.25, pb: 1, flexWrap: 'wrap' }}>
        <Box sx={{ minWidth: 0, flex: 1 }}>
          <Typography variant="subtitle2" component="h3" sx={{ overflowWrap: 'anywhere' }} data-testid="challenge-name">
            {challenge.nameUnicode}
          </Typography>
          {puny ? (
            <Typography variant="caption" color="text.secondary" sx={{ fontFamily: MONO_FONTS }}>
              {puny}
            </Typography>
          ) : null}
        </Box>
        {challenge.wildcard ? <Chip size="small" variant="outlined" label="Wildcard" /> : null}
        {automation ? (
          <Tooltip
            title={
              challenge.type === 'http-01'
                ? challenge.answeredBy?.kind === 'agent'
                  ? `Certdesk has ${automation} publish this file (over its pinned HTTPS connection), checks the URL answers it, asks the CA, and removes the file afterwards.`
                  : challenge.answeredBy?.kind === 'pool'
                    ? `Certdesk places this file on each of ${challenge.answeredBy.name}, checks the URL answers it, asks the CA, and removes the files afterwards.`
                    : `Certdesk places this file through ${automation} over SSH, checks the URL answers it, asks the CA, and removes the file afterwards.`
                : `Certdesk adds this TXT record with ${automation.startsWith('DNS account') ? automation : `the DNS account “${automation}”`}, waits until every authoritative name server sees it, asks the CA, and removes it afterwards.`
            }
          >
            <Chip
              size="small"
              variant="outlined"
              color="primary"
              label={`${challenge.type} · ${challenge.type === 'http-01' ? automation : automation.replace(/^DNS account /, '')}`}
              tabIndex={0}
              data-testid="challenge-automation"
            />
          </Tooltip>
        ) : (
          <Tooltip title="Nothing answers this challenge automatically: you publish it yourself. A DNS account (Manage → DNS) can do it for dns-01, an end server with a webroot (Manage → Deploy) or a Certdesk agent (Manage → Windows agents) for http-01.">
            <Chip size="small" variant="outlined" label={`${challenge.type} · manual`} tabIndex={0} data-testid="challenge-automation" />
          </Tooltip>
        )}
        <StateChip state={state} automated={automation !== null} />
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: '112px minmax(0, 1fr)', columnGap: 1.5, rowGap: 1, alignItems: 'start', px: 2, pb: 1.5 }}>
        {challenge.type === 'http-01' && challenge.httpPath ? (
          <>
            <ValueLabel>URL path</ValueLabel>
            <CopyValue
              value={challenge.httpPath}
              copyLabel={`Copy the URL path for ${challenge.nameUnicode}`}
              caption={<>on http://{challenge.identifier} (port 80; the CA follows redirects)</>}
              testId="http-path"
            />
            <ValueLabel>File content</ValueLabel>
            <CopyValue
              value={challenge.httpContent ?? ''}
              copyLabel={`Copy the file content for ${challenge.nameUnicode}`}
              caption="exactly this text, nothing before or after it"
              testId="http-content"
            />
          </>
        ) : null}
        {challenge.type === 'dns-01' && challenge.dnsName ? (
          <>
            <ValueLabel>TXT name</ValueLabel>
            <CopyValue value={challenge.dnsName} copyLabel={`Copy the TXT record name for ${challenge.nameUnicode}`} testId="dns-name" />
            <ValueLabel>TXT value</ValueLabel>
            <CopyValue value={challenge.dnsValue ?? ''} copyLabel={`Copy the TXT value for ${challenge.nameUnicode}`} testId="dns-value" />
          </>
        ) : null}
      </Box>
      {progress ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 2, pb: 1.25, mt: -0.5 }} data-testid="name-progress-line" data-state={state}>
          {state === 'publishing' || state === 'propagating' ? (
            <CircularProgress size={12} thickness={6} aria-hidden />
          ) : (
            <CheckCircleIcon sx={{ fontSize: 15 }} color={state === 'invalid' ? 'disabled' : 'success'} aria-hidden />
          )}
          <Typography variant="body2" color={state === 'publishing' || state === 'propagating' ? 'info.main' : 'text.secondary'} data-testid="name-progress" role="status" aria-live="polite">
            {progress}
          </Typography>
        </Box>
      ) : null}
      {preflight && !working && state !== 'valid' && state !== 'invalid' ? <PreflightLine item={preflight} /> : null}
      {challenge.type === 'dns-01' && challenge.dnsName && sharedWith.length > 0 && !automation ? (
        <Alert severity="info" variant="outlined" icon={<InfoOutlinedIcon fontSize="small" />} sx={{ py: 0, mx: 2, mb: 1.5 }}>
          {challenge.dnsName} also carries the value for {sharedWith.join(', ')}: publish <strong>both</strong> values as two TXT records
          of the same name; do not replace one with the other.
        </Alert>
      ) : null}
      {challenge.type === 'http-01' && !challenge.httpPath && challenge.status === 'valid' ? (
        <Typography variant="body2" color="text.secondary" sx={{ px: 2, pb: 1.5 }}>
          The CA already trusts this name (a recent validation): nothing to publish.
        </Typography>
      ) : null}
      {state === 'invalid' && challenge.error ? (
        <Alert severity="error" sx={{ mx: 2, mb: 1.5, '& .MuiAlert-message': { minWidth: 0 } }} data-testid="challenge-error">
          {plain ? (
            <Typography variant="body2" component="span" sx={{ fontWeight: 600, display: 'block', mb: 0.75, overflowWrap: 'anywhere' }} data-testid="challenge-plain">
              {plain}
            </Typography>
          ) : null}
          <Typography variant="body2" component="span" sx={{ fontWeight: plain ? 400 : 600, display: 'block' }} color={plain ? 'text.secondary' : undefined}>
            The CA says ({problemKind(challenge.error.type)}):
          </Typography>
          <Typography variant="body2" component="span" sx={{ overflowWrap: 'anywhere', display: 'block' }}>
            {challenge.error.detail}
          </Typography>
        </Alert>
      ) : null}
    </Paper>
  );
}

function ValueLabel({ children }: { children: ReactNode }) {
  return (
    <Typography variant="body2" color="text.secondary" sx={{ pt: 0.75, fontWeight: 600 }}>
      {children}
    </Typography>
  );
}

export function ChallengeView({ request, activity, preflight }: { request: Request; activity: Activity | undefined; preflight?: PreflightResult | null }) {
  const running = activity?.running === true && activity.kind === 'verify';
  const dns = useDns();
  /** Who answers a name: its domain's DNS mapping, else the request's DNS account, else nobody (manual). */
  const automationOf = (c: Challenge): string | null => {
    // The engine says who answers (an end server's webroot, a DNS account); else the DNS mappings decide here.
    if (c.automation) return c.automation;
    if (c.type !== 'dns-01') return null;
    const mapping = dns.mappings.find((m) => m.domain === mappingDomain(c.identifier));
    return dns.account(mapping?.accountId ?? request.dnsAccountId)?.name ?? (mapping || request.dnsAccountId ? 'DNS account' : null);
  };
  const automated = request.challenges.length > 0 && request.challenges.every((c) => automationOf(c) !== null);
  const byAgents = automated && request.challenges.every((c) => c.type === 'http-01' && c.answeredBy?.kind === 'agent');
  // Cards in the order the names were given (the common name first), whatever order the CA listed them.
  const position = (c: Challenge) => {
    const i = request.names.indexOf(c.name);
    return i < 0 ? request.names.length : i;
  };
  const challenges = request.challenges.slice().sort((a, b) => position(a) - position(b));
  const states = challenges.map((c) => nameState(c, activity?.items[c.name], running));
  const counts = {
    valid: states.filter((s) => s === 'valid').length,
    invalid: states.filter((s) => s === 'invalid').length,
  };
  // Apex and wildcard share one TXT name: say so on both cards.
  const byDnsName = new Map<string, string[]>();
  for (const c of challenges) if (c.dnsName) byDnsName.set(c.dnsName, [...(byDnsName.get(c.dnsName) ?? []), c.nameUnicode]);

  // While the CA validates, the instructions give way to where each name stands and the time so far.
  const verifying = running || (request.status === 'processing' && !stalled(request, activity));
  const automatedDns = (c: Challenge) => c.type === 'dns-01' && automationOf(c) !== null;
  return (
    <Stack spacing={1.5}>
      {verifying && request.challenges.length > 0 ? (
        <VerifyPanel challenges={challenges} states={states} automatedDns={automatedDns} startedAt={running ? activity?.startedAt : undefined} running={running} />
      ) : null}
      {request.status === 'failed' || verifying ? null : (
      <Alert severity="info" variant="outlined" icon={false} sx={{ bgcolor: 'background.paper' }}>
        {request.challengeType === 'http-01' && automated ? (
          <Typography variant="body2" data-testid="challenge-automated">
            {byAgents ? (
              <>
                Nothing to do by hand: press <strong>Verify</strong> and Certdesk has the mapped Certdesk agent publish each file, checks the URL
                answers it, asks the CA, and removes the files afterwards.
              </>
            ) : (
              <>
                Nothing to do by hand: press <strong>Verify</strong> and Certdesk places each file in the mapped end server’s webroot over
                SSH, checks the URL answers it, asks the CA, and removes the files afterwards.
              </>
            )}
          </Typography>
        ) : request.challengeType === 'http-01' ? (
          <Typography variant="body2">
            For each name, make its web server answer the <strong>URL path</strong> with exactly the <strong>file content</strong>{' '}
            (as a plain file, no extra spaces or line break). <strong>Check</strong> fetches every file from here first; <strong>Verify</strong> asks the CA to fetch them.
          </Typography>
        ) : automated ? (
          <Typography variant="body2" data-testid="challenge-automated">
            Nothing to do by hand: press <strong>Verify</strong> and Certdesk adds each <strong>TXT record</strong> through the DNS account,
            waits until every authoritative name server sees it, asks the CA, and removes the records afterwards.
          </Typography>
        ) : (
          <Typography variant="body2">
            For each name, create a <strong>TXT record</strong> with exactly the value shown at your DNS provider. Wait until the
            records are visible (their TTL). <strong>Check</strong> asks every authoritative name server from here first; <strong>Verify</strong> asks the CA to look them up.
          </Typography>
        )}
      </Alert>
      )}
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle2" component="h3" sx={{ flex: 1 }}>
          {request.challenges.length} name{request.challenges.length === 1 ? '' : 's'} to prove
        </Typography>
        <Typography variant="body2" color="text.secondary" data-testid="challenge-counts">
          {counts.valid} valid{counts.invalid ? ` · ${counts.invalid} invalid` : ''}
        </Typography>
      </Box>
      {request.challenges.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          The order has no challenges yet{request.phase === 'ordering' ? ': the order is being created.' : '.'}
        </Typography>
      ) : null}
      {challenges.map((c, i) => (
        <ChallengeCard
          key={`${c.name}-${c.token}`}
          challenge={c}
          state={states[i] ?? 'pending'}
          sharedWith={c.dnsName ? (byDnsName.get(c.dnsName) ?? []).filter((n) => n !== c.nameUnicode) : []}
          automation={automationOf(c)}
          progress={running && automationOf(c) ? (activity?.solver[c.name] ?? liveMessage(c, activity?.items[c.name]) ?? c.progress) : null}
          preflight={preflight?.items.find((p) => p.name === c.name) ?? null}
        />
      ))}
    </Stack>
  );
}
