// E-mail certificate (seed "E-mail"): mails an Available or saved certificate as an attachment in the chosen
// keystore format (certs:email), through the SMTP server in Settings → E-mail. The keystore password is never
// in the mail. When e-mail is not set up, the dialog says so and leads to Settings.
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { useEffect, useId, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { EmailSettings } from '../../../shared/model/renewal.ts';
import type { ExportFormat, KeystoreType } from '../../../shared/model/request.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { OperationProgress } from '../components/OperationProgress.tsx';
import { RecipientsField } from '../settings/RecipientsField.tsx';
import { useOperation } from '../state/operation.ts';

const FORMATS: Array<{ value: ExportFormat; label: string; help: string }> = [
  { value: 'pfx', label: 'PFX', help: 'PKCS#12 with the private key (AES-256): Windows, IIS, OpenSSL 3, Java 11+.' },
  { value: 'pfx-legacy', label: 'PFX — legacy', help: 'PKCS#12 with 3DES for Windows Server 2016 and older.' },
  { value: 'jks', label: 'JKS', help: 'Java KeyStore with the private key, for Tomcat and older Java servers.' },
  { value: 'pem', label: 'PEM', help: 'cert.pem, chain.pem, fullchain.pem and privkey.pem, the key encrypted (nginx, Apache, HAProxy).' },
];

export interface EmailTarget {
  /** A saved certificate's id, or a request's (its issued certificate). */
  id: string;
  commonName: string;
  keystoreType?: KeystoreType | undefined;
}

function defaultFormat(t: KeystoreType | undefined): ExportFormat {
  return t === 'jks' ? 'jks' : t === 'pem' ? 'pem' : 'pfx';
}

export function EmailCertificateDialog({ target, onClose, onOpenSettings }: { target: EmailTarget; onClose: () => void; onOpenSettings?: (() => void) | undefined }) {
  const formatId = useId();
  const [email, setEmail] = useState<EmailSettings | null>(null);
  const [loadError, setLoadError] = useState<ErrorInfo | null>(null);
  const [to, setTo] = useState<string[]>([]);
  const [format, setFormat] = useState<ExportFormat>(defaultFormat(target.keystoreType));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [sent, setSent] = useState<{ to: string[]; attachment: string } | null>(null);
  const op = useOperation();

  useEffect(() => {
    call('settings:get', {})
      .then((s) => {
        setEmail(s.email);
        setTo(s.email.to);
      })
      .catch((err) => setLoadError(errorInfo(err)));
  }, []);

  const ready = email !== null && email.enabled && email.host !== '';

  const send = async () => {
    setAlert(null);
    setErrors({});
    setSent(null);
    if (to.length === 0) {
      setErrors({ to: 'Give at least one recipient.' });
      return;
    }
    try {
      const r = await op.run((opId) => call('certs:email', { id: target.id, to, format, opId }));
      setSent(r);
    } catch (err) {
      const byField = fieldErrors(err);
      const toError = Object.entries(byField).find(([k]) => k === 'to' || k.startsWith('to.'));
      if (toError) setErrors({ to: toError[1] });
      if (!toError || Object.keys(byField).length > 1) setAlert(errorInfo(err));
    }
  };

  return (
    <FormDialog
      title={`E-mail ${target.commonName}`}
      working={op.running}
      onClose={onClose}
      onSubmit={() => void (ready && !sent ? send() : undefined)}
      aria-label="E-mail certificate"
      contentSx={{ pt: 1 }}
      actions={
        sent ? (
          <Button variant="contained" onClick={onClose}>
            Done
          </Button>
        ) : (
          <>
            <FormCancel disabled={op.running}>
              Cancel
            </FormCancel>
            <Button type="submit" variant="contained" disabled={!ready || op.running}>
              {op.running ? 'Sending…' : 'Send'}
            </Button>
          </>
        )
      }
    >
      {loadError ? <ErrorAlert error={loadError} /> : null}
      {email === null && !loadError ? <Skeleton variant="rounded" height={120} /> : null}
      {email !== null && !ready ? (
        <Alert
          severity="info"
          variant="outlined"
          data-testid="email-not-set-up"
          action={
            <Button
              color="inherit"
              size="small"
              onClick={() => {
                onClose();
                // The frame follows the URL hash: this leads to Settings from any window.
                if (onOpenSettings) onOpenSettings();
                else window.location.hash = '#/settings';
              }}
            >
              Open Settings
            </Button>
          }
        >
          E-mail is not set up yet: give your mail server, a sender and recipients in Settings → E-mail, turn it on and save.
        </Alert>
      ) : null}
      {ready ? (
        <>
          <RecipientsField
            label="To"
            value={to}
            onChange={(v) => {
              setTo(v);
              setErrors({});
            }}
            error={errors.to}
            helperText="From Settings → E-mail; add or remove addresses for this mail. Press Enter after each."
            disabled={op.running || sent !== null}
            field="to"
          />
          <FormControl disabled={op.running || sent !== null}>
            <FormLabel id={formatId} sx={{ fontSize: 14, mb: 0.5 }}>
              Attachment format
            </FormLabel>
            <RadioGroup aria-labelledby={formatId} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
              {FORMATS.map((f) => (
                <FormControlLabel
                  key={f.value}
                  value={f.value}
                  control={<Radio size="small" />}
                  label={
                    <Typography variant="body2">
                      <strong>{f.label}</strong> — {f.help}
                    </Typography>
                  }
                />
              ))}
            </RadioGroup>
          </FormControl>
          <Alert severity="info" variant="outlined" sx={{ py: 0.25 }}>
            The private key is protected by the request’s keystore password, which is not in the mail: give it to the recipients another
            way (phone, a password manager).
          </Alert>
        </>
      ) : null}
      <OperationProgress op={op} idleText="Connecting to the mail server…" cancellable={false} />
      {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} title="Not sent" /> : null}
      {sent ? (
        <Alert severity="success" variant="outlined" data-testid="email-sent">
          Sent to {sent.to.join(', ')} with {sent.attachment} attached.
        </Alert>
      ) : null}
    </FormDialog>
  );
}
