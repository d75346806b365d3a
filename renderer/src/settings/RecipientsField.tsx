// Several e-mail addresses as chips: type one and press Enter (or a comma), paste a list, or leave the field
// with text in it; each chip can be removed.
import Autocomplete from '@mui/material/Autocomplete';
import TextField from '@mui/material/TextField';
import { splitAddresses } from './fields.ts';

export function RecipientsField({
  label,
  value,
  onChange,
  error,
  helperText,
  disabled,
  field,
}: {
  label: string;
  value: string[];
  onChange: (to: string[]) => void;
  error?: string | undefined;
  helperText: string;
  disabled?: boolean;
  field: string;
}) {
  return (
    <Autocomplete
      multiple
      freeSolo
      autoSelect
      options={[] as string[]}
      value={value}
      disabled={disabled}
      onChange={(_e, v) => onChange(splitAddresses(v))}
      renderInput={(params) => (
        <TextField
          {...params}
          label={label}
          error={Boolean(error)}
          helperText={error ?? helperText}
          placeholder={value.length === 0 ? 'name@example.com' : undefined}
          slotProps={{ ...params.slotProps, htmlInput: { ...params.slotProps.htmlInput, spellCheck: false, 'data-field': field } }}
        />
      )}
    />
  );
}
