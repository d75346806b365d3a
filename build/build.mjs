// Builds every Certdesk bundle with esbuild: the Electron main process, the sandboxed preload, the CLI,
// the loopback preview bridge, and the React renderer. One script for all faces keeps their inputs aligned.
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// `node build/build.mjs [--production] [--out DIR]`. A production build is what gets packaged (`npm run dist`
// runs it before electron-builder; NODE_ENV=production selects it too): the renderer, preload and bridge shim
// are minified and no bundle has a source map, so the package ships neither maps nor the sources inside them.
// Development builds (npm start, preview, tests) keep readable code and source maps. --out is for tests.
const args = process.argv.slice(2);
const flagValue = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const production = args.includes('--production') || process.env.NODE_ENV === 'production';
const out = resolve(root, flagValue('--out') ?? 'out');
// The folder is wiped first: never the project itself or a folder above it.
if (out === root || root.startsWith(out + sep) || out === sep) throw new Error(`--out ${out} would wipe the project: choose an empty folder.`);

// Native addons and Electron itself are never bundled.
const nativeExternals = ['electron', '@napi-rs/keyring', 'cpu-features', 'ssh2'];
// The DNS providers' vendor SDKs are not bundled either. Their api.ts files load them with a dynamic import()
// only when an account of that kind is used, and as externals they stay files in node_modules (production
// dependencies, which electron-builder packs like @napi-rs/keyring) that Node requires only then. Bundled, even
// behind esbuild's lazy __esm wrappers, they still made every bundle ~9 MB that each start must read and parse.
// Measured when this was chosen (CLI `--version`, loaded machine): eager bundle 8.7 MB, ~1.0 s; lazy import()
// but bundled 9.4 MB, ~0.85 s; lazy and external 3.5 MB, ~0.55 s. test/unit/dns-lazy-sdk.test.ts fails if an
// SDK is bundled, imported statically or loaded at start again.
const dnsSdkExternals = ['cloudflare', '@aws-sdk/client-route-53', '@azure/arm-dns', '@azure/identity'];
// The same for the mailer (nodemailer: only when a mail is sent) and the scheduler's wake-ups (node-schedule: only
// in the long-running faces), so the CLI never reads them at start.
const lazyExternals = ['nodemailer', 'node-schedule'];
const nodeExternals = [...nativeExternals, ...dnsSdkExternals, ...lazyExternals];

const common = {
  bundle: true,
  sourcemap: !production,
  logLevel: 'warning',
  absWorkingDir: root,
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
};

// The CLI is two files. out/cli/certdesk.cjs (electron/cli/entry.ts, a few KB) turns on the compile cache and then
// loads out/cli/certdesk-main.cjs (electron/cli/main.ts), so the big bundle's compiled code comes from the cache.
// certdesk-main.cjs is minified (about half the bytes to read and parse; no comments, pure ASCII so it decodes on
// V8's fast path) and its source map, in development builds only, is an external file that nothing references:
// no start reads it (`node --enable-source-maps` does not either; point a debugger at it by hand).
// Lazy loading: esbuild's cjs output has no code splitting, but an import() of a bundled module becomes a call of
// that module's init function (esbuild's __esm/__commonJS wrappers), so what main.ts and bootstrap.ts import()
// is parsed but not evaluated until a command needs it — evaluation (zod schemas, node-forge, axios, x509) was the
// bigger half of the cost. ESM output with splitting would also skip parsing what is not needed, but the compile
// cache already takes most of the parse away, and one CommonJS file keeps require() of the externals (keychain,
// SDKs) working inside the asar as before (ESM splitting was not tried). Measured here (2 cores, Node 20, other
// work running; test/bench/scripted.mjs): `certdesk --version` 0.07 s above `node -e 0` (median of 20), was ~0.35 s;
// CPU of `--version` 0.16 s against node's 0.10 s, was ~0.45 s.
const CLI_MAIN = 'certdesk-main.cjs';
const nodeTargets = [
  { entry: 'electron/platform/main.ts', outfile: 'main/index.cjs', exists: true },
  { entry: 'electron/cli/main.ts', outfile: `cli/${CLI_MAIN}`, cli: true },
  { entry: 'electron/bridge/preview.ts', outfile: 'bridge/preview.cjs' },
];

