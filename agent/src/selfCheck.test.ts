import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Report } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import type { AgentClient } from './client.js';
import { collectReport } from './collect.js';
import type { Collector } from './collectors/types.js';
import { localConfig } from './config.js';
import { startDaemon } from './daemon.js';
import { replayRunner } from './runner.js';
import { loadSelfCheck } from './selfCheck.js';
import { agentPaths } from './sync.js';

const DEBIAN = fileURLToPath(new URL('../fixtures/debian12', import.meta.url));
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** A ports collector with a bug: a port number past 65535. */
const buggyPorts: Collector<'ports'> = {
  section: 'ports',
  collect: async () => ({
    status: 'ok',
    data: { listeners: [{ protocol: 'tcp', address: '0.0.0.0', port: 70000, pid: null, process: null, bind: 'wildcard', publicExposure: false, service: null, category: null }] },
  }),
};
const collect = async () => collectReport({ runner: await replayRunner(DEBIAN), config: localConfig(), collectors: { ports: buggyPorts } });

describe("the agent's own check of a report against the shared schema", () => {
  it('withholds the invalid section, naming the field, and sends the rest as collected', async () => {
    const report = await collect();
    expect(report.sections.ports).toEqual({ status: 'error', error: { code: 'invalid-data', message: expect.stringContaining('ports.listeners.0.port:') } });
    for (const name of ['device', 'patches', 'backups', 'security'] as const) expect(report.sections[name].status).not.toBe('error');
    // What the server checks: the whole report is now acceptable, so the valid sections arrive.
    expect(Report.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
  });

  it("shows in the daemon's log and in `status`", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weian-selfcheck-'));
    const config = localConfig();
    const configPath = join(dir, 'agent.json');
    writeFileSync(configPath, JSON.stringify(config));
    const paths = agentPaths(configPath, config);
    const sent: Report[] = [];
    let received!: () => void;
    const arrived = new Promise<void>((r) => (received = r));
    const client = {
      report: async (r: Report) => {
        sent.push(r);
        received();
        return { reportId: r.reportId, hostId: 'h', receivedAt: new Date().toISOString(), resend: [], settings: config.settings };
      },
      heartbeat: async () => ({ serverTime: new Date().toISOString(), settings: config.settings }),
      commands: () => () => undefined,
    } as unknown as AgentClient;
    const lines: string[] = [];
    const daemon = startDaemon({
      config,
      paths,
      client,
      collect: async () => ({ report: await collect(), cpuSeconds: null }),
      log: (l) => lines.push(l),
      commands: false,
      random: () => 0,
      intervalMs: 60_000,
    });
    await arrived;
    daemon.stop();
    await daemon.done;

    expect(lines.some((l) => /section ports withheld, .*ports\.listeners\.0\.port/.test(l))).toBe(true);
    expect(sent[0]!.sections.ports).toMatchObject({ status: 'error', error: { code: 'invalid-data' } });
    const check = await loadSelfCheck(paths.selfCheck);
    expect(check).toMatchObject({ reportId: sent[0]!.reportId, invalid: [{ section: 'ports', message: expect.stringContaining('ports.listeners.0.port') }] });

    const status = JSON.parse(execFileSync(TSX, [CLI, 'status', '--config', configPath], { encoding: 'utf8' })) as { selfCheck: unknown };
    expect(status.selfCheck).toEqual(JSON.parse(readFileSync(paths.selfCheck, 'utf8')));
  });
});
