import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import { ADMIN, county, institutionUser } from '../testing/principals.js';
import { listAlertViews } from './alerts.js';
import { getFindings } from '../storage/findings.js';
import { ingestReport } from './ingest.js';
import { listPublicTargetViews, registerPublicTarget, removePublicTarget } from './publicTargets.js';
import { createScanner, ingestScan, listExposureViews, listScannerViews, revokeScannerBy, scannerTargets } from './scanners.js';
import { getInstitutionScore } from '../storage/scores.js';
import { getOwnRegionSettings, putSettings } from './settings.js';

// Scanners and what they report (issue 24): their list is their region's registered targets, only
// those addresses are taken, exposures keep first and last seen, and a fingerprint the institution's
// own agent reports names the host behind the port mapping.
const XIHU = county('330106');
const GONGSHU = county('330105');
const HIS_KEY = 'SHA256:' + 'H'.repeat(43);
// sshd on the HIS server's private address: public only through the hospital firewall's port mapping.
const SSHD = {
  protocol: 'tcp' as const,
  address: '0.0.0.0',
  port: 22,
  pid: 1,
  process: 'sshd',
  bind: 'wildcard' as const,
  publicExposure: false,
  service: 'ssh',
  category: 'remote-management' as const,
};
const seen = (address: string, port: number, over: Record<string, unknown> = {}) => ({ address, port, banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false, ...over });

