// Fast checks of electron-builder.yml without packaging: electron-builder's own loader and JSON-schema validation
// accept the file, the security-relevant settings are what we mean, and every input it names exists after
// `node build/build.mjs`. test/integration/packaged-build.test.ts really packages (Linux dir, stand-in Electron)
// from the production build `npm run dist` makes and looks inside the result (bundles minified, no source maps).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// electron-builder's loader lives in app-builder-lib (its dependency); resolve it the way electron-builder does.
const builderRequire = createRequire(join(root, 'node_modules/electron-builder/package.json'));

interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { output?: string; buildResources?: string };
  files?: { filter?: string[] }[];
  extraResources?: { from?: string; to?: string; filter?: string[] }[];
  asar?: boolean;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  linux?: { target?: unknown; category?: string; icon?: string };
  mac?: { target?: unknown; hardenedRuntime?: boolean; icon?: string };
  win?: { target?: unknown; icon?: string };
}

interface ConfigModule {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debugLogger: unknown): Promise<void>;
}

const { getConfig, validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js') as ConfigModule;
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

function pngSize(file: string): { width: number; height: number } {
  const data = readFileSync(file);
  assert.equal(data.subarray(1, 4).toString('latin1'), 'PNG', `${file} is not a PNG`);
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

function targets(t: unknown): string[] {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
}

describe('electron-builder.yml', () => {
  let config: BuilderConfig;
  before(async () => {
    config = await getConfig(root, null, null);
  });

  it('passes electron-builder validation', async () => {
    await validateConfiguration(config, new DebugLogger(false));
  });

  it('a misspelt option is rejected by the same validation (the check has teeth)', async () => {
    const broken = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } };
    await assert.rejects(validateConfiguration(broken, new DebugLogger(false)), /configuration object that does not match/);
  });

  it('names the app and its folders', () => {
    assert.equal(config.appId, 'app.certdesk.desktop');
    assert.equal(config.productName, 'Certdesk');
    assert.deepEqual(config.directories, { output: 'dist', buildResources: 'build' });
  });

  it('packs the bundles into an asar and keeps the keychain binding unpacked', () => {
    assert.equal(config.asar, true);
    assert.ok(config.asarUnpack?.includes('**/node_modules/@napi-rs/keyring*/**'));
    const filters = (config.files ?? []).flatMap((f) => f.filter ?? []);
    for (const f of ['out/**', 'package.json']) assert.ok(filters.includes(f), `files lacks ${f}`);
    // Not only the app's own maps: dependencies ship thousands of them in node_modules.
    assert.ok(filters.includes('!**/*.map'), 'source maps must stay out of the package');
    // A packaged app reads its icons from process.resourcesPath (extraResources), never from the asar.
    assert.ok(!filters.some((f) => f.startsWith('resources')), 'resources/ belongs in extraResources, not in the asar');
  });

  it('flips the Electron fuses', () => {
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('targets AppImage + deb, dmg (hardened runtime) and nsis', () => {
    assert.deepEqual(targets(config.linux?.target), ['AppImage', 'deb']);
    assert.equal(config.linux?.category, 'Utility');
    assert.deepEqual(targets(config.mac?.target), ['dmg']);
    assert.equal(config.mac?.hardenedRuntime, true);
    assert.deepEqual(targets(config.win?.target), ['nsis']);
  });

  it('every icon it names exists and is large enough', () => {
    const icons = new Set([config.linux?.icon, config.mac?.icon, config.win?.icon].filter((x): x is string => !!x));
    icons.add(join(config.directories?.buildResources ?? 'build', 'icon.png'));
    for (const icon of icons) {
      const file = join(root, icon);
      assert.ok(existsSync(file), `${icon} is missing`);
      const { width, height } = pngSize(file);
      assert.ok(width >= 512 && height >= 512, `${icon} is ${width}×${height}; macOS needs 512×512`);
    }
  });

  it('every extra resource exists (tray icon 32×32, window icon)', () => {
    for (const res of config.extraResources ?? []) {
      assert.ok(res.from, 'extraResources entry without from');
      // The agent zips are made by build/agent-package.mjs, which `npm run dist` runs before electron-builder
      // (test/integration/agent-package.test.ts builds and checks them).
      if (res.from === 'out/agent/dist') {
        const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
        assert.match(scripts.dist ?? '', /&& node build\/agent-package\.mjs && electron-builder$/);
        assert.deepEqual(res.filter, ['certdesk-agent-windows-x64.zip', 'certdesk-agent-windows-x86.zip']);
        continue;
      }
      for (const name of res.filter ?? []) assert.ok(existsSync(join(root, res.from, name)), `${res.from}/${name} is missing`);
    }
    // Every icon main.ts may load from process.resourcesPath/resources/ when packaged is copied there.
    const icons = (config.extraResources ?? []).filter((r) => r.from === 'resources' && r.to === 'resources').flatMap((r) => r.filter ?? []);
    const pngs = readdirSync(join(root, 'resources')).filter((f) => f.endsWith('.png'));
    assert.deepEqual([...icons].sort(), [...pngs].sort(), 'extraResources must list every PNG in resources/');
    assert.deepEqual(pngSize(join(root, 'resources/tray.png')), { width: 32, height: 32 });
    // The tray's state variants (build/tray-variants.mjs): expiring soon, failed.
    for (const v of ['tray-expiring.png', 'tray-failed.png']) assert.deepEqual(pngSize(join(root, 'resources', v)), { width: 32, height: 32 }, v);
    assert.deepEqual(pngSize(join(root, 'resources/icon.png')), { width: 512, height: 512 });
  });

  it('the built app exists: main (package.json "main"), preload, renderer', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      main: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const hint = ' (run `node build/build.mjs` first; `npm test` does)';
    for (const file of [pkg.main, 'out/preload/index.cjs', 'out/renderer/index.html', 'out/renderer/app.js']) {
      assert.ok(existsSync(join(root, file)), `${file} is missing${hint}`);
      assert.ok(statSync(join(root, file)).size > 0, `${file} is empty`);
      assert.ok(file.startsWith('out/'), `${file} is not covered by files: out/**`);
    }
    // electron-builder refuses electron in dependencies; the keychain binding must ship.
    assert.ok(pkg.devDependencies?.electron, 'electron must be a devDependency');
    assert.ok(!pkg.dependencies?.electron, 'electron must not be a dependency');
    assert.ok(pkg.dependencies?.['@napi-rs/keyring'], '@napi-rs/keyring must be a dependency');
    // build/build.mjs keeps the DNS SDKs out of the bundles: only as dependencies do they reach the package.
    for (const sdk of ['cloudflare', '@aws-sdk/client-route-53', '@azure/arm-dns', '@azure/identity']) {
      assert.ok(pkg.dependencies?.[sdk], `${sdk} must be a dependency (it is required from node_modules at run time)`);
    }
  });

  it('the renderer page loads its script from the same origin (script-src self)', () => {
    const html = join(root, 'out/renderer/index.html');
    assert.ok(existsSync(html), 'out/renderer/index.html is not built: run node build/build.mjs (npm test does)');
    const text = readFileSync(html, 'utf8');
    assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, 'inline <script> would be blocked by the CSP');
    for (const m of text.matchAll(/<script[^>]*\bsrc="([^"]+)"/gi)) {
      const src = m[1] ?? '';
      assert.ok(!/^[a-z]+:/i.test(src) && !src.startsWith('//'), `script ${src} is not same-origin`);
      assert.ok(existsSync(join(root, 'out/renderer', src)), `script ${src} is missing`);
    }
  });

  it('the asarUnpack pattern covers the installed keychain binding', () => {
    const scope = join(root, 'node_modules/@napi-rs');
    const packages = existsSync(scope) ? readdirSync(scope).filter((d) => d.startsWith('keyring')) : [];
    assert.ok(packages.includes('keyring'), '@napi-rs/keyring is not installed');
    const natives = packages.flatMap((p) => readdirSync(join(scope, p)).filter((f) => f.endsWith('.node')).map((f) => `${p}/${f}`));
    assert.ok(natives.length > 0, 'no prebuilt .node binary found under node_modules/@napi-rs/keyring*');
  });
});
