// Add Account: brings in an account that already exists at the CA, by its key (onlyReturnExisting).
// The key is a secret: it is masked while pasted, never shown once loaded, and dropped after use.
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useRef, useState, type FormEvent } from 'react';
import { contract } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Account } from '../../../shared/model/account.ts';
import { call, errorInfo, fieldErrors, onlyFieldErrors } from '../api.ts';
import { useOperation } from '../state/operation.ts';
import { DirectoryChooser } from './DirectoryChooser.tsx';
import { caPemRequest, directoryErrors, directoryRequest, EMPTY_DIRECTORY, useDirectoryInfo, type DirectoryValue, type KeyFile, isPicked } from './directory.ts';
import { focusFirstInvalid, schemaErrors, type FieldErrors } from './formErrors.ts';
import { AccountNameField, FormFooter, FormHeader, FormSection } from './FormParts.tsx';
import { PemFileField } from './PemFileField.tsx';

const SHOWN = ['name', 'directory', 'caPem', 'caFile', 'keyPem', 'keyFile', 'keyHandle'];
const KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function ImportForm({ onDone, onBack }: { onDone: (account: Account) => void; onBack: () => void }) {
  const rootRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [dir, setDir] = useState<DirectoryValue>(EMPTY_DIRECTORY);
  const [keyFile, setKeyFile] = useState<KeyFile | null>(null);
  const [pasted, setPasted] = useState('');
  const [reveal, setReveal] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const info = useDirectoryInfo(dir);
  const op = useOperation();
  const working = op.running;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (working) return;
    setAlert(null);
    // A key picked in the desktop app stays in the main process: only its handle is sent.
    const keyHandle = isPicked(keyFile) ? keyFile.handle : undefined;
    const keyPem = keyHandle ? '' : keyFile && !isPicked(keyFile) ? keyFile.text : pasted.trim();
    const caPem = caPemRequest(dir);
    const request = {
      ...(name.trim() ? { name } : {}),
      directory: directoryRequest(dir) ?? '',
      ...(caPem ? { caPem } : {}),
      ...(keyPem ? { keyPem } : {}),
      ...(keyHandle ? { keyHandle } : {}),
    };
    const found = { ...schemaErrors(contract['accounts:import'].req, request), ...directoryErrors(dir, info) };
    if (keyHandle) {
      // Checked by the main process when it was picked.
    } else if (!keyPem) found.keyPem = 'Account key is required: choose the PEM file you exported, or paste its text.';
    else if (!KEY_PATTERN.test(keyPem)) found.keyPem = 'This is not a PEM private key: it should start with -----BEGIN … PRIVATE KEY-----.';
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirstInvalid(rootRef.current);
      return;
    }
    setErrors({});
    try {
      const account = await op.run((opId) => call('accounts:import', { ...request, opId }));
      setKeyFile(null);
      setPasted('');
      onDone(account);
    } catch (err) {
      setErrors(fieldErrors(err));
      if (!onlyFieldErrors(err, SHOWN)) setAlert(errorInfo(err));
      focusFirstInvalid(rootRef.current);
    }
  };

  const keyError = errors.keyPem ?? errors.keyFile ?? errors.keyHandle;

  return (
    <Box component="form" ref={rootRef} noValidate onSubmit={(e) => void submit(e)} aria-label="Add Account">
      <FormHeader
        title="Add Account"
        text="Brings in an account you already have at the CA (for example one exported from Certdesk before). Nothing new is registered."
        onBack={onBack}
        disabled={working}
      />
      <Stack spacing={2}>
        <FormSection title="Account">
          <AccountNameField value={name} onChange={setName} error={errors.name} hint="Optional: how Certdesk lists it." disabled={working} autoFocus />
        </FormSection>
        <FormSection title="Certificate authority">
          <DirectoryChooser
            value={dir}
            onChange={(value) => {
              setErrors(({ directory: _d, caPem: _c, caFile: _f, ...rest }) => rest);
              setDir(value);
            }} state={info} errors={errors} disabled={working} />
        </FormSection>
        <FormSection title="Account key">
          <Stack spacing={1.5}>
            <PemFileField
              label="Account key (PEM file)"
              value={keyFile}
              onChange={(f) => {
                setKeyFile(f);
                setErrors(({ keyPem: _k, keyFile: _f, keyHandle: _h, ...rest }) => rest);
              }}
              mustContain={KEY_PATTERN}
              wrongKindMessage="this file holds no PEM private key (-----BEGIN … PRIVATE KEY-----)."
              helperText="The key file you exported with Export key."
              error={keyFile ? keyError : undefined}
              disabled={working}
              secret
              pickInMain="account-key"
            />
            {keyFile ? null : (
              <>
                <Typography variant="body2" color="text.secondary">
                  …or paste the key:
                </Typography>
                <TextField
                  label="Account key (PEM)"
                  multiline
                  minRows={4}
                  maxRows={8}
                  value={pasted}
                  onChange={(e) => {
                    setPasted(e.target.value);
                    setErrors(({ keyPem: _k, ...rest }) => rest);
                  }}
                  disabled={working}
                  error={Boolean(keyError)}
                  helperText={keyError ?? 'Kept secret: hidden while you paste, sent once, never shown again.'}
                  placeholder="-----BEGIN PRIVATE KEY-----"
                  slotProps={{
                    htmlInput: {
                      spellCheck: false,
                      autoComplete: 'off',
                      autoCorrect: 'off',
                      autoCapitalize: 'off',
                      style: reveal ? { fontFamily: 'monospace' } : { fontFamily: 'monospace', WebkitTextSecurity: 'disc' },
                    },
                  }}
                />
                <FormControlLabel
                  control={<Switch size="small" checked={reveal} onChange={(e) => setReveal(e.target.checked)} />}
                  label="Show the pasted key"
                  sx={{ alignSelf: 'flex-start' }}
                />
              </>
            )}
          </Stack>
        </FormSection>
        <FormFooter
          op={op}
          idleText="Looking the account up at the CA…"
          alert={alert}
          onCloseAlert={() => setAlert(null)}
          onBack={onBack}
          submitLabel="Add Account"
          workingLabel="Adding…"
        />
      </Stack>
    </Box>
  );
}
