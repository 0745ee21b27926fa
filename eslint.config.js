// Lint configuration. Besides the usual rules it enforces the dependency direction of
// The layout rule (ARCHITECTURE.md): core <- ports <- app <- (http, cli, jobs); adapters implement ports; main and compose wire.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (name, forbidden, extra = []) => ({
  files: [`src/${name}/**/*.ts`, `src/${name}/**/*.tsx`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((f) => ({
            group: [`**/${f}/**`, `**/${f}`],
            message: `src/${name} must not import from src/${f} (imports point inward; see ARCHITECTURE.md).`,
          })),
          ...extra,
        ],
      },
    ],
  },
});

// core is pure: no I/O modules, no drivers, no clock reading through them.
const NO_IO = [
  {
    group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process', 'node:zlib', 'better-sqlite3', 'hono', 'hono/*'],
    message: 'src/core is pure logic: do I/O in adapters and pass the results in.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'models/', '.bench/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { performance: 'readonly', process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', TextDecoder: 'readonly', AbortSignal: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // src/compose is the composition root (with main.ts): it may import every folder, and no folder
  // imports it, so 'compose' is forbidden everywhere below and compose itself gets no layer rule.
  layer('core', ['ports', 'app', 'adapters', 'http', 'cli', 'jobs', 'config', 'compose'], NO_IO),
  layer('ports', ['app', 'adapters', 'http', 'cli', 'jobs', 'config', 'compose']),
  layer('app', ['adapters', 'http', 'cli', 'jobs', 'config', 'compose']),
  layer('adapters', ['app', 'http', 'cli', 'jobs', 'compose']),
  layer('http', ['adapters', 'cli', 'jobs', 'compose']),
  layer('cli', ['adapters', 'http', 'jobs', 'compose']),
  layer('jobs', ['adapters', 'http', 'cli', 'compose']),
  layer('config', ['compose']),
  { files: ['**/*.js'], rules: { '@typescript-eslint/consistent-type-imports': 'off' } },
  {
    files: ['public/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', location: 'readonly', navigator: 'readonly', fetch: 'readonly', HTMLFormElement: 'readonly', URL: 'readonly', setTimeout: 'readonly', console: 'readonly' } },
  },
);
