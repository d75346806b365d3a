// A saved certificate in detail: names, fingerprints, the PEM of the certificate and its chain (to copy),
// its renewal (state, due time and why, its own policy) and the versions a renewal replaced.
import CloseIcon from '@mui/icons-material/Close';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import EmailOutlinedIcon from '@mui/icons-material/EmailOutlined';
import FileDownloadOutlinedIcon from '@mui/icons-material/FileDownloadOutlined';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import Drawer from '@mui/material/Drawer';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useId, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { RenewalPlan } from '../../../shared/model/renewal.ts';
import type { Certificate, CertificateDetail } from '../../../shared/model/request.ts';
import { call, errorInfo, on } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { DefinitionRow } from '../components/DefinitionRow.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { formatDateTime } from '../format.ts';
import { CopyValue, ExpiryText } from '../requests/bits.tsx';
import { fingerprint, formatDate, keyLabel, nameForms } from '../requests/format.ts';
import { MONO_FONTS } from '../theme.ts';
import { RenewalSection } from './RenewalSection.tsx';

export const DRAWER_WIDTH = 580;

function Section({ title, action, children }: { title: string; action?: ReactNode; children: ReactNode }) {
  return (
    <Box component="section" aria-label={title}>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 0.75, minHeight: 28 }}>
        <Typography variant="overline" color="text.secondary" component="h3" sx={{ flex: 1, lineHeight: 1.6 }}>
          {title}
        </Typography>
        {action}
      </Box>
      {children}
    </Box>
  );
}

