import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectReport } from '../collect.js';
import { localConfig } from '../config.js';
import { replayRunner } from '../runner.js';
import { bootedAt } from './device.js';

const DEBIAN = fileURLToPath(new URL('../../fixtures/debian12', import.meta.url));

describe('boot time', () => {
  it('comes from the kernel when known, to the minute', () => {
    // 1795395985 s = 2026-11-23T01:06:25Z, floored to the minute.
    expect(bootedAt(new Date('2026-11-23T03:00:00Z'), 123, 1795395985)).toBe('2026-11-23T01:06:00.000Z');
  });

  it('does not drift when a capture is replayed later, so delta sync keeps the device section unchanged', async () => {
    const runner = await replayRunner(DEBIAN);
    const first = await collectReport({ runner, config: localConfig(), now: () => new Date('2026-11-23T02:00:29Z') });
    const later = await collectReport({ runner: await replayRunner(DEBIAN), config: localConfig(), now: () => new Date('2026-11-23T02:07:31Z') });
    const hash = (r: typeof first) => (r.sections.device.status === 'ok' ? r.sections.device.hash : r.sections.device.status);
    expect(first.sections.device.status).toBe('ok');
    expect(hash(later)).toBe(hash(first));
  });
});
