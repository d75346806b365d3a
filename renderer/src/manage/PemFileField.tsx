// A PEM file picked with the File API (nothing is uploaded: the text goes into the request), or, for a
// private key in the desktop app, with the native open dialog run by the main process (`files:open`): the
// main process reads and keeps the key, and the page only gets a handle, so the key never enters it.
import DescriptionOutlinedIcon from '@mui/icons-material/DescriptionOutlined';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormHelperText from '@mui/material/FormHelperText';
import Typography from '@mui/material/Typography';
import { useId, useRef, useState } from 'react';
import { IconAction } from '../components/IconAction.tsx';
import CloseIcon from '@mui/icons-material/Close';
import type { FilePurpose } from '../../../shared/ipc/contract.ts';
import { call, errorInfo, face } from '../api.ts';
import type { KeyFile, PemFile } from './directory.ts';

const MAX_PEM_BYTES = 256 * 1024;

interface PemFileFieldProps<V extends KeyFile> {
  /** Visible label and the file input's accessible name. */
  label: string;
  value: V | null;
  onChange: (value: V | null) => void;
  /** Text every valid file contains, e.g. "-----BEGIN CERTIFICATE-----". */
  mustContain: RegExp;
  /** Said when the file does not match `mustContain`. */
  wrongKindMessage: string;
  helperText?: string;
  error?: string | undefined;
  disabled?: boolean;
  /** Secret files (keys) show their name only, never their content or size details. */
  secret?: boolean;
  /**
   * A private key: in the desktop app it is picked with the native dialog and read by the main process for
   * this purpose (onChange then gets a PickedKey); the browser preview reads it here.
   */
  pickInMain?: FilePurpose;
}

export function PemFileField<V extends KeyFile = PemFile>({
  label,
  value,
  onChange,
  mustContain,
  wrongKindMessage,
  helperText,
  error,
  disabled,
  secret,
  pickInMain,
}: PemFileFieldProps<V>) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const helpId = useId();
  const labelId = useId();
  const shownError = error ?? readError ?? undefined;

  const pick = async (file: File | undefined) => {
    setReadError(null);
    if (!file) return;
    if (file.size > MAX_PEM_BYTES) {
      setReadError(`${file.name} is ${Math.round(file.size / 1024)} KiB: a PEM file is a few KiB. Choose the right file.`);
      return;
    }
    const text = await file.text();
    if (!mustContain.test(text)) {
      setReadError(`${file.name}: ${wrongKindMessage}`);
      return;
    }
    onChange({ fileName: file.name, text } as V);
  };

  const viaMain = pickInMain !== undefined && face() === 'electron';

  const pickInMainProcess = async () => {
    if (!pickInMain) return;
    setReadError(null);
    try {
      const { file } = await call('files:open', { purpose: pickInMain });
      if (file) onChange({ fileName: file.name, handle: file.handle, keySpec: file.keySpec } as V);
    } catch (err) {
      const info = errorInfo(err);
      setReadError(info.hint ? `${info.message} ${info.hint}` : info.message);
    }
  };

  const count = value && !secret && 'text' in value ? (value.text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length : 0;

  return (
    <Box>
      <Typography id={labelId} variant="body2" sx={{ mb: 0.75, fontWeight: 600 }} color={shownError ? 'error' : 'text.primary'}>
        {label}
      </Typography>
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 1.5,
          border: 1,
          borderStyle: value ? 'solid' : 'dashed',
          borderColor: shownError ? 'error.main' : 'divider',
          borderRadius: 1,
          px: 1.5,
          py: 1,
          bgcolor: 'background.paper',
        }}
      >
        {viaMain ? (
          <Button
            size="small"
            variant="outlined"
            startIcon={<UploadFileIcon />}
            disabled={disabled}
            sx={{ flexShrink: 0 }}
            aria-label={label}
            aria-describedby={helpId}
            aria-invalid={shownError ? true : undefined}
            onClick={() => void pickInMainProcess()}
          >
            {value ? 'Choose another file…' : 'Choose file…'}
          </Button>
        ) : (
          <>
          {/* A real button that opens the hidden file input (a <label> styled as a button carried role=button, which
              a label may not: axe aria-allowed-role). The input keeps the field's name; the button is described by it. */}
          <Button
            size="small"
            variant="outlined"
            startIcon={<UploadFileIcon />}
            disabled={disabled}
            sx={{ flexShrink: 0 }}
            aria-describedby={`${labelId} ${helpId}`}
            onClick={() => inputRef.current?.click()}
          >
            {value ? 'Choose another file…' : 'Choose file…'}
          </Button>
            <input
              ref={inputRef}
              type="file"
              hidden
              accept=".pem,.crt,.cer,.key,text/plain,application/x-pem-file"
              aria-label={label}
              aria-describedby={helpId}
              aria-invalid={shownError ? true : undefined}
              onChange={(e) => {
                void pick(e.currentTarget.files?.[0]);
                // Picking the same file again must fire change again.
                e.currentTarget.value = '';
              }}
            />
          </>
        )}
        {value ? (
          <>
            <DescriptionOutlinedIcon fontSize="small" color="action" aria-hidden />
            <Box sx={{ minWidth: 0, flex: 1 }}>
              <Typography variant="body2" noWrap data-testid="pem-file-name">
                {value.fileName}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                {secret ? 'Loaded — the key stays hidden' : `${count} certificate${count === 1 ? '' : 's'}`}
              </Typography>
            </Box>
            <IconAction label={`Remove ${label}`} size="small" disabled={disabled} onClick={() => onChange(null)}>
              <CloseIcon fontSize="small" />
            </IconAction>
          </>
        ) : (
          <Typography variant="body2" color="text.secondary">
            No file chosen
          </Typography>
        )}
      </Box>
      <FormHelperText id={helpId} error={Boolean(shownError)}>
        {shownError ?? helperText ?? ' '}
      </FormHelperText>
    </Box>
  );
}
