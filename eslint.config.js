import { readdirSync } from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const packagesDir = path.join(import.meta.dirname, 'packages');
const subdirs = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

/**
 * The layout rules (README, "Repository layout"), read from the tree so that a new capability is covered the day it
 * appears. A capability is a folder of `packages/<pkg>/src/` other than `internal/` (the kernels two or more share)
 * and `testing/` (the shared test helpers); `http/sse` and `http/shutdown` count as capabilities of their own.
 */
function capabilities(pkg) {
  const src = path.join(packagesDir, pkg, 'src');
  const caps = [];
  for (const name of subdirs(src)) {
    if (name === 'internal' || name === 'testing') continue;
    const nested = subdirs(path.join(src, name)).filter((n) => n !== 'internal' && n !== 'testing');
    if (name === 'http') for (const sub of nested) caps.push(`${name}/${sub}`);
    caps.push(name);
  }
  return caps;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const goscaleSrc = {
  regex: '^goscale/(src|dist)(/|$)|(^|/)packages/goscale/|^(\\.\\./)+goscale/',
  message:
    "Import goscale's public entries ('goscale', 'goscale/<capability>'), never its src/ or dist/ files: only those are the API.",
};

/**
 * One block per capability: its files may import their own `internal/` and the shared `src/internal/`, never another
 * capability's `internal/` (a relative import that names the other folder, e.g. `../sync/internal/waiter.js`). What
 * two capabilities need belongs in `src/internal/`. A nested capability (`http/sse`) has its own block, left out of
 * its parent's.
 */
function layoutBlocks(pkg) {
  const caps = capabilities(pkg);
  return caps.map((cap) => {
    const parent = cap.includes('/') ? cap.split('/')[0] : undefined;
    const others = caps.filter((c) => c !== cap && c !== parent).map((c) => c.split('/').at(-1));
    const files = [`packages/${pkg}/src/${cap}/**/*.ts`];
    const ignores = caps.filter((c) => c.startsWith(`${cap}/`)).map((c) => `packages/${pkg}/src/${c}/**`);
    return {
      files,
      ignores,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `(^|/)(${others.map(escape).join('|')})/internal(/|$)`,
                message: `${pkg}/src/${cap} may not import another capability's internal/: move what two capabilities share to src/internal/, or import the other's public index.ts.`,
              },
              ...(pkg === 'goscale' ? [] : [goscaleSrc]),
            ],
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Off: listeners and catch handlers are handed arrow-function fields bound at construction (`#onEntry`,
      // `waiter.onAbort`) or callbacks that never read `this` (`hooks.onError`), and shutdown saves a server's own
      // `closeIdleConnections` to put it back; typed as interface methods, the rule cannot tell these from an unbound
      // prototype method, and binding them again would cost a closure per wait.
      '@typescript-eslint/unbound-method': 'off',
      // Off: goscale passes on values it did not create, unchanged, as Go's errgroup returns the task's own error: a
      // task's thrown value, and `signal.reason` (any value, by the AbortSignal contract). Wrapping them would break
      // `catch (e) { e === signal.reason }`, which the TSDoc promises.
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Off: an async function is how a caller hands a task to go/map/limit/withLock; tests and benches write tasks the
      // way users do (often with no await inside), and an `async` body that throws must still reject, not throw.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**/*.ts', '**/bench/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Off in tests and benches only (on in src): they read untyped data on purpose — JSON.parse of HTTP bodies and
      // bench reports, worker messages, node:test mock calls, and deliberately wrong arguments cast to `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      // One primitive per file (~150 lines): past 300 a file holds two ideas and is split along the seam. Test files
      // are exempt: they are tables of independent cases about one primitive, read one case at a time, and splitting
      // them by length would scatter a primitive's cases over files named by size rather than behaviour.
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Apps and the other packages use goscale as its users do; their capability blocks below repeat this pattern,
    // since a later block's options replace an earlier one's.
    files: ['packages/*/**/*.ts'],
    ignores: ['packages/goscale/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [goscaleSrc] }],
    },
  },
  {
    // Off for this one file, until its owner splits it: hibernate's loopback Kubernetes-style API server for tests
    // (356 lines: https, auth, discovery, lists, patches and 429s in one file), owned by the hibernate work.
    files: ['packages/hibernate/src/testing/kube-server.ts'],
    rules: { 'max-lines': 'off' },
  },
  ...subdirs(packagesDir).flatMap(layoutBlocks),
  {
    // goscale's benchmarks measure what users get: the public entries, nothing below them.
    files: ['packages/goscale/bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./src/(?!([a-z]+/)?index\\.js$)',
              message:
                "A goscale benchmark imports '../src/index.js' or '../src/<capability>/index.js' only.",
            },
          ],
        },
      ],
    },
  },
);
