// `pnpm lint` encodes the architecture: each fixture below breaks one rule, placed in a temporary folder inside
// the package it concerns, and ESLint (the repository's own config) must report it; the allowed forms must pass.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/paths.js';

const dirs: string[] = [];
/** Writes the files under <folder>/.lint-fixture-<pid>/ and returns the rule ids ESLint reports, per file. */
async function lint(folder: string, files: Record<string, string>): Promise<Record<string, string[]>> {
  const dir = join(REPO, folder, `.lint-fixture-${process.pid}`);
  dirs.push(dir);
  rmSync(dir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const results = await new ESLint({ cwd: REPO }).lintFiles(Object.keys(files).map((f) => join(dir, f)));
  return Object.fromEntries(results.map((r) => [r.filePath.slice(dir.length + 1), r.messages.map((m) => m.ruleId ?? m.message)]));
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('lint rules that keep the layers apart', () => {
  it('shared imports no workspace package, not even a type', async () => {
    const r = await lint('shared/src', {
      'byName.ts': "import type { AppRouter } from '@weian/server';\nexport type R = AppRouter;\n",
      'byPath.ts': "import { LIMITS } from '../../../agent/src/config.js';\nexport const l = LIMITS;\n",
    });
    expect(r['byName.ts']).toContain('@typescript-eslint/no-restricted-imports');
    expect(r['byPath.ts']).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('agent and server never import each other', async () => {
    const agent = await lint('agent/src', { 'x.ts': "import { loadConfig } from '../../../server/src/config.js';\nexport const c = loadConfig;\n" });
    const server = await lint('server/src', { 'x.ts': "import { runner } from '@weian/agent/runner';\nexport const r = runner;\n" });
    expect(agent['x.ts']).toContain('@typescript-eslint/no-restricted-imports');
    expect(server['x.ts']).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('the dashboard imports only types from the server', async () => {
    const r = await lint('dashboard/src', {
      'value.ts': "import { appRouter } from '@weian/server';\nexport const a = appRouter;\n",
      'type.ts': "import type { AppRouter } from '@weian/server';\nexport type A = AppRouter;\n",
    });
    expect(r['value.ts']).toContain('@typescript-eslint/no-restricted-imports');
    expect(r['type.ts']).toEqual([]);
  });

  it('no SQL builder calls outside server/src/storage', async () => {
    const service = [
      "import { sql } from 'kysely';",
      "import type { Db } from '../../storage/schema.js';",
      "export const count = (db: Db) => db.selectFrom('hosts').select(sql<number>`count(*)`.as('n')).execute();",
      '',
    ].join('\n');
    const inService = await lint('server/src', { 'services/count.ts': service });
    expect(inService['services/count.ts']).toEqual(expect.arrayContaining(['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']));
    const inStorage = await lint('server/src/storage', { 'count.ts': service.replace('../../storage/schema.js', '../schema.js') });
    expect(inStorage['count.ts']).toEqual([]);
  });

  it('no import cycles', async () => {
    const r = await lint('server/src', {
      'a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
      'b.ts': "import { a } from './a.js';\nexport const b = (): number => (a.length ? 0 : 1);\n",
    });
    expect(r['a.ts']).toContain('import-x/no-cycle');
    expect(r['b.ts']).toContain('import-x/no-cycle');
  });

  it('no import cycles made of types only either (scripts/importCycles.mjs, which `pnpm lint` runs after ESLint)', async () => {
    // ESLint's import-x/no-cycle skips `import type`; the script does not. A cycle of types and one value import:
    const files = {
      'inputs.ts': "import type { Record } from './records.js';\nexport interface Input { r: Record }\n",
      'records.ts': "import { CATALOGUE } from './catalogue.js';\nexport interface Record { id: (typeof CATALOGUE)[number] }\n",
      'catalogue.ts': "import type { Input } from './inputs.js';\nexport const CATALOGUE = ['a'] as const;\nexport type Uses = Input;\n",
      'free.ts': "import type { Record } from './records.js';\nexport type Free = Record;\n",
    };
    const r = await lint('shared/src', files);
    expect(r['inputs.ts']).not.toContain('import-x/no-cycle');
    const dir = dirs.at(-1)!;
    const run = (d: string) => spawnSync(process.execPath, [join(REPO, 'scripts/importCycles.mjs'), d], { encoding: 'utf8' });
    const bad = run(dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/import cycle \(3 modules\): .*(inputs|records|catalogue)\.ts → /);
    expect(bad.stderr).not.toContain('free.ts');
    rmSync(join(dir, 'catalogue.ts'));
    writeFileSync(join(dir, 'catalogue.ts'), "export const CATALOGUE = ['a'] as const;\n");
    const good = run(dir);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
  });
});
