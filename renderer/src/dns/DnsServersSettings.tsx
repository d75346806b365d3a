// Settings → DNS checks: the resolvers the propagation check starts from (settings:get / settings:set). It
// then asks every authoritative server of the zone itself; empty = the system's resolvers.
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { call, errorInfo, fieldErrors } from '../api.ts';
import { ErrorAlert, RetryButton } from '../components/ErrorAlert.tsx';
import { useNotice } from '../components/Notice.tsx';

/** One server per line (or separated by commas / spaces), blanks dropped. */
export function parseServers(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** host, host:port, IPv4, IPv6 or [IPv6]:port; the service has the last word. */
function serverProblem(s: string): string | null {
  if (/^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(s)) return null;
  if (/^[0-9a-f:]+$/i.test(s) && s.includes(':') && s.split(':').length > 2) return null;
  const m = /^([a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(s);
  if (!m) return `“${s}” is not a server: use host, host:port, an IP address or [IPv6]:port.`;
  if (m[2] && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return `“${s}”: the port must be from 1 to 65535.`;
  return null;
}

export function DnsServersSettings() {
  const notify = useNotice();
  const [saved, setSaved] = useState<string[] | null>(null);
  const [text, setText] = useState('');
  const [loadError, setLoadError] = useState<ErrorInfo | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [alert, setAlert] = useState<ErrorInfo | null>(null);
  const [working, setWorking] = useState(false);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const s = await call('settings:get', {});
      setSaved(s.dnsServers);
      setText(s.dnsServers.join('\n'));
    } catch (err) {
      setLoadError(errorInfo(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const servers = parseServers(text);
  const dirty = saved !== null && servers.join('\n') !== saved.join('\n');

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setAlert(null);
    const problem = servers.map(serverProblem).find((p) => p !== null);
    if (problem) {
      setError(problem);
      return;
    }
    setError(undefined);
    setWorking(true);
    try {
      const s = await call('settings:set', { dnsServers: servers });
      setSaved(s.dnsServers);
      setText(s.dnsServers.join('\n'));
      notify(s.dnsServers.length ? `DNS checks start from ${s.dnsServers.join(', ')}.` : 'DNS checks start from the system’s resolvers.');
    } catch (err) {
      const byField = fieldErrors(err);
      const first = Object.entries(byField).find(([k]) => k === 'dnsServers' || k.startsWith('dnsServers.'));
      if (first) setError(first[1]);
      else setAlert(errorInfo(err));
    } finally {
      setWorking(false);
    }
  };

  return (
    <Paper variant="outlined" component="form" noValidate onSubmit={(e: FormEvent) => void save(e)} sx={{ px: 2.5, py: 2, maxWidth: 860, mt: 2 }} aria-label="DNS checks">
      <Typography variant="subtitle1" component="h3">
        DNS checks
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
        Before the CA is asked to validate a dns-01 challenge, Certdesk waits until every authoritative name server of the zone
        answers the TXT record. These resolvers are where it starts looking (to find the zone and its servers); empty: the
        system’s resolvers. An RFC 2136 DNS account’s own server is always checked too.
      </Typography>
      {loadError ? <ErrorAlert error={loadError} action={<RetryButton onRetry={() => void load()} />} /> : null}
      {saved === null && !loadError ? (
        <Skeleton variant="rounded" height={96} />
      ) : (
        <Stack spacing={1.5}>
          <TextField
            label="DNS servers"
            multiline
            minRows={2}
            maxRows={6}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setError(undefined);
            }}
            disabled={working || saved === null}
            error={Boolean(error)}
            helperText={error ?? 'One per line: 1.1.1.1, 9.9.9.9:53, [2606:4700:4700::1111]:53. Empty: the system’s resolvers.'}
            placeholder="system resolvers"
            slotProps={{ htmlInput: { spellCheck: false, 'data-field': 'dnsServers', style: { fontFamily: 'monospace' } } }}
          />
          {alert ? <ErrorAlert error={alert} onClose={() => setAlert(null)} /> : null}
          <Box sx={{ display: 'flex', gap: 1, justifyContent: 'flex-end' }}>
            <Button onClick={() => setText((saved ?? []).join('\n'))} disabled={working || !dirty}>
              Undo
            </Button>
            <Button type="submit" variant="contained" disabled={working || !dirty}>
              {working ? 'Saving…' : 'Save'}
            </Button>
          </Box>
        </Stack>
      )}
    </Paper>
  );
}
