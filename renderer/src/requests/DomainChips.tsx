// Domain names as chips: type a name and press Enter, comma or space, or paste a whole list. The first
// chip is the common name. Each chip shows the name as typed and, for an internationalised name, the
// punycode the CA will see; an invalid chip is red and says why (the same words the service uses).
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import FormHelperText from '@mui/material/FormHelperText';
import InputBase from '@mui/material/InputBase';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useId, useMemo, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { hostOfUrl, parseDomain, reducedUrlText, splitNames, NAME_SEPARATORS, type DomainRules } from '../../../shared/model/domains.ts';
import { MONO_FONTS } from '../theme.ts';


export interface DomainChipsProps {
  values: string[];
  onChange: (values: string[]) => void;
  /** Text being typed (not a chip yet); the form turns it into a chip before sending. */
  draft: string;
  onDraftChange: (draft: string) => void;
  /** Problems per chip index (from parseDomains or the service's `domains.<i>`). */
  chipErrors: Record<number, string>;
  /** A problem of the whole list (none given, too many). */
  listError?: string | undefined;
  rules: DomainRules;
  maxNames: number;
  disabled?: boolean;
}

/** Adds the names in `text` (one or a list) to `values`, at `at` or the end; URLs become host names. */
export function addNames(values: string[], text: string, at?: number): string[] {
  const { names } = splitNames(text);
  if (names.length === 0) return values;
  const next = values.slice();
  next.splice(at ?? next.length, 0, ...names);
  return next;
}

