import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTALL_SERVICE_SUMMARY, installPlan, WINDOWS_TASK } from './service.js';

const guide = readFileSync(new URL('../../docs/agent-install.md', import.meta.url), 'utf8');

// --help, the install guide and what install-service really does must tell one story.
describe('install-service on Windows is a scheduled task, everywhere it is described', () => {
  const plan = installPlan('win32', ['C:\\Program Files\\WeiAn\\weian-agent.exe'], 'C:\\ProgramData\\WeiAn\\agent.json');
  it('creates and starts a SYSTEM task at boot, and no service', () => {
    const commands = plan.map((s) => s.run?.[0]);
    expect(commands).toContain('schtasks.exe');
    expect(commands).not.toContain('sc.exe');
    expect(plan[0]!.run).toEqual(expect.arrayContaining(['/Create', '/TN', WINDOWS_TASK, '/SC', 'ONSTART', '/RU', 'SYSTEM']));
  });
  it('says so in --help and in the install guide, in both languages', () => {
    expect(INSTALL_SERVICE_SUMMARY).toContain(`scheduled task ${WINDOWS_TASK}`);
    expect(INSTALL_SERVICE_SUMMARY).not.toMatch(/Windows service/i);
    expect(guide).toContain(`计划任务 \`${WINDOWS_TASK}\``);
    expect(guide).toContain(`scheduled task \`${WINDOWS_TASK}\``);
    expect(guide).not.toMatch(/Windows service|Windows 服务/i);
  });
});
