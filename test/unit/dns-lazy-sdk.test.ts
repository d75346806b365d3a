// The DNS providers' vendor SDKs are loaded only when an account of that kind is used (see build/build.mjs):
// listing the providers (registry, descriptors) and starting the CLI must not load any of them. Three checks:
// no static import of an SDK is reachable from electron/dns/registry.ts; the built bundles do not contain the
// SDKs; and `certdesk --version` under a --require hook has none of their files in require.cache at exit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// ssh2 too: only a server test, an http-01 placement or a deployment opens an SSH connection; node-schedule only
// when a long-running face starts the renewal wake-ups; nodemailer only when a mail is sent.
const SDKS = ['cloudflare', '@aws-sdk/client-route-53', '@azure/arm-dns', '@azure/identity', 'ssh2', 'node-schedule', 'nodemailer'];
const hint = ' (run `node build/build.mjs` first; `npm test` does)';

/** Files of an SDK package among `files` (paths as require.cache keys them). */
function sdkFiles(files: string[]): string[] {
  return files.filter((f) => SDKS.some((s) => f.includes(`${join('node_modules', s)}/`) || f.includes(`${join('node_modules', s)}\\`)));
}

/** Static imports and re-exports of `file` that are not type-only: [specifier, ...]. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue;
    out.push(m[4]!);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

describe('DNS SDKs load only when a provider uses them', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'certdesk-lazy-sdk-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  // At exit, writes every file require() loaded to $CERTDESK_LOADED_OUT.
  const hook = join(tmp, 'record-loads.cjs');
  writeFileSync(hook, "process.on('exit', () => require('node:fs').writeFileSync(process.env.CERTDESK_LOADED_OUT, JSON.stringify(Object.keys(require.cache))));\n");

  function loadedBy(args: string[]): { files: string[]; stdout: string } {
    const outFile = join(tmp, `loaded-${Math.random().toString(36).slice(2)}.json`);
    const r = spawnSync(process.execPath, ['--require', hook, ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CERTDESK_LOADED_OUT: outFile },
    });
    assert.equal(r.status, 0, `node ${args.join(' ')} failed: ${r.stderr}`);
    return { files: JSON.parse(readFileSync(outFile, 'utf8')) as string[], stdout: r.stdout };
  }

  it('no SDK is imported statically by the registry, the descriptors or the providers', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of valueImports(file)) {
        if (SDKS.some((s) => spec === s || spec.startsWith(`${s}/`))) offenders.push(`${file.slice(root.length)} imports ${spec}`);
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      }
    };
    visit(join(root, 'electron/dns/registry.ts'));
    for (const f of ['electron/deploy/servers.ts', 'electron/deploy/deployer.ts', 'electron/orders/solvers/http.ts', 'electron/app/bootstrap.ts']) visit(join(root, f));
    assert.ok(seen.has(join(root, 'electron/email/mailer.ts')), 'email/mailer.ts was not reached');
    assert.ok(seen.has(join(root, 'electron/deploy/ssh/connect.ts')), 'ssh/connect.ts was not reached');
    assert.ok(seen.size > 10, `the walk found only ${seen.size} files`);
    for (const p of ['cloudflare', 'route53', 'azure']) assert.ok(seen.has(join(root, `electron/dns/${p}/api.ts`)), `${p}/api.ts was not reached`);
    assert.deepEqual(offenders, [], 'an SDK must be loaded with a dynamic import() on first use, never imported statically');
  });

  it('the built bundles leave the SDKs in node_modules', () => {
    const build = join(root, 'out/build.json');
    assert.ok(existsSync(build), `out/ is not built${hint}`);
    for (const bundle of ['out/cli/certdesk-main.cjs', 'out/main/index.cjs', 'out/bridge/preview.cjs']) {
      const text = readFileSync(join(root, bundle), 'utf8');
      // Development bundles name every bundled file in a `// node_modules/<pkg>/...` comment; the CLI's bundle is
      // minified, its (external, development-only) source map lists them.
      const minified = bundle.startsWith('out/cli/');
      const sources = minified ? (JSON.parse(readFileSync(join(root, `${bundle}.map`), 'utf8')) as { sources: string[] }).sources : [];
      if (minified) assert.ok(sources.some((f) => f.includes('node_modules/zod/')), `${bundle}.map does not list the bundled packages`);
      for (const s of SDKS) {
        if (minified) assert.ok(!sources.some((f) => f.includes(`node_modules/${s}/`)), `${bundle} bundles ${s}: keep it external in build/build.mjs`);
        else assert.ok(!text.includes(`// node_modules/${s}/`), `${bundle} bundles ${s}: keep it external in build/build.mjs`);
        assert.ok(text.includes(`require("${s}")`), `${bundle} does not require ${s} at run time`);
      }
    }
  });

  it('`certdesk --version` loads no SDK', () => {
    const cli = join(root, 'out/cli/certdesk.cjs');
    assert.ok(existsSync(cli), `${cli} is missing${hint}`);
    const { files, stdout } = loadedBy([cli, '--version']);
    assert.match(stdout, /^\d+\.\d+\.\d+/);
    assert.ok(files.some((f) => f === cli), 'the hook did not see the CLI bundle');
    assert.deepEqual(sdkFiles(files), []);
  });

  it('the check has teeth: requiring an SDK is seen', () => {
    const { files } = loadedBy(['-e', "require('cloudflare'); require('@aws-sdk/client-route-53'); require('ssh2'); require('nodemailer')"]);
    assert.ok(sdkFiles(files).some((f) => f.includes(join('node_modules', 'nodemailer'))));
    assert.ok(sdkFiles(files).some((f) => f.includes(join('node_modules', 'ssh2'))));
    assert.ok(sdkFiles(files).some((f) => f.includes(join('node_modules', 'cloudflare'))));
    assert.ok(sdkFiles(files).some((f) => f.includes(join('node_modules', '@aws-sdk', 'client-route-53'))));
  });
});
