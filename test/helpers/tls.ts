// What a TLS server really serves: the leaf's serial for a name (SNI), as a browser would see it.
import { connect } from 'node:tls';

/** The serial (upper-case hex) of the leaf served at `address` ("host:port", or a port on 127.0.0.1) for `servername`. */
export function servedSerial(address: string | number, servername: string): Promise<string> {
  const text = String(address);
  const [host, port] = text.includes(':') ? [text.slice(0, text.lastIndexOf(':')), text.slice(text.lastIndexOf(':') + 1)] : ['127.0.0.1', text];
  return new Promise((resolve, reject) => {
    const s = connect({ host, port: Number(port), servername, rejectUnauthorized: false }, () => {
      const serial = s.getPeerCertificate().serialNumber.toUpperCase();
      s.end();
      resolve(serial);
    });
    s.on('error', reject);
  });
}
