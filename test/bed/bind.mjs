// BIND 9 as an authoritative RFC 2136 server for example.test, TSIG-protected dynamic updates.
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HOST, findExe, freePort, startAndWait } from './util.mjs';

export const BIND_ZONE = 'example.test';

export async function startBind({ workDir, zone = BIND_ZONE, keyName = 'certdesk-key' }) {
  const dir = path.join(workDir, 'bind');
  await mkdir(dir, { recursive: true });
  const port = await freePort({ udp: true });
  const tsig = { name: keyName, algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
  const tsigFile = path.join(dir, 'tsig.key');
  // Same format as `tsig-keygen` prints; nsupdate -k and named both read it.
  await writeFile(tsigFile, `key "${tsig.name}" {\n\talgorithm ${tsig.algorithm};\n\tsecret "${tsig.secret}";\n};\n`, { mode: 0o600 });
  const zoneFile = path.join(dir, `${zone}.db`);
  await writeFile(
    zoneFile,
    [
      '$TTL 60',
      `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
      `@ IN NS ns1.${zone}.`,
      `@ IN A ${HOST}`,
      `ns1 IN A ${HOST}`,
      `* IN A ${HOST}`,
      '',
    ].join('\n'),
  );
  const conf = path.join(dir, 'named.conf');
  // Runs as the invoking user (no -u): as root it keeps root, so the zone dir (journal files) stays writable.
  await writeFile(
    conf,
    `include "${tsigFile}";
options {
  directory "${dir}";
  pid-file "${path.join(dir, 'named.pid')}";
  session-keyfile "${path.join(dir, 'session.key')}";
  listen-on port ${port} { ${HOST}; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
controls { };
zone "${zone}" {
  type primary;
  file "${zoneFile}";
  update-policy { grant ${tsig.name} zonesub ANY; };
};
`,
  );
  const resolver = new Resolver({ timeout: 300, tries: 1 });
  resolver.setServers([`${HOST}:${port}`]);
  const svc = await startAndWait(
    {
      name: 'named',
      cmd: await findExe('named'),
      args: ['-g', '-4', '-n', '1', '-c', conf],
      cwd: dir,
      workDir,
      logFile: path.join(dir, 'named.log'),
    },
    async () => {
      const soa = await resolver.resolveSoa(zone);
      return soa && soa.nsname === `ns1.${zone}`;
    },
    { what: `did not answer SOA ${zone} on ${HOST}:${port}` },
  );
  return { port, zone, tsig, tsigFile, pid: svc.pid, stop: () => svc.stop() };
}