// Heavy packages bundled into the CLI announce their evaluation (when certdesk.cjs runs with
// CERTDESK_DEBUG_MODULES=1 it collects them) so a test can check which commands load which of them. One short
// statement at the end of each of their files; nothing happens unless the launcher defined the collector.
const MARKED_PACKAGES = ['acme-client', 'axios', 'node-forge', '@peculiar/x509', 'asn1js', 'zod', 'lowdb', 'dns-packet', 'mime-db', 'tsyringe'];
const markerPlugin = {
  name: 'certdesk-module-marks',
  setup(b) {
    const escaped = MARKED_PACKAGES.map((p) => p.replace(/[/.]/g, (c) => `\\${c}`)).join('|');
    const filter = new RegExp(`[\\\\/]node_modules[\\\\/](${escaped})[\\\\/].*\\.(c|m)?js$`);
    b.onLoad({ filter }, (args) => {
      const pkg = MARKED_PACKAGES.find((p) => args.path.replace(/\\/g, '/').includes(`/node_modules/${p}/`));
      const text = patchAxios(args.path, readFileSync(args.path, 'utf8'));
      return { contents: `${text}\n;globalThis.__certdeskMark?.(${JSON.stringify(pkg)});\n`, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// axios' Node build (which acme-client sends every ACME request through) loads at its evaluation four things that
// Certdesk never uses: form-data (with mime-types and the whole mime-db table), https-proxy-agent (with agent-base
// and debug), follow-redirects (the transport always sets maxRedirects 0) and node:http2; and it builds its fetch
// adapter once right away, which makes Node load its bundled undici (globalThis.Request) although the adapter in use
// is 'http'. Together ~15-25 ms of CPU in every CLI process that talks to a CA. This plugin (hand-written; no
// lazy-require plugin is used) gives axios small stand-ins that load the real module on first use — the same
// behaviour if a later Certdesk ever does send a form, uses a proxy or HTTP/2 — and drops the warm-up call of the
// fetch adapter (axios builds it on first use by itself: knownAdapters.fetch is a getter). The bundle still contains
// all of them; they are just not evaluated. test/integration/cli-startup.test.ts checks that undici, http2 and
// form-data stay unloaded. If an axios update changes the patched line the build fails here, so that this is looked
// at again instead of silently loading undici.
const AXIOS_NODE = /[\\/]node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/;
const LAZY_FOR_AXIOS = {
  // A constructor that returns the real FormData (`new` returns the object the function returns).
  'form-data': `module.exports = function FormData(...args) { const Real = require('form-data'); return new Real(...args); };`,
  // instanceof works once the real class exists; before that nothing can be an instance of it.
  'https-proxy-agent': `let Real = null;
const load = () => (Real ??= require('https-proxy-agent'));
function HttpsProxyAgent(...args) { const R = load(); return new R(...args); }
Object.defineProperty(HttpsProxyAgent, Symbol.hasInstance, { value: (x) => Real !== null && x instanceof Real });
module.exports = HttpsProxyAgent;`,
  // axios destructures { http, https } at load and calls .request() on one of them only when redirects are followed.
  'follow-redirects': `const real = () => require('follow-redirects');
const side = (k) => ({ request: (...a) => real()[k].request(...a), get: (...a) => real()[k].get(...a) });
module.exports = { http: side('http'), https: side('https') };`,
  // Used only for httpVersion 2 requests: connect() and constants.
  http2: `module.exports = { connect: (...a) => require('node:http2').connect(...a), get constants() { return require('node:http2').constants; } };`,
};
// acme-client's crypto helpers (required by its Client for two PEM utilities) load @peculiar/x509 (with tsyringe,
// reflect-metadata, the ASN.1 schemas) and asn1js at evaluation and set x509's crypto provider. Certdesk builds its
// CSRs itself (electron/orders/csr.ts) and finalizes without them, so in the CLI they are stand-ins that load the
// real library on first use of any of its exports (then with the provider acme-client set).
const ACME_CRYPTO = /[\\/]node_modules[\\/]acme-client[\\/]src[\\/]crypto[\\/]index\.js$/;
const LAZY_FOR_ACME_CRYPTO = {
  '@peculiar/x509': `let real = null;
let provider = null;
const load = () => {
  if (real === null) {
    real = require('@peculiar/x509');
    if (provider !== null) real.cryptoProvider.set(provider);
  }
  return real;
};
const cryptoProvider = { set(p) { provider = p; if (real !== null) real.cryptoProvider.set(p); } };
module.exports = new Proxy({}, {
  get: (_, k) => (k === 'cryptoProvider' && real === null ? cryptoProvider : load()[k]),
  has: (_, k) => k in load(),
});`,
  asn1js: `module.exports = new Proxy({}, { get: (_, k) => require('asn1js')[k], has: (_, k) => k in require('asn1js') });`,
};
const LAZY = [
  { importer: AXIOS_NODE, modules: LAZY_FOR_AXIOS },
  { importer: ACME_CRYPTO, modules: LAZY_FOR_ACME_CRYPTO },
];
const axiosLazyPlugin = {
  name: 'certdesk-lazy-requires',
  setup(b) {
    const names = LAZY.flatMap((l) => Object.keys(l.modules));
    b.onResolve({ filter: new RegExp(`^(node:)?(${names.map((n) => n.replace(/[-/.@]/g, (c) => `\\${c}`)).join('|')})$`) }, (args) => {
      const bare = args.path.replace(/^node:/, '');
      const i = LAZY.findIndex((l) => l.importer.test(args.importer) && Object.prototype.hasOwnProperty.call(l.modules, bare));
      if (i < 0) return undefined;
      return { path: `${i}:${bare}`, namespace: 'certdesk-lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'certdesk-lazy' }, (args) => {
      const at = args.path.indexOf(':');
      return { contents: LAZY[Number(args.path.slice(0, at))].modules[args.path.slice(at + 1)], loader: 'js', resolveDir: root };
    });
  },
};
/** Source changes applied to a package file before it is bundled (the CLI only); each must match exactly once. */
function patchAxios(file, text) {
  if (!AXIOS_NODE.test(file)) return text;
  const patches = [
    // The warm-up call that builds the fetch adapter (and loads undici) at evaluation.
    [/^getFetch\(\);$/m, '/* certdesk: fetch adapter built on first use (build/build.mjs) */'],
    // Reading globalThis.FormData loads undici too. isFormData() still knows a native FormData without it: its
    // toString tag is "FormData" (the kindOf test that follows), so only the early instanceof shortcut goes.
    [/^const FormDataCtor = typeof G\.FormData !== 'undefined' \? G\.FormData : undefined;$/m, 'const FormDataCtor = undefined; /* certdesk: see build/build.mjs */'],
  ];
  for (const [re, by] of patches) {
    if (!re.test(text)) throw new Error(`build: ${file} no longer has ${re}: check build.mjs axiosLazyPlugin against this axios version.`);
    text = text.replace(re, by);
  }
  return text;
}

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const jobs = [];
  let cliMain = null;
  for (const t of nodeTargets) {
    if (!existsSync(join(root, t.entry))) continue;
    const job = build({
      ...common,
      entryPoints: [t.entry],
      outfile: join(out, t.outfile),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: nodeExternals,
      // import() of an external becomes a lazy require(): the DNS SDKs then load the way @napi-rs/keyring does
      // (CommonJS, from node_modules, inside the asar too) and are not resolved by the ESM loader.
      supported: { 'dynamic-import': false },
      banner: t.banner ? { js: t.banner } : undefined,
      // lowdb and friends are ESM-only; esbuild turns them into CJS, import.meta.url needs a shim.
      inject: [join(root, 'build/import-meta-url.js')],
      define: { ...common.define, 'import.meta.url': 'import_meta_url' },
      ...(t.cli
        ? { minify: true, charset: 'ascii', legalComments: 'external', sourcemap: production ? false : 'external', plugins: [axiosLazyPlugin, markerPlugin] }
        : {}),
    });
    if (t.cli) cliMain = job;
    jobs.push(job);
  }
  if (cliMain && existsSync(join(root, 'electron/cli/entry.ts'))) {
    // The launcher names the main bundle's content (its code cache must never serve another bundle's code: V8
    // itself only compares the source length), so it is built after it.
    jobs.push(cliMain.then(() => build({
      ...common,
      entryPoints: ['electron/cli/entry.ts'],
      outfile: join(out, 'cli/certdesk.cjs'),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      sourcemap: false,
      banner: { js: '#!/usr/bin/env node' },
      define: {
        ...common.define,
        __CERTDESK_MAIN__: JSON.stringify(CLI_MAIN),
        __CERTDESK_MAIN_HASH__: JSON.stringify(createHash('sha256').update(readFileSync(join(out, 'cli', CLI_MAIN))).digest('hex').slice(0, 16)),
      },
    })));
  }
  if (existsSync(join(root, 'electron/agent/main.ts'))) {
    // The agent runs on servers from this one file (Node 20+, or inside a single-executable certdesk-agent.exe):
    // everything but Node's built-ins is bundled, minified, without a source map, so nothing has to sit beside it.
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    jobs.push(build({
      ...common,
      entryPoints: ['electron/agent/main.ts'],
      outfile: join(out, 'agent/certdesk-agent.cjs'),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      define: { ...common.define, __CERTDESK_AGENT_VERSION__: JSON.stringify(version) },
    }));
  }
  if (existsSync(join(root, 'electron/agent/installer-main.ts'))) {
    // AgentInstaller.exe (installs the agent as a Windows service): one self-contained bundle like the agent's, made
    // into a single-executable app by build/agent-package.mjs.
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    jobs.push(build({
      ...common,
      entryPoints: ['electron/agent/installer-main.ts'],
      outfile: join(out, 'agent/agent-installer.cjs'),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      define: { ...common.define, __CERTDESK_AGENT_VERSION__: JSON.stringify(version) },
    }));
  }
  if (existsSync(join(root, 'electron/platform/preload.ts'))) {
    // Sandboxed preloads may only require('electron') and a few polyfilled modules: bundle everything else.
    jobs.push(build({
      ...common,
      entryPoints: ['electron/platform/preload.ts'],
      outfile: join(out, 'preload/index.cjs'),
      platform: 'node',
      format: 'cjs',
      target: 'chrome130',
      minify: production,
      external: ['electron'],
    }));
  }
  if (existsSync(join(root, 'renderer/src/main.tsx'))) {
    jobs.push(build({
      ...common,
      entryPoints: ['renderer/src/main.tsx'],
      outfile: join(out, 'renderer/app.js'),
      platform: 'browser',
      format: 'esm',
      target: 'chrome120',
      jsx: 'automatic',
      minify: production,
      loader: { '.png': 'file', '.svg': 'file', '.woff2': 'file' },
    }).then(() => {
      cpSync(join(root, 'renderer/index.html'), join(out, 'renderer/index.html'));
    }));
  }
  if (existsSync(join(root, 'electron/bridge/shim.ts'))) {
    jobs.push(build({
      ...common,
      entryPoints: ['electron/bridge/shim.ts'],
      outfile: join(out, 'bridge-shim/shim.js'),
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      minify: production,
    }));
  }
  await Promise.all(jobs);
  writeFileSync(join(out, 'build.json'), JSON.stringify({ builtAt: new Date().toISOString(), production }));
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
