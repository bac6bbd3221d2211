import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { Outbox } from './outbox.js';

const report = (padding = 0): Report =>
  ({ schema: 1, reportId: randomUUID(), agentId: 'ag', agentVersion: '0', collectedAt: new Date().toISOString(), sections: { pad: 'x'.repeat(padding) } }) as unknown as Report;

describe('Outbox', () => {
  const dir = () => join(mkdtempSync(join(tmpdir(), 'outbox-')), 'q');

  it('keeps reports in collection order and removes them', async () => {
    const box = new Outbox(dir(), () => ({ maxReports: 10, maxBytes: 1e6 }));
    const a = report();
    const b = report();
    await box.enqueue(a);
    await box.enqueue(b);
    const list = await box.list();
    expect(list.map((e) => e.reportId)).toEqual([a.reportId, b.reportId]);
    expect((await box.read(list[0]!)).reportId).toBe(a.reportId);
    await box.remove(list[0]!);
    await box.remove(list[0]!); // already gone is fine
    expect((await box.list()).map((e) => e.reportId)).toEqual([b.reportId]);
  });

  it('drops the oldest to stay within the count, never the newest', async () => {
    const box = new Outbox(dir(), () => ({ maxReports: 3, maxBytes: 1e6 }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = report();
      ids.push(r.reportId);
      await box.enqueue(r);
      expect((await box.list()).length).toBeLessThanOrEqual(3);
    }
    expect((await box.list()).map((e) => e.reportId)).toEqual(ids.slice(-3));
  });

  it('drops the oldest to stay within the bytes, and keeps a lone report over the bound', async () => {
    const box = new Outbox(dir(), () => ({ maxReports: 100, maxBytes: 2500 }));
    for (let i = 0; i < 4; i++) await box.enqueue(report(1000));
    const d = await box.depth();
    expect(d.bytes).toBeLessThanOrEqual(2500);
    expect(d.reports).toBe(2);
    const big = report(5000);
    const dropped = await box.enqueue(big);
    expect(dropped).toHaveLength(2);
    expect((await box.list()).map((e) => e.reportId)).toEqual([big.reportId]);
  });

  it('sets refused reports aside and leaves no temp files behind', async () => {
    const d = dir();
    const box = new Outbox(d, () => ({ maxReports: 10, maxBytes: 1e6 }));
    await box.enqueue(report());
    await box.reject((await box.list())[0]!);
    expect(await box.list()).toEqual([]);
    expect(readdirSync(join(d, 'rejected'))).toHaveLength(1);
    expect(readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
