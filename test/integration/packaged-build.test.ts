// The packaged build, checked without Electron. Electron's binary cannot be downloaded here, so electron-builder
// packages `--linux dir` against a stand-in Electron folder (electronDist: one shell script carrying Electron's
// fuse wire), from a staging folder holding what `npm run dist` packages: the production build, package.json,
// the lockfile, electron-builder.yml, the icons and node_modules (hard links). Nothing may be downloaded: the
// Electron zip is replaced by electronDist, native modules are not rebuilt (npmRebuild=false), electron-builder's
// cache starts empty and must still be empty afterwards, and its download mirrors point at a closed port.
// Then the produced app is opened with @electron/asar: the bundles are inside, byte for byte as built, the
// keychain's .node binary is unpacked (and loads), no devDependency and no source map was packed, the icons the
// packaged main.ts looks for are in the resources, and the fuses are flipped in the binary. Last, the packaged
// main bundle runs under the fake Electron (test/helpers/fake-electron.ts) with app.getAppPath() = app.asar, as
// Electron runs it, and serves its window from the archive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import * as fsPromises from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as asar from '@electron/asar';
import { CHANNELS } from '../../shared/ipc/contract.ts';
import type { Envelope } from '../../shared/ipc/errors.ts';
import { fakeElectron, fakeKeyring, loadMainBundle, until, type FakeElectron } from '../helpers/fake-electron.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const builderRequire = createRequire(join(root, 'node_modules/electron-builder/package.json'));
/** Node's CommonJS module cache (shared by every require()), to see where modules were loaded from. */
const nodeRequire = createRequire(import.meta.url);

interface PackageJson {
  name: string;
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface BuilderConfig {
  linux?: { executableName?: string };
  electronFuses?: Record<string, boolean>;
}
interface LockEntry {
  name?: string;
  dev?: boolean;
  link?: boolean;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
const { getConfig } = builderRequire('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
};

// ---- the stand-in Electron -------------------------------------------------------------------------------------

/** @electron/fuses' sentinel: the fuse wire follows it (version byte, length byte, one byte per fuse). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Fuse wire v1, in wire order (@electron/fuses FuseV1Options), with electron-builder's option names. */
const FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;
/** Electron's own defaults for those fuses ('1' enabled, '0' disabled), as its release binaries ship them. */
const ELECTRON_DEFAULT_WIRE = '10110001';

/** An `electron` that is a shell script, with the fuse wire where @electron/fuses looks for it. */
function standInElectron(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const script = Buffer.from(`#!/bin/sh\n# stand-in for the Electron binary (test/integration/packaged-build.test.ts)\necho stand-in; exit 0\n# ${FUSE_SENTINEL}`, 'latin1');
  const wire = Buffer.concat([Buffer.from([1, FUSES.length]), Buffer.from(`${ELECTRON_DEFAULT_WIRE}\n`, 'latin1')]);
  writeFileSync(join(dir, 'electron'), Buffer.concat([script, wire]), { mode: 0o755 });
}

/** The fuse wire of a binary: version and one '0'/'1' (or other state byte) per fuse. */
function readFuseWire(file: string): { version: number; states: string } {
  const data = readFileSync(file);
  const at = data.indexOf(FUSE_SENTINEL, 0, 'latin1');
  assert.ok(at >= 0, `${file} has no fuse sentinel`);
  assert.equal(data.lastIndexOf(FUSE_SENTINEL, undefined, 'latin1'), at, 'one fuse wire only');
  const wire = at + FUSE_SENTINEL.length;
  const length = data[wire + 1] ?? 0;
  return { version: data[wire] ?? -1, states: data.subarray(wire + 2, wire + 2 + length).toString('latin1') };
}

// ---- helpers --------------------------------------------------------------------------------------------------

/** Runs a command, resolving with its output; rejects with the output's tail when it fails. */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
}

const filesBelow = (d: string): string[] =>
  existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(d, e.name)) : [join(d, e.name)])) : [];

