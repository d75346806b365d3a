// After a deployment: which certificate does host:port serve for a name (SNI)? We compare the serial with the
// one just issued, so the chain is not verified here (rejectUnauthorized false) — trust is not the question.
import net from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../shared/ipc/errors.ts';

export interface ServedCertificate {
  /** UPPERCASE hex, as electron/orders/certinfo.ts summarize() gives it. */
  serial: string;
  /** SHA-256 fingerprint (colon-separated hex, as certinfo's sha256). */
  sha256: string;
  /** DNS names of the subjectAltName. */
  names: string[];
}

/** Parses `host:port`, `[v6]:port` (port 1-65535). INVALID_INPUT on `field` otherwise. */
export function parseHostPort(s: string, field: string): { host: string; port: number } {
  const text = s.trim();
  const bad = (why: string): AppError =>
    AppError.invalid(field, `"${s}" is not a host:port address: ${why}.`, 'Write it as host:port, e.g. www.example.com:443 or [2001:db8::1]:443.');
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
    if (net.isIPv6(host) === false) throw bad(`${host} is not an IPv6 address`);
  } else {
    const i = text.lastIndexOf(':');
    if (i < 0) throw bad('the port is missing');
    host = text.slice(0, i);
    portText = text.slice(i + 1);
    if (host.includes(':')) throw bad('put an IPv6 address in brackets');
    if (!host) throw bad('the host is missing');
    if (!net.isIPv4(host) && !/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i.test(host)) {
      throw bad(`${host} is not a host name`);
    }
  }
  if (!/^\d{1,5}$/.test(portText)) throw bad(portText ? `the port ${portText} is not a number` : 'the port is missing');
  const port = Number(portText);
  if (port < 1 || port > 65535) throw bad(`the port ${port} is outside 1-65535`);
  return { host, port };
}

/** Connects with TLS (SNI = servername) and reads the leaf certificate served. NETWORK error when unreachable. */
export function servedCertificate(address: string, servername: string, signal: AbortSignal, opts: { timeoutMs?: number; field?: string } = {}): Promise<ServedCertificate> {
  const { host, port } = parseHostPort(address, opts.field ?? 'check');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  if (signal.aborted) return Promise.reject(new AppError('CANCELLED', 'Cancelled.'));
  return new Promise<ServedCertificate>((resolve, reject) => {
    let done = false;
    const sock = tls.connect({
      host,
      port,
      // SNI must be a host name, never an IP address (Node warns otherwise).
      ...(servername && !net.isIP(servername) ? { servername } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const finish = (err: Error | null, value?: ServedCertificate): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = (): void => finish(new AppError('CANCELLED', 'Cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(new AppError('NETWORK', `${shown} did not complete a TLS handshake within ${Math.round(timeoutMs / 1000)} s.`, { field: opts.field ?? 'check' })),
      timeoutMs,
    );
    sock.once('secureConnect', () => {
      const cert = sock.getPeerX509Certificate();
      if (!cert) {
        finish(new AppError('NETWORK', `${shown} completed TLS for ${servername} without presenting a certificate.`, { field: opts.field ?? 'check' }));
        return;
      }
      finish(null, {
        serial: cert.serialNumber.toUpperCase(),
        sha256: cert.fingerprint256,
        names: (cert.subjectAltName ?? '')
          .split(', ')
          .filter((n) => n.startsWith('DNS:'))
          .map((n) => n.slice(4)),
      });
    });
    sock.once('error', (e: Error & { code?: string }) => {
      const cause =
        e.code === 'ECONNREFUSED'
          ? 'connection refused (nothing listens on that port)'
          : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
            ? `the name ${host} could not be resolved`
            : e.code
              ? `${e.code}: ${e.message}`
              : e.message;
      finish(
        new AppError('NETWORK', `Could not check the certificate served at ${shown} for ${servername}: ${cause}.`, {
          field: opts.field ?? 'check',
          hint: 'Check the address (host:port of the TLS service) and that the server is running.',
        }),
      );
    });
  });
}
