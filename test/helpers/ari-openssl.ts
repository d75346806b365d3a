// RFC 9773 certificate identifiers worked out with openssl, independently of electron/renewal/ari.ts: the
// serial as openssl prints it (hex of the integer, without the DER padding byte) and the AKI keyid it prints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** base64url(AKI keyIdentifier) "." base64url(serial DER content), from `openssl x509` output. */
export function opensslCertId(certPem: string): string {
  const out = execFileSync('openssl', ['x509', '-noout', '-serial', '-ext', 'authorityKeyIdentifier'], { input: certPem, encoding: 'utf8' });
  const serialHex = /serial=([0-9A-Fa-f]+)/.exec(out)?.[1];
  const akiHex = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-Fa-f:]+)/.exec(out)?.[1];
  if (!serialHex || !akiHex) throw new Error(`openssl printed no serial or AKI keyid:\n${out}`);
  let serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  // DER INTEGER: a positive number whose first byte has the high bit set gets a leading 0x00.
  if ((serial[0]! & 0x80) !== 0) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(akiHex.replace(/:/g, ''), 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}

/**
 * A CA whose subject key identifier is `caKeyId` (hex, colons allowed) and a leaf it signed with `serial`
 * (hex); `aki: false` leaves the Authority Key Identifier out of the leaf.
 */
export function makeLeaf(opts: { caKeyId: string; serial: string; aki?: boolean }): { leafPem: string; caPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ari-cert-'));
  try {
    const cnf = join(dir, 'x.cnf');
    writeFileSync(
      cnf,
      [
        '[req]',
        'distinguished_name=dn',
        '[dn]',
        '[ca]',
        'basicConstraints=critical,CA:TRUE',
        `subjectKeyIdentifier=${opts.caKeyId}`,
        'keyUsage=critical,keyCertSign',
        '[leaf]',
        ...(opts.aki === false ? ['subjectKeyIdentifier=none', 'authorityKeyIdentifier=none'] : ['authorityKeyIdentifier=keyid:always']),
        'subjectAltName=DNS:ari.example.test',
        '',
      ].join('\n'),
    );
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=ARI Test CA', '-days', '30', '-config', cnf, '-extensions', 'ca']);
    run(['req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=ari.example.test', '-config', cnf]);
    run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${opts.serial}`, '-days', '10', '-extfile', cnf, '-extensions', 'leaf', '-out', 'leaf.pem']);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { leafPem: read('leaf.pem'), caPem: read('ca.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
