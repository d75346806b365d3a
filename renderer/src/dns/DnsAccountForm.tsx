// Manage → DNS → Add (choose a provider, then its generated form) and Edit (same form, secrets "stored").
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useRef, useState, type FormEvent } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DnsAccount, DnsProviderInfo } from '../../../shared/model/dns.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { FormField, FormFooter, FormHeader, FormSection } from '../manage/FormParts.tsx';
import { focusFirstInvalid } from '../manage/formErrors.ts';
import { useDns } from '../state/dns.tsx';
import { useOperation } from '../state/operation.ts';
import { checkValues, errorsAfterChange, errorsByFieldId, initialValues, ProviderFields, valuesToSend, type FieldValues } from './ProviderFields.tsx';

/** Step 1 of Add: one card per provider. */
export function ProviderChooser({ onBack, onChoose }: { onBack: () => void; onChoose: (p: DnsProviderInfo) => void }) {
  const { providers } = useDns();
  return (
    <Box>
      <FormHeader title="Add a DNS account" text="Choose where your domains' DNS is hosted. Certdesk adds and removes the _acme-challenge TXT records there by itself." onBack={onBack} backLabel="DNS accounts" />
      <Box role="list" aria-label="DNS providers" sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: 1.5 }}>
        {providers.map((p) => (
          <Paper key={p.id} variant="outlined" role="listitem" sx={{ display: 'flex', '&:hover': { borderColor: 'primary.main' } }}>
            <ButtonBase onClick={() => onChoose(p)} sx={{ p: 2, flex: 1, display: 'block', textAlign: 'left', borderRadius: 1 }} aria-label={p.displayName} data-testid="provider-choice">
              <Typography variant="subtitle2">{p.displayName}</Typography>
              <Typography variant="caption" color="text.secondary" component="div">
                {p.fields.filter((f) => f.required).map((f) => f.label).join(' · ') || 'No settings needed'}
              </Typography>
            </ButtonBase>
          </Paper>
        ))}
      </Box>
    </Box>
  );
}

interface DnsAccountFormProps {
  provider: DnsProviderInfo;
  /** Edit this account; absent: add a new one. */
  account?: DnsAccount;
  onBack: () => void;
  onDone: (account: DnsAccount) => void;
}

export function DnsAccountForm({ provider, account, onBack, onDone }: DnsAccountFormProps) {
  const rootRef = useRef<HTMLFormElement>(null);
  const { upsert } = useDns();
  const [name, setName] = useState(account?.name ?? '');
  const [values, setValues] = useState<FieldValues>(() => initialValues(provider.fields, account?.fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const op = useOperation();
  const stored = account?.secrets ?? {};

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (op.running) return;
    setAlert(null);
    const found = checkValues(provider.fields, values, stored);
    if (!name.trim()) found.name = 'Name is required: give the DNS account a name you will recognise.';
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid(rootRef.current);
      return;
    }
    const send = valuesToSend(provider.fields, values, Boolean(account));
    try {
      const saved = await op.run(() =>
        account
          ? call('dns:edit', { id: account.id, name: name.trim(), fields: send.fields, ...(Object.keys(send.secrets).length ? { secrets: send.secrets } : {}) })
          : call('dns:add', { name: name.trim(), provider: provider.id, fields: send.fields, secrets: send.secrets }),
      );
      upsert(saved);
      onDone(saved);
    } catch (err) {
      const byField = errorsByFieldId(fieldErrors(err));
      setErrors(byField);
      const known = new Set(['name', ...provider.fields.map((f) => f.id)]);
      const keys = Object.keys(byField);
      if (keys.length === 0 || !keys.every((k) => known.has(k))) setAlert(errorInfo(err));
      focusFirstInvalid(rootRef.current);
    }
  };

  return (
    <Box component="form" ref={rootRef} noValidate onSubmit={(e: FormEvent) => void submit(e)} aria-label={account ? `Edit ${account.name}` : `New ${provider.displayName} DNS account`}>
      <FormHeader
        title={account ? `Edit “${account.name}”` : `New ${provider.displayName} DNS account`}
        text={account ? 'Secrets stay as stored unless you type a new value.' : 'Secret fields go to your OS keychain only; this window never sees them again.'}
        onBack={onBack}
        backLabel="DNS accounts"
        disabled={op.running}
      />
      <Stack spacing={2}>
        {provider.note ? <Alert severity="info">{provider.note}</Alert> : null}
        <FormSection title="Name">
          <FormField
            label="Name"
            htmlInput={{ maxLength: 64, autoComplete: 'off', 'data-field': 'name' }}
            value={name}
            onChange={(v) => {
              setName(v);
              setErrors(({ name: _n, ...rest }) => rest);
            }}
            error={errors.name}
            hint="How Certdesk lists this DNS account (e.g. “Office BIND”)."
            disabled={op.running}
            required
            autoFocus={!account}
          />
        </FormSection>
        <FormSection title={`${provider.displayName} settings`}>
          <Stack spacing={2}>
            <ProviderFields defs={provider.fields} values={values} onChange={(v) => {
              setErrors((e) => errorsAfterChange(e, values, v));
              setValues(v);
            }} stored={stored} errors={errors} disabled={op.running} idPrefix="dns-account" />
            <Typography variant="caption" color="text.secondary">
              <Link href={provider.docsUrl} target="_blank" rel="noreferrer">
                How to get these values <OpenInNewIcon sx={{ fontSize: 12, verticalAlign: 'middle' }} />
              </Link>
            </Typography>
          </Stack>
        </FormSection>
        <FormFooter
          op={op}
          idleText="Saving…"
          alert={alert}
          onCloseAlert={() => setAlert(null)}
          onBack={onBack}
          submitLabel={account ? 'Save changes' : 'Add DNS account'}
          workingLabel="Saving…"
        />
      </Stack>
    </Box>
  );
}
