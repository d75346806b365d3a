// Certificate Request (seed Step 2): names, challenge type, key, keystore and the key policy on renewal.
// Everything that can be checked here is checked before anything is sent, with the service's own words
// (parseDomains); what only the service can know comes back per field (`domains.3` → the fourth chip).
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Account, DirectoryInfo } from '../../../shared/model/account.ts';
import { lookalikeWarnings, MAX_NAMES, parseDomains, type LookalikeWarning } from '../../../shared/model/domains.ts';
import {
  KEY_LABELS,
  signaturesFor,
  type ChallengeType,
  type KeyPolicy,
  type KeySpec,
  type KeystoreType,
  type Request,
  type SignatureAlgorithm,
} from '../../../shared/model/request.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useDiscardGuard } from '../components/DiscardGuard.tsx';
import { DialogFormBody } from '../components/FormDialog.tsx';
import { PasswordField } from '../components/PasswordField.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { directoryLabel } from '../format.ts';
import { isPicked, type KeyFile } from '../manage/directory.ts';
import { focusFirstInvalid, type FieldErrors } from '../manage/formErrors.ts';
import { PemFileField } from '../manage/PemFileField.tsx';
import { useAccounts } from '../state/accounts.tsx';
import { DnsAccountSelect, MANUAL } from '../dns/AssignDnsDialog.tsx';
import { useOperation } from '../state/operation.ts';
import { addNames, DomainChips } from './DomainChips.tsx';
import { detectKeySpec } from './keyInfo.ts';

/** Profiles whose policy caps the number of names (Let's Encrypt, 2025); the service applies the same. */
const PROFILE_MAX_NAMES: Record<string, number> = { tlsserver: 25, shortlived: 25 };
const MIN_PASSWORD = 8;
const RSA_SIZES = ['2048', '3072', '4096'] as const;
const EC_CURVES = [
  ['p256', 'P-256'],
  ['p384', 'P-384'],
] as const;

type Algorithm = 'rsa' | 'ec';

function specOf(alg: Algorithm, rsaBits: string, curve: string): KeySpec {
  return (alg === 'rsa' ? `rsa-${rsaBits}` : `ec-${curve}`) as KeySpec;
}

/** Profiles the account's directory offers (read by the main process, with the account's extra CA). */
function useProfiles(account: Account | undefined): Record<string, string> {
  const [profiles, setProfiles] = useState<Record<string, string>>({});
  const id = account?.id;
  useEffect(() => {
    setProfiles({});
    if (!id) return;
    let stale = false;
    call('accounts:directory', { id })
      .then((info: DirectoryInfo) => {
        if (!stale) setProfiles(info.profiles);
      })
      .catch(() => undefined);
    return () => {
      stale = true;
    };
  }, [id]);
  return profiles;
}

function Section({ title, children }: { title?: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ px: 2, py: 1.5 }}>
      {title ? (
        <Typography variant="overline" color="text.secondary" component="h3" sx={{ display: 'block', lineHeight: 1.5, mb: 1.25 }}>
          {title}
        </Typography>
      ) : null}
      {children}
    </Paper>
  );
}

interface RequestDialogProps {
  open: boolean;
  onClose: () => void;
  onCreated: (request: Request) => void;
}

