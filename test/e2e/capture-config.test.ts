import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Report } from '@weian/shared';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

// Issue 19: a capture holds the agent's configured backup jobs (never its identity or secret), so
// that replaying it judges the host's backups as the agent itself would.
describe('weian-agent capture with the agent config', () => {
  it('writes the backup jobs into the capture and a replay collects them', async () => {
    const dir = tempDir('weian-capture-');
    const backups = tempDir('weian-backups-');
    await writeFile(join(backups, 'his_20240510.dmp'), 'x'.repeat(1024));
    const configPath = join(dir, 'agent.json');
    const job = { name: 'HIS 每日导出', kind: 'files', glob: join(backups, '*.dmp'), intervalHours: 24, offsite: false };
    await writeFile(configPath, JSON.stringify({ server: 'https://weian.example.gov.cn', agentId: 'ag_capture', secret: 'do-not-leak-this-secret', hostId: 'h_capture', backups: [job] }), {
      mode: 0o600,
    });

    const capture = join(dir, 'capture');
    const made = await runCli('agent', ['capture', capture, '--config', configPath], { timeoutMs: 120_000 });
    expect(made.code, made.stderr).toBe(0);
    const written = await readFile(join(capture, 'config.json'), 'utf8');
    expect(JSON.parse(written)).toEqual({ backups: [{ ...job }], requireLinuxAntimalware: false });
    expect(written).not.toContain('do-not-leak-this-secret');
    expect(written).not.toContain('ag_capture');

    const replayed = await runCli('agent', ['once', '--print', '--replay', capture], { timeoutMs: 120_000 });
    expect(replayed.code, replayed.stderr).toBe(0);
    const report = Report.parse(JSON.parse(replayed.stdout));
    expect(report.sections.backups).toMatchObject({ status: 'ok', data: { configured: true, jobs: [{ name: 'HIS 每日导出', kind: 'files', lastStatus: 'success', sizeBytes: 1024 }] } });
  });

  it('a --config that cannot be read is an error, not a capture without jobs', async () => {
    const dir = tempDir('weian-capture-');
    const r = await runCli('agent', ['capture', join(dir, 'c'), '--config', join(dir, 'missing.json')], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot read agent config/);
  });
});
