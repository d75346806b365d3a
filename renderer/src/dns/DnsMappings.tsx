// DNS mappings (the seed's Agent Mapping, for DNS): which DNS account answers dns-01 for a domain, in which
// zone, with the provider's per-domain fields (RFC 2136: zone, and optionally the zone's own TSIG key). A
// mapping takes precedence over the request's DNS account. Shown in Manage → Deploy and, for the domains of
// one request, from the mapping icon on its row.
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import EditOutlinedIcon from '@mui/icons-material/EditOutlined';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DnsField, DnsMapping } from '../../../shared/model/dns.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FormCancel, FormDialog } from '../components/FormDialog.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { useNotice } from '../components/Notice.tsx';
import { useAttempt } from '../state/attempt.ts';
import { providerName, useDns } from '../state/dns.tsx';
import { MONO_FONTS } from '../theme.ts';
import { checkValues, errorsAfterChange, errorsByFieldId, initialValues, ProviderFields, valuesToSend, type FieldValues } from './ProviderFields.tsx';

/** The zone field every provider gets when its descriptor has no per-domain zone: optional, found otherwise. */
const ZONE_FIELD: DnsField = {
  id: 'zone',
  label: 'Zone',
  help: 'Optional: the zone that holds this domain’s _acme-challenge name (found automatically when empty).',
  secret: false,
  required: false,
};

/** The domain a mapping is keyed by: a wildcard is answered in its base domain's zone. */
export function mappingDomain(name: string): string {
  return name.replace(/^\*\./, '').toLowerCase();
}

export function MappingDialog({ mapping, domain: fixedDomain, onClose, onSaved }: { mapping?: DnsMapping; domain?: string; onClose: () => void; onSaved: (m: DnsMapping) => void }) {
  const dns = useDns();
  const [domain, setDomain] = useState(mapping?.domain ?? fixedDomain ?? '');
  const enabled = dns.accounts.filter((a) => a.enabled || a.id === mapping?.accountId);
  const [accountId, setAccountId] = useState(mapping?.accountId ?? enabled[0]?.id ?? '');
  const account = dns.account(accountId);
  const provider = account ? dns.provider(account.provider) : undefined;
  const own = provider?.domainFields ?? [];
  const defs = own.some((f) => f.id === 'zone') ? own : [ZONE_FIELD, ...own];
  const stored = mapping && mapping.accountId === accountId ? { ...mapping.fields, ...(mapping.zone ? { zone: mapping.zone } : {}) } : {};
  const [values, setValues] = useState<FieldValues>(() => initialValues(defs, stored));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [working, setWorking] = useState(false);
  const storedSecrets = mapping && mapping.accountId === accountId ? mapping.secrets : {};

  const changeAccount = (id: string) => {
    setAccountId(id);
    const a = dns.account(id);
    const p = a ? dns.provider(a.provider) : undefined;
    const o = p?.domainFields ?? [];
    setValues(initialValues(o.some((f) => f.id === 'zone') ? o : [ZONE_FIELD, ...o], mapping?.accountId === id ? mapping.fields : {}));
    setErrors({});
  };

  const save = async () => {
    setAlert(null);
    const found = checkValues(defs, values, storedSecrets);
    if (!domain.trim()) found.domain = 'Domain is required: the name (or base of a wildcard) this mapping answers for.';
    if (!accountId) found.accountId = 'DNS account is required: add one in Manage → DNS first.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const { fields, secrets } = valuesToSend(defs, values, true);
    const { zone, ...rest } = fields;
    setWorking(true);
    try {
      const m = await call('dns:map', {
        domain: mappingDomain(domain.trim()),
        accountId,
        ...(zone ? { zone } : {}),
        fields: rest,
        ...(Object.keys(secrets).length ? { secrets } : {}),
      });
      onSaved(m);
    } catch (err) {
      const byField = errorsByFieldId(fieldErrors(err));
      setErrors(byField);
      const known = new Set(['domain', 'accountId', ...defs.map((f) => f.id)]);
      const keys = Object.keys(byField);
      if (keys.length === 0 || !keys.every((k) => known.has(k))) setAlert(errorInfo(err));
    } finally {
      setWorking(false);
    }
  };

  return (
    <FormDialog
      title={mapping ? `DNS mapping — ${mapping.domain}` : 'New DNS mapping'}
      working={working}
      onClose={onClose}
      onSubmit={() => void save()}
      aria-label="DNS mapping"
      actions={
        <>
          <FormCancel disabled={working}>
            Cancel
          </FormCancel>
          <Button type="submit" variant="contained" disabled={working || dns.accounts.length === 0}>
            {working ? 'Saving…' : 'Save mapping'}
          </Button>
        </>
      }
    >
      <Typography variant="body2" color="text.secondary">
        dns-01 challenges for this domain (and its wildcard) go to this DNS account, whatever DNS account the request names.
      </Typography>
      <TextField
        label="Domain"
        value={domain}
        onChange={(e) => {
          setDomain(e.target.value);
          setErrors(({ domain: _d, ...r }) => r);
        }}
        required
        disabled={working || Boolean(mapping) || Boolean(fixedDomain)}
        error={Boolean(errors.domain)}
        helperText={errors.domain ?? 'e.g. example.com; *.example.com uses the same mapping.'}
        slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', 'data-field': 'domain' } }}
      />
      <TextField
        select
        label="DNS account"
        value={accountId}
        onChange={(e) => changeAccount(e.target.value)}
        required
        disabled={working}
        error={Boolean(errors.accountId)}
        helperText={errors.accountId ?? (dns.accounts.length === 0 ? 'No DNS accounts yet — Manage → DNS.' : 'Only enabled DNS accounts are offered.')}
        slotProps={{ htmlInput: { 'data-field': 'accountId' } }}
      >
        {dns.accounts.map((a) => (
          <MenuItem key={a.id} value={a.id} disabled={!a.enabled && a.id !== mapping?.accountId}>
            <ListItemText primary={a.name} secondary={`${providerName(dns, a.provider)}${a.enabled ? '' : ' · disabled: enable it in Manage → DNS'}`} />
          </MenuItem>
        ))}
      </TextField>
      {account ? (
        <ProviderFields key={accountId} defs={defs} values={values} onChange={(v) => {
              setErrors((e) => errorsAfterChange(e, values, v));
              setValues(v);
            }} stored={storedSecrets} errors={errors} disabled={working} idPrefix="dns-mapping" />
      ) : null}
      {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} /> : null}
    </FormDialog>
  );
}