describe.each(DIALECTS)('scanners (%s)', (dialect) => {
  let t: TestDb;
  let hisHost: string;
  beforeEach(async () => {
    t = await createTestDb(dialect);
    const his = await enrollHost(t.deps, { institution: 'XH-1', region: '330106', hostname: 'his-db' });
    hisHost = his.hostId;
    // The HIS server's agent reports its own SSH host key.
    await ingestReport(
      t.deps,
      his,
      sampleReport(his.id, t.clock.now, { ports: { status: 'ok', hash: 'p'.repeat(64), data: { listeners: [SSHD], identities: { sshHostKeys: [HIS_KEY], tls: [] } } } }),
      100,
    );
    await enrollHost(t.deps, { institution: 'GS-1', region: '330105', hostname: 'gs' });
    await registerPublicTarget(t.deps, XIHU, { institutionCode: 'XH-1', target: '61.164.10.0/29', note: null });
    await registerPublicTarget(t.deps, GONGSHU, { institutionCode: 'GS-1', target: '220.191.1.1', note: null });
  });
  afterEach(async () => {
    await t.close();
  });

  it('shows a county its own scanners and those above that scan it, counting only the targets it may see', async () => {
    await createScanner(t.deps, ADMIN, { regionCode: '330000', name: 'province' });
    await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'xihu' });
    await createScanner(t.deps, GONGSHU, { regionCode: '330105', name: 'gongshu' });
    const shown = (views: Awaited<ReturnType<typeof listScannerViews>>) => views.map((v) => [v.name, v.targets, v.addresses, v.lastSeenAt]);
    expect(shown(await listScannerViews(t.deps, XIHU))).toEqual([
      ['province', 1, 8, null],
      ['xihu', 1, 8, null],
    ]);
    expect(shown(await listScannerViews(t.deps, institutionUser('GS-1', '330105')))).toEqual([
      ['province', 1, 1, null],
      ['gongshu', 1, 1, null],
    ]);
    expect((await listScannerViews(t.deps, ADMIN)).map((v) => [v.name, v.targets, v.addresses])).toEqual([
      ['province', 2, 9],
      ['gongshu', 1, 1],
      ['xihu', 1, 8],
    ]);
  });
  it("a county's scanner gets its county's targets and the port list; a wrong secret gets nothing", async () => {
    await expect(createScanner(t.deps, XIHU, { regionCode: '330105', name: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: '西湖区扫描器' });
    const list = await scannerTargets(t.deps, s);
    expect(list.targets).toEqual(['61.164.10.0/29']);
    expect(list.ports).toEqual(expect.arrayContaining([22, 3306, 3389, 6379]));
    await expect(scannerTargets(t.deps, { scannerId: s.scannerId, secret: 'wrong' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('takes only its targets; keeps first seen, moves last seen; names the host behind the mapping by its SSH host key', async () => {
    const remotePublic = async () => (await getFindings(t.deps.db, 'host', hisHost)).find((f) => f.rule_id === 'HOST-PORT-REMOTE-PUBLIC')!;
    // Judged on the host's own addresses alone, its sshd is not public.
    expect((await remotePublic()).status).toBe('pass');
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'scan' });
    const first = await ingestScan(t.deps, {
      ...s,
      observations: [
        seen('61.164.10.3', 2222, { banner: 'SSH-2.0-OpenSSH_7.4\u001b[31m', sshHostKey: HIS_KEY }),
        seen('61.164.10.3', 3306, { banner: '5.7.44-log' }),
        seen('220.191.1.1', 3389), // another county's institution: not this scanner's
        seen('8.8.8.8', 80), // nobody's
      ],
    });
    expect(first).toEqual({ accepted: 2, refused: 2, new: ['61.164.10.3:2222', '61.164.10.3:3306'], rounds: [] });
    const t0 = t.clock.now.toISOString();
    t.clock.advance(86_400_000);
    const again = await ingestScan(t.deps, { ...s, observations: [seen('61.164.10.3', 3306)] });
    expect(again.new).toEqual([]);
    const views = await listExposureViews(t.deps, XIHU);
    expect(views.map((v) => [v.port, v.rules, v.hostId, v.tiedBy])).toEqual([
      [2222, ['EXT-REMOTE-ADMIN'], hisHost, 'ssh-host-key'],
      [3306, ['EXT-DATABASE'], null, null],
    ]);
    expect(views[0]!.banner).toBe('SSH-2.0-OpenSSH_7.4');
    expect(views[1]).toMatchObject({ firstSeen: t0, lastSeen: t.clock.now.toISOString() });
    // New exposures alert: on the host behind the mapping when tied, else on the institution; a port seen again does not.
    const alerts = (await listAlertViews(t.deps, { kind: 'all' }, { limit: 50, offset: 0 })).items
      .map((a) => [a.subjectKind, a.subjectId, a.ruleId, a.severity, a.count])
      .sort((a, b) => String(a[2]).localeCompare(String(b[2])));
    expect(alerts).toEqual([
      ['institution', 'XH-1', 'EXT-DATABASE', 'critical', 1],
      ['host', hisHost, 'EXT-REMOTE-ADMIN', 'critical', 1],
    ]);
    // Tied: the host's own port rule now judges its sshd public, and says where it was seen.
    const f = await remotePublic();
    expect(f.status).toBe('fail');
    expect(JSON.parse(f.evidence).zh).toContain('← 61.164.10.3:2222');
    // Scoped: the neighbour county sees none of it.
    expect(await listExposureViews(t.deps, GONGSHU)).toEqual([]);
  });

  const ext = async (code: string) => Object.fromEntries((await getFindings(t.deps.db, 'institution', code)).filter((f) => f.rule_id.startsWith('EXT-')).map((f) => [f.rule_id, f.status]));

  it('EXT rules: unknown once a target is registered, judged by complete rounds, closed ports stop failing, and the score follows', async () => {
    // Registered (beforeEach) but never scanned: unknown, never a pass; an institution without targets: not applicable.
    expect(await ext('XH-1')).toEqual({ 'EXT-REMOTE-ADMIN': 'unknown', 'EXT-DATABASE': 'unknown', 'EXT-PORT-RISKY': 'unknown', 'EXT-PLAINTEXT': 'unknown' });
    await enrollHost(t.deps, { institution: 'XH-2', region: '330106', hostname: 'x2' });
    const bare = await registerPublicTarget(t.deps, XIHU, { institutionCode: 'XH-2', target: '61.164.11.1', note: null });
    await removePublicTarget(t.deps, XIHU, bare.id);
    expect(await ext('XH-2')).toEqual({ 'EXT-REMOTE-ADMIN': 'not-applicable', 'EXT-DATABASE': 'not-applicable', 'EXT-PORT-RISKY': 'not-applicable', 'EXT-PLAINTEXT': 'not-applicable' });
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'scan' });
    const before = (await getInstitutionScore(t.deps.db, 'XH-1'))!.governance;
    // A complete round finds MySQL open on the range.
    const r1 = await ingestScan(t.deps, { ...s, observations: [seen('61.164.10.3', 3306)], complete: ['61.164.10.0/29', '8.8.8.0/24'] });
    expect(r1.rounds).toEqual(['61.164.10.0/29']); // only its own registered entries are stamped
    expect(await ext('XH-1')).toEqual({ 'EXT-REMOTE-ADMIN': 'pass', 'EXT-DATABASE': 'fail', 'EXT-PORT-RISKY': 'pass', 'EXT-PLAINTEXT': 'pass' });
    expect((await listPublicTargetViews(t.deps, XIHU, 'XH-1'))[0]!.scannedAt).toBe(t.clock.now.toISOString());
    const failing = await getInstitutionScore(t.deps.db, 'XH-1');
    // Unknown (weight 10+10+5+5 not earned) → three pass, one critical fails: 20 of 30 earned now.
    expect(failing!.governance).toBeGreaterThan(before);
    expect(failing!.failing_critical).toBeGreaterThanOrEqual(1);
    // The next day the hospital closed the mapping: the next complete round does not see it.
    t.clock.advance(86_400_000);
    await ingestScan(t.deps, { ...s, observations: [], complete: ['61.164.10.0/29'] });
    expect((await ext('XH-1'))['EXT-DATABASE']).toBe('pass');
    expect((await getInstitutionScore(t.deps.db, 'XH-1'))!.governance).toBeGreaterThan(failing!.governance);
    // First and last seen stay on the exposure, for the record.
    expect((await listExposureViews(t.deps, XIHU)).map((e) => [e.port, e.lastSeen < t.clock.now.toISOString()])).toEqual([[3306, true]]);
    // No complete round for longer than the window (7 days): unknown again.
    t.clock.advance(8 * 86_400_000);
    await ingestScan(t.deps, { ...s, observations: [seen('61.164.10.5', 80, { plainHttp: true, httpTitle: '系统登录' })] });
    expect(await ext('XH-1')).toEqual({ 'EXT-REMOTE-ADMIN': 'unknown', 'EXT-DATABASE': 'unknown', 'EXT-PORT-RISKY': 'unknown', 'EXT-PLAINTEXT': 'fail' });
  });

  it('a revoked scanner gets nothing: no list, no report taken; only its region may revoke it; users see the scanners pointed at them', async () => {
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'scan' });
    const other = await createScanner(t.deps, GONGSHU, { regionCode: '330105', name: 'gs' });
    expect((await listScannerViews(t.deps, XIHU)).map((v) => v.name)).toEqual(['scan']);
    expect((await listScannerViews(t.deps, institutionUser('XH-1', '330106'))).map((v) => v.name)).toEqual(['scan']);
    await expect(revokeScannerBy(t.deps, XIHU, other.scannerId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await revokeScannerBy(t.deps, XIHU, s.scannerId);
    await expect(scannerTargets(t.deps, s)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(ingestScan(t.deps, { ...s, observations: [seen('61.164.10.3', 3306)] })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await listExposureViews(t.deps, XIHU)).toEqual([]);
    expect((await listScannerViews(t.deps, XIHU))[0]).toMatchObject({ revokedBy: XIHU.username, revokedAt: t.clock.now.toISOString() });
  });

  it('the schedule the region set is handed out with the list and gates it; a lower level may only tighten it; the scanners table shows it', async () => {
    const night = { from: '22:00', to: '06:00' };
    await putSettings(t.deps, ADMIN, '330000', { scanning: { ratePerSecond: 20, concurrency: 5, intervalHours: 24, window: night, ports: [10086] } });
    await expect(putSettings(t.deps, XIHU, '330106', { scanning: { ratePerSecond: 100 } })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('scanning.ratePerSecond') });
    await expect(putSettings(t.deps, XIHU, '330106', { scanning: { window: { from: '20:00', to: '06:00' } } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('scanning.window'),
    });
    await putSettings(t.deps, XIHU, '330106', { scanning: { intervalHours: 12, ports: [8888] } });
    // The settings page's bounds: the county is told what the province set; the province inherits nothing.
    expect((await getOwnRegionSettings(t.deps, '330106')).inherited.scanning).toEqual({ ratePerSecond: 20, concurrency: 5, intervalHours: 24, window: night, ports: [10086] });
    expect((await getOwnRegionSettings(t.deps, '330000')).inherited.scanning).toBeNull();
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'scan' });
    // 23:00 China time: inside the window, never scanned: due now, with the whole list.
    t.clock.now = new Date('2026-12-07T15:00:00Z');
    const list = await scannerTargets(t.deps, s);
    expect(list).toMatchObject({
      targets: ['61.164.10.0/29'],
      ports: expect.arrayContaining([22, 8888, 10086]),
      limits: { ratePerSecond: 20, concurrency: 5 },
      schedule: { intervalHours: 12, window: night, nextRoundAt: '2026-12-07T15:00:00.000Z' },
    });
    await ingestScan(t.deps, { ...s, observations: [seen('61.164.10.3', 3306)] });
    // Reported: the next round is 12 h later (11:00 China time, outside the window), so it waits for 22:00; until then the list is empty.
    t.clock.advance(3_600_000);
    expect(await scannerTargets(t.deps, s)).toMatchObject({ targets: [], schedule: { nextRoundAt: '2026-12-08T14:00:00.000Z' } });
    const [view] = await listScannerViews(t.deps, XIHU);
    expect(view).toMatchObject({
      limits: { ratePerSecond: 20, concurrency: 5 },
      schedule: { intervalHours: 12, window: night, nextRoundAt: '2026-12-08T14:00:00.000Z' },
      lastRoundAt: '2026-12-07T15:00:00.000Z',
    });
    t.clock.now = new Date('2026-12-08T14:00:00Z');
    expect((await scannerTargets(t.deps, s)).targets).toEqual(['61.164.10.0/29']);
  });

  it("a registered domain: ports seen on the addresses it resolves to are its institution's, and feed the EXT rules; a name pointing inside is refused", async () => {
    await registerPublicTarget(t.deps, XIHU, { institutionCode: 'XH-1', target: 'his.xhrmyy.example.cn', note: null });
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'scan' });
    expect((await scannerTargets(t.deps, s)).targets).toEqual(['61.164.10.0/29', 'his.xhrmyy.example.cn']);
    const ack = await ingestScan(t.deps, {
      ...s,
      observations: [
        seen('61.164.20.5', 3389, { domain: 'his.xhrmyy.example.cn', banner: 'RDP' }),
        seen('10.1.2.3', 6379, { domain: 'his.xhrmyy.example.cn' }), // the name points inside: never taken as seen from outside
        seen('61.164.20.6', 6379, { domain: 'other.example.cn' }), // not registered here, and in no registered range
      ],
      complete: ['his.xhrmyy.example.cn'],
    });
    expect(ack).toEqual({ accepted: 1, refused: 2, new: ['61.164.20.5:3389'], rounds: ['his.xhrmyy.example.cn'] });
    expect((await listExposureViews(t.deps, XIHU)).map((v) => [v.institutionCode, v.address, v.domain, v.rules])).toEqual([['XH-1', '61.164.20.5', 'his.xhrmyy.example.cn', ['EXT-REMOTE-ADMIN']]]);
    expect((await ext('XH-1'))['EXT-REMOTE-ADMIN']).toBe('fail');
  });

  it("IPv6: a prefix is registered, overlaps refused across institutions, and a port seen on it is the institution's", async () => {
    await registerPublicTarget(t.deps, XIHU, { institutionCode: 'XH-1', target: '240e:388:10::/120', note: null });
    await expect(registerPublicTarget(t.deps, GONGSHU, { institutionCode: 'GS-1', target: '240e:388:10::7', note: null })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(registerPublicTarget(t.deps, GONGSHU, { institutionCode: 'GS-1', target: 'fd00::7', note: null })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await registerPublicTarget(t.deps, GONGSHU, { institutionCode: 'GS-1', target: '240e:388:10::100/120', note: null })).value).toBe('240e:388:10::100/120');
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: 'scan' });
    const ack = await ingestScan(t.deps, { ...s, observations: [seen('240e:388:10::7', 22, { banner: 'SSH-2.0-OpenSSH_9.2', sshHostKey: HIS_KEY }), seen('240e:388:10::107', 22)] });
    expect(ack).toMatchObject({ accepted: 1, refused: 1, new: ['[240e:388:10::7]:22'] });
    expect((await listExposureViews(t.deps, XIHU)).map((v) => [v.address, v.hostId, v.tiedBy])).toEqual([['240e:388:10::7', hisHost, 'ssh-host-key']]);
    expect((await listScannerViews(t.deps, XIHU))[0]).toMatchObject({ targets: 2, addresses: 264 });
  });

  it('documentation ranges (RFC 5737) are public targets only where the server is told so', async () => {
    await expect(registerPublicTarget(t.deps, XIHU, { institutionCode: 'XH-1', target: '203.0.113.0/29', note: null })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const lab = { ...t.deps, documentationTargets: true };
    expect((await registerPublicTarget(lab, XIHU, { institutionCode: 'XH-1', target: '203.0.113.0/29', note: null })).value).toBe('203.0.113.0/29');
    // Private space stays refused even then.
    await expect(registerPublicTarget(lab, XIHU, { institutionCode: 'XH-1', target: '10.0.0.1', note: null })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
