// Starts the whole test bed (or a subset) and returns a flat env map for test processes.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startBind } from './bind.mjs';
import { startKeyring } from './keyring.mjs';
import { startNginx } from './nginx.mjs';
import { startChallTestSrv, startPebble } from './pebble.mjs';
import { startSmtp } from './smtp.mjs';
import { startSshd } from './sshd.mjs';
import { freePort, stopAll } from './util.mjs';

export { stopAll };

export const ALL_SERVICES = ['pebble', 'pebble-eab', 'bind', 'sshd', 'nginx', 'keyring', 'smtp'];

/**
 * @param {object} o
 * @param {string} o.workDir   directory for configs, logs, keys and the pids file
 * @param {string[]} [o.services]  subset of ALL_SERVICES
 * @param {object} [o.pebble]  extra startPebble options for the plain Pebble (nonceReject, validityPeriod)
 * @returns {Promise<{env: Record<string,string>, facts: object, timings: Record<string,number>, stop: () => Promise<void>}>}
 */
export async function startBed({ workDir, services = ALL_SERVICES, pebble: pebbleOpts = {} }) {
  const unknown = services.filter((s) => !ALL_SERVICES.includes(s));
  if (unknown.length) throw new Error(`startBed: unknown services ${unknown.join(', ')} (known: ${ALL_SERVICES.join(', ')})`);
  workDir = path.resolve(workDir);
  await mkdir(workDir, { recursive: true });
  const t0 = performance.now();
  const timings = {};
  const stoppers = [];
  const facts = {};
  const timed = (name, p) =>
    p.then((r) => {
      timings[name] = Math.round(performance.now() - t0);
      stoppers.push(r.stop);
      facts[name] = r;
      return r;
    });

  const want = new Set(services);
  const tasks = [];
  if (want.has('pebble') || want.has('pebble-eab')) {
    // Pebble only queries DNS when validating, so it can start alongside challtestsrv.
    const dnsPort = await freePort({ udp: true });
    tasks.push(timed('challtestsrv', startChallTestSrv({ workDir, dnsPort })));
    if (want.has('pebble')) {
      tasks.push(timed('pebble', startPebble({ ...pebbleOpts, workDir, dnsPort, name: 'pebble' })));
    }
    if (want.has('pebble-eab')) {
      tasks.push(timed('pebble-eab', startPebble({ workDir, dnsPort, eab: true, name: 'pebble-eab' })));
    }
  }
  if (want.has('bind')) tasks.push(timed('bind', startBind({ workDir })));
  if (want.has('sshd')) tasks.push(timed('sshd', startSshd({ workDir })));
  if (want.has('nginx')) tasks.push(timed('nginx', startNginx({ workDir })));
  if (want.has('keyring')) tasks.push(timed('keyring', startKeyring({ workDir })));
  if (want.has('smtp')) tasks.push(timed('smtp', startSmtp({ workDir })));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled(stoppers.splice(0).map((s) => s()));
    await stopAll(workDir); // anything that escaped the per-service stop
  };

  const results = await Promise.allSettled(tasks);
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length) {
    await stop();
    const msg = [...new Set(failures.map((e) => (e instanceof Error ? e.message : String(e))))].join('\n---\n');
    throw new Error(`test bed failed to start:\n${msg}`);
  }
  timings.total = Math.round(performance.now() - t0);

  const env = { CERTDESK_BED: '1', BED_WORK_DIR: workDir };
  const c = facts.challtestsrv;
  if (c) Object.assign(env, { CHALLTESTSRV_MGMT: c.mgmtUrl, CHALLTESTSRV_DNS_PORT: String(c.dnsPort) });
  const p = facts.pebble;
  if (p) {
    Object.assign(env, {
      PEBBLE_DIRECTORY: p.directoryUrl,
      PEBBLE_MGMT: p.mgmtUrl,
      PEBBLE_ROOTS_URL: p.rootsUrl,
      PEBBLE_CA_FILE: p.caFile,
      PEBBLE_HTTP_PORT: String(p.httpPort),
      PEBBLE_TLS_PORT: String(p.tlsPort),
    });
  }
  const e = facts['pebble-eab'];
  if (e) {
    Object.assign(env, {
      PEBBLE_EAB_DIRECTORY: e.directoryUrl,
      PEBBLE_EAB_MGMT: e.mgmtUrl,
      PEBBLE_EAB_KID: e.eab.kid,
      PEBBLE_EAB_HMAC: e.eab.hmacKey,
      PEBBLE_EAB_HTTP_PORT: String(e.httpPort),
      PEBBLE_EAB_TLS_PORT: String(e.tlsPort),
    });
    env.PEBBLE_CA_FILE ??= e.caFile;
  }
  const b = facts.bind;
  if (b) {
    Object.assign(env, {
      BIND_PORT: String(b.port),
      BIND_ZONE: b.zone,
      BIND_TSIG_NAME: b.tsig.name,
      BIND_TSIG_ALGORITHM: b.tsig.algorithm,
      BIND_TSIG_SECRET: b.tsig.secret,
      BIND_TSIG_FILE: b.tsigFile,
    });
  }
  const s = facts.sshd;
  if (s) {
    Object.assign(env, {
      SSHD_HOST: s.host,
      SSHD_PORT: String(s.port),
      SSHD_USER: s.user,
      SSHD_CLIENT_KEY: s.clientKeyFile,
      SSHD_HOST_KEY_SHA256: s.hostKeySha256,
      SSHD_HOST_KEY_PUB: s.hostKeyPub,
    });
    // Only when the bed runs as root (it creates the user): unset otherwise, and sshd.mjs says so.
    if (s.passwordUser) Object.assign(env, { SSHD_PASSWORD_USER: s.passwordUser, SSHD_PASSWORD_FILE: s.passwordFile });
  }
  const n = facts.nginx;
  if (n) {
    Object.assign(env, {
      NGINX_HTTP_PORT: String(n.httpPort),
      NGINX_HTTPS_PORT: String(n.httpsPort),
      NGINX_WEBROOT: n.webroot,
      NGINX_TLS_DIR: n.tlsDir,
      NGINX_CONF: n.conf,
      NGINX_BIN: n.bin,
      NGINX_RELOAD: n.reload,
    });
  }
  const k = facts.keyring;
  if (k) Object.assign(env, k.env);
  const m = facts.smtp;
  if (m) Object.assign(env, m.env);

  return { env, facts, timings, stop };
}