function RemoveMappingDialog({ mapping, onClose, onRemoved }: { mapping: DnsMapping; onClose: () => void; onRemoved: () => void }) {
  const { error, attempt } = useAttempt();
  const [working, setWorking] = useState(false);
  return (
    <ConfirmDialog
      title={`Remove the DNS mapping of ${mapping.domain}?`}
      working={working}
      onClose={onClose}
      onConfirm={() =>
        void attempt(async () => {
          setWorking(true);
          try {
            await call('dns:unmap', { domain: mapping.domain });
            onRemoved();
          } finally {
            setWorking(false);
          }
        })
      }
      danger
      confirmLabel="Remove"
      error={error}
    >
      <Typography variant="body2">
        Requests for {mapping.domain} then use their own DNS account (or manual challenges). Its per-domain secrets leave the keychain.
      </Typography>
    </ConfirmDialog>
  );
}

/** The mappings table with Add / Edit / Remove; `only` limits it to some domains (a request's). */
export function DnsMappingsTable({ only }: { only?: string[] }) {
  const dns = useDns();
  const notify = useNotice();
  const [editing, setEditing] = useState<{ mapping?: DnsMapping; domain?: string } | null>(null);
  const [removing, setRemoving] = useState<DnsMapping | null>(null);
  const domains = only ? [...new Set(only.map(mappingDomain))] : null;
  const rows: Array<{ domain: string; mapping: DnsMapping | undefined }> = domains
    ? domains.map((d) => ({ domain: d, mapping: dns.mappings.find((m) => m.domain === d) }))
    : dns.mappings.map((m) => ({ domain: m.domain, mapping: m }));

  return (
    <Stack spacing={1}>
      <Paper variant="outlined">
        <Table size="small" aria-label="DNS mappings" sx={{ tableLayout: 'fixed' }}>
          <TableHead>
            <TableRow>
              <TableCell>Domain</TableCell>
              <TableCell sx={{ width: '30%' }}>DNS account</TableCell>
              <TableCell sx={{ width: '24%' }}>Zone</TableCell>
              <TableCell sx={{ width: 96 }} align="right">
                Actions
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.length === 0 ? (
              <TableRow>
                <TableCell colSpan={4} sx={{ borderBottom: 0 }}>
                  <Typography variant="body2" color="text.secondary" sx={{ py: 1.5, textAlign: 'center' }} data-testid="no-dns-mappings">
                    No DNS mappings: each request uses its own DNS account.
                  </Typography>
                </TableCell>
              </TableRow>
            ) : null}
            {rows.map(({ domain, mapping }) => {
              const account = dns.account(mapping?.accountId);
              return (
                <TableRow key={domain} data-testid="dns-mapping-row" data-domain={domain}>
                  <TableCell>
                    <Typography variant="body2" sx={{ fontFamily: MONO_FONTS, fontSize: 13 }} noWrap title={domain}>
                      {domain}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    {mapping ? (
                      <Typography variant="body2" noWrap>
                        {account ? `${account.name} · ${providerName(dns, account.provider)}` : 'deleted DNS account'}
                        {account && !account.enabled ? ' (disabled)' : ''}
                      </Typography>
                    ) : (
                      <Typography variant="body2" color="text.disabled">
                        No mapping
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <Typography variant="body2" noWrap color={mapping?.zone ? undefined : 'text.secondary'}>
                      {mapping ? (mapping.zone ?? 'found automatically') : '—'}
                    </Typography>
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                    {mapping ? (
                      <>
                        <IconAction label={`Edit the DNS mapping of ${domain}`} size="small" onClick={() => setEditing({ mapping })}>
                          <EditOutlinedIcon fontSize="small" />
                        </IconAction>
                        <IconAction label={`Remove the DNS mapping of ${domain}`} size="small" onClick={() => setRemoving(mapping)}>
                          <DeleteOutlineIcon fontSize="small" />
                        </IconAction>
                      </>
                    ) : (
                      <IconAction label={`Add a DNS mapping for ${domain}`} size="small" onClick={() => setEditing({ domain })}>
                        <AddIcon fontSize="small" />
                      </IconAction>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Paper>
      {domains ? null : (
        <Box>
          <Button size="small" startIcon={<AddIcon />} onClick={() => setEditing({})} disabled={dns.accounts.length === 0}>
            Add DNS mapping
          </Button>
          {dns.accounts.length === 0 ? (
            <Typography variant="caption" color="text.secondary" sx={{ ml: 1 }}>
              Add a DNS account first (DNS tab).
            </Typography>
          ) : null}
        </Box>
      )}
      {editing ? (
        <MappingDialog
          {...(editing.mapping ? { mapping: editing.mapping } : {})}
          {...(editing.domain ? { domain: editing.domain } : {})}
          onClose={() => setEditing(null)}
          onSaved={(m) => {
            setEditing(null);
            notify(`DNS mapping for ${m.domain} saved.`);
            void dns.reload();
          }}
        />
      ) : null}
      {removing ? (
        <RemoveMappingDialog
          mapping={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            const d = removing.domain;
            setRemoving(null);
            notify(`DNS mapping for ${d} removed.`);
            void dns.reload();
          }}
        />
      ) : null}
    </Stack>
  );
}

/** The mapping icon of a request row: the DNS mappings for that request's domains. */
export function RequestMappingsDialog({ names, title, onClose, onServerMapping }: { names: string[]; title: string; onClose: () => void; onServerMapping?: () => void }) {
  const { error } = useDns();
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="request-mappings-title">
      <DialogTitle id="request-mappings-title">Mappings — {title}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5}>
          <Typography variant="body2" color="text.secondary">
            Which DNS account answers each domain’s dns-01 challenge. A mapping wins over the request’s DNS account. Where the certificate
            is deployed is an end server mapping (Map to an end server).
          </Typography>
          {error ? <ErrorAlert error={error} /> : null}
          <DnsMappingsTable only={names} />
          {names.some((n) => n.startsWith('*.')) ? (
            <Alert severity="info" variant="outlined">
              A wildcard name uses the mapping of its base domain.
            </Alert>
          ) : null}
        </Stack>
      </DialogContent>
      <DialogActions>
        {onServerMapping ? <Button onClick={onServerMapping}>Map to an end server…</Button> : null}
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
