// One ESLint config for the monorepo. Few style rules (Prettier owns layout); the rules that matter here encode
// the architecture: which package may import which, SQL only in server/src/storage, no import cycles.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports of another package, by workspace name or by a relative path that climbs into it. */
const packageImport = (pkg, message) => ({ group: [`@weian/${pkg}`, `@weian/${pkg}/*`, `**/${pkg}/src/**`, `**/${pkg}/bin/**`], message });
const restrict = (...patterns) => ['error', { patterns }];

const SQL_BUILDER = /^(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)$/.source;
const sqlOnlyInStorage = 'SQL belongs in server/src/storage: call a storage function instead.';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'test/.artifacts/**',
      'agent/fixtures/**',
      // What .gitignore keeps out of the repository (builds, databases, test output).
      '**/data/**',
      '**/.test-artifacts/**',
      '**/test-results/**',
      '**/coverage/**',
      '**/.weian-agent/**',
      '**/.build-lock/**',
      'agent/.cache/**',
      'server/.cache/**',
      // Generated: server/scripts/gbt2260.ts writes it.
      'server/src/services/gbt2260.ts',
    ],
  },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
      // Also what import-x hands vue-eslint-parser when it follows an import into a .vue file.
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Which files import-x reads to follow imports (its default is .js only).
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs', '.vue'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'], 'vue-eslint-parser': ['.vue'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['shared/tsconfig.json', 'agent/tsconfig.json', 'server/tsconfig.json', 'dashboard/tsconfig.json', 'test/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // The codebase's own conventions, where they differ from typescript-eslint's defaults.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['dashboard/src/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['dashboard/src/**/*.vue'], rules: { 'vue/multi-word-component-names': 'off' } },

  // Layers: shared is the bottom (no workspace package); agent and server never meet; the dashboard sees the
  // server's types only (type imports are erased, so none of its code reaches the browser bundle).
  {
    files: ['shared/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(...['agent', 'server', 'dashboard', 'test'].map((p) => packageImport(p, 'shared imports no workspace package: it is the bottom layer.'))),
    },
  },
  {
    files: ['agent/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        packageImport('server', 'the agent talks to the server over the wire only: put what both need in shared.'),
        packageImport('dashboard', 'the agent does not use the dashboard.'),
      ),
    },
  },
  {
    files: ['server/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        packageImport('agent', 'the server does not import the agent: put what both need in shared.'),
        packageImport('dashboard', 'the server does not import the dashboard.'),
      ),
    },
  },
  {
    files: ['dashboard/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        { ...packageImport('server', 'the dashboard imports only types from the server (`import type`).'), allowTypeImports: true },
        packageImport('agent', 'the dashboard does not import the agent.'),
      ),
    },
  },
  // SQL only in storage: no query builder (value imports of kysely, its `sql` tag) and no builder calls on the db handle.
  {
    files: ['server/src/**'],
    ignores: ['server/src/storage/**', '**/*.test.ts', 'server/src/testing/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        packageImport('agent', 'the server does not import the agent: put what both need in shared.'),
        packageImport('dashboard', 'the server does not import the dashboard.'),
        { group: ['kysely', 'kysely/*'], allowTypeImports: true, message: sqlOnlyInStorage },
      ),
      'no-restricted-syntax': [
        'error',
        { selector: `CallExpression[callee.property.name=/${SQL_BUILDER}/]`, message: sqlOnlyInStorage },
        { selector: "TaggedTemplateExpression[tag.name='sql']", message: sqlOnlyInStorage },
      ],
    },
  },
);
