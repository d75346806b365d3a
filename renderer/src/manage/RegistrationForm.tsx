// New Registration: creates an account at the CA (newAccount) and keeps its key in Certdesk.
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { contract } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Account } from '../../../shared/model/account.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { useOperation } from '../state/operation.ts';
import { DirectoryChooser } from './DirectoryChooser.tsx';
import { caPemRequest, isCaField, directoryRequest, EMPTY_DIRECTORY, useDirectoryInfo, type DirectoryValue } from './directory.ts';
import { focusFirstInvalid, schemaErrors, type FieldErrors } from './formErrors.ts';

/** Fields this form shows; any other error goes into the alert. */
const SHOWN = ['name', 'email', 'directory', 'caPem', 'caFile', 'agreeTos', 'eab', 'eab.kid', 'eab.hmacKey'];

export function FormSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ p: 2 }}>
      <Typography variant="overline" color="text.secondary" component="h4" sx={{ display: 'block', lineHeight: 1.6, mb: 1.25 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

export function FormHeader({ title, text, onBack, disabled }: { title: string; text: string; onBack: () => void; disabled?: boolean }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1.5, mb: 2 }}>
      <Button size="small" startIcon={<ArrowBackIcon />} onClick={onBack} disabled={disabled} sx={{ mt: 0.25 }}>
        Accounts
      </Button>
      <Box>
        <Typography variant="h6" component="h3">
          {title}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {text}
        </Typography>
      </Box>
    </Box>
  );
}

function EabFields({ kid, hmac, setKid, setHmac, errors, disabled, required }: {
  kid: string; hmac: string; setKid: (v: string) => void; setHmac: (v: string) => void; errors: FieldErrors; disabled: boolean; required: boolean;
}) {
  return (
    <Stack spacing={1.5}>
      <Typography variant="body2" color="text.secondary">
        {required
          ? 'This CA only registers accounts bound to an account you hold with it: enter the key ID and HMAC key it gave you.'
          : 'Only needed when your CA gave you a key ID and an HMAC key to link this account to one you hold with it.'}
      </Typography>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1.5}>
        <TextField
          label="EAB key ID"
          value={kid}
          onChange={(e) => setKid(e.target.value)}
          required={required}
          disabled={disabled}
          error={Boolean(errors['eab.kid'])}
          helperText={errors['eab.kid'] ?? ' '}
          slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' } }}
        />
        <TextField
          label="EAB HMAC key"
          type="password"
          value={hmac}
          onChange={(e) => setHmac(e.target.value)}
          required={required}
          disabled={disabled}
          error={Boolean(errors['eab.hmacKey'])}
          helperText={errors['eab.hmacKey'] ?? 'Kept secret: used once to sign the registration.'}
          slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' } }}
        />
      </Stack>
    </Stack>
  );
}