/** Package names in a list of archive paths: every node_modules/<name>/package.json (scoped too), at any depth. */
function packedPackages(paths: string[]): Set<string> {
  const names = new Set<string>();
  for (const p of paths) {
    const at = p.lastIndexOf('node_modules/');
    const m = at < 0 ? null : /^((?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(p.slice(at + 'node_modules/'.length));
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/** Package name of a lockfile key (`node_modules/a/node_modules/@s/b` → `@s/b`). */
const lockName = (key: string, entry: LockEntry): string => entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

/**
 * node:fs/promises as Electron patches it for the app: paths inside app.asar are read from the archive (files
 * marked unpacked from app.asar.unpacked, as @electron/asar does); every other path goes to the disk.
 */
function asarAwareFsPromises(archive: string, reads: string[]): typeof FsPromises {
  const inside = (p: unknown): string | null => {
    const s = typeof p === 'string' ? p : p instanceof URL ? fileURLToPath(p) : null;
    return s && s.startsWith(archive + sep) ? relative(archive, s) : null;
  };
  const readFile = (async (path: Parameters<typeof fsPromises.readFile>[0], options?: Parameters<typeof fsPromises.readFile>[1]) => {
    const rel = inside(path);
    if (rel === null) return fsPromises.readFile(path, options);
    reads.push(rel.split(sep).join('/'));
    const data = asar.extractFile(archive, rel);
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding ? data.toString(encoding) : data;
  }) as typeof fsPromises.readFile;
  return { ...fsPromises, readFile, default: { ...fsPromises, readFile } } as typeof FsPromises;
}

// ---- the checks -------------------------------------------------------------------------------------------------

describe('the packaged app (electron-builder --linux dir with a stand-in Electron)', { skip: process.platform !== 'linux' && 'packages for Linux with cp -al' }, () => {
  const scratch = join(root, 'test/.scratch');
  let stage = '';
  let appDir = '';
  let archive = '';
  let listing: string[] = [];
  let config: BuilderConfig;
  let builderLog = '';
  const seconds: Record<string, number> = {};

  before(async () => {
    mkdirSync(scratch, { recursive: true });
    stage = join(scratch, `packaged-build-${process.pid}`);
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage);
    config = await getConfig(root, null, null);
    let t = Date.now();
    // Exactly the build `npm run dist` runs before electron-builder (its arguments read from the script), while
    // the rest of the staging folder is copied.
    const build = /^node build\/build\.mjs(?<args>[^&]*)&& .*\belectron-builder$/.exec(pkg.scripts.dist ?? '');
    assert.ok(build?.groups, `package.json "dist" does not build with node build/build.mjs, then run electron-builder: ${pkg.scripts.dist}`);
    const args = build.groups.args!.trim().split(/\s+/).filter(Boolean);
    assert.ok(args.includes('--production'), 'npm run dist must build for production');
    for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml', 'build/icon.png']) {
      mkdirSync(join(stage, f, '..'), { recursive: true });
      copyFileSync(join(root, f), join(stage, f));
    }
    cpSync(join(root, 'resources'), join(stage, 'resources'), { recursive: true });
    standInElectron(join(stage, 'electron-dist'));
    mkdirSync(join(stage, 'cache'));
    mkdirSync(join(stage, 'tmp'));
    await Promise.all([
      run(process.execPath, ['build/build.mjs', ...args, '--out', join(stage, 'out')], { cwd: root }),
      // Hard links: fast, and electron-builder only reads node_modules (npmRebuild=false).
      run('cp', ['-al', join(root, 'node_modules'), join(stage, 'node_modules')], { cwd: stage }),
    ]);
    seconds.stage = (Date.now() - t) / 1000;

    t = Date.now();
    const closed = 'http://127.0.0.1:9/';
    builderLog = await run(
      process.execPath,
      [
        join(stage, 'node_modules/electron-builder/cli.js'),
        '--linux',
        'dir',
        '--publish',
        'never',
        `-c.electronDist=${join(stage, 'electron-dist')}`,
        '-c.npmRebuild=false',
        `-c.directories.output=${join(stage, 'dist')}`,
      ],
      {
        cwd: stage,
        env: {
          ...process.env,
          CI: 'true',
          ELECTRON_BUILDER_CACHE: join(stage, 'cache'),
          XDG_CACHE_HOME: join(stage, 'cache'),
          APP_BUILDER_TMP_DIR: join(stage, 'tmp'),
          ELECTRON_MIRROR: closed,
          ELECTRON_BUILDER_BINARIES_MIRROR: closed,
          ELECTRON_BUILDER_BINARIES_ALLOW_HTTP: 'true',
        },
      },
    );
    seconds.electronBuilder = (Date.now() - t) / 1000;
    appDir = join(stage, 'dist', 'linux-unpacked');
    archive = join(appDir, 'resources', 'app.asar');
    assert.ok(existsSync(archive), `electron-builder made no ${relative(stage, archive)}:\n${builderLog.slice(-3000)}`);
    listing = asar.listPackage(archive, { isPack: false }).map((p) => p.replace(/^\//, ''));
  });

  after(() => {
    if (stage) rmSync(stage, { recursive: true, force: true });
    // test/.scratch itself goes too when nothing else is in it.
    if (existsSync(scratch) && readdirSync(scratch).length === 0) rmSync(scratch, { recursive: true, force: true });
  });

  it('packages offline: the stand-in Electron is used and nothing is downloaded', (t) => {
    t.diagnostic(`production build and staging ${seconds.stage} s, electron-builder ${seconds.electronBuilder} s`);
    assert.deepEqual(readdirSync(join(stage, 'cache')), [], "electron-builder's cache was empty and must stay so");
    const exe = join(appDir, config.linux?.executableName ?? pkg.name);
    assert.ok(existsSync(exe), `${exe} is missing`);
    assert.match(readFileSync(exe, 'latin1'), /^#!\/bin\/sh\n# stand-in for the Electron binary/);
  });

  it('app.asar holds the main (package.json "main"), preload and renderer bundles, byte for byte as built', () => {
    const packedPkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as PackageJson;
    assert.equal(packedPkg.main, pkg.main);
    const html = readFileSync(join(stage, 'out/renderer/index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/gi)].map((m) => posix.join('out/renderer', m[1]!));
    assert.ok(scripts.includes('out/renderer/app.js'), 'index.html loads app.js');
    for (const file of [pkg.main, 'out/preload/index.cjs', 'out/renderer/index.html', ...scripts]) {
      assert.ok(listing.includes(file), `${file} is not in app.asar`);
      const packed = asar.extractFile(archive, file);
      assert.ok(packed.length > 0, `${file} is empty`);
      assert.ok(packed.equals(readFileSync(join(stage, file))), `${file} in app.asar differs from the build`);
    }
    // Only what electron-builder.yml's `files` names (and the production node_modules): nothing else of the project.
    const top = [...new Set(listing.map((p) => p.split('/')[0]))].sort();
    assert.deepEqual(top, ['node_modules', 'out', 'package.json']);
    // The production build went in, not a development one.
    assert.equal(JSON.parse(asar.extractFile(archive, 'out/build.json').toString('utf8')).production, true);
  });

  it("the keychain's .node binary is unpacked beside the archive, and loads from there", () => {
    const scope = join(root, 'node_modules/@napi-rs');
    const bindings = readdirSync(scope).filter((d) => d.startsWith('keyring-') && readdirSync(join(scope, d)).some((f) => f.endsWith('.node')));
    assert.ok(bindings.length > 0, 'no @napi-rs/keyring-<platform> package with a .node binary is installed');
    for (const binding of bindings) {
      for (const file of readdirSync(join(scope, binding)).filter((f) => f.endsWith('.node'))) {
        const rel = `node_modules/@napi-rs/${binding}/${file}`;
        assert.ok(listing.includes(rel), `${rel} is not in the package`);
        assert.equal((asar.statFile(archive, rel) as { unpacked?: boolean }).unpacked, true, `${rel} is packed inside the asar`);
        const unpacked = join(`${archive}.unpacked`, rel);
        assert.ok(readFileSync(unpacked).equals(readFileSync(join(scope, binding, file))), `${unpacked} differs from node_modules`);
      }
    }
    // No .node file may stay inside the archive: the OS loader cannot open it there.
    const packedNatives = listing.filter((p) => p.endsWith('.node') && !(asar.statFile(archive, p) as { unpacked?: boolean }).unpacked);
    assert.deepEqual(packedNatives, []);
    // @napi-rs/keyring resolves its binding from the unpacked folder, as it does for Electron, and the OS loads it.
    const unpacked = `${archive}.unpacked${sep}`;
    const before = new Set(Object.keys(nodeRequire.cache));
    const keyring = createRequire(join(unpacked, 'node_modules/@napi-rs/keyring/package.json'))('@napi-rs/keyring') as { AsyncEntry?: unknown };
    assert.equal(typeof keyring.AsyncEntry, 'function');
    const loaded = Object.keys(nodeRequire.cache).filter((k) => !before.has(k));
    assert.ok(loaded.some((k) => k.endsWith('.node') && k.startsWith(unpacked)), `no .node loaded from ${unpacked}: ${loaded.join(', ')}`);
    assert.deepEqual(loaded.filter((k) => !k.startsWith(unpacked)), [], 'parts of the keychain binding came from outside the package');
  });

  it('no devDependency is packed: node_modules holds exactly the production dependencies', () => {
    const packed = packedPackages(listing);
    assert.ok(packed.size > 0, 'no packages found in app.asar');
    const devDirect = Object.keys(pkg.devDependencies).filter((n) => packed.has(n));
    assert.deepEqual(devDirect, [], `devDependencies in the package: ${devDirect.join(', ')}`);
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(packed.has(dep), `dependency ${dep} is not in the package`);
    // Also what only the devDependencies pull in: every lockfile entry of such a name is marked dev.
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const devOnly = new Map<string, boolean>();
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (!key.includes('node_modules/') || entry.link) continue;
      const name = lockName(key, entry);
      devOnly.set(name, (devOnly.get(name) ?? true) && entry.dev === true);
    }
    const devPacked = [...packed].filter((n) => devOnly.get(n) === true);
    assert.deepEqual(devPacked, [], `packages only the devDependencies need: ${devPacked.join(', ')}`);
    // The check has teeth: the tree this packages from does hold dev-only packages.
    for (const dev of ['electron', 'esbuild', 'react', '@mui/material', 'typescript']) assert.equal(devOnly.get(dev), true, dev);
  });

  it('the bundles are minified (renderer, preload, bridge shim)', () => {
    for (const rel of ['out/renderer/app.js', 'out/preload/index.cjs', 'out/bridge-shim/shim.js']) {
      const text = asar.extractFile(archive, rel).toString('utf8');
      const lines = text.split('\n').length;
      // esbuild's minified output has long lines; a readable bundle averages well under 100 characters.
      assert.ok(text.length / lines > 500, `${rel} is not minified (${lines} lines, ${text.length} characters)`);
    }
  });

  it('no source maps: none in the archive, none unpacked, no bundle points to one', () => {
    assert.deepEqual(listing.filter((p) => p.endsWith('.map')), []);
    assert.deepEqual(filesBelow(`${archive}.unpacked`).filter((p) => p.endsWith('.map')), []);
    for (const file of listing.filter((p) => p.startsWith('out/') && /\.c?js$/.test(p))) {
      assert.doesNotMatch(asar.extractFile(archive, file).toString('utf8'), /sourceMappingURL=/, file);
    }
  });

  it('the icons the packaged main.ts loads are resources beside the archive (not inside it)', () => {
    const pngs = readdirSync(join(root, 'resources')).filter((f) => f.endsWith('.png'));
    assert.ok(pngs.includes('tray.png') && pngs.includes('icon.png'));
    for (const png of pngs) {
      const file = join(appDir, 'resources', 'resources', png);
      assert.ok(existsSync(file), `${png} is not in resources/resources/`);
      assert.ok(readFileSync(file).equals(readFileSync(join(root, 'resources', png))), png);
    }
    assert.deepEqual(listing.filter((p) => p.startsWith('resources/')), []);
  });

  it('the fuses of electron-builder.yml are flipped in the binary, the others keep Electron defaults', () => {
    const fuses = config.electronFuses ?? {};
    const unknown = Object.keys(fuses).filter((k) => !(FUSES as readonly string[]).includes(k));
    assert.deepEqual(unknown, [], 'a fuse this test does not know: add it to FUSES in wire order');
    const expected = FUSES.map((name, i) => (name in fuses ? (fuses[name] ? '1' : '0') : ELECTRON_DEFAULT_WIRE[i])).join('');
    assert.notEqual(expected, ELECTRON_DEFAULT_WIRE, 'the configuration changes no fuse');
    const standIn = readFuseWire(join(stage, 'electron-dist', 'electron'));
    assert.deepEqual(standIn, { version: 1, states: ELECTRON_DEFAULT_WIRE }, 'the stand-in itself is left alone');
    const packaged = readFuseWire(join(appDir, config.linux?.executableName ?? pkg.name));
    assert.deepEqual(packaged, { version: 1, states: expected });
  });

  describe('the packaged main bundle under the fake Electron', () => {
    let extracted = '';
    let cacheBefore = new Set<string>();
    let fake: FakeElectron;
    const asarReads: string[] = [];
    const dataDir = () => join(stage, 'data');
    const resourcesPath = () => join(appDir, 'resources');
    const proc = process as { resourcesPath?: string };

    before(async () => {
      // Plain Node cannot require() from inside an archive (Electron patches its loader for that): the packaged
      // node_modules are required from an extracted copy. Files main.ts itself reads under app.getAppPath()
      // (the renderer it serves) come from the archive through an asar-aware node:fs/promises.
      // Outside the staging folder, so that no module can resolve from the project's node_modules instead.
      extracted = mkdtempSync(join(tmpdir(), 'certdesk-packaged-app-'));
      asar.extractAll(archive, extracted);
      cacheBefore = new Set(Object.keys(nodeRequire.cache));
      const appRequire = createRequire(join(extracted, pkg.main));
      const fsp = asarAwareFsPromises(archive, asarReads);
      const require = (id: string): unknown => (id === 'node:fs/promises' || id === 'fs/promises' ? fsp : appRequire(id));
      // Electron sets process.resourcesPath; a packaged main.ts reads its icons from there.
      proc.resourcesPath = resourcesPath();
      fake = fakeElectron({ userData: join(stage, 'userData'), appPath: archive, isPackaged: true });
      loadMainBundle({
        code: asar.extractFile(archive, pkg.main).toString('utf8'),
        filename: join(archive, pkg.main),
        require,
        fake,
        keyring: fakeKeyring().module,
        dataDir: dataDir(),
      });
      fake.ready();
      await until('the window', () => fake.windows[0]?.loaded != null || fake.errorBoxes.length > 0, 30_000);
      assert.deepEqual(fake.errorBoxes, [], 'the packaged main bundle did not start');
    });

    after(async () => {
      try {
        const quit = fake?.trays[0]?.menu?.template.find((i) => i.label === 'Quit');
        if (quit?.click) {
          quit.click();
          await until('the quit', () => fake.log.includes('quit:done'));
        }
      } finally {
        delete proc.resourcesPath;
        if (extracted) rmSync(extracted, { recursive: true, force: true });
      }
    });

    it('opens its window on app://certdesk/ with the preload from the archive, packaged (no devtools, no menu bar)', () => {
      const win = fake.windows[0]!;
      assert.equal(win.loaded, 'app://certdesk/index.html');
      assert.equal(win.visible, true);
      const wp = win.options.webPreferences;
      assert.equal(wp.preload, join(archive, 'out', 'preload', 'index.cjs'));
      assert.ok(listing.includes('out/preload/index.cjs'));
      assert.equal(wp.contextIsolation, true);
      assert.equal(wp.sandbox, true);
      assert.equal(wp.devTools, false);
      assert.deepEqual(fake.applicationMenus, [null]);
    });

    it('serves index.html and app.js through app:// from app.asar, byte for byte', async () => {
      const handler = fake.protocolHandlers.get('app');
      assert.ok(handler, 'protocol.handle("app") was not called');
      const packedHtml = asar.extractFile(archive, 'out/renderer/index.html').toString('utf8');
      assert.ok(packedHtml.includes('__CSP_NONCE__'), 'index.html has no nonce placeholder');
      const page = await handler(new Request('app://certdesk/index.html'));
      assert.equal(page.status, 200);
      const nonce = /style-src 'self' 'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
      assert.ok(nonce, 'no style nonce in the CSP');
      // Byte for byte, except the nonce main.ts puts in place of the placeholder on every load.
      assert.equal(await page.text(), packedHtml.split('__CSP_NONCE__').join(nonce));
      const scripts = [...packedHtml.matchAll(/<script[^>]*\bsrc="([^"]+)"/gi)].map((m) => posix.normalize(m[1]!));
      assert.ok(scripts.includes('app.js'));
      for (const src of scripts) {
        const res = await handler(new Request(`app://certdesk/${src}`));
        assert.equal(res.status, 200, src);
        const body = Buffer.from(await res.arrayBuffer());
        assert.ok(body.equals(asar.extractFile(archive, posix.join('out/renderer', src))), `${src} served differs from app.asar`);
      }
      assert.ok(asarReads.includes('out/renderer/index.html') && asarReads.includes('out/renderer/app.js'), `read from the archive: ${asarReads.join(', ')}`);
      const outside = await handler(new Request('app://certdesk/..%2f..%2fpackage.json'));
      assert.equal(outside.status, 403);
      const missing = await handler(new Request('app://certdesk/app.js.map'));
      assert.equal(missing.status, 404);
    });

    it('requires only modules packed in app.asar, never the project\'s node_modules', () => {
      const loaded = Object.keys(nodeRequire.cache).filter((k) => !cacheBefore.has(k));
      // The main bundle requires some packed modules at start: node-schedule (external, for the renewal scheduler).
      const scheduler = join(extracted, 'node_modules', 'node-schedule') + sep;
      assert.ok(loaded.some((k) => k.startsWith(scheduler)), `node-schedule was not loaded from the package: ${loaded.join(', ')}`);
      assert.deepEqual(loaded.filter((k) => !k.startsWith(extracted + sep)), []);
    });

    it('answers the contract over IPC, with the data folder it was given', async () => {
      assert.deepEqual([...fake.ipcHandlers.keys()].sort(), [...CHANNELS].sort());
      const win = fake.windows[0]!;
      const call = fake.ipcHandlers.get('app:info') as unknown as (e: unknown, r: unknown) => Promise<Envelope<{ face: string; dataDir: string }>>;
      const info = await call({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, {});
      assert.ok(info.ok, JSON.stringify(info));
      assert.equal(info.value.face, 'electron');
      assert.equal(info.value.dataDir, dataDir());
    });

    it('loads the tray and window icons, state variants included, from process.resourcesPath', async () => {
      await until('the tray state', () => fake.trays[0]?.menu?.template[0]?.label === 'All certificates fine');
      const icons = join(resourcesPath(), 'resources');
      for (const name of ['icon.png', 'tray.png', 'tray-expiring.png', 'tray-failed.png']) {
        assert.ok(fake.imagePaths.includes(join(icons, name)), `${name} was not loaded from ${icons}: ${fake.imagePaths.join(', ')}`);
      }
      assert.deepEqual(fake.imagePaths.filter((p) => !p.startsWith(icons + sep)), [], 'an icon came from elsewhere');
    });
  });
});
