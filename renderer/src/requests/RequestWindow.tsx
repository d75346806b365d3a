// The window of one request: its challenges while it waits (Pending, Processing, Failed) and its certificate
// once issued (Available, Renewed, Revoked). It follows the request live, so a Verify that ends Available
// turns the challenge window into the result (seed Step 4: "the window redirects to the certificate").
// Button words (issue 11): Cancel abandons an unsaved change or a running operation ("Cancel verification",
// the check's Cancel); Close dismisses a view with nothing to lose (this window: closing it never stops a
// verification); Done finishes a completed flow (export, e-mail dialogs).
import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import CloudUploadOutlinedIcon from '@mui/icons-material/CloudUploadOutlined';
import EmailOutlinedIcon from '@mui/icons-material/EmailOutlined';
import FileDownloadOutlinedIcon from '@mui/icons-material/FileDownloadOutlined';
import ReplayIcon from '@mui/icons-material/Replay';
import SaveOutlinedIcon from '@mui/icons-material/SaveOutlined';
import VerifiedIcon from '@mui/icons-material/Verified';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useId, useRef, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { PreflightResult } from '../../../shared/model/preflight.ts';
import { plainProblem } from '../../../shared/model/problems.ts';
import { KEY_LABELS, type Request } from '../../../shared/model/request.ts';
import { call, errorInfo } from '../api.ts';
import { DefinitionRow } from '../components/DefinitionRow.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { OperationProgress, type ProgressSource } from '../components/OperationProgress.tsx';
import { DeployNowDialog, RequestDeployments } from '../deploy/Deployments.tsx';
import { EmailCertificateDialog } from '../repository/EmailCertificateDialog.tsx';
import { ExportDialog } from '../repository/ExportDialog.tsx';
import { RenewalStateChip } from '../repository/RenewalSection.tsx';
import { planPolicyText } from '../settings/renewalText.ts';
import { useRenewalPlans } from '../state/renewal.ts';
import { formatDateTime } from '../format.ts';
import { useDns } from '../state/dns.tsx';
import { useOperation } from '../state/operation.ts';
import { useRequests } from '../state/requests.tsx';
import { http01ServerName, useServers } from '../state/servers.tsx';
import { MONO_FONTS } from '../theme.ts';
import { CopyValue, ExpiryText, RequestStatusChip } from './bits.tsx';
import { ChallengeView } from './ChallengeView.tsx';
import { challengeLabel, fingerprint, formatDate, KEY_POLICY_LABELS, KEYSTORE_LABELS, keyLabel, nameForms } from './format.ts';

const ISSUED = new Set(['available', 'renewed', 'revoked']);

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DefinitionRow label={label} labelWidth={150} gap={2} py={1} alignItems="baseline" divided>
      {children}
    </DefinitionRow>
  );
}

/** The saved certificate's planned renewal (nothing while automatic renewal is unavailable). */
function RenewalField({ certificateId }: { certificateId: string }) {
  const { planOf, unavailable } = useRenewalPlans();
  const plan = planOf(certificateId);
  if (unavailable || !plan) return null;
  return (
    <Field label="Renewal">
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }} data-testid="result-renewal">
        <RenewalStateChip plan={plan} />
        <Typography variant="body2">
          {plan.dueAt ? `due ${formatDateTime(plan.dueAt)}` : 'not planned'} · {planPolicyText(plan)}
        </Typography>
      </Box>
    </Field>
  );
}

