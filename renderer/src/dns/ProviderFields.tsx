// A form generated from a provider's descriptor (DESIGN.md §3): one input per field, with its label, its help
// under it (or its error in place of the help), a required mark, a select for a closed set of options, a
// password input for secrets, and the advanced fields folded away. A secret already in the keychain shows
// "Stored" and an empty input that replaces it when typed into; it is never shown.
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import KeyIcon from '@mui/icons-material/Key';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Collapse from '@mui/material/Collapse';
import { PasswordField } from '../components/PasswordField.tsx';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import type { DnsField } from '../../../shared/model/dns.ts';

export interface FieldValues {
  /** Non-secret values by field id. */
  fields: Record<string, string>;
  /** Secrets typed in this form by field id (empty: keep what is stored). */
  secrets: Record<string, string>;
}

export const EMPTY_VALUES: FieldValues = { fields: {}, secrets: {} };

/** Starting values: what is stored, else each field's default. */
export function initialValues(defs: readonly DnsField[], stored: Record<string, string> = {}): FieldValues {
  const fields: Record<string, string> = {};
  for (const f of defs) if (!f.secret) fields[f.id] = stored[f.id] ?? f.default ?? '';
  return { fields, secrets: {} };
}

/**
 * What to send: non-secret values trimmed, and only the secrets that were typed. Empty values are left out,
 * or, with `keepEmpty` (an edit), sent empty: the service then clears the stored value.
 */
export function valuesToSend(defs: readonly DnsField[], values: FieldValues, keepEmpty = false): FieldValues {
  const fields: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const f of defs) {
    if (f.secret) {
      const v = values.secrets[f.id] ?? '';
      if (v !== '') secrets[f.id] = v;
    } else {
      const v = (values.fields[f.id] ?? '').trim();
      if (v !== '' || keepEmpty) fields[f.id] = v;
    }
  }
  return { fields, secrets };
}

/** The same checks the service makes on required and number fields, so the form says it before sending. */
export function checkValues(defs: readonly DnsField[], values: FieldValues, stored: Record<string, boolean> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of defs) {
    const v = f.secret ? (values.secrets[f.id] ?? '') : (values.fields[f.id] ?? '').trim();
    if (v === '') {
      if (f.required && !(f.secret && stored[f.id])) out[f.id] = `${f.label} is required.`;
      continue;
    }
    if (f.kind === 'number' && !/^\d+$/.test(v)) out[f.id] = `${f.label} must be a whole number.`;
    if (f.kind === 'host' && /[\s/]/.test(v)) out[f.id] = `${f.label} must be a host name or IP address, without a scheme or path.`;
  }
  return out;
}

/** The errors left once the user changed some values: a changed field's error goes. */
export function errorsAfterChange(errors: Record<string, string>, before: FieldValues, after: FieldValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, message] of Object.entries(errors)) {
    if (before.fields[id] === after.fields[id] && before.secrets[id] === after.secrets[id]) out[id] = message;
  }
  return out;
}

/**
 * The error of each field from a service error's field names: `fields.server`, `secrets.keySecret` and
 * plain `server` all land under the field `server`.
 */
export function errorsByFieldId(byRequestField: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, message] of Object.entries(byRequestField)) {
    const id = key.replace(/^(fields|secrets)\./, '');
    out[id] ??= message;
  }
  return out;
}

interface ProviderFieldsProps {
  defs: readonly DnsField[];
  values: FieldValues;
  onChange: (values: FieldValues) => void;
  /** Which secrets are in the keychain already (edit). */
  stored?: Record<string, boolean>;
  errors: Record<string, string>;
  disabled: boolean;
  /** Prefix of the inputs' ids, so two forms on one page do not clash. */
  idPrefix: string;
}

