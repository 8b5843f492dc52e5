// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What ships (packages/*, apps/{ingest,worker,cli}) must not import the tooling wing (tools/*):
 * the test kit, the Stripe emulator and its protocol, the local stack and the bench, by package
 * name or by path.
 * Tests beside the shipping code may (they are not shipped).
 */
export const shippingFiles = ['packages/*/src/**/*.ts', 'apps/ingest/src/**/*.ts', 'apps/worker/src/**/*.ts', 'apps/cli/src/**/*.ts', 'apps/console/src/**/*.ts'];
export const toolingImportRule = [
  'error',
  {
    patterns: [
      {
        group: ['@pipeline/testkit', '@pipeline/testkit/*', '@pipeline/stripe-emulator', '@pipeline/stripe-emulator/*', '@pipeline/emulator-protocol', '@pipeline/stack', '@pipeline/stack/*', '@pipeline/bench', '@pipeline/bench/*'],
        message: 'Shipping code must not import the tooling wing (tools/): it is not in the production install.',
      },
      { regex: '^(\\.\\./)+tools/', message: 'Shipping code must not import the tooling wing (tools/): it is not in the production install.' },
    ],
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The two that matter most in code made of callbacks and confirms.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: shippingFiles,
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': toolingImportRule },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // The CLI's bin is plain JavaScript (it must run before anything is compiled).
  {
    files: ['apps/cli/bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { URL: 'readonly' } },
  },
);
