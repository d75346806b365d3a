// The layering rules in build/eslint.config.js (DESIGN.md §1): each deliberate violation is reported, each allowed
// import is not, and the real tree has no layering violation.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LAYERING_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
const eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'build/eslint.config.js') });

async function layeringIssues(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  assert.ok(result, 'ESLint returned no result');
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `parse error in the snippet for ${filePath}`);
  return result.messages.filter((m) => m.ruleId !== null && LAYERING_RULES.has(m.ruleId)).map((m) => m.message);
}

const cases: { file: string; code: string; denied: boolean }[] = [
  // shared/**: portable code only.
  { file: 'shared/ipc/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;", denied: true },
  { file: 'shared/ipc/x.ts', code: "import { join } from 'path';\nexport const a = join;", denied: true },
  { file: 'shared/ipc/x.ts', code: "export { readFile } from 'fs/promises';", denied: true },
  { file: 'shared/model/x.ts', code: "import { app } from 'electron';\nexport const a = app;", denied: true },
  { file: 'shared/model/x.ts', code: "import { App } from '../../renderer/src/App.tsx';\nexport const a = App;", denied: true },
  { file: 'shared/model/x.ts', code: "import type { Logger } from '../../electron/core/logger.ts';\nexport type L = Logger;", denied: true },
  { file: 'shared/model/x.ts', code: "import { z } from 'zod';\nimport { AppError } from '../ipc/errors.ts';\nexport const a = [z, AppError];", denied: false },
  // electron/** outside platform/: no electron, no renderer code.
  { file: 'electron/acme/x.ts', code: "import { net } from 'electron';\nexport const a = net;", denied: true },
  { file: 'electron/acme/x.ts', code: "import type { BrowserWindow } from 'electron';\nexport type W = BrowserWindow;", denied: true },
  { file: 'electron/acme/x.ts', code: "import { app } from 'electron/main';\nexport const a = app;", denied: true },
  { file: 'electron/acme/x.ts', code: "export async function f() { return import('electron'); }", denied: true },
  { file: 'electron/app/x.ts', code: "import { theme } from '../../renderer/src/theme.ts';\nexport const a = theme;", denied: true },
  {
    file: 'electron/store/x.ts',
    code: "import { readFile } from 'node:fs/promises';\nimport { AppError } from '../../shared/ipc/errors.ts';\nexport const a = [readFile, AppError];",
    denied: false,
  },
  // electron/platform/**: the one place for electron.
  { file: 'electron/platform/x.ts', code: "import { app, BrowserWindow } from 'electron';\nexport const a = [app, BrowserWindow];", denied: false },
  // renderer/**: only shared/** and browser packages.
  { file: 'renderer/src/x.tsx', code: "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;", denied: true },
  { file: 'renderer/src/x.tsx', code: "import { join } from 'node:path';\nexport const a = join;", denied: true },
  { file: 'renderer/src/x.tsx', code: "import crypto from 'crypto';\nexport const a = crypto;", denied: true },
  { file: 'renderer/src/x.tsx', code: "import { EventHub } from '../../electron/core/events.ts';\nexport const a = EventHub;", denied: true },
  {
    file: 'renderer/src/x.tsx',
    code: "import type { RawApi } from '../../shared/ipc/api.ts';\nimport { useState } from 'react';\nexport type A = RawApi;\nexport const s = useState;",
    denied: false,
  },
  // Everything else (tests, scripts): electron cannot even load outside Electron.
  { file: 'test/unit/x.test.ts', code: "import { app } from 'electron';\nexport const a = app;", denied: true },
  { file: 'build/x.mjs', code: "const electron = require('electron');\nexport default electron;", denied: true },
  { file: 'build/x.mjs', code: "import { build } from 'esbuild';\nimport builder from 'electron-builder';\nexport default [build, builder];", denied: false },
];

describe('layering rules', () => {
  for (const c of cases) {
    const firstImport = /(?:from |import\(|require\()'([^']+)'/.exec(c.code)?.[1] ?? '?';
    it(`${c.denied ? 'denies' : 'allows'} ${firstImport} in ${c.file}`, async () => {
      const issues = await layeringIssues(c.file, c.code);
      if (c.denied) assert.ok(issues.length > 0, `expected a layering error for ${c.file}`);
      else assert.deepEqual(issues, []);
    });
  }

  it('the repository has no layering violation', { timeout: 120_000 }, async () => {
    const results = await eslint.lintFiles(['electron', 'shared', 'renderer', 'test', 'build']);
    const violations = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId !== null && LAYERING_RULES.has(m.ruleId))
        .map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.message}`),
    );
    assert.deepEqual(violations, []);
  });
});
