// New Registration: creates an account at the CA (newAccount) and keeps its key in Certdesk.
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useRef, useState, type FormEvent } from 'react';
import { contract } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Account } from '../../../shared/model/account.ts';
import { call, errorInfo, fieldErrors, onlyFieldErrors } from '../api.ts';
import { useDirty } from '../components/DiscardGuard.tsx';
import { PasswordField } from '../components/PasswordField.tsx';
import { useOperation } from '../state/operation.ts';
import { DirectoryChooser } from './DirectoryChooser.tsx';
import { caPemRequest, directoryErrors, directoryRequest, EMPTY_DIRECTORY, useDirectoryInfo, type DirectoryValue } from './directory.ts';
import { focusFirstInvalid, schemaErrors, type FieldErrors } from './formErrors.ts';
import { AccountNameField, EmailField, FormField, FormFooter, FormHeader, FormSection } from './FormParts.tsx';

/** Fields this form shows; any other error goes into the alert. */
const SHOWN = ['name', 'email', 'directory', 'caPem', 'caFile', 'agreeTos', 'eab', 'eab.kid', 'eab.hmacKey'];

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
        <FormField
          label="EAB key ID"
          value={kid}
          onChange={setKid}
          required={required}
          disabled={disabled}
          error={errors['eab.kid']}
          hint=" "
          htmlInput={{ spellCheck: false, autoComplete: 'off' }}
        />
        <PasswordField
          label="EAB HMAC key"
          value={hmac}
          onChange={(e) => setHmac(e.target.value)}
          required={required}
          disabled={disabled}
          error={Boolean(errors['eab.hmacKey'])}
          helperText={errors['eab.hmacKey'] ?? 'Kept secret: used once to sign the registration.'}
          slotProps={{ htmlInput: { autoComplete: 'off' } }}
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

  // Closing Manage with this form half-filled asks first.
  useDirty(name !== '' || email !== '' || eabKid !== '' || eabHmac !== '' || dir.customUrl !== '' || dir.ca !== null);

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

    const found: FieldErrors = { ...schemaErrors(contract['accounts:register'].req, request), ...directoryErrors(dir, info) };
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
      if (!onlyFieldErrors(err, SHOWN)) setAlert(errorInfo(err));
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
            <AccountNameField
              value={name}
              onChange={(value) => {
                setName(value);
                clearError('name');
              }}
              error={errors.name}
              hint='How Certdesk lists it, e.g. "Production – ops team".'
              disabled={working}
              required
              autoFocus
            />
            <EmailField
              value={email}
              onChange={(value) => {
                setEmail(value);
                clearError('email');
              }}
              error={errors.email}
              hint="Given to the CA as the account contact."
              disabled={working}
              required
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

        <FormFooter
          op={op}
          idleText="Contacting the CA…"
          alert={alert}
          onCloseAlert={() => setAlert(null)}
          onBack={onBack}
          submitLabel="Register"
          workingLabel="Registering…"
        />
      </Stack>
    </Box>
  );
}
