// Run from the project root by `npm run lint` (scripts/lint.mjs), so file patterns are relative to the root.
// This folder has its own package.json: typescript-eslint needs the TypeScript 6 JS API, while the
// project compiles with TypeScript 7 (native, no JS API).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './layers.js';

export default tseslint.config(
  { ignores: ['action/**', 'node_modules/**', 'tools/lint/node_modules/**', 'db/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
      },
    },
    plugins: { project: { rules: { layers } } },
    rules: {
      'project/layers': 'error',
      // The product's code stays within 120 columns (Prettier wraps code; long strings are split by hand);
      // only URLs and regular expressions, which cannot be broken, are exempt.
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
    },
  },
  // Tests read parsed YAML and JSON as loose trees.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Tests, emulators and tools keep long fixture strings and table rows whole: Prettier wraps their code.
  { files: ['test/**', 'sandbox/**', 'bench/**', 'scripts/**', 'tools/**'], rules: { 'max-len': 'off' } },
);