function Pem({ label, text, testId }: { label: string; text: string; testId: string }) {
  const count = (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  return (
    // "Certificate PEM", not a second "Certificate": every section title in the drawer is unique.
    <Section title={`${label} PEM${count > 1 ? ` (${count} certificates)` : ''}`} action={text ? <CopyButton text={text} label={`Copy the ${label.toLowerCase()} PEM`} /> : null}>
      {text ? (
        <Box
          component="pre"
          tabIndex={0}
          aria-label={`${label} PEM`}
          data-testid={testId}
          sx={{
            m: 0,
            p: 1.25,
            maxHeight: 132,
            overflow: 'auto',
            fontFamily: MONO_FONTS,
            fontSize: 11.5,
            lineHeight: 1.45,
            bgcolor: 'action.hover',
            border: 1,
            borderColor: 'divider',
            borderRadius: 1,
            whiteSpace: 'pre',
            '&:focus-visible': { outline: 2, outlineColor: 'primary.main' },
          }}
        >
          {text.trim()}
        </Box>
      ) : (
        <Typography variant="body2" color="text.secondary">
          No chain was sent by the CA.
        </Typography>
      )}
    </Section>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DefinitionRow label={label} labelWidth={120} gap={1.5} py={0.5}>
      {children}
    </DefinitionRow>
  );
}

interface DrawerProps {
  certificate: Certificate | null;
  onClose: () => void;
  onExport: (c: Certificate) => void;
  onDelete: (c: Certificate) => void;
  onEmail: (c: Certificate) => void;
  renewal: { plan: RenewalPlan | undefined; unavailable: boolean; error: ErrorInfo | null };
}

export function CertificateDrawer({ certificate, onClose, onExport, onDelete, onEmail, renewal }: DrawerProps) {
  const titleId = useId();
  const [detail, setDetail] = useState<CertificateDetail | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = certificate?.id ?? null;

  const load = useCallback(async () => {
    if (!id) return;
    try {
      const d = await call('certs:get', { id });
      setDetail(d);
      setError(null);
    } catch (err) {
      setError(errorInfo(err));
    }
  }, [id]);

  useEffect(() => {
    setDetail(null);
    setError(null);
    if (!id) return;
    void load();
    return on('certs:changed', () => void load());
  }, [id, load]);

  const c = detail ?? certificate;
  const versions = c
    ? [
        { serial: c.serial, notBefore: c.notBefore, notAfter: c.notAfter, savedAt: c.savedAt, current: true },
        ...c.history
          .slice()
          .reverse()
          .map((h) => ({ ...h, current: false })),
      ]
    : [];

  return (
    <Drawer
      anchor="right"
      open={certificate !== null}
      onClose={onClose}
      // Above the top bar: a side sheet over the whole window, like the dialogs.
      sx={{ zIndex: (t) => t.zIndex.modal }}
      slotProps={{ paper: { sx: { width: DRAWER_WIDTH, maxWidth: '100%' }, role: 'dialog', 'aria-labelledby': titleId, 'data-testid': 'certificate-drawer' } as object }}
    >
      {c ? (
        <>
          <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1, px: 2.5, pt: 2, pb: 1.5 }}>
            <Box sx={{ flex: 1, minWidth: 0 }}>
              <Typography id={titleId} variant="h6" component="h2" sx={{ overflowWrap: 'anywhere' }}>
                {c.namesUnicode[0] ?? c.commonName}
              </Typography>
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mt: 0.5, flexWrap: 'wrap' }}>
                <ExpiryText notAfter={c.notAfter} daysLeft={c.daysLeft} />
                {c.revoked ? <Chip size="small" color="error" label="Revoked" /> : null}
              </Box>
            </Box>
            <IconAction label="Close details" size="small" onClick={onClose}>
              <CloseIcon fontSize="small" />
            </IconAction>
          </Box>
          <Box sx={{ display: 'flex', gap: 1, px: 2.5, pb: 1.5 }}>
            <Button size="small" variant="contained" startIcon={<FileDownloadOutlinedIcon />} onClick={() => onExport(c)}>
              Export…
            </Button>
            <Button size="small" variant="outlined" startIcon={<EmailOutlinedIcon />} onClick={() => onEmail(c)} disabled={c.revoked} data-testid="drawer-email">
              E-mail…
            </Button>
            <Button size="small" color="error" startIcon={<DeleteOutlineIcon />} onClick={() => onDelete(c)}>
              Delete
            </Button>
          </Box>
          <Divider />
          <Stack spacing={2.25} sx={{ px: 2.5, py: 2, overflowY: 'auto', flex: 1, minHeight: 0 }}>
            {error ? <ErrorAlert error={error} /> : null}
            {c.revoked ? (
              <Alert severity="error" variant="outlined">
                Revoked at the CA: clients that check revocation refuse it.
              </Alert>
            ) : null}
            <Section title={`Names (${c.names.length})`}>
              <Box component="ol" sx={{ m: 0, p: 0, listStyle: 'none', border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 180, overflowY: 'auto' }} data-testid="drawer-names">
                {c.names.map((n, i) => {
                  const f = nameForms(n, c.namesUnicode[i]);
                  return (
                    <Box component="li" key={n} sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 1.25, py: 0.5, borderTop: i === 0 ? 0 : 1, borderColor: 'divider' }}>
                      <Box sx={{ flex: 1, minWidth: 0 }}>
                        <Typography variant="body2" sx={{ fontWeight: i === 0 ? 600 : 400, overflowWrap: 'anywhere' }}>
                          {f.shown}
                        </Typography>
                        {f.puny ? (
                          <Typography variant="caption" color="text.secondary" component="div" sx={{ fontFamily: MONO_FONTS, overflowWrap: 'anywhere' }}>
                            {f.puny}
                          </Typography>
                        ) : null}
                      </Box>
                      {i === 0 ? <Chip size="small" variant="outlined" label="Common name" sx={{ height: 20, fontSize: 11 }} /> : null}
                    </Box>
                  );
                })}
              </Box>
            </Section>
            {c.revoked ? null : (
              <Section title="Renewal">
                <RenewalSection plan={renewal.plan} unavailable={renewal.unavailable} error={renewal.error} />
              </Section>
            )}
            <Section title="Certificate">
              <Box component="dl" sx={{ m: 0 }}>
                <Row label="Issuer">
                  <Typography variant="body2">{c.issuer}</Typography>
                </Row>
                <Row label="Serial">
                  <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
                    <Typography variant="body2" sx={{ fontFamily: MONO_FONTS, fontSize: 12.5, overflowWrap: 'anywhere' }} data-testid="drawer-serial">
                      {c.serial}
                    </Typography>
                    <CopyButton text={c.serial} label="Copy the serial number" />
                  </Box>
                </Row>
                <Row label="Valid">
                  <Typography variant="body2">
                    {formatDate(c.notBefore)} → {formatDate(c.notAfter)}
                  </Typography>
                </Row>
                <Row label="Key">
                  <Typography variant="body2">{keyLabel(c.keyType)}</Typography>
                </Row>
                <Row label="Saved">
                  <Typography variant="body2">{formatDateTime(c.savedAt)}</Typography>
                </Row>
              </Box>
            </Section>
            <Section title="Fingerprints">
              <Stack spacing={1}>
                <CopyValue label="SHA-256" value={fingerprint(c.sha256)} copyLabel="Copy the SHA-256 fingerprint" testId="drawer-sha256" />
                <CopyValue label="SHA-1" value={fingerprint(c.sha1)} copyLabel="Copy the SHA-1 fingerprint" />
              </Stack>
            </Section>
            {detail ? (
              <>
                <Pem label="Certificate" text={detail.certificatePem} testId="drawer-cert-pem" />
                <Pem label="Chain" text={detail.chainPem} testId="drawer-chain-pem" />
              </>
            ) : error ? null : (
              <Skeleton variant="rounded" height={180} />
            )}
            <Section title={`Versions (${versions.length})`}>
              <Table size="small" aria-label="Versions" data-testid="drawer-versions">
                <TableHead>
                  <TableRow>
                    <TableCell>Serial</TableCell>
                    <TableCell>Valid until</TableCell>
                    <TableCell>Saved</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {versions.map((v) => (
                    <TableRow key={v.serial}>
                      <TableCell sx={{ fontFamily: MONO_FONTS, fontSize: 12, maxWidth: 200, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={v.serial}>
                        {v.serial}
                      </TableCell>
                      <TableCell>{formatDate(v.notAfter)}</TableCell>
                      <TableCell>
                        {formatDateTime(v.savedAt)}
                        {v.current ? <Chip size="small" label="current" color="primary" variant="outlined" sx={{ ml: 1, height: 20 }} /> : null}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.75 }}>
                A renewal you save replaces the current version; the earlier ones stay listed here. Deployments will show here too.
              </Typography>
            </Section>
          </Stack>
        </>
      ) : null}
    </Drawer>
  );
}
