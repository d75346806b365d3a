// Pebble 2.4 has neither ACME profiles (meta.profiles) nor ARI (renewalInfo). This HTTPS front serves
// Pebble's directory with those added; every other URL in the directory still points at Pebble itself.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { bedEnv } from './bed.ts';

export interface DirectoryProxy {
  directoryUrl: string;
  close(): Promise<void>;
}

export async function startDirectoryProxy(extra: { profiles?: Record<string, string> }): Promise<DirectoryProxy> {
  const tlsDir = join(bedEnv('BED_WORK_DIR'), 'pebble-tls');
  const ca = readFileSync(bedEnv('PEBBLE_CA_FILE'));
  const upstream = bedEnv('PEBBLE_DIRECTORY');
  const server: Server = createServer({ cert: readFileSync(join(tlsDir, 'cert.pem')), key: readFileSync(join(tlsDir, 'key.pem')) }, (req, res) => {
    if (req.url !== '/dir') {
      res.writeHead(404).end();
      return;
    }
    import('node:https').then(({ get }) =>
      get(upstream, { ca }, (up) => {
        let body = '';
        up.on('data', (d) => (body += d));
        up.on('end', () => {
          const dir = JSON.parse(body) as { meta?: Record<string, unknown> };
          dir.meta = { ...(dir.meta ?? {}), ...(extra.profiles ? { profiles: extra.profiles } : {}) };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(dir));
        });
      }).on('error', () => res.writeHead(502).end()),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