/** One short line describing the bed, for logs. */
export function describeBed({ env, timings }) {
  const parts = [];
  if (env.PEBBLE_DIRECTORY) parts.push(`pebble ${env.PEBBLE_DIRECTORY}`);
  if (env.PEBBLE_EAB_DIRECTORY) parts.push(`pebble-eab ${env.PEBBLE_EAB_DIRECTORY}`);
  if (env.CHALLTESTSRV_DNS_PORT) parts.push(`challtestsrv dns :${env.CHALLTESTSRV_DNS_PORT}`);
  if (env.BIND_PORT) parts.push(`bind :${env.BIND_PORT} ${env.BIND_ZONE}`);
  if (env.SSHD_PORT) parts.push(`sshd ${env.SSHD_USER}@127.0.0.1:${env.SSHD_PORT}`);
  if (env.NGINX_HTTP_PORT) parts.push(`nginx http :${env.NGINX_HTTP_PORT} https :${env.NGINX_HTTPS_PORT}`);
  if (env.DBUS_SESSION_BUS_ADDRESS) parts.push('keyring unlocked');
  if (env.SMTP_PORT) parts.push(`smtp ${env.SMTP_USER}@127.0.0.1:${env.SMTP_PORT}`);
  return `bed: ${parts.join(' | ')} (up in ${timings.total} ms)`;
}