function FieldInput({ def, values, onChange, stored, error, disabled, idPrefix }: Omit<ProviderFieldsProps, 'defs' | 'errors' | 'stored'> & { def: DnsField; stored: boolean; error: string | undefined }) {
  const id = `${idPrefix}-${def.id}`;
  const helper = error ?? def.help;
  if (def.secret) {
    const typed = values.secrets[def.id] ?? '';
    return (
      <PasswordField
        id={id}
        label={def.label}
        value={typed}
        onChange={(e) => onChange({ ...values, secrets: { ...values.secrets, [def.id]: e.target.value } })}
        required={def.required && !stored}
        disabled={disabled}
        error={Boolean(error)}
        helperText={stored && !error ? 'Stored in your OS keychain. Type a new value to replace it; leave it empty to keep it.' : helper}
        placeholder={stored ? '•••••••• (stored)' : undefined}
        autoComplete="new-password"
        slotProps={{
          htmlInput: { 'data-field': def.id, spellCheck: false },
          inputLabel: stored ? { shrink: true } : {},
        }}
        endExtra={
          stored ? <Chip size="small" icon={<KeyIcon />} label={typed ? 'Will be replaced' : 'Stored'} color={typed ? 'warning' : 'success'} variant="outlined" data-testid={`stored-${def.id}`} /> : undefined
        }
        endExtraWidth={typed ? 134 : 80}
      />
    );
  }
  const value = values.fields[def.id] ?? '';
  const set = (v: string) => onChange({ ...values, fields: { ...values.fields, [def.id]: v } });
  if (def.options && def.options.length > 0) {
    return (
      <TextField
        id={id}
        select
        label={def.label}
        value={value}
        onChange={(e) => set(e.target.value)}
        required={def.required}
        disabled={disabled}
        error={Boolean(error)}
        helperText={helper}
        slotProps={{ select: { displayEmpty: !def.required }, inputLabel: { shrink: true }, htmlInput: { 'data-field': def.id } }}
      >
        {def.required ? null : <MenuItem value="">—</MenuItem>}
        {def.options.map((o) => (
          <MenuItem key={o.value} value={o.value}>
            {o.label}
          </MenuItem>
        ))}
      </TextField>
    );
  }
  return (
    <TextField
      id={id}
      label={def.label}
      value={value}
      onChange={(e) => set(e.target.value)}
      required={def.required}
      disabled={disabled}
      error={Boolean(error)}
      helperText={helper}
      placeholder={def.default}
      slotProps={{
        htmlInput: { 'data-field': def.id, spellCheck: false, autoComplete: 'off', inputMode: def.kind === 'number' ? 'numeric' : undefined },
      }}
    />
  );
}

export function ProviderFields({ defs, values, onChange, stored = {}, errors, disabled, idPrefix }: ProviderFieldsProps) {
  const main = defs.filter((f) => !f.advanced);
  const advanced = defs.filter((f) => f.advanced);
  // Folded unless one of them has a value or an error.
  const [open, setOpen] = useState(() => advanced.some((f) => (values.fields[f.id] ?? '') !== '' && values.fields[f.id] !== f.default));
  const advancedError = advanced.some((f) => errors[f.id]);
  const render = (f: DnsField) => (
    <FieldInput key={f.id} def={f} values={values} onChange={onChange} stored={Boolean(stored[f.id])} error={errors[f.id]} disabled={disabled} idPrefix={idPrefix} />
  );
  return (
    <Stack spacing={2}>
      {main.map(render)}
      {advanced.length > 0 ? (
        <Box>
          <Button
            size="small"
            color={advancedError ? 'error' : 'inherit'}
            onClick={() => setOpen((o) => !o)}
            startIcon={open || advancedError ? <ExpandLessIcon /> : <ExpandMoreIcon />}
            aria-expanded={open || advancedError}
          >
            Advanced ({advanced.map((f) => f.label).join(', ')})
          </Button>
          <Collapse in={open || advancedError} unmountOnExit>
            <Stack spacing={2} sx={{ pt: 1.5 }}>
              {advanced.map(render)}
            </Stack>
          </Collapse>
        </Box>
      ) : null}
    </Stack>
  );
}
