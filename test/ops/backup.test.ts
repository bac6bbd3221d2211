import { createRequire } from 'node:module';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, tempDir, type ServerProcess } from '../helpers/server.js';
import { signedInClient } from '../helpers/auth.js';
import { enrollSimulatedAgents } from '../load/loadgen.js';

// The test package does not depend on better-sqlite3: borrow the server's, to read backups back.
const SQLite = createRequire(new URL('../../server/package.json', import.meta.url))('better-sqlite3') as new (
  file: string,
  o?: { readonly?: boolean },
) => {
  prepare(q: string): { all(): unknown[]; get(): unknown };
  close(): void;
};
const receipts = (file: string): Set<string> => {
  const db = new SQLite(file, { readonly: true });
  try {
    return new Set((db.prepare('select report_id from report_receipts').all() as Array<{ report_id: string }>).map((r) => r.report_id));
  } finally {
    db.close();
  }
};

/**
 * Issue 25: `weian-server backup` while agents keep reporting, `weian-server restore` into a fresh
 * data dir, and every report the server acknowledged before the backup began is in it; nothing in it
 * was never acknowledged; the restored install starts and serves.
 */
describe('backup under load and restore', () => {
  let server: ServerProcess;
  const work = tempDir('weian-backup-');
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps every acknowledged report', async () => {
    const sims = await enrollSimulatedAgents({ url: server.url, agents: 12, serverEnv: server.env, hostsPerInstitution: 6, concurrency: 4 });
    const acked: Array<{ id: string; at: number }> = [];
    let sending = true;
    const senders = sims.map(async (sim) => {
      while (sending) {
        const report: Report = sim.host.next(sim.agentId, new Date());
        const ack = await sim.client.report(report);
        sim.host.acknowledge(report, ack.resend);
        acked.push({ id: report.reportId, at: Date.now() });
      }
    });
    // Load runs before and during the copy.
    while (acked.length < 60) await new Promise((r) => setTimeout(r, 50));
    const file = join(work, 'weian-backup.sqlite');
    const began = Date.now();
    const backup = await runCli('server', ['backup', '--to', file], { env: server.env, timeoutMs: 120_000 });
    const duringBackup = acked.filter((a) => a.at > began).length;
    while (acked.filter((a) => a.at > began).length < duringBackup + 20) await new Promise((r) => setTimeout(r, 50));
    sending = false;
    await Promise.all(senders);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/backup written: .*weian-backup\.sqlite/);
    expect(readFileSync(`${file}.sha256`, 'utf8')).toMatch(/^[0-9a-f]{64} {2}weian-backup\.sqlite\n$/);

    const inBackup = receipts(file);
    const before = acked.filter((a) => a.at <= began).map((a) => a.id);
    expect(before.length).toBeGreaterThanOrEqual(60);
    expect(before.filter((id) => !inBackup.has(id))).toEqual([]);
    // Nothing half-done: every receipt in the copy is a report the server acknowledged.
    const ackedIds = new Set(acked.map((a) => a.id));
    expect([...inBackup].filter((id) => !ackedIds.has(id))).toEqual([]);

    // Restore into a fresh install, then start it.
    const fresh = tempDir('weian-restored-');
    const restored = await runCli('server', ['restore', file], { env: { WEIAN_DATA_DIR: fresh } });
    expect(restored.code, restored.stderr).toBe(0);
    expect(receipts(join(fresh, 'weian.sqlite'))).toEqual(inBackup);
    const again = await startServerProcess({ dataDir: fresh });
    try {
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
      const admin = await signedInClient(again.url);
      const status = await admin.client.system.backup.query();
      // The copy was taken before its own audit entry was written: a restored install has no backup of its own yet.
      expect(status.last).toBeNull();
      const audit = await admin.client.audit.list.query({ action: 'server.restore' });
      expect(audit[0]?.detail).toMatchObject({ file, hosts: expect.any(Number), reports: inBackup.size });
      admin.close();
    } finally {
      await again.cleanup();
    }
  });

  it('shows admins how fresh the last backup is', async () => {
    const admin = await signedInClient(server.url);
    const status = await admin.client.system.backup.query();
    expect(status.dialect).toBe('sqlite');
    expect(status.last?.kind).toBe('manual');
    expect(status.ageHours).toBeLessThan(1);
    expect(status.stale).toBe(false);
    expect(status.schedule).toEqual({ everyHours: 24, keep: 7, dir: join(server.dataDir, 'backups') });
    admin.close();
  });

  it('refuses to restore under a running server, a damaged copy, and a file that is not a backup', async () => {
    const file = join(work, 'weian-backup.sqlite');
    const live = await runCli('server', ['restore', file], { env: server.env });
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/is running on .*stop it first/);

    const fresh = tempDir('weian-refused-');
    const damaged = join(work, 'damaged.sqlite');
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(damaged, bytes);
    writeFileSync(`${damaged}.sha256`, readFileSync(`${file}.sha256`, 'utf8').replace('weian-backup', 'damaged'));
    const bad = await runCli('server', ['restore', damaged], { env: { WEIAN_DATA_DIR: fresh } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does not match its checksum/);

    const notOne = join(work, 'notes.txt');
    writeFileSync(notOne, 'hello');
    const wrong = await runCli('server', ['restore', notOne], { env: { WEIAN_DATA_DIR: fresh } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not a SQLite database/);
    // Nothing was created by the refusals.
    expect(existsSync(join(fresh, 'weian.sqlite'))).toBe(false);
  });
});
