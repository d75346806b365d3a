// Pebble (ACME test CA) and pebble-challtestsrv (mock DNS for validation) on loopback.
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { HOST, findExe, freePort, run, startAndWait } from './util.mjs';

/** GET url; resolves {status, body}. `ca` (PEM) is trusted for https. */
export function fetchText(url, { ca, method = 'GET', body, timeoutMs = 2000 } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method,
        ca,
        timeout: timeoutMs,
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * pebble-challtestsrv: mock DNS (every A query answers 127.0.0.1, AAAA nothing; TXT via management API).
 * Only the DNS-01 server and the management API are enabled. dnsPort: chosen here unless given.
 */
export async function startChallTestSrv({ workDir, dnsPort }) {
  const dir = path.join(workDir, 'challtestsrv');
  await mkdir(dir, { recursive: true });
  dnsPort ??= await freePort({ udp: true });
  const mgmtPort = await freePort();
  const mgmtUrl = `http://${HOST}:${mgmtPort}`;
  const cmd = await findExe('pebble-challtestsrv');
  const args = [
    '-dns01', `${HOST}:${dnsPort}`,
    '-http01', '',
    '-https01', '',
    '-tlsalpn01', '',
    '-management', `${HOST}:${mgmtPort}`,
    '-defaultIPv4', HOST,
    '-defaultIPv6', '',
  ];
  const resolver = new Resolver({ timeout: 300, tries: 1 });
  resolver.setServers([`${HOST}:${dnsPort}`]);
  const svc = await startAndWait(
    { name: 'challtestsrv', cmd, args, cwd: dir, workDir, logFile: path.join(dir, 'challtestsrv.log') },
    async () => {
      await fetchText(`${mgmtUrl}/`, { timeoutMs: 500 }); // any HTTP answer means the API is up
      const a = await resolver.resolve4('bed-ready.test');
      return a.includes(HOST);
    },
    { what: `did not answer on management ${mgmtUrl} and DNS ${HOST}:${dnsPort}` },
  );
  return { dnsPort, mgmtUrl, pid: svc.pid, stop: () => svc.stop() };
}

const tlsPromises = new Map();

/**
 * CA + leaf (localhost, 127.0.0.1, ::1) for Pebble's own HTTPS endpoints; made once per workDir.
 * Returns {caFile, certFile, keyFile}.
 */
export function ensurePebbleTls(workDir) {
  const dir = path.join(workDir, 'pebble-tls');
  if (!tlsPromises.has(dir)) {
    tlsPromises.set(dir, makeTls(dir));
    tlsPromises.get(dir).catch(() => tlsPromises.delete(dir));
  }
  return tlsPromises.get(dir);
}

async function makeTls(dir) {
  const files = {
    caFile: path.join(dir, 'ca.pem'),
    certFile: path.join(dir, 'cert.pem'),
    keyFile: path.join(dir, 'key.pem'),
  };
  try {
    await Promise.all(Object.values(files).map((f) => access(f)));
    return files;
  } catch {
    /* create below */
  }
  await mkdir(dir, { recursive: true });
  const openssl = await findExe('openssl');
  const caKey = path.join(dir, 'ca.key');
  const csr = path.join(dir, 'leaf.csr');
  const ext = path.join(dir, 'leaf.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(openssl, [
    'req', '-x509', ...ec, '-keyout', caKey, '-out', files.caFile, '-days', '3650',
    '-subj', '/CN=Certdesk test bed Pebble HTTPS CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run(openssl, ['req', '-new', ...ec, '-keyout', files.keyFile, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '',
    ].join('\n'),
  );
  await run(openssl, [
    'x509', '-req', '-in', csr, '-CA', files.caFile, '-CAkey', caKey,
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '3650', '-extfile', ext, '-out', files.certFile,
  ]);
  return files;
}

/**
 * Pebble ACME server. `dnsPort`: challtestsrv (or any DNS server) Pebble resolves names with.
 * eab: require External Account Binding (one kid + random HMAC key).
 * nonceReject: percentage of valid nonces Pebble rejects with badNonce.
 * validityPeriod: certificate lifetime in seconds (Pebble default: 5 years).
 * httpPort: the port Pebble dials for http-01 (e.g. the bed's nginx); a free, unused port otherwise.
 */
export async function startPebble({ workDir, dnsPort, eab = false, nonceReject = 0, validityPeriod, alternateRoots = 0, httpPort: wantHttpPort, name = eab ? 'pebble-eab' : 'pebble' }) {
  if (!dnsPort) throw new Error('startPebble: dnsPort is required (start challtestsrv first)');
  const dir = path.join(workDir, name);
  await mkdir(dir, { recursive: true });
  const tlsP = ensurePebbleTls(workDir);
  const [port, mgmtPort, httpPort, tlsPort] = [await freePort(), await freePort(), wantHttpPort ?? (await freePort()), await freePort()];
  const tls = await tlsP;
  const eabInfo = eab ? { kid: `certdesk-${name}-kid-1`, hmacKey: randomBytes(48).toString('base64url') } : null;
  const conf = {
    pebble: {
      listenAddress: `${HOST}:${port}`,
      managementListenAddress: `${HOST}:${mgmtPort}`,
      certificate: tls.certFile,
      privateKey: tls.keyFile,
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: Boolean(eab),
      ...(eabInfo ? { externalAccountMACKeys: { [eabInfo.kid]: eabInfo.hmacKey } } : {}),
      ...(validityPeriod ? { certificateValidityPeriod: validityPeriod } : {}),
    },
  };
  const confFile = path.join(dir, 'pebble-config.json');
  await writeFile(confFile, JSON.stringify(conf, null, 2));
  const ca = await readFile(tls.caFile, 'utf8');
  const directoryUrl = `https://${HOST}:${port}/dir`;
  const mgmtUrl = `https://${HOST}:${mgmtPort}`;
  const env = {
    ...process.env,
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: String(nonceReject),
    PEBBLE_AUTHZREUSE: '0',
    // Extra root hierarchies: the certificate can then be downloaded with alternate chains (Link rel=alternate).
    PEBBLE_ALTERNATE_ROOTS: String(alternateRoots),
  };
  const svc = await startAndWait(
    {
      name,
      cmd: await findExe('pebble'),
      args: ['-config', confFile, '-dnsserver', `${HOST}:${dnsPort}`],
      env,
      cwd: dir,
      workDir,
      logFile: path.join(dir, `${name}.log`),
    },
    async () => {
      const res = await fetchText(directoryUrl, { ca, timeoutMs: 1000 });
      return res.status === 200 && JSON.parse(res.body).newAccount;
    },
    { what: `directory ${directoryUrl} did not answer` },
  );
  return {
    directoryUrl,
    mgmtUrl,
    caFile: tls.caFile,
    httpPort,
    tlsPort,
    eab: eabInfo,
    rootsUrl: `${mgmtUrl}/roots/0`,
    pid: svc.pid,
    stop: () => svc.stop(),
  };
}