function ResultView({ request }: { request: Request }) {
  const cert = request.certificate;
  if (!cert) return null;
  const saved = request.savedCertificateId !== null;
  let banner: ReactNode;
  if (request.status === 'revoked') {
    banner = (
      <Alert severity="error" variant="outlined">
        Revoked at the CA: clients that check revocation refuse this certificate. Raise a new request to replace it.
      </Alert>
    );
  } else if (request.unsaved && saved) {
    banner = (
      <Alert severity="warning" variant="outlined" data-testid="result-banner">
        Renewed. The repository still holds the previous version until you save this one.
      </Alert>
    );
  } else if (request.unsaved) {
    banner = (
      <Alert severity="success" variant="outlined" icon={<VerifiedIcon fontSize="inherit" />} data-testid="result-banner">
        Issued by {cert.issuer}. Save it to the repository (SSL → Certificates) to keep it, export it and renew it.
      </Alert>
    );
  } else {
    banner = (
      <Alert severity="success" variant="outlined" data-testid="result-banner">
        Saved in the repository (SSL → Certificates).
      </Alert>
    );
  }
  return (
    <Stack spacing={1.5}>
      {banner}
      {request.chainWarning ? (
        <Alert severity="warning" variant="outlined" data-testid="chain-warning">
          {request.chainWarning}
        </Alert>
      ) : null}
      <Paper variant="outlined" sx={{ px: 2, py: 0.5 }}>
        <Box component="dl" sx={{ m: 0 }} aria-label="Certificate" data-testid="result-details">
          <Field label={cert.names.length === 1 ? 'Name' : `Names (${cert.names.length})`}>
            <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.75 }}>
              {request.names.map((n, i) => {
                const f = nameForms(n, request.namesUnicode[i]);
                return (
                  <Tooltip key={n} title={f.puny ? `As sent to the CA: ${f.puny}` : i === 0 ? 'Common name' : 'Subject alternative name'}>
                    <Chip
                      size="small"
                      variant="outlined"
                      color={i === 0 ? 'primary' : 'default'}
                      tabIndex={0}
                      label={
                        <span>
                          {f.shown}
                          {f.puny ? <span style={{ fontFamily: MONO_FONTS, opacity: 0.7, marginLeft: 6, fontWeight: 400 }}>{f.puny}</span> : null}
                        </span>
                      }
                    />
                  </Tooltip>
                );
              })}
            </Box>
          </Field>
          <Field label="Issuer">
            <Typography variant="body2" data-testid="result-issuer">
              {cert.issuer}
            </Typography>
          </Field>
          <Field label="Serial">
            <Typography variant="body2" sx={{ fontFamily: MONO_FONTS, fontSize: 12.5, overflowWrap: 'anywhere' }} data-testid="result-serial">
              {cert.serial}
            </Typography>
          </Field>
          <Field label="Validity">
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
              <Typography variant="body2">{formatDate(cert.notBefore)} →</Typography>
              <ExpiryText notAfter={cert.notAfter} daysLeft={request.daysLeft} />
            </Box>
          </Field>
          <Field label="Key">
            <Typography variant="body2">
              {keyLabel(cert.keyType)} · {request.signatureAlgorithm} · on renewal: {KEY_POLICY_LABELS[request.keyPolicy].toLowerCase()}
            </Typography>
          </Field>
          <Field label="Keystore">
            <Typography variant="body2">
              {KEYSTORE_LABELS[request.keystoreType]} ·{' '}
              {request.keystorePasswordStored ? 'password kept in your OS keychain' : 'no password stored (Export asks for one)'}
            </Typography>
          </Field>
          {saved && request.status !== 'revoked' ? <RenewalField certificateId={request.savedCertificateId!} /> : null}
        </Box>
      </Paper>
      <Box sx={{ display: 'grid', gridTemplateColumns: '1fr', gap: 1.25 }}>
        <CopyValue label="SHA-256 fingerprint" value={fingerprint(cert.sha256)} copyLabel="Copy the SHA-256 fingerprint" testId="result-sha256" />
        <CopyValue label="SHA-1 fingerprint" value={fingerprint(cert.sha1)} copyLabel="Copy the SHA-1 fingerprint" testId="result-sha1" />
      </Box>
      <RequestDeployments requestId={request.id} deployments={request.deployments} />
    </Stack>
  );
}

