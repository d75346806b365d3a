// Pebble's management API, the CA's own view: what it has issued and revoked, and its issuing hierarchy.
// Tests assert against this rather than against Certdesk's local records.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { bedEnv } from './bed.ts';

export interface CertStatus {
  /** "Valid" or "Revoked". */
  Status: string;
  /** RFC 5280 CRLReason code given with the revocation (0 unspecified, 1 keyCompromise, 4 superseded, ...). */
  Reason?: number;
  RevokedAt?: string;
  /** The certificate as Pebble issued it (PEM). */
  Certificate?: string;
}

/** GET on the management API; resolves status code and body (never rejects on an HTTP status). */
export function mgmtGet(path: string, mgmt = bedEnv('PEBBLE_MGMT')): Promise<{ status: number; body: string }> {
  const ca = readFileSync(bedEnv('PEBBLE_CA_FILE'));
  return new Promise((resolve, reject) => {
    get(`${mgmt}${path}`, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** What Pebble knows about the certificate with this serial (hex as Certdesk shows it, any case). */
export async function certStatus(serialHex: string, mgmt?: string): Promise<CertStatus> {
  const serial = BigInt(`0x${serialHex}`).toString(16);
  const { status, body } = await mgmtGet(`/cert-status-by-serial/${serial}`, mgmt);
  if (status !== 200) throw new Error(`Pebble management /cert-status-by-serial/${serial}: HTTP ${status} ${body}`);
  return JSON.parse(body) as CertStatus;
}

/** Pebble's current issuing intermediate (/intermediates/0) and root (/roots/0). */
export async function pebbleHierarchy(mgmt?: string): Promise<{ intermediate: X509Certificate; root: X509Certificate }> {
  const read = async (p: string) => {
    const { status, body } = await mgmtGet(p, mgmt);
    if (status !== 200) throw new Error(`Pebble management ${p}: HTTP ${status}`);
    return new X509Certificate(body);
  };
  return { intermediate: await read('/intermediates/0'), root: await read('/roots/0') };
}

/** Whether `leaf` was issued by the running Pebble: signed by its intermediate, which its root signed. */
export async function issuedByPebble(leaf: X509Certificate, mgmt?: string): Promise<boolean> {
  const { intermediate, root } = await pebbleHierarchy(mgmt);
  return leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey) && intermediate.verify(root.publicKey);
}
