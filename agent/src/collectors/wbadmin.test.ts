import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newestWbVersion, parseWbadmin } from './wbadmin.js';

const fx = (p: string) => readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8');

const EN = `wbadmin 1.0 - Backup command-line tool
(C) Copyright Microsoft Corporation. All rights reserved.

Backup time: 5/8/2024 11:00 PM
Backup target: Network Share labeled \\\\nas01\\wsb
Version identifier: 05/08/2024-15:00
Can recover: Volume(s), File(s), Application(s), Bare Metal Recovery, System State
Snapshot ID: {11111111-2222-3333-4444-555555555555}

Backup time: 5/9/2024 11:00 PM
Backup target: Network Share labeled \\\\nas01\\wsb
Version identifier: 05/09/2024-15:00
Can recover: Volume(s), File(s), Application(s), Bare Metal Recovery, System State
Snapshot ID: {66666666-7777-8888-9999-000000000000}
`;

describe('Windows Server Backup', () => {
  it('Get-WBSummary: a failed last run with an older success (Chinese host)', async () => {
    expect(parseWbadmin(JSON.parse(await fx('windows2019-zh-wuauserv/wbadmin.json')))).toEqual({
      lastSuccessAt: '2024-05-07T15:00:41.000Z',
      lastAttemptAt: '2024-05-09T15:00:12.000Z',
      lastStatus: 'failed',
      sizeBytes: null,
      error: null,
    });
  });
  it('without the module: the newest version of wbadmin get versions (UTC identifier), English and Chinese', async () => {
    expect(newestWbVersion(EN)).toBe('2024-05-09T15:00:00.000Z');
    const zh = (JSON.parse(await fx('windows2019-zh-wuauserv/wbadmin.json')) as { Versions: string }).Versions;
    expect(parseWbadmin({ Summary: null, Versions: zh })).toMatchObject({ lastSuccessAt: '2024-05-07T15:00:00.000Z', lastStatus: 'success', error: null });
  });
  it.each([
    ['no output', null],
    ['garbled', { Summary: null, Versions: '\ufffd\ufffd\ufffd 1.0 \ufffd\ufffd' }],
    ['truncated identifier', { Summary: null, Versions: 'Version identifier: 05/09/20' }],
    ['no backup yet (Chinese)', { Summary: null, Versions: 'wbadmin 1.0 - 备份命令行工具\r\n找不到备份。\r\n' }],
    ['summary of a backup that never ran', { Summary: { LastSuccess: null, LastBackup: null, ResultHR: 0 }, Versions: '' }],
  ] as const)('bad input: %s → no success claimed, a reason given', (_n, json) => {
    const s = parseWbadmin(json);
    expect(s.lastSuccessAt).toBeNull();
    expect(s.lastStatus).not.toBe('success');
    expect(s.error).toMatch(/\w{5,}/);
  });
});