export function RequestWindow({ requestId, onClose }: { requestId: string; onClose: () => void }) {
  const titleId = useId();
  const { requests, loading, activity, run, cancel, upsert } = useRequests();
  const dns = useDns();
  const servers = useServers();
  const request = requests.find((r) => r.id === requestId);
  const act = activity(requestId);
  const running = act?.running === true;
  const [saving, setSaving] = useState(false);
  // Save turns into a disabled "Saved": focus would drop to the page (and Escape stop closing the window),
  // so it moves to the window's Close button once the save is done.
  const closeRef = useRef<HTMLButtonElement>(null);
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [exporting, setExporting] = useState(false);
  const [emailing, setEmailing] = useState(false);
  const [deploying, setDeploying] = useState(false);
  // The pre-flight check (Check): its own operation, and its last result for this order.
  const checkOp = useOperation();
  const [checked, setChecked] = useState<{ result: PreflightResult; order: number } | null>(null);
  const [checkCancelled, setCheckCancelled] = useState(false);

  if (!request) {
    return (
      <Dialog open onClose={onClose} maxWidth="xs" fullWidth aria-labelledby={titleId}>
        <DialogTitle id={titleId}>Request</DialogTitle>
        <DialogContent>
          <Typography variant="body2">{loading ? 'Reading the request…' : 'This request no longer exists: it was deleted.'}</Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
        </DialogActions>
      </Dialog>
    );
  }

  const issued = ISSUED.has(request.status) && request.certificate !== null;
  const cn = request.namesUnicode[0] ?? request.commonName;
  const verifying = running && act?.kind === 'verify';

  const preflight = checked && checked.order === request.ordersCreated && request.status === 'pending' ? checked.result : null;
  const manualNames = request.challenges.filter((c) => c.automation === null && c.status !== 'valid' && (c.type === 'http-01' || request.dnsAccountId === null));
  const canCheck = request.status === 'pending' && manualNames.length > 0;
  const notReady = preflight ? preflight.items.filter((i) => i.verdict !== 'ready') : [];

  const check = async () => {
    setAlert(null);
    setCheckCancelled(false);
    try {
      const result = await checkOp.run((opId) => call('requests:preflight', { id: request.id, opId }));
      setChecked({ result, order: request.ordersCreated });
    } catch (err) {
      const info = errorInfo(err);
      if (info.code === 'CANCELLED') setCheckCancelled(true);
      else setAlert(info);
    }
  };

  const verify = async () => {
    setAlert(null);
    setChecked(null);
    setCheckCancelled(false);
    try {
      await run(request.id, 'verify', (opId) => call('requests:verify', { id: request.id, opId }));
    } catch (err) {
      const info = errorInfo(err);
      // A cancel is not an error: the window says what it means below.
      if (info.code !== 'CANCELLED') setAlert(info);
    }
  };

  const newChallenge = async () => {
    setAlert(null);
    try {
      await run(request.id, 'new-challenge', (opId) => call('requests:new-challenge', { id: request.id, opId }));
    } catch (err) {
      setAlert(errorInfo(err));
    }
  };

  const save = async () => {
    setAlert(null);
    setSaving(true);
    try {
      // The banner turns into "Saved in the repository": no extra notice over the window's buttons.
      const cert = await call('certs:save', { requestId: request.id });
      upsert({ ...request, savedCertificateId: cert.id, unsaved: false });
      requestAnimationFrame(() => closeRef.current?.focus());
    } catch (err) {
      setAlert(errorInfo(err));
    } finally {
      setSaving(false);
    }
  };

  const progress: ProgressSource = {
    running,
    cancelling: act?.cancelling ?? false,
    steps: act?.steps ?? [],
    cancel: () => cancel(request.id),
  };
  // Steps matter while the work runs; afterwards the status, the cards and any error say how it ended.
  // A Verify shows its per-name steps on the cards' panel; only the order's own steps (finalize, issue) come here.
  const showProgress = !issued && running && (act?.kind !== 'verify' || (act?.steps.length ?? 0) > 0);
  // When the cards carry the CA's words per name, the summary keeps to its first sentence.
  const detailsOnCards = request.challenges.some((c) => c.status === 'invalid' && c.error);
  const requestError: ErrorInfo | null =
    request.status === 'failed' && request.error
      ? {
          ...request.error,
          code: request.error.code as ErrorInfo['code'],
          message: detailsOnCards
            ? `${request.error.message.split('. ')[0]}. The CA’s message is on each red card below.`
            : [request.error.acmeType ? plainProblem({ type: request.error.acmeType, detail: request.error.message }) : null, request.error.message].filter(Boolean).join(' '),
        }
      : null;
  const callError = alert ?? (act?.error && act.error.code !== 'CANCELLED' ? act.error : null);
  const cancelled = act?.error?.code === 'CANCELLED' && !running;

  let saveButton: ReactNode = null;
  if (issued) {
    const renewedUnsaved = request.unsaved && request.savedCertificateId !== null;
    saveButton = request.unsaved ? (
      <Button variant="contained" startIcon={<SaveOutlinedIcon />} onClick={() => void save()} disabled={saving}>
        {renewedUnsaved ? 'Save renewed version (replaces the saved one)' : 'Save'}
      </Button>
    ) : (
      <Tooltip title="This version is in the repository (SSL → Certificates).">
        <span>
          <Button variant="outlined" startIcon={<CheckIcon />} disabled>
            Saved
          </Button>
        </span>
      </Tooltip>
    );
  }

  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby={titleId}
      slotProps={{ paper: { 'data-testid': 'request-window', 'data-mode': issued ? 'result' : 'challenge', sx: { height: 'min(900px, calc(100% - 48px))' } } as object }}
    >
      <DialogTitle id={titleId} sx={{ display: 'flex', alignItems: 'flex-start', gap: 1.5, pb: 1 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Box component="span" sx={{ display: 'block', overflowWrap: 'anywhere' }}>
            {issued ? 'Certificate' : 'Challenges'} — {cn}
          </Box>
          <Typography variant="body2" color="text.secondary" component="span" sx={{ display: 'block' }} data-testid="request-subtitle">
            {http01ServerName(servers, request) ? `http-01 · ${http01ServerName(servers, request)}` : challengeLabel(request, dns.account(request.dnsAccountId)?.name)} · {KEY_LABELS[request.key]} · {request.names.length} name{request.names.length === 1 ? '' : 's'}
            {request.ordersCreated > 1 ? ` · order ${request.ordersCreated}` : ''}
          </Typography>
        </Box>
        <RequestStatusChip request={request} activity={act} />
        <IconAction label="Close the window" edge="end" size="small" onClick={onClose}>
          <CloseIcon fontSize="small" />
        </IconAction>
      </DialogTitle>
      <DialogContent dividers sx={{ bgcolor: 'background.default' }}>
        <Stack spacing={1.5}>
          {showProgress ? (
            <OperationProgress
              op={progress}
              idleText={act?.kind === 'verify' ? 'The CA is checking every name: each card shows where it stands.' : 'Creating a new order…'}
              cancellable={false}
            />
          ) : null}
          {requestError && !running ? (
            <ErrorAlert error={requestError} />
          ) : null}
          {callError && !running ? <ErrorAlert error={callError} onClose={() => setAlert(null)} /> : null}
          {checkOp.running ? <OperationProgress op={checkOp} idleText="Checking from this computer…" /> : null}
          {checkCancelled && !checkOp.running && !running ? (
            <Alert severity="info" variant="outlined" data-testid="check-cancelled" onClose={() => setCheckCancelled(false)}>
              Check cancelled. Nothing was sent to the CA.
            </Alert>
          ) : null}
          {preflight && !running ? (
            <Alert
              severity={preflight.ready ? 'success' : 'warning'}
              variant="outlined"
              data-testid="preflight-summary"
              data-ready={preflight.ready ? 'true' : 'false'}
              onClose={() => setChecked(null)}
              slotProps={{ closeButton: { title: 'Close the check results' } as object }}
            >
              {preflight.items.length === 0
                ? 'Nothing to check here: no name waits for you.'
                : preflight.ready
                  ? `Check: all ${preflight.items.length} name${preflight.items.length === 1 ? '' : 's'} ready. Verify asks the CA now.`
                  : `Check: ${preflight.items.length - notReady.length} of ${preflight.items.length} ready. Not ready: ${notReady.map((i) => i.nameUnicode).join(', ')} — see the cards below. Fix them and check again, or verify anyway (the CA may see what this computer cannot).`}
            </Alert>
          ) : null}
          {cancelled ? (
            <Alert severity="info" variant="outlined">
              Verification cancelled. The CA may still finish validating what was submitted; press Verify to continue where it
              stopped.{request.challengeType === 'dns-01' && request.dnsAccountId ? ' The TXT records Certdesk added are removed again.' : ''}
            </Alert>
          ) : null}
          {issued ? <ResultView request={request} /> : <ChallengeView request={request} activity={act} preflight={preflight} />}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, py: 1.5, gap: 0.5 }}>
        {issued ? (
          <>
            <Button startIcon={<EmailOutlinedIcon />} onClick={() => setEmailing(true)} disabled={request.status === 'revoked'} data-testid="window-email">
              E-mail…
            </Button>
            <Box sx={{ flex: 1 }} />
            <Button onClick={onClose} ref={closeRef}>
              Close
            </Button>
            <Button variant="outlined" startIcon={<FileDownloadOutlinedIcon />} onClick={() => setExporting(true)} disabled={request.status === 'revoked'}>
              Export…
            </Button>
            <Button variant="outlined" startIcon={<CloudUploadOutlinedIcon />} onClick={() => setDeploying(true)} disabled={request.status === 'revoked'} data-testid="window-deploy-now">
              Deploy now
            </Button>
            {saveButton}
          </>
        ) : (
          <>
            <Typography variant="caption" color="text.secondary" sx={{ flex: 1 }}>
              {verifying
                ? 'Closing this window does not stop the validation: the table shows its progress.'
                : request.status === 'failed'
                  ? 'New challenge places a fresh order with new values to publish.'
                  : request.challengeType === 'dns-01' && request.dnsAccountId
                    ? 'Verify adds the TXT records through the DNS account, waits for every name server, then asks the CA.'
                    : request.status === 'pending' && request.challenges.length > 0 && request.challenges.every((c) => c.status === 'valid' || c.answeredBy !== null)
                      ? 'Nothing to publish by hand: Verify places every value, checks it, then asks the CA.'
                      : canCheck
                        ? 'Publish every value, Check it from here, then Verify: the CA checks every name.'
                        : 'Publish every value first: the CA checks all names when you press Verify.'}
            </Typography>
            <Button onClick={onClose}>Close</Button>
            {verifying ? (
              <Button color="inherit" variant="outlined" onClick={() => cancel(request.id)} disabled={act?.cancelling}>
                {act?.cancelling ? 'Cancelling…' : 'Cancel verification'}
              </Button>
            ) : null}
            {canCheck && !verifying ? (
              <Tooltip title="Fetches each file / asks every authoritative name server from this computer, without asking the CA (failed validations count against the CA's limits).">
                <span>
                  <Button
                    variant={preflight && !preflight.ready ? 'contained' : 'outlined'}
                    onClick={() => void check()}
                    disabled={running || checkOp.running}
                    data-testid="window-check"
                  >
                    {checkOp.running ? 'Checking…' : preflight ? 'Check again' : 'Check'}
                  </Button>
                </span>
              </Tooltip>
            ) : null}
            {request.status === 'failed' ? (
              <Button variant="contained" startIcon={<ReplayIcon />} onClick={() => void newChallenge()} disabled={running}>
                New challenge
              </Button>
            ) : (
              <Button
                variant={preflight && !preflight.ready ? 'outlined' : 'contained'}
                color={preflight && !preflight.ready ? 'warning' : 'primary'}
                onClick={() => void verify()}
                disabled={running || checkOp.running || (request.status !== 'pending' && request.status !== 'processing')}
              >
                {verifying ? 'Verifying…' : running ? 'Working…' : preflight && !preflight.ready ? 'Verify anyway' : 'Verify'}
              </Button>
            )}
          </>
        )}
      </DialogActions>
      {deploying ? <DeployNowDialog title={cn} names={request.names} target={{ requestId: request.id }} onClose={() => setDeploying(false)} /> : null}
      {emailing ? <EmailCertificateDialog target={{ id: request.id, commonName: cn, keystoreType: request.keystoreType }} onClose={() => setEmailing(false)} /> : null}
      {exporting ? (
        <ExportDialog
          target={{ id: request.id, commonName: cn, passwordStored: request.keystorePasswordStored, keystoreType: request.keystoreType }}
          onClose={() => setExporting(false)}
        />
      ) : null}
    </Dialog>
  );
}
