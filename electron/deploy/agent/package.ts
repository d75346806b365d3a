// The Certdesk agent for Windows as a zip (issue 10): what `certdesk agent package --arch x64|x86 --out F.zip` and
// the Windows agents tab's downloads write. The zips are made on Linux by build/agent-package.mjs
// (`npm run build:agent`); here they are only found and copied:
//  1. an installed app: <resourcesPath>/agent/certdesk-agent-windows-<arch>.zip (electron-builder extraResources);
//  2. a source checkout: out/agent/dist/<zip> when `npm run build:agent` made it, else the script is run for this
//     one arch (it needs the npm registry once for Node and WinSW; later runs use build/.cache/agent/).
// CERTDESK_AGENT_DIST names another folder holding prebuilt zips (checked first).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../shared/ipc/errors.ts';

export type AgentArch = 'x64' | 'x86';

export interface PackageProgress {
  step(step: string, message: string, item?: string): void;
  readonly signal?: AbortSignal;
}

export const agentZipName = (arch: AgentArch): string => `certdesk-agent-windows-${arch}.zip`;

/** The source checkout this module runs from (a folder with build/agent-package.mjs), or null in an installed app. */
export function checkoutRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'build', 'agent-package.mjs')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Where a prebuilt zip for `arch` is, in the order above; null when there is none. */
export function prebuiltZip(arch: AgentArch, env: NodeJS.ProcessEnv = process.env, root = checkoutRoot()): string | null {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  const dirs = [
    env.CERTDESK_AGENT_DIST,
    resourcesPath ? join(resourcesPath, 'agent') : undefined,
    root ? join(root, 'out', 'agent', 'dist') : undefined,
  ].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const zip = join(dir, agentZipName(arch));
    if (existsSync(zip)) return zip;
  }
  return null;
}

function runPackager(root: string, arch: AgentArch, out: string, progress?: PackageProgress): Promise<void> {
  return new Promise((done, failed) => {
    // In Electron, process.execPath is the app: ELECTRON_RUN_AS_NODE makes it the Node it carries (plain node ignores it).
    const child = spawn(process.execPath, [join(root, 'build', 'agent-package.mjs'), '--arch', arch, '--out', out], {
      cwd: root,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      windowsHide: true,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const line of d.toString().split('\n')) {
        const m = /^\[agent-package\] (.+)$/.exec(line.trim());
        if (m) progress?.step('package', m[1]!);
      }
    });
    const onAbort = (): void => {
      child.kill();
    };
    progress?.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => failed(new AppError('INTERNAL', `Could not run the agent packager: ${err.message}.`)));
    child.on('close', (code) => {
      progress?.signal?.removeEventListener('abort', onAbort);
      if (progress?.signal?.aborted) return failed(new AppError('CANCELLED', 'The operation was cancelled.'));
      if (code === 0) return done();
      const why = /agent-package: (.+)/.exec(stderr)?.[1] ?? stderr.trim().split('\n').pop() ?? `exit ${code}`;
      failed(
        new AppError('INTERNAL', `Building the agent package for ${arch} failed: ${why}`, {
          hint: 'Run npm run build:agent in the checkout to see every step (it needs the npm registry once, for Node and WinSW).',
        }),
      );
    });
  });
}

/**
 * Writes the agent zip for `arch` to `out` (an existing file only with `force`). Returns the written path and size.
 */
export async function packageAgent(input: { arch: AgentArch; out: string; force?: boolean }, progress?: PackageProgress): Promise<{ path: string; bytes: number }> {
  const { arch } = input;
  if (arch !== 'x64' && arch !== 'x86') throw AppError.invalid('arch', `"${String(arch)}" is not an architecture of the agent package.`, 'Use x64 (64-bit Windows) or x86 (32-bit).');
  if (!input.out?.trim()) throw AppError.invalid('out', 'Say where to write the zip.', `For example ${agentZipName(arch)}.`);
  const out = resolve(input.out);
  if (!existsSync(dirname(out))) throw AppError.invalid('out', `The folder ${dirname(out)} does not exist.`, 'Create it first or choose another place for the zip.');
  if (existsSync(out)) {
    if (statSync(out).isDirectory()) throw AppError.invalid('out', `${out} is a folder.`, `Name the zip file, e.g. ${join(out, agentZipName(arch))}.`);
    if (!input.force) throw new AppError('CONFLICT', `${out} already exists.`, { field: 'out', hint: 'Choose another name, or pass --force to replace it.' });
  }
  const part = `${out}.${process.pid}.part`;
  try {
    const zip = prebuiltZip(arch);
    if (zip) {
      progress?.step('copy', `Copying the agent package for ${arch}`, zip);
      copyFileSync(zip, part);
    } else {
      const root = checkoutRoot();
      if (!root) {
        throw new AppError('NOT_FOUND', `This installation of Certdesk has no agent package for ${arch} (${agentZipName(arch)} is missing from its resources).`, {
          field: 'arch',
          hint: 'Reinstall Certdesk, or build the zip in a source checkout with npm run build:agent.',
        });
      }
      progress?.step('package', `Building the agent package for ${arch} (takes about a minute)`);
      await runPackager(root, arch, part, progress);
    }
    renameSync(part, out);
  } finally {
    rmSync(part, { force: true });
  }
  return { path: out, bytes: statSync(out).size };
}
