// Export: the certificate with its key in the format a server wants. The engine asks where to write (a
// native save dialog in the desktop app); the dialog then shows the files written, or that nothing was.
import FolderOpenOutlinedIcon from '@mui/icons-material/FolderOpenOutlined';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { ExportFormat, KeystoreType } from '../../../shared/model/request.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { useNotice } from '../components/Notice.tsx';
import { PasswordField } from '../components/PasswordField.tsx';
import { MONO_FONTS } from '../theme.ts';

const FORMATS: Array<{ value: ExportFormat; label: string; help: string }> = [
  { value: 'pfx', label: 'PFX — modern (AES-256)', help: 'PKCS#12 for Windows 10 / Server 2019 and newer, IIS, OpenSSL 3, Java 11+.' },
  { value: 'pfx-legacy', label: 'PFX — legacy (3DES)', help: 'PKCS#12 for Windows Server 2016 and older, older macOS and Java.' },
  { value: 'jks', label: 'JKS', help: 'Java KeyStore for Tomcat and older Java servers.' },
  { value: 'pem', label: 'PEM bundle', help: 'A folder with cert.pem, chain.pem, fullchain.pem and privkey.pem (nginx, Apache, HAProxy).' },
];

const MIN_PASSWORD = 8;

function defaultFormat(keystoreType: KeystoreType | undefined): ExportFormat {
  if (keystoreType === 'jks') return 'jks';
  if (keystoreType === 'pem') return 'pem';
  return 'pfx';
}

export interface ExportTarget {
  /** A saved certificate's id, or a request's (its issued certificate). */
  id: string;
  commonName: string;
  /** The request's keystore password is in the keychain: an empty password field uses it. */
  passwordStored: boolean;
  keystoreType?: KeystoreType | undefined;
}

/** Opens the file manager on an exported file (the main process checks Certdesk wrote it). */
export function ShowInFolderButton({ path }: { path: string | undefined }) {
  const notify = useNotice();
  if (!path) return null;
  const reveal = async () => {
    try {
      const { shown } = await call('files:reveal', { path });
      if (!shown) notify(`No file manager can be opened here: the file is at ${path}`, 'info');
    } catch (err) {
      notify(errorInfo(err).message, 'error');
    }
  };
  return (
    <Button size="small" variant="outlined" color="inherit" startIcon={<FolderOpenOutlinedIcon />} onClick={() => void reveal()} sx={{ mt: 1 }}>
      Show in folder
    </Button>
  );
}