export function DomainChips({ values, onChange, draft, onDraftChange, chipErrors, listError, rules, maxNames, disabled }: DomainChipsProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const helpId = useId();
  const labelId = useId();
  // Where an edited chip goes back to (clicking a chip puts it in the input for editing).
  const editAt = useRef<number | null>(null);
  // The last URLs that became host names: the form says so (a silent change would surprise).
  const [reduced, setReduced] = useState<{ from: string; host: string }[]>([]);

  const parsed = useMemo(() => values.map((v) => parseDomain(v, rules)), [values, rules]);
  const invalidCount = Object.keys(chipErrors).length;
  const hasError = invalidCount > 0 || Boolean(listError);

  const commit = (text = draft) => {
    if (text.trim() === '') return;
    setReduced(splitNames(text).reduced);
    onChange(addNames(values, text, editAt.current ?? undefined));
    editAt.current = null;
    onDraftChange('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',' || e.key === ' ' || e.key === ';' || (e.key === 'Tab' && draft.trim() !== '')) {
      if (draft.trim() === '') {
        // An empty Enter must not send the form by accident.
        if (e.key === 'Enter') e.preventDefault();
        return;
      }
      if (e.key !== 'Tab') e.preventDefault();
      commit();
      return;
    }
    if (e.key === 'Backspace' && draft === '' && values.length > 0) {
      e.preventDefault();
      const last = values[values.length - 1] ?? '';
      editAt.current = values.length - 1;
      onChange(values.slice(0, -1));
      onDraftChange(last);
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData('text');
    // A single name stays in the input to be edited; a list or a URL becomes chips at once.
    if (!NAME_SEPARATORS.test(text.trim()) && hostOfUrl(text) === null) return;
    e.preventDefault();
    commit(`${draft} ${text}`);
  };

  const edit = (i: number) => {
    if (disabled) return;
    const text = values[i] ?? '';
    const rest = values.filter((_v, j) => j !== i);
    // Whatever was being typed becomes a chip first.
    const withDraft = draft.trim() ? addNames(rest, draft, i) : rest;
    editAt.current = draft.trim() ? i + draft.trim().split(NAME_SEPARATORS).length : i;
    onChange(withDraft);
    onDraftChange(text);
    inputRef.current?.focus();
  };

  const remove = (i: number) => {
    onChange(values.filter((_v, j) => j !== i));
    inputRef.current?.focus();
  };

  const messages = Object.entries(chipErrors)
    .map(([i, m]) => [Number(i), m] as const)
    .sort((a, b) => a[0] - b[0]);

  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'baseline', mb: 0.75 }}>
        <Typography id={labelId} variant="body2" component="label" sx={{ fontWeight: 600, flex: 1 }} color={hasError ? 'error' : 'text.primary'}>
          Domain names *
        </Typography>
        <Typography variant="caption" color={values.length > maxNames ? 'error' : 'text.secondary'} data-testid="name-count">
          {values.length} / {maxNames}
        </Typography>
      </Box>
      <Box
        onClick={(e) => {
          if (e.target === e.currentTarget) inputRef.current?.focus();
        }}
        sx={{
          display: 'flex',
          flexWrap: 'wrap',
          alignItems: 'center',
          gap: 0.75,
          minHeight: 44,
          maxHeight: 180,
          overflowY: 'auto',
          px: 1,
          py: 0.75,
          border: 1,
          borderRadius: 1,
          borderColor: hasError ? 'error.main' : 'divider',
          bgcolor: disabled ? 'action.disabledBackground' : 'background.paper',
          cursor: 'text',
          '&:focus-within': { borderColor: hasError ? 'error.main' : 'primary.main', boxShadow: (t) => `0 0 0 1px ${hasError ? t.palette.error.main : t.palette.primary.main}` },
        }}
        data-testid="domain-chips"
      >
        {values.map((v, i) => {
          const p = parsed[i];
          const error = chipErrors[i];
          const ascii = p && typeof p !== 'string' ? p.ascii : null;
          const puny = ascii && ascii !== v.trim().toLowerCase().replace(/\.$/, '') ? ascii : null;
          const tip = error ?? [i === 0 ? 'Common name (the first name).' : null, puny ? `Sent to the CA as ${puny}.` : null, 'Click to edit.'].filter(Boolean).join(' ');
          return (
            <Tooltip key={`${i}-${v}`} title={tip}>
              <Chip
                size="small"
                color={error ? 'error' : i === 0 ? 'primary' : 'default'}
                variant={error || i === 0 ? 'outlined' : 'filled'}
                disabled={disabled}
                onClick={() => edit(i)}
                onDelete={() => remove(i)}
                data-testid="domain-chip"
                data-invalid={error ? 'true' : undefined}
                aria-label={`${v}${i === 0 ? ', common name' : ''}${puny ? `, punycode ${puny}` : ''}${error ? `, invalid: ${error}` : ''}`}
                label={
                  <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.75 }}>
                    {i === 0 ? (
                      <Box
                        component="span"
                        sx={{ fontSize: 10, fontWeight: 700, letterSpacing: '0.04em', px: 0.5, borderRadius: 0.5, bgcolor: error ? 'error.main' : 'primary.main', color: 'common.white', lineHeight: '15px' }}
                      >
                        CN
                      </Box>
                    ) : null}
                    <span>{v}</span>
                    {puny ? (
                      <Box component="span" sx={{ fontFamily: MONO_FONTS, fontSize: 11, fontWeight: 400, opacity: 0.75 }}>
                        {puny}
                      </Box>
                    ) : null}
                  </Box>
                }
                sx={{ maxWidth: '100%', fontWeight: 500 }}
              />
            </Tooltip>
          );
        })}
        <InputBase
          inputRef={inputRef}
          value={draft}
          disabled={disabled}
          onChange={(e) => onDraftChange(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => commit()}
          placeholder={values.length === 0 ? 'www.example.com, example.com …' : 'Add a name'}
          sx={{ flex: 1, minWidth: 180, fontSize: 14 }}
          inputProps={{
            'aria-labelledby': labelId,
            'aria-describedby': helpId,
            'aria-invalid': hasError ? true : undefined,
            spellCheck: false,
            autoComplete: 'off',
            autoCapitalize: 'off',
            'data-testid': 'domain-input',
          }}
        />
      </Box>
      <FormHelperText id={helpId} error={hasError} component="div" sx={{ mx: 0 }}>
        {hasError ? (
          <Box component="ul" sx={{ m: 0, pl: 2 }} data-testid="domain-errors">
            {listError ? <li>{listError}</li> : null}
            {messages.slice(0, 5).map(([i, m]) => (
              <li key={i}>{m}</li>
            ))}
            {messages.length > 5 ? <li>…and {messages.length - 5} more: hover the red names.</li> : null}
          </Box>
        ) : (
          'Type a name and press Enter, comma or space, or paste a list. The first name is the common name; click a name to edit it.'
        )}
      </FormHelperText>
      {reduced.length > 0 ? (
        <FormHelperText component="div" sx={{ mx: 0, color: 'info.main' }} role="status" data-testid="domain-reduced">
          {reduced.length === 1
            ? reducedUrlText(reduced[0]!.from, reduced[0]!.host)
            : `Reduced the URLs to their host names: ${reduced.map((r) => `${r.from} → ${r.host}`).join(', ')}.`}
        </FormHelperText>
      ) : null}
    </Box>
  );
}
