import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { ARTIFACTS } from '../helpers/browser.js';

/**
 * What the adversarial suite did: generated inputs sent, faults injected, acknowledged reports
 * lost (must stay 0). Each test file records its own totals in test/.artifacts/adversarial/;
 * the last file of a run to finish prints the one summary line for the whole run:
 *
 *   adversarial: inputs=N faults=M lost=0
 */
export interface Tally {
  inputs: number;
  faults: number;
  lost: number;
}

export const DIR = join(ARTIFACTS, 'adversarial');
const HERE = fileURLToPath(new URL('.', import.meta.url));
/** One vitest run: the outermost ancestor process running vitest (workers may sit a level or two below it). */
function runId(): string {
  let pid = process.pid;
  let outer = pid;
  for (let i = 0; i < 8 && pid > 1; i++) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vitest')) outer = pid;
      pid = Number(
        readFileSync(`/proc/${pid}/stat`, 'utf8')
          .replace(/^.*\) /s, '')
          .split(' ')[1],
      );
    } catch {
      break;
    }
  }
  return String(outer);
}
const RUN = runId();

/**
 * One attack as the suite tried it: how many times, and what came of it, counted by the test
 * itself (`held` of `tried` attempts ended as the defence says). SECURITY.md's table of what is
 * tested is rendered from these (test/adversarial/table.ts), so its figures are measured.
 */
export interface Attack {
  attack: string;
  tried: number;
  held: number;
  result: string;
}

/**
 * An attack whose defence is the running test's assertions: recorded when the test finishes, all
 * `tried` held when it passed, none when it failed. `tried` and `result` may be read then (counts
 * the test keeps as it goes).
 */
export interface TestAttack {
  attack: string;
  tried: number | (() => number);
  result: string | (() => string);
}

export function tally(file: string): Tally & { flush(): void; attack(a: Attack): void; attackOfTest(a: TestAttack): void } {
  const name = basename(file).replace(/\.test\.ts$/, '');
  const attacks: Attack[] = [];
  const t = {
    inputs: 0,
    faults: 0,
    lost: 0,
    attack(a: Attack) {
      attacks.push(a);
    },
    attackOfTest(a: TestAttack) {
      onTestFinished(({ task }) => {
        const tried = typeof a.tried === 'function' ? a.tried() : a.tried;
        const passed = task.result?.state === 'pass';
        attacks.push({
          attack: a.attack,
          tried,
          held: passed ? tried : 0,
          result: passed ? (typeof a.result === 'function' ? a.result() : a.result) : `did not hold: ${task.result?.errors?.[0]?.message?.split('\n')[0] ?? 'the test failed'}`,
        });
      });
    },
    flush() {
      mkdirSync(DIR, { recursive: true });
      writeFileSync(join(DIR, `${name}.json`), JSON.stringify({ run: RUN, file: name, inputs: t.inputs, faults: t.faults, lost: t.lost, attacks, at: new Date().toISOString() }));
      summarize();
    },
  };
  return t;
}

function summarize(): void {
  const expected = readdirSync(HERE)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.test\.ts$/, ''));
  const mine = readdirSync(DIR)
    .filter((f) => f.endsWith('.json') && f !== 'summary.json')
    .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Tally & { run: string; file: string })
    .filter((r) => r.run === RUN);
  const sum = mine.reduce((a, r) => ({ inputs: a.inputs + r.inputs, faults: a.faults + r.faults, lost: a.lost + r.lost }), { inputs: 0, faults: 0, lost: 0 });
  const done = expected.every((f) => mine.some((r) => r.file === f));
  const line = `adversarial${done ? '' : ` (${mine.length}/${expected.length} files so far)`}: inputs=${sum.inputs} faults=${sum.faults} lost=${sum.lost}`;
  writeFileSync(join(DIR, 'summary.json'), JSON.stringify({ run: RUN, complete: done, ...sum, files: mine.map((r) => r.file) }));
  // The complete line once per run, from whichever file finished last; partial ones only when run alone.
  if (done || mine.length === 1) console.log(line);
}
