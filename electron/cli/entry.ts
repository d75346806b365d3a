// `out/cli/certdesk.cjs`: the few lines that run before the CLI proper (out/cli/certdesk-main.cjs, built from
// main.ts). They exist so the compiled code of the big bundle can come from a cache instead of being parsed again
// in every process: a script that runs `certdesk` five times pays the compile once.
//
// - Node 22.1+ (and Electron's Node when run as node): module.enableCompileCache(dir), before the bundle loads.
// - Node 20 has no such call: the bundle is compiled with vm.Script and V8's own code cache (cachedData), kept per
//   command (`request-create`, `cert-list`, ...) because each compiles different functions; written once when missing
//   or rejected (new Node, new build), atomically, owner-only.
// Either way the cache lives under the user's cache folder (CERTDESK_COMPILE_CACHE=DIR elsewhere, =off for none),
// and anything that goes wrong with it falls back to a plain require(): a cache never decides whether the CLI runs.
//
// Before any of that, `cert list` may be answered at once from the store's listing cache (fast-list.ts): with a
// current db.json.list and no lock owner, nothing else is loaded.
//
// CERTDESK_DEBUG_MODULES=1 prints, at exit, one stderr line `certdesk-modules {json}`: the heavy packages bundled
// in certdesk-main.cjs that were evaluated (build/build.mjs marks them), the files require() loaded from
// node_modules and Node's own modules that were loaded (`builtins`). test/integration/cli-startup.test.ts uses it
// to check that e.g. `cert list` loads no ACME client.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import vm from 'node:vm';
import { fastCertList } from './fast-list.ts';

declare const __CERTDESK_MAIN__: string;
/** A hash of the main bundle's content, from the build. */
declare const __CERTDESK_MAIN_HASH__: string;

/** Where compiled code is cached: $CERTDESK_COMPILE_CACHE, else the platform's per-user cache folder; null = off. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string | null {
  const own = env.CERTDESK_COMPILE_CACHE?.trim();
  if (own === 'off' || own === '0') return null;
  if (own) return resolve(own);
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'Certdesk', 'Cache', 'compile');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'Certdesk', 'compile');
  // XDG: a relative $XDG_CACHE_HOME is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'certdesk', 'compile');
}

/**
 * The command the arguments name, for the cache's file name: `request-verify` in `--data-dir D request verify ID`
 * (each command compiles different functions). Only lowercase words: an ID or a name never makes a new file.
 */
function commandOf(argv: string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') i++;
    else if (a.startsWith('-')) continue;
    else if (/^[a-z][a-z-]{0,19}$/.test(a)) words.push(a);
    else break;
  }
  return words.length ? words.join('-') : 'none';
}

type ModuleInternals = typeof Module & {
  _cache: Record<string, Module>;
  _nodeModulePaths(dir: string): string[];
  wrap(src: string): string;
};

/** Node 20: compiles the CommonJS bundle `file` with a V8 code cache in `dir`; the returned function runs it. */
function compileWithCodeCache(file: string, dir: string): () => void {
  const M = Module as ModuleInternals;
  const st = statSync(file);
  const command = commandOf(process.argv.slice(2));
  // Which Node, which build of the bundle (its content hash, from the build), and that very file (size and time:
  // a bundle changed after the build is not served old code). V8 also checks its version and flags.
  const key = `${process.version}-${process.arch}-${__CERTDESK_MAIN_HASH__}-${st.size}-${Math.floor(st.mtimeMs)}`.replace(/[^\w.-]/g, '_');
  // `@` ends the command's part: `cert@...` and `cert-list@...` are told apart when old files are removed.
  const name = `${command}@${key}.v8`;
  const cacheFile = join(dir, name);
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  const script = new vm.Script(M.wrap(readFileSync(file, 'utf8')), { filename: file, ...(cached ? { cachedData: cached } : {}) });
  if (!cached || script.cachedDataRejected) {
    // Written at exit, so the functions this command compiled are in it too.
    process.once('exit', () => {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
        // Caches of older builds or Node versions for this command are of no further use.
        for (const f of readdirSync(dir)) if (f.startsWith(`${command}@`) && f.endsWith('.v8') && f !== name) rmSync(join(dir, f), { force: true });
      } catch {
        /* a cache that cannot be written only costs time */
      }
    });
  }
  const fn = script.runInThisContext() as (exports: unknown, req: NodeJS.Require, mod: Module, filename: string, dirname: string) => void;
  const req = Module.createRequire(file);
  return () => {
    // As require() would: one module object, in require.cache, with node_modules looked up from the bundle's folder.
    const mod = new Module(file, module);
    mod.filename = file;
    mod.paths = M._nodeModulePaths(dirname(file));
    M._cache[file] = mod;
    fn.call(mod.exports, mod.exports, req, mod, file, dirname(file));
    mod.loaded = true;
  };
}

function debugModules(): void {
  const marks = new Set<string>();
  (globalThis as { __certdeskMark?: (pkg: string) => void }).__certdeskMark = (pkg) => marks.add(pkg);
  process.once('exit', () => {
    const sep = /[\\/]node_modules[\\/]/;
    const required = Object.keys((Module as ModuleInternals)._cache).filter((f) => sep.test(f));
    // Node's own modules that were loaded (e.g. internal/deps/undici/undici behind globalThis.fetch, http2).
    const loadList = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
    const builtins = loadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    process.stderr.write(`certdesk-modules ${JSON.stringify({ bundled: [...marks].sort(), required, builtins })}\n`);
  });
}

/** `cert list` answered from the store's listing (fast-list.ts); false: load the CLI proper. */
function answeredFast(): boolean {
  let out: Buffer | null;
  try {
    out = fastCertList(process.argv.slice(2));
  } catch {
    return false; // any doubt: the normal path
  }
  if (out === null) return false;
  process.stdout.write(out); // one write
  process.exitCode = 0;
  return true;
}

function start(): void {
  if (process.env.CERTDESK_DEBUG_MODULES === '1') debugModules();
  if (answeredFast()) return;
  const file = join(__dirname, __CERTDESK_MAIN__);
  const dir = compileCacheDir();
  const M = Module as typeof Module & { enableCompileCache?: (dir?: string) => unknown };
  if (dir && typeof M.enableCompileCache === 'function') {
    try {
      M.enableCompileCache(dir);
    } catch {
      /* run without */
    }
  } else if (dir) {
    let run: (() => void) | null = null;
    try {
      run = compileWithCodeCache(file, dir);
    } catch {
      run = null;
    }
    // The bundle's own errors are not caught here: they are the CLI's to report.
    if (run) return run();
  }
  Module.createRequire(file)(file);
}

start();
