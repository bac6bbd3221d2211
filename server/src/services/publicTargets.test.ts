import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import { county } from '../testing/principals.js';
import type { Principal } from './auth.js';
import { listPublicTargetViews, registerPublicTarget, removePublicTarget } from './publicTargets.js';

// Institutions' public targets (issue 24): validation, overlap across institutions, scope.
const XIHU = county('330106');
const GONGSHU = county('330105');

describe.each(DIALECTS)('public targets (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
    await enrollHost(t.deps, { institution: 'XH-1', region: '330106', hostname: 'a' });
    await enrollHost(t.deps, { institution: 'XH-2', region: '330106', hostname: 'b' });
    await enrollHost(t.deps, { institution: 'GS-1', region: '330105', hostname: 'c' });
  });
  afterEach(async () => {
    await t.close();
  });
  const reg = (p: Principal, institutionCode: string, target: string) => registerPublicTarget(t.deps, p, { institutionCode, target, note: null });

  it('registers addresses, ranges and domains, normalised, and lists them within scope', async () => {
    await reg(XIHU, 'XH-1', '61.164.10.5');
    await reg(XIHU, 'XH-1', '61.164.20.9/28');
    await reg(XIHU, 'XH-2', 'HIS.xh2.example.cn');
    await reg(GONGSHU, 'GS-1', '220.191.1.1');
    expect((await listPublicTargetViews(t.deps, XIHU)).map((v) => [v.institutionCode, v.kind, v.value])).toEqual([
      ['XH-1', 'ip', '61.164.10.5'],
      ['XH-1', 'range', '61.164.20.0/28'],
      ['XH-2', 'domain', 'his.xh2.example.cn'],
    ]);
    expect((await listPublicTargetViews(t.deps, GONGSHU, 'XH-1')).length).toBe(0);
  });

  it('refuses private, reserved, malformed and over-wide entries', async () => {
    for (const [bad, why] of [
      ['10.0.0.8', /private/],
      ['192.168.0.0/24', /private/],
      ['127.0.0.2', /loopback/],
      ['his..example.cn', /not a valid domain/],
      ['61.0.0.0/12', /at most 4096/],
    ] as const)
      await expect(reg(XIHU, 'XH-1', bad)).rejects.toThrow(why);
  });

  it('refuses an overlap with another institution, naming it only to those who see it', async () => {
    await reg(XIHU, 'XH-1', '61.164.10.0/28');
    await expect(reg(XIHU, 'XH-2', '61.164.10.9')).rejects.toThrow(/institution XH-1/);
    await expect(reg(GONGSHU, 'GS-1', '61.164.10.0/24')).rejects.toThrow(/outside your region/);
    await expect(reg(XIHU, 'XH-1', '61.164.10.3')).rejects.toThrow(/this institution/);
    await reg(XIHU, 'XH-2', 'his.example.cn');
    await expect(reg(GONGSHU, 'GS-1', 'HIS.example.cn')).rejects.toMatchObject({ code: 'CONFLICT' });
    // Next to it, not over it: accepted.
    await reg(GONGSHU, 'GS-1', '61.164.10.16/28');
  });

  it('an institution outside the caller region is refused, to register and to remove', async () => {
    await expect(reg(GONGSHU, 'XH-1', '61.164.30.1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const mine = await reg(XIHU, 'XH-1', '61.164.30.1');
    await expect(removePublicTarget(t.deps, GONGSHU, mine.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await removePublicTarget(t.deps, XIHU, mine.id);
    expect(await listPublicTargetViews(t.deps, XIHU)).toEqual([]);
  });
});
