// Production / Staging / custom directory, with the extra trusted CA for a custom one, and what the
// directory said about itself once read.
import CheckCircleOutlineIcon from '@mui/icons-material/CheckCircleOutlined';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { DIRECTORY_PRESETS } from '../../../shared/model/account.ts';
import { PemFileField } from './PemFileField.tsx';
import { isCaField, type DirectoryChoice, type DirectoryInfoState, type DirectoryValue } from './directory.ts';

interface DirectoryChooserProps {
  value: DirectoryValue;
  onChange: (value: DirectoryValue) => void;
  state: DirectoryInfoState;
  /** Problems found on submit or sent back by the service, by request field. */
  errors: { directory?: string | undefined; caPem?: string | undefined; caFile?: string | undefined };
  disabled?: boolean;
}

function Option({ value, label, detail, disabled }: { value: DirectoryChoice; label: string; detail: string; disabled?: boolean | undefined }) {
  return (
    <FormControlLabel
      value={value}
      disabled={disabled}
      control={<Radio size="small" />}
      sx={{ alignItems: 'flex-start', mr: 3, '& .MuiRadio-root': { pt: 0.5 } }}
      label={
        <Box sx={{ pt: 0.5 }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            {label}
          </Typography>
          <Typography variant="caption" color="text.secondary">
            {detail}
          </Typography>
        </Box>
      }
    />
  );
}

function StatusLine({ state }: { state: DirectoryInfoState }) {
  if (state.status === 'loading') {
    return (
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', color: 'text.secondary' }} role="status">
        <CircularProgress size={14} />
        <Typography variant="body2">Reading the directory…</Typography>
      </Stack>
    );
  }
  if (state.status !== 'ok') return null;
  const { info } = state;
  const profiles = Object.keys(info.profiles);
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 0.5 }} role="status" data-testid="directory-status">
      <CheckCircleOutlineIcon fontSize="small" color="success" aria-hidden />
      <Typography variant="body2">Directory reachable</Typography>
      {info.externalAccountRequired ? <Chip size="small" color="warning" variant="outlined" label="Needs External Account Binding" /> : null}
      {info.renewalInfo ? <Chip size="small" variant="outlined" label="Renewal information (ARI)" /> : null}
      {profiles.length > 0 ? <Chip size="small" variant="outlined" label={`Profiles: ${profiles.join(', ')}`} /> : null}
    </Stack>
  );
}

export function DirectoryChooser({ value, onChange, state, errors, disabled }: DirectoryChooserProps) {
  const presetError = value.choice !== 'custom' ? (errors.directory ?? (state.status === 'error' ? state.error.message : undefined)) : undefined;
  const presetHint = value.choice !== 'custom' && !errors.directory && state.status === 'error' ? state.error.hint : undefined;
  const urlError =
    value.choice === 'custom'
      ? (errors.directory ?? (state.status === 'error' && !isCaField(state.error.field) ? state.error.message : undefined))
      : undefined;
  const urlHint = value.choice === 'custom' && !errors.directory && state.status === 'error' && !isCaField(state.error.field) ? state.error.hint : undefined;
  const caError =
    errors.caPem ??
    errors.caFile ??
    (state.status === 'error' && isCaField(state.error.field) ? `${state.error.message}${state.error.hint ? ` ${state.error.hint}` : ''}` : undefined);

  return (
    <Stack spacing={1.5}>
      <FormControl error={Boolean(presetError)} disabled={disabled}>
        <FormLabel id="directory-label" sx={{ mb: 0.5, fontWeight: 600, color: 'text.primary', fontSize: '0.875rem' }}>
          Directory
        </FormLabel>
        <RadioGroup
          row
          aria-labelledby="directory-label"
          value={value.choice ?? ''}
          onChange={(_e, v) => onChange({ ...value, choice: v as DirectoryChoice })}
        >
          <Option value="production" label="Production" detail="Trusted certificates" disabled={disabled} />
          <Option value="staging" label="Staging" detail="Test certificates, relaxed limits" disabled={disabled} />
          <Option value="custom" label="Custom URL" detail="Another ACME CA" disabled={disabled} />
        </RadioGroup>
        {value.choice === 'production' || value.choice === 'staging' ? (
          <FormHelperText sx={{ mx: 0 }}>{DIRECTORY_PRESETS[value.choice]}</FormHelperText>
        ) : null}
        {presetError ? (
          <FormHelperText sx={{ mx: 0 }}>
            {presetError}
            {presetHint ? ` ${presetHint}` : ''}
          </FormHelperText>
        ) : null}
      </FormControl>
      {value.choice === 'custom' ? (
        <Stack spacing={1.5} sx={{ pl: { xs: 0, sm: 4 } }}>
          <TextField
            label="Directory URL"
            value={value.customUrl}
            onChange={(e) => onChange({ ...value, customUrl: e.target.value })}
            disabled={disabled}
            placeholder="https://acme.example.com/directory"
            error={Boolean(urlError)}
            helperText={
              urlError
                ? `${urlError}${urlHint ? ` ${urlHint}` : ''}`
                : state.status === 'invalid' && value.customUrl.trim()
                  ? state.message
                  : 'The address of the CA’s ACME directory (RFC 8555).'
            }
            slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'url', inputMode: 'url' } }}
          />
          <PemFileField
            label="CA certificate file (for a private CA)"
            value={value.ca}
            onChange={(ca) => onChange({ ...value, ca })}
            mustContain={/-----BEGIN CERTIFICATE-----/}
            wrongKindMessage="this file holds no PEM certificate (-----BEGIN CERTIFICATE-----)."
            helperText="Needed when the directory's HTTPS certificate comes from a private or test CA your system does not trust (PEM file)."
            error={caError}
            disabled={disabled}
          />
        </Stack>
      ) : null}
      <StatusLine state={state} />
    </Stack>
  );
}