export function RegistrationForm({ onDone, onBack }: { onDone: (account: Account) => void; onBack: () => void }) {
  const rootRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [dir, setDirState] = useState<DirectoryValue>(EMPTY_DIRECTORY);
  const [agree, setAgree] = useState(false);
  const [eabKid, setEabKid] = useState('');
  const [eabHmac, setEabHmac] = useState('');
  const [eabOpen, setEabOpen] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const info = useDirectoryInfo(dir);
  const op = useOperation();
  const working = op.running;

  const tosUrl = info.status === 'ok' ? info.info.termsOfServiceUrl : null;
  const eabRequired = info.status === 'ok' && info.info.externalAccountRequired;

  const setDir = (value: DirectoryValue) => {
    // The agreement is to one CA's terms: a different directory needs a new tick.
    if (value.choice !== dir.choice || value.customUrl !== dir.customUrl) setAgree(false);
    setErrors(({ directory: _d, caPem: _c, caFile: _f, agreeTos: _a, ...rest }) => rest);
    setDirState(value);
  };
  const clearError = (field: string) => setErrors(({ [field]: _gone, ...rest }) => rest);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (working) return;
    setAlert(null);
    const directory = directoryRequest(dir);
    const caPem = caPemRequest(dir);
    const useEab = eabRequired || eabKid.trim() !== '' || eabHmac.trim() !== '';
    const request = {
      name,
      email,
      directory: directory ?? '',
      ...(caPem ? { caPem } : {}),
      // A CA without terms has nothing to agree to.
      agreeTos: tosUrl ? agree : true,
      ...(useEab ? { eab: { kid: eabKid, hmacKey: eabHmac } } : {}),
    };

    const found: FieldErrors = schemaErrors(contract['accounts:register'].req, request);
    if (dir.choice === null) found.directory = 'Choose a directory: Production, Staging or a custom URL.';
    else if (info.status === 'invalid') found.directory = info.message;
    else if (info.status === 'error') {
      found[isCaField(info.error.field) ? 'caPem' : 'directory'] = info.error.message;
    }
    if (tosUrl && !agree) found.agreeTos = 'Accept the Terms of Service to register: the CA requires it.';
    if (info.status === 'loading') {
      setAlert({ code: 'INVALID_INPUT', message: 'Certdesk is still reading the directory.', hint: 'Wait a moment, then press Register again.' });
      return;
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      if (found['eab.kid'] || found['eab.hmacKey']) setEabOpen(true);
      focusFirstInvalid(rootRef.current);
      return;
    }
    setErrors({});
    try {
      const account = await op.run((opId) => call('accounts:register', { ...request, opId }));
      onDone(account);
    } catch (err) {
      const byField = fieldErrors(err);
      setErrors(byField);
      if (byField['eab.kid'] || byField['eab.hmacKey']) setEabOpen(true);
      const shownAll = Object.keys(byField).length > 0 && Object.keys(byField).every((f) => SHOWN.includes(f));
      if (!shownAll) setAlert(errorInfo(err));
      focusFirstInvalid(rootRef.current);
    }
  };

  return (
    <Box component="form" ref={rootRef} noValidate onSubmit={(e) => void submit(e)} aria-label="New Registration">
      <FormHeader
        title="New Registration"
        text="Creates a new account at the CA. Certdesk keeps its key in your data directory, encrypted."
        onBack={onBack}
        disabled={working}
      />
      <Stack spacing={2}>
        <FormSection title="Account">
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1.5}>
            <TextField
              label="Account name"
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                clearError('name');
              }}
              required
              disabled={working}
              error={Boolean(errors.name)}
              helperText={errors.name ?? 'How Certdesk lists it, e.g. "Production – ops team".'}
              slotProps={{ htmlInput: { maxLength: 64, autoComplete: 'off' } }}
              autoFocus
            />
            <TextField
              label="E-mail"
              type="email"
              value={email}
              onChange={(e) => {
                setEmail(e.target.value);
                clearError('email');
              }}
              required
              disabled={working}
              error={Boolean(errors.email)}
              helperText={errors.email ?? 'Given to the CA as the account contact.'}
              slotProps={{ htmlInput: { autoComplete: 'email', spellCheck: false } }}
            />
          </Stack>
        </FormSection>

        <FormSection title="Certificate authority">
          <DirectoryChooser value={dir} onChange={setDir} state={info} errors={errors} disabled={working} />
        </FormSection>

        {tosUrl ? (
          <FormSection title="Terms of Service">
            <Typography variant="body2" sx={{ mb: 0.5 }}>
              The CA asks you to accept its{' '}
              <Link href={tosUrl} target="_blank" rel="noopener noreferrer" data-testid="tos-link">
                Terms of Service
                <OpenInNewIcon sx={{ fontSize: 14, ml: 0.25, verticalAlign: '-2px' }} aria-hidden />
              </Link>{' '}
              before it registers an account.
            </Typography>
            <FormControl error={Boolean(errors.agreeTos)} required>
              <FormControlLabel
                control={
                  <Checkbox
                    checked={agree}
                    onChange={(e) => {
                      setAgree(e.target.checked);
                      clearError('agreeTos');
                    }}
                    disabled={working}
                    slotProps={{ input: { 'aria-invalid': errors.agreeTos ? true : undefined } as object }}
                  />
                }
                label="I agree to the Terms of Service"
              />
              {errors.agreeTos ? <FormHelperText sx={{ mx: 0 }}>{errors.agreeTos}</FormHelperText> : null}
            </FormControl>
          </FormSection>
        ) : null}

        {eabRequired ? (
          <FormSection title="External Account Binding (required)">
            <EabFields kid={eabKid} hmac={eabHmac} setKid={setEabKid} setHmac={setEabHmac} errors={errors} disabled={working} required />
          </FormSection>
        ) : (
          <Accordion
            disableGutters
            variant="outlined"
            expanded={eabOpen}
            onChange={(_e, open) => setEabOpen(open)}
            sx={{ borderRadius: 1, '&::before': { display: 'none' } }}
          >
            <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls="eab-content" id="eab-header">
              <Typography variant="body2" sx={{ fontWeight: 600 }}>
                External Account Binding (optional)
              </Typography>
            </AccordionSummary>
            <AccordionDetails id="eab-content">
              <EabFields kid={eabKid} hmac={eabHmac} setKid={setEabKid} setHmac={setEabHmac} errors={errors} disabled={working} required={false} />
            </AccordionDetails>
          </Accordion>
        )}

        {dir.choice === 'production' ? (
          <Alert severity="info" variant="outlined">
            Let&apos;s Encrypt allows 10 new accounts per IP address every 3 hours: one account is enough for all your
            certificates.
          </Alert>
        ) : null}

        {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} /> : null}
        <OperationProgress op={op} idleText="Contacting the CA…" />

        <Box sx={{ display: 'flex', gap: 1, justifyContent: 'flex-end' }}>
          <Button onClick={onBack} disabled={working}>
            Back
          </Button>
          <Button type="submit" variant="contained" disabled={working}>
            {working ? 'Registering…' : 'Register'}
          </Button>
        </Box>
      </Stack>
    </Box>
  );
}
