import { fileURLToPath } from 'node:url';
import { Report } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import { collectReport, sectionHash } from './collect.js';
import { CollectError } from './collectors/types.js';
import { localConfig } from './config.js';
import { replayRunner } from './runner.js';
import { withoutNul } from './withoutNul.js';

const DEBIAN = fileURLToPath(new URL('../fixtures/debian12', import.meta.url));

describe('NUL in host data', () => {
  it('is dropped from strings and keys at any depth, leaving everything else as it was', () => {
    const input = { a: 'x\u0000y', 'k\u0000': [1, null, true, { b: ['\u0000', 'ok'] }], n: 3 };
    expect(withoutNul(input)).toEqual({ a: 'xy', k: [1, null, true, { b: ['', 'ok'] }], n: 3 });
    // Not changed in place: the collector's own value is left alone.
    expect(input.a).toBe('x\u0000y');
  });

  it('never reaches a report: a section with NUL is sent without it, hashed as sent, and the schema accepts it', async () => {
    const runner = await replayRunner(DEBIAN);
    const report = await collectReport({
      runner,
      config: localConfig(),
      collectors: {
        patches: {
          section: 'patches',
          collect: async () => ({
            status: 'ok',
            data: {
              manager: 'apt',
              pending: [{ name: 'libfoo\u00001', installedVersion: '1.0', availableVersion: '1.1', security: true }],
              pendingCount: 1,
              securityCount: 1,
              lastPatchedAt: null,
              rebootRequired: false,
              rebootRequiredSince: null,
            },
          }),
        },
        backups: {
          section: 'backups',
          collect: async () => {
            throw new CollectError('command-failed', 'restic said \u0000garbage');
          },
        },
      },
    });
    expect(JSON.stringify(report)).not.toContain('\\u0000');
    const patches = report.sections.patches;
    expect(patches.status === 'ok' && patches.data.pending[0]!.name).toBe('libfoo1');
    expect(patches.status === 'ok' && patches.hash).toBe(sectionHash(patches.status === 'ok' ? patches.data : null));
    expect(report.sections.backups).toEqual({ status: 'error', error: { code: 'command-failed', message: 'restic said garbage' } });
    expect(Report.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
  });
});