export function RequestDialog({ open, onClose, onCreated }: RequestDialogProps) {
  const titleId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const { accounts } = useAccounts();
  const usable = accounts.filter((a) => a.status === 'valid');
  const [accountId, setAccountId] = useState(usable[0]?.id ?? '');
  const account = usable.find((a) => a.id === accountId) ?? usable[0];
  const profiles = useProfiles(account);

  const [names, setNames] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [challengeType, setChallengeType] = useState<ChallengeType>('http-01');
  const [dnsAccountId, setDnsAccountId] = useState(MANUAL);
  const [profile, setProfile] = useState('');
  const [algorithm, setAlgorithm] = useState<Algorithm>('rsa');
  const [rsaBits, setRsaBits] = useState<string>('2048');
  const [curve, setCurve] = useState<string>('p256');
  const [signature, setSignature] = useState<SignatureAlgorithm>('SHA256withRSA');
  const [keystoreType, setKeystoreType] = useState<KeystoreType>('pkcs12');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [keyPolicy, setKeyPolicy] = useState<KeyPolicy>('new');
  const [importKey, setImportKey] = useState<KeyFile | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverChipErrors, setServerChipErrors] = useState<Record<number, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  /** Look-alike names waiting for the person's confirmation, with the names to order once confirmed. */
  const [lookalikes, setLookalikes] = useState<{ warnings: LookalikeWarning[]; names: string[] } | null>(null);
  const op = useOperation();
  const working = op.running;

  // A key picked in the desktop app was read (and its type found) by the main process; one read in the browser
  // preview is looked at here.
  const imported =
    importKey && keyPolicy === 'import'
      ? isPicked(importKey)
        ? importKey.keySpec
          ? { spec: importKey.keySpec }
          : { problem: 'is not a supported key: Certdesk supports RSA 2048, 3072 or 4096 and EC P-256 or P-384.' }
        : detectKeySpec(importKey.text)
      : null;
  const importedSpec = imported && 'spec' in imported ? imported.spec : null;
  const key: KeySpec = importedSpec ?? specOf(algorithm, rsaBits, curve);
  const signatures = signaturesFor(key);
  const maxNames = (profile && PROFILE_MAX_NAMES[profile]) || MAX_NAMES;
  const rules = useMemo(() => ({ challengeType, maxNames }), [challengeType, maxNames]);

  // The signature follows the key: keep the choice when it still fits, else take the key's default.
  useEffect(() => {
    if (!signatures.includes(signature)) setSignature(signatures[0]!);
  }, [signatures, signature]);

  // Live checks of the names: every chip says at once what is wrong with it.
  const domainCheck = useMemo(() => parseDomains(names, rules), [names, rules]);
  const chipErrors = useMemo(() => {
    const out: Record<number, string> = { ...serverChipErrors };
    for (const issue of domainCheck.issues) {
      if (issue.input === '' && names.length === 0) continue;
      if (issue.index < names.length && !/too many/.test(issue.message)) out[issue.index] ??= issue.message;
    }
    return out;
  }, [domainCheck, serverChipErrors, names.length]);
  const tooMany = domainCheck.issues.find((i) => /too many/.test(i.message))?.message;
  const listError = tooMany ?? errors.domains;

  const clearError = (...fields: string[]) =>
    setErrors((all) => {
      const next = { ...all };
      for (const f of fields) delete next[f];
      return next;
    });

  const passwordRequired = keystoreType !== 'pem';

  const checkPassword = (): FieldErrors => {
    const found: FieldErrors = {};
    if (password === '') {
      if (passwordRequired) found.keystorePassword = `Keystore password is required for ${keystoreType === 'jks' ? 'JKS' : 'PKCS12'}: choose one of at least ${MIN_PASSWORD} characters.`;
    } else if ([...password].length < MIN_PASSWORD) {
      found.keystorePassword = `Keystore password is too short: use at least ${MIN_PASSWORD} characters.`;
    }
    if (password !== '' && confirm !== password) found.keystorePasswordConfirm = 'The two passwords differ: type the same password twice.';
    return found;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (working) return;
    setAlert(null);
    // Whatever is still being typed counts as a name.
    const allNames = draft.trim() ? addNames(names, draft) : names;
    if (allNames !== names) {
      setNames(allNames);
      setDraft('');
    }
    const found: FieldErrors = {};
    const check = parseDomains(allNames, rules);
    if (allNames.length === 0) found.domains = 'Enter at least one domain name: the first becomes the common name.';
    else if (check.issues.length > 0) found.domains = check.issues.length === 1 ? 'Fix the name marked in red.' : `Fix the ${check.issues.length} names marked in red.`;
    if (!account) found.accountId = 'No active account: register one in Manage → Account first.';
    Object.assign(found, checkPassword());
    if (keyPolicy === 'import') {
      if (!importKey) found.importKeyPem = 'Choose the PEM file of the key to import.';
      else if (imported && 'problem' in imported) found.importKeyPem = `${importKey.fileName} ${imported.problem}`;
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirstInvalid(rootRef.current);
      return;
    }
    setErrors({});
    setServerChipErrors({});
    // A name that can pass for another one (a Cyrillic "а" in "exаmple") is ordered only once confirmed.
    const warnings = lookalikeWarnings(check.names);
    if (warnings.length > 0) {
      setLookalikes({ warnings, names: allNames });
      return;
    }
    await create(allNames, false);
  };

  const create = async (allNames: string[], allowMixedScripts: boolean) => {
    try {
      const created = await op.run((opId) =>
        call('requests:create', {
          ...(account ? { accountId: account.id } : {}),
          ...(allowMixedScripts ? { allowMixedScripts: true } : {}),
          domains: allNames,
          challengeType,
          ...(challengeType === 'dns-01' && dnsAccountId !== MANUAL ? { dnsAccountId } : {}),
          key,
          signatureAlgorithm: signature,
          keystoreType,
          ...(password ? { keystorePassword: password } : {}),
          keyPolicy,
          ...(keyPolicy === 'import' && importKey ? (isPicked(importKey) ? { importKeyHandle: importKey.handle } : { importKeyPem: importKey.text }) : {}),
          ...(profile ? { profile } : {}),
          opId,
        }),
      );
      onCreated(created);
    } catch (err) {
      const byField = fieldErrors(err);
      const chips: Record<number, string> = {};
      const rest: FieldErrors = {};
      for (const [field, message] of Object.entries(byField)) {
        const m = /^domains\.(\d+)$/.exec(field);
        if (m) chips[Number(m[1])] = message;
        else rest[field] = message;
      }
      setServerChipErrors(chips);
      setErrors(rest);
      const shown = ['domains', 'keystorePassword', 'importKeyPem', 'importKeyFile', 'importKeyHandle', 'key', 'signatureAlgorithm', 'profile', 'accountId', 'dnsAccountId'];
      const onlyFields = Object.keys(byField).length > 0 && Object.keys(rest).every((f) => shown.includes(f));
      if (!onlyFields) setAlert(errorInfo(err));
      focusFirstInvalid(rootRef.current);
    }
  };

  const profileNames = Object.keys(profiles);
  // Names, a password or a key file are input to lose; the settings chosen in a few clicks are not.
  const guard = useDiscardGuard({
    onClose,
    open,
    what: 'the Certificate Request',
    dirty: names.length > 0 || draft.trim() !== '' || password !== '' || confirm !== '' || importKey !== null,
  });
  const rsa = importedSpec ? importedSpec.startsWith('rsa') : algorithm === 'rsa';

  return (
    <>
      <Dialog
        open={open}
        onClose={working ? undefined : guard.requestClose}
        maxWidth={false}
        aria-labelledby={titleId}
        slotProps={{
          paper: {
            ...guard.rootProps,
            sx: { width: 'min(1120px, calc(100% - 64px))', maxHeight: 'calc(100% - 48px)' },
          } as object,
        }}
      >
        <DialogFormBody label="Certificate Request" onSubmit={(e) => void submit(e)}>
        <DialogTitle id={titleId} sx={{ pb: 1 }}>
          Certificate Request
          <Typography variant="body2" color="text.secondary" component="span" sx={{ display: 'block' }}>
            {account ? (
              <>
                Ordered with <strong>{account.name}</strong> at {directoryLabel(account)}. You prove each name with a challenge next.
              </>
            ) : (
              'No active account: register one in Manage → Account first.'
            )}
          </Typography>
        </DialogTitle>
        <DialogContent ref={rootRef} dividers sx={{ bgcolor: 'background.default', py: 1.5 }}>
          <Stack spacing={1.5}>
            {usable.length > 1 ? (
              <TextField select label="Account" value={account?.id ?? ''} onChange={(e) => setAccountId(e.target.value)} disabled={working} sx={{ maxWidth: 420 }}>
                {usable.map((a) => (
                  <MenuItem key={a.id} value={a.id}>
                    {a.name} · {directoryLabel(a)}
                  </MenuItem>
                ))}
              </TextField>
            ) : null}

            <Section>
              <DomainChips
                values={names}
                onChange={(v) => {
                  setNames(v);
                  setServerChipErrors({});
                  clearError('domains');
                }}
                draft={draft}
                onDraftChange={setDraft}
                chipErrors={chipErrors}
                listError={listError}
                rules={rules}
                maxNames={maxNames}
                disabled={working}
              />
            </Section>

            <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 0.9fr) minmax(0, 1fr) minmax(0, 1.25fr)' }, gap: 1.5 }}>
              <Section title="Challenge">
                <Stack spacing={1.5}>
                  <FormControl disabled={working}>
                    <RadioGroup aria-label="Challenge type" value={challengeType} onChange={(e) => setChallengeType(e.target.value as ChallengeType)}>
                      <FormControlLabel
                        value="http-01"
                        control={<Radio size="small" />}
                        sx={{ alignItems: 'flex-start', '& .MuiRadio-root': { pt: 0.25 } }}
                        label={<PolicyLabel title="http-01" text="a file on each name’s web server (port 80)" />}
                      />
                      <FormControlLabel
                        value="dns-01"
                        control={<Radio size="small" />}
                        sx={{ alignItems: 'flex-start', mt: 0.5, '& .MuiRadio-root': { pt: 0.25 } }}
                        label={<PolicyLabel title="dns-01" text="a TXT record per name; needed for wildcards" />}
                      />
                    </RadioGroup>
                  </FormControl>
                  {challengeType === 'dns-01' ? (
                    <DnsAccountSelect
                      value={dnsAccountId}
                      onChange={(v) => {
                        setDnsAccountId(v);
                        clearError('dnsAccountId');
                      }}
                      disabled={working}
                      error={errors.dnsAccountId}
                    />
                  ) : null}
                  {profileNames.length > 0 ? (
                    <TextField
                      select
                      label="Profile"
                      value={profile}
                      onChange={(e) => {
                        setProfile(e.target.value);
                        clearError('profile');
                      }}
                      disabled={working}
                      error={Boolean(errors.profile)}
                      helperText={errors.profile ?? (profile && PROFILE_MAX_NAMES[profile] ? `At most ${PROFILE_MAX_NAMES[profile]} names with this profile.` : 'The CA’s default suits most servers.')}
                      slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
                    >
                      <MenuItem value="">CA default</MenuItem>
                      {profileNames.map((p) => (
                        <MenuItem key={p} value={p}>
                          <Box>
                            <Typography variant="body2">{p}</Typography>
                            <Typography variant="caption" color="text.secondary">
                              {profiles[p]}
                            </Typography>
                          </Box>
                        </MenuItem>
                      ))}
                    </TextField>
                  ) : null}
                </Stack>
              </Section>

              <Section title="Key">
                <Stack spacing={1.5}>
                  <Stack direction="row" spacing={1.5}>
                    <TextField
                      select
                      label="Key algorithm"
                      value={rsa ? 'rsa' : 'ec'}
                      onChange={(e) => setAlgorithm(e.target.value as Algorithm)}
                      disabled={working || importedSpec !== null}
                      error={Boolean(errors.key)}
                    >
                      <MenuItem value="rsa">RSA</MenuItem>
                      <MenuItem value="ec">EC (ECDSA)</MenuItem>
                    </TextField>
                    {rsa ? (
                      <TextField
                        select
                        label="Key length"
                        value={importedSpec ? importedSpec.slice(4) : rsaBits}
                        onChange={(e) => setRsaBits(e.target.value)}
                        disabled={working || importedSpec !== null}
                        error={Boolean(errors.key)}
                      >
                        {RSA_SIZES.map((b) => (
                          <MenuItem key={b} value={b}>
                            {b} bits
                          </MenuItem>
                        ))}
                      </TextField>
                    ) : (
                      <TextField
                        select
                        label="Curve"
                        value={importedSpec ? importedSpec.slice(3) : curve}
                        onChange={(e) => setCurve(e.target.value)}
                        disabled={working || importedSpec !== null}
                        error={Boolean(errors.key)}
                      >
                        {EC_CURVES.map(([v, l]) => (
                          <MenuItem key={v} value={v}>
                            {l}
                          </MenuItem>
                        ))}
                      </TextField>
                    )}
                  </Stack>
                  <TextField
                    select
                    label="Signature algorithm"
                    value={signatures.includes(signature) ? signature : signatures[0]}
                    onChange={(e) => {
                      setSignature(e.target.value as SignatureAlgorithm);
                      clearError('signatureAlgorithm');
                    }}
                    disabled={working}
                    error={Boolean(errors.signatureAlgorithm || errors.key)}
                    helperText={
                      errors.signatureAlgorithm ??
                      errors.key ??
                      (importedSpec ? (
                        <span data-testid="imported-key-type">
                          Key taken from the file: <strong>{KEY_LABELS[importedSpec]}</strong>
                        </span>
                      ) : (
                        'Only those that fit the key are offered.'
                      ))
                    }
                  >
                    {signatures.map((s) => (
                      <MenuItem key={s} value={s}>
                        {s}
                      </MenuItem>
                    ))}
                  </TextField>
                </Stack>
              </Section>

              <Section title="Keystore">
                <Stack spacing={1.5}>
                  <TextField
                    select
                    label="Keystore type"
                    value={keystoreType}
                    onChange={(e) => {
                      setKeystoreType(e.target.value as KeystoreType);
                      clearError('keystorePassword', 'keystorePasswordConfirm');
                    }}
                    disabled={working}
                  >
                    <MenuItem value="pkcs12">PKCS12 (.pfx / .p12)</MenuItem>
                    <MenuItem value="jks">JKS (Java KeyStore)</MenuItem>
                    <MenuItem value="pem">PEM files</MenuItem>
                  </TextField>
                  <Stack spacing={1.5}>
                    <PasswordField
                      label={passwordRequired ? 'Keystore password' : 'Password (optional)'}
                      visible={showPassword}
                      onVisibleChange={setShowPassword}
                      value={password}
                      required={passwordRequired}
                      onChange={(e) => {
                        setPassword(e.target.value);
                        clearError('keystorePassword', 'keystorePasswordConfirm');
                      }}
                      onBlur={() => {
                        const problem = password ? checkPassword().keystorePassword : undefined;
                        if (problem) setErrors((all) => ({ ...all, keystorePassword: problem }));
                      }}
                      disabled={working}
                      error={Boolean(errors.keystorePassword)}
                      slotProps={{ htmlInput: { autoComplete: 'new-password', 'aria-describedby': `${titleId}-pw` } }}
                    />
                    <PasswordField
                      label="Confirm password"
                      visible={showPassword}
                      onVisibleChange={setShowPassword}
                      toggle={false}
                      value={confirm}
                      required={passwordRequired}
                      onChange={(e) => {
                        setConfirm(e.target.value);
                        clearError('keystorePasswordConfirm');
                      }}
                      onBlur={() => {
                        if (confirm && confirm !== password) setErrors((all) => ({ ...all, keystorePasswordConfirm: 'The two passwords differ: type the same password twice.' }));
                      }}
                      disabled={working}
                      error={Boolean(errors.keystorePasswordConfirm)}
                      slotProps={{ htmlInput: { autoComplete: 'new-password', 'aria-describedby': `${titleId}-pw` } }}
                    />
                  </Stack>
                  <FormHelperText id={`${titleId}-pw`} error={Boolean(errors.keystorePassword || errors.keystorePasswordConfirm)} sx={{ mx: 0, mt: '4px !important' }}>
                    {errors.keystorePassword || errors.keystorePasswordConfirm
                      ? [errors.keystorePassword, errors.keystorePasswordConfirm].filter(Boolean).join(' ')
                      : `At least ${MIN_PASSWORD} characters. Stored in your OS keychain, not in Certdesk’s files; exports use it by default.`}
                  </FormHelperText>
                </Stack>
              </Section>
            </Box>

            <Section title="Key on renewal">
              <FormControl disabled={working} error={Boolean(errors.keyPolicy)} sx={{ width: '100%' }}>
                <RadioGroup
                  row
                  aria-label="Key on renewal"
                  value={keyPolicy}
                  onChange={(e) => {
                    setKeyPolicy(e.target.value as KeyPolicy);
                    clearError('importKeyPem', 'importKeyHandle', 'keyPolicy', 'key');
                  }}
                  sx={{ columnGap: 3 }}
                >
                  <FormControlLabel value="new" control={<Radio size="small" />} label={<PolicyLabel title="New key" text="a fresh one at every renewal" />} />
                  <FormControlLabel value="same" control={<Radio size="small" />} label={<PolicyLabel title="Same key" text="kept (pinned keys, DANE)" />} />
                  <FormControlLabel value="import" control={<Radio size="small" />} label={<PolicyLabel title="Import key" text="your own, now and at renewals" />} />
                </RadioGroup>
                {errors.keyPolicy ? <FormHelperText sx={{ mx: 0 }}>{errors.keyPolicy}</FormHelperText> : null}
              </FormControl>
              {keyPolicy === 'import' ? (
                <Box sx={{ mt: 1, maxWidth: 640 }}>
                  <PemFileField
                    label="Private key (PEM file)"
                    value={importKey}
                    onChange={(v) => {
                      setImportKey(v);
                      clearError('importKeyPem', 'importKeyHandle', 'key');
                    }}
                    mustContain={/-----BEGIN [A-Z ]*PRIVATE KEY-----/}
                    wrongKindMessage="holds no private key: choose a PEM file with BEGIN PRIVATE KEY."
                    helperText={
                      importedSpec
                        ? `${KEY_LABELS[importedSpec]} key: the key algorithm and length above are taken from it.`
                        : 'Sealed by Certdesk at rest; the key type is taken from the file.'
                    }
                    error={errors.importKeyPem ?? errors.importKeyFile ?? errors.importKeyHandle ?? (importKey && imported && 'problem' in imported ? `${importKey.fileName} ${imported.problem}` : undefined)}
                    disabled={working}
                    secret
                    pickInMain="certificate-key"
                  />
                </Box>
              ) : null}
            </Section>

            {errors.accountId ? <Alert severity="error">{errors.accountId}</Alert> : null}
            {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} /> : null}
            <OperationProgress op={op} idleText="Contacting the CA…" />
          </Stack>
        </DialogContent>
        <DialogActions sx={{ px: 3, py: 1.5 }}>
          <Typography variant="caption" color="text.secondary" sx={{ flex: 1 }}>
            Create places the order at the CA; nothing is issued until you have answered the challenges.
          </Typography>
          <Button onClick={guard.requestClose} disabled={working}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={working || !account}>
            {working ? 'Creating…' : 'Create'}
          </Button>
        </DialogActions>
        </DialogFormBody>
      </Dialog>
      {guard.prompt}
      {/* A sibling, not a child: a submit inside it must not bubble (through React) into the request form. */}
      {lookalikes ? (
        <ConfirmDialog
          title="Names that look like other names"
          working={working}
          onClose={() => setLookalikes(null)}
          onConfirm={() => {
            const confirmed = lookalikes.names;
            setLookalikes(null);
            void create(confirmed, true);
          }}
          confirmLabel="Order these names"
          cancelLabel="Check the names"
          danger
          error={null}
        >
          <Typography variant="body2" sx={{ mb: 1 }}>
            These names mix letters of different scripts, or use letters that look like Latin ones. Such a name can pass for a
            different one, which is how look-alike (phishing) sites work. Order them only if they are exactly the names you mean.
          </Typography>
          <Stack component="ul" spacing={0.5} sx={{ pl: 2.5, my: 0 }} data-testid="lookalike-list">
            {lookalikes.warnings.map((w) => (
              <Typography component="li" variant="body2" key={w.name} data-label={w.label} data-scripts={w.scripts.join(',')}>
                <strong>{w.name}</strong>: {w.message.replace(/^Domain name "[^"]*": /, '')}
              </Typography>
            ))}
          </Stack>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function PolicyLabel({ title, text }: { title: string; text: string }) {
  return (
    <Typography variant="body2" component="span" sx={{ display: 'block', py: 0.25 }}>
      <strong>{title}</strong>
      <Typography component="span" variant="body2" color="text.secondary">
        {' '}
        — {text}
      </Typography>
    </Typography>
  );
}