export function ExportDialog({ target, onClose }: { target: ExportTarget; onClose: () => void }) {
  const formatId = useId();
  const [format, setFormat] = useState<ExportFormat>(defaultFormat(target.keystoreType));
  const [password, setPassword] = useState('');
  const [alias, setAlias] = useState('');
  const [encryptKey, setEncryptKey] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [working, setWorking] = useState(false);
  const [result, setResult] = useState<{ paths: string[] | null } | null>(null);

  const needsPassword = format !== 'pem' || encryptKey;
  const hasAlias = format !== 'pem';

  const submit = async () => {
    setAlert(null);
    setResult(null);
    const found: Record<string, string> = {};
    if (needsPassword) {
      if (password === '' && !target.passwordStored) found.password = `Enter a password of at least ${MIN_PASSWORD} characters: the request has none stored.`;
      else if (password !== '' && [...password].length < MIN_PASSWORD) found.password = `Keystore password is too short: use at least ${MIN_PASSWORD} characters.`;
    }
    if (Object.keys(found).length) {
      setErrors(found);
      return;
    }
    setErrors({});
    setWorking(true);
    try {
      const res = await call('certs:export', {
        id: target.id,
        format,
        ...(needsPassword && password ? { password } : {}),
        ...(hasAlias && alias.trim() ? { alias: alias.trim() } : {}),
        ...(format === 'pem' ? { encryptKey } : {}),
      });
      setResult(res);
    } catch (err) {
      const byField = fieldErrors(err);
      setErrors(byField);
      const fields = Object.keys(byField);
      if (fields.length === 0 || !fields.every((f) => f === 'password' || f === 'alias')) setAlert(errorInfo(err));
    } finally {
      setWorking(false);
    }
  };

  return (
    <FormDialog
      title={
        <>
          Export {target.commonName}
          <Typography variant="body2" color="text.secondary" component="span" sx={{ display: 'block' }}>
            The certificate, its chain and its private key, for your server.
          </Typography>
        </>
      }
      titleSx={{ pb: 0.5 }}
      contentSx={{ pt: 1 }}
      aria-label="Export"
      working={working}
      onClose={onClose}
      // Once exported, the password typed for it is nothing to lose.
      {...(result?.paths ? { dirty: false } : {})}
      discardWhat="the export"
      onSubmit={() => void submit()}
      actions={
        <>
          <FormCancel disabled={working}>{result?.paths ? 'Done' : 'Cancel'}</FormCancel>
          <Button type="submit" variant="contained" disabled={working}>
            {working ? 'Exporting…' : result?.paths ? 'Export again' : 'Export…'}
          </Button>
        </>
      }
    >
      <FormControl disabled={working}>
        <FormLabel id={formatId} sx={{ fontSize: 13, fontWeight: 600, mb: 0.5 }}>
          Format
        </FormLabel>
        <RadioGroup aria-labelledby={formatId} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          {FORMATS.map((f) => (
            <FormControlLabel
              key={f.value}
              value={f.value}
              control={<Radio size="small" />}
              sx={{ alignItems: 'flex-start', '& .MuiRadio-root': { pt: 0.5 } }}
              label={
                <Box sx={{ py: 0.5 }}>
                  <Typography variant="body2" sx={{ fontWeight: 600 }}>
                    {f.label}
                  </Typography>
                  <Typography variant="caption" color="text.secondary">
                    {f.help}
                  </Typography>
                </Box>
              }
            />
          ))}
        </RadioGroup>
      </FormControl>
      {format === 'pem' ? (
        <FormControlLabel
          control={<Checkbox checked={encryptKey} onChange={(e) => setEncryptKey(e.target.checked)} disabled={working} />}
          label={
            <Typography variant="body2">
              Encrypt the private key (PKCS#8, AES-256) with a password — servers then ask for it at start
            </Typography>
          }
        />
      ) : null}
      {needsPassword || hasAlias ? (
        <Box sx={{ display: 'grid', gridTemplateColumns: hasAlias ? '1fr 1fr' : '1fr', gap: 1.5 }}>
          {needsPassword ? (
            <PasswordField
              label="Password"
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                setErrors(({ password: _p, ...rest }) => rest);
              }}
              disabled={working}
              placeholder={target.passwordStored ? 'The request’s keystore password' : undefined}
              error={Boolean(errors.password)}
              helperText={
                errors.password ??
                (target.passwordStored
                  ? 'Leave empty to use the request’s keystore password (from the OS keychain).'
                  : `At least ${MIN_PASSWORD} characters; the server will need it.`)
              }
              slotProps={{
                htmlInput: { autoComplete: 'new-password' },
                inputLabel: { shrink: true },
              }}
            />
          ) : null}
          {hasAlias ? (
            <TextField
              label="Alias"
              value={alias}
              onChange={(e) => {
                setAlias(e.target.value);
                setErrors(({ alias: _a, ...rest }) => rest);
              }}
              disabled={working}
              placeholder={target.commonName}
              error={Boolean(errors.alias)}
              helperText={errors.alias ?? (format === 'jks' ? 'Entry name in the keystore (keytool -alias); lower-cased by Java.' : 'Friendly name shown by Windows.')}
              slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' }, inputLabel: { shrink: true } }}
            />
          ) : null}
        </Box>
      ) : null}
      {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} /> : null}
      {result ? (
        result.paths ? (
          <Alert severity="success" data-testid="export-result" sx={{ '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}>
            <Typography variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>
              Written {result.paths.length === 1 ? '1 file' : `${result.paths.length} files`}:
            </Typography>
            {result.paths.map((p) => (
              <Box key={p} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
                <Typography variant="body2" sx={{ fontFamily: MONO_FONTS, fontSize: 12.5, overflowWrap: 'anywhere', flex: 1 }} data-testid="export-path">
                  {p}
                </Typography>
                <CopyButton text={p} label="Copy the path" />
              </Box>
            ))}
            <ShowInFolderButton path={result.paths[0]} />
          </Alert>
        ) : (
          <Alert severity="info" data-testid="export-result">
            Export cancelled: no file was written.
          </Alert>
        )
      ) : null}
    </FormDialog>
  );
}
