// nginx on 127.0.0.1 as an end server: HTTP serving a webroot (http-01 files land there) and HTTPS serving the
// certificate files in NGINX_TLS_DIR (a self-signed placeholder at start; tests deploy real ones and reload).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { fetchText } from './pebble.mjs';
import { HOST, findExe, freePort, run, startAndWait } from './util.mjs';

/** A self-signed placeholder certificate for localhost (EC P-256) at dir/fullchain.pem + dir/privkey.pem. */
export async function makePlaceholderCert(dir, cn = 'localhost') {
  await mkdir(dir, { recursive: true });
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  await run(await findExe('openssl'), [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${cn}`,
    '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-addext', `subjectAltName=DNS:${cn}`,
  ]);
  return { cert, key };
}

/** Resolves true when a TLS handshake on port completes. */
function tlsAnswers(port) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: HOST, port, servername: 'localhost', rejectUnauthorized: false, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function startNginx({ workDir }) {
  const dir = path.join(workDir, 'nginx');
  const webroot = path.join(dir, 'www');
  const tlsDir = path.join(dir, 'tls');
  const tmpDir = path.join(dir, 'tmp');
  await mkdir(path.join(webroot, '.well-known', 'acme-challenge'), { recursive: true, mode: 0o755 });
  await mkdir(tmpDir, { recursive: true });
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  await makePlaceholderCert(tlsDir);
  const readyToken = `bed-ready-${randomBytes(6).toString('hex')}`;
  await writeFile(path.join(webroot, 'bed-ready.txt'), `${readyToken}\n`, { mode: 0o644 });
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  const root = process.getuid?.() === 0;
  await writeFile(
    conf,
    [
      ...(root ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} info;`,
      'events { worker_connections 128; }',
      'http {',
      `  access_log ${path.join(dir, 'access.log')};`,
      `  client_body_temp_path ${tmpDir}/body;`,
      `  proxy_temp_path ${tmpDir}/proxy;`,
      `  fastcgi_temp_path ${tmpDir}/fastcgi;`,
      `  uwsgi_temp_path ${tmpDir}/uwsgi;`,
      `  scgi_temp_path ${tmpDir}/scgi;`,
      '  default_type text/plain;',
      '  server {',
      `    listen ${HOST}:${httpPort};`,
      '    server_name _;',
      `    root ${webroot};`,
      '    location / { try_files $uri =404; }',
      '  }',
      '  server {',
      `    listen ${HOST}:${httpsPort} ssl;`,
      '    server_name _;',
      `    ssl_certificate ${path.join(tlsDir, 'fullchain.pem')};`,
      `    ssl_certificate_key ${path.join(tlsDir, 'privkey.pem')};`,
      `    root ${webroot};`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const bin = await findExe('nginx');
  const base = ['-p', dir, '-e', errorLog, '-c', conf];
  await run(bin, [...base, '-t']);
  const svc = await startAndWait(
    { name: 'nginx', cmd: bin, args: [...base, '-g', 'daemon off;'], cwd: dir, workDir, logFile: path.join(dir, 'nginx.log') },
    async () => {
      const res = await fetchText(`http://${HOST}:${httpPort}/bed-ready.txt`, { timeoutMs: 500 });
      return res.status === 200 && res.body.trim() === readyToken && (await tlsAnswers(httpsPort));
    },
    { what: `did not serve http://${HOST}:${httpPort}/ and TLS on ${HOST}:${httpsPort}` },
  );
  return {
    httpPort,
    httpsPort,
    webroot,
    tlsDir,
    conf,
    bin,
    reload: [bin, ...base, '-s', 'reload'].join(' '),
    pid: svc.pid,
    stop: () => svc.stop(),
  };
}
