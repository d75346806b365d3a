// ESLint flat config: recommended JS + typescript-eslint rules (not type-aware, to stay fast; `npm run
// typecheck` does the type work), plus the layering rules of DESIGN.md §1, in the spirit of VS Code's
// code-layering rule:
//   - only electron/platform/** may import `electron`;
//   - shared/** is plain, portable TypeScript: no Node builtins, no DOM code (renderer/**), no electron/**;
//   - renderer/** talks to the main process only through window.certdesk: no `electron`, no Node builtins,
//     no electron/** (it may import shared/**);
//   - the main-process side (electron/**) never imports renderer code.
// test/unit/layering.test.ts proves the rules fire and that the tree obeys them.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const SOURCE_FILES = ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `electron` and its subpaths (`electron/main`, ...), but not packages like `electron-builder`. */
const ELECTRON = {
  regex: '^electron(/.*)?$',
  caseSensitive: true,
  message: 'Only electron/platform/** may import electron: put the Electron part there behind an interface.',
};
const NODE_BUILTINS = {
  regex: `^(node:.*|${builtinModules.filter((m) => !m.startsWith('_')).map(escape).join('|')})$`,
  caseSensitive: true,
  message: 'This layer must run outside Node too: no Node builtins here (move the Node part under electron/).',
};
/** A relative import whose path goes through a `renderer` folder. */
const RENDERER_DIR = {
  regex: '^\\.{1,2}/(.*/)?renderer(/|$)',
  caseSensitive: true,
  message: 'renderer/** is DOM code for the page: share types and logic through shared/** instead.',
};
/** A relative import whose path goes through an `electron` folder (the main-process services). */
const ELECTRON_DIR = {
  regex: '^\\.{1,2}/(.*/)?electron(/|$)',
  caseSensitive: true,
  message: 'electron/** is main-process code: reach it through the IPC contract in shared/ipc/.',
};

const restrict = (...patterns) => ['error', { patterns }];

/** require('electron') and import('electron') slip past no-restricted-imports. */
const DYNAMIC_ELECTRON = [
  'error',
  {
    selector: "ImportExpression[source.value=/^electron(\\u002F|$)/]",
    message: ELECTRON.message,
  },
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value=/^electron(\\u002F|$)/]",
    message: ELECTRON.message,
  },
];

/** Globals of the Node that runs the build and test scripts (plain .js/.mjs/.cjs files). */
const nodeGlobals = Object.fromEntries(
  [...Object.getOwnPropertyNames(globalThis), 'require', 'module', 'exports', '__dirname', '__filename'].map((name) => [
    name,
    'readonly',
  ]),
);

export default defineConfig([
  globalIgnores(['out/', 'dist/', 'node_modules/', 'test/.bed/', 'test/artifacts/', 'test/.scratch/']),

  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter or binding that is deliberately unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // esbuild injects this shim into CommonJS bundles, where require() is the point.
    files: ['build/import-meta-url.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // ---- layering ------------------------------------------------------------------------------------------
  {
    files: SOURCE_FILES,
    rules: { 'no-restricted-imports': restrict(ELECTRON), 'no-restricted-syntax': DYNAMIC_ELECTRON },
  },
  {
    files: ['electron/**'],
    ignores: ['electron/platform/**'],
    rules: { 'no-restricted-imports': restrict(ELECTRON, RENDERER_DIR) },
  },
  {
    files: ['electron/platform/**'],
    rules: { 'no-restricted-imports': restrict(RENDERER_DIR), 'no-restricted-syntax': 'off' },
  },
  {
    files: ['shared/**'],
    rules: { 'no-restricted-imports': restrict(ELECTRON, NODE_BUILTINS, RENDERER_DIR, ELECTRON_DIR) },
  },
  {
    files: ['renderer/**'],
    rules: { 'no-restricted-imports': restrict(ELECTRON, NODE_BUILTINS, ELECTRON_DIR) },
  },
]);
