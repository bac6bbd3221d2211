import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, type MlpsLevel } from '@weian/shared';
import { FIXTURES, judgeCapture } from '../fixtures/judge.js';

// The capture corpus (agent/fixtures/*): each capture is replayed through the agent and the rules the
// server runs, and every host rule's verdict must be the one its expected-verdicts.json states (its
// README.md says why). Any difference fails: a rule that starts passing on a known risk, or a parser
// that starts reading a capture differently.

const dirs = (await readdir(FIXTURES, { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface Expected {
  /** The highest MLPS level of the systems the host is assumed to belong to (null: none). */
  mlpsLevel: MlpsLevel | null;
  verdicts: Record<string, 'pass' | 'fail' | 'unknown' | 'not-applicable'>;
}

describe('every capture of the corpus is judged as its expected-verdicts table says', () => {
  it.each(dirs)('%s', async (dir) => {
    const expected = JSON.parse(await readFile(join(FIXTURES, dir, 'expected-verdicts.json'), 'utf8')) as Expected;
    // The table covers every host rule of the catalogue: a new rule needs a verdict on every capture.
    const hostRules = RULES.filter((r) => r.subject === 'host').map((r) => r.id);
    expect(Object.keys(expected.verdicts).sort()).toEqual([...hostRules].sort());
    const { findings } = await judgeCapture(dir, expected.mlpsLevel);
    expect(Object.fromEntries(Object.entries(findings).map(([id, f]) => [id, f.status]))).toEqual(expected.verdicts);
    // The assumptions are written beside the table.
    expect((await readFile(join(FIXTURES, dir, 'README.md'), 'utf8')).length).toBeGreaterThan(200);
  });
});
