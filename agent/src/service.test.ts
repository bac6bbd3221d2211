import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTALL_SERVICE_SUMMARY, installPlan, packagedUnit, systemdUnit, WINDOWS_TASK } from './service.js';

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

describe('systemd unit and install plans', () => {
  it('caps memory with the directive the host systemd knows, and waits for the config', () => {
    const unit = systemdUnit(['/usr/bin/weian-agent', 'run', '--config', '/etc/weian/agent.json'], { configPath: '/etc/weian/agent.json' });
    expect(unit).toContain('ConditionPathExists=/etc/weian/agent.json\n');
    expect(unit).toContain('MemoryMax=256M\n');
    expect(unit).toContain('TasksMax=64\n');
    const legacy = systemdUnit(['/usr/bin/weian-agent', 'run'], { legacySystemd: true });
    expect(legacy).toContain('MemoryLimit=256M\n');
    // systemd 219 knows neither: it would only log a warning, but the unit should say what applies.
    expect(legacy).not.toMatch(/MemoryMax|TasksMax|ConditionPathExists/);
    expect(legacy).toMatch(/\n\n\[Install\]/);
  });

  it('registers without starting when asked (the MSI, before enrollment)', () => {
    const win = installPlan('win32', ['C:\\WeiAn\\weian-agent.exe'], 'C:\\ProgramData\\WeiAn\\agent.json', false).map((s) => s.run?.join(' ') ?? s.write?.path);
    expect(win.some((c) => c?.includes('/Create'))).toBe(true);
    expect(win.some((c) => c?.includes('/Run'))).toBe(false);
    expect(installPlan('win32', ['x.exe'], 'c.json').some((s) => s.run?.includes('/Run'))).toBe(true);
    const linux = installPlan('linux', ['/usr/bin/weian-agent'], '/etc/weian/agent.json', false);
    expect(linux.at(-1)!.run).toEqual(['systemctl', 'enable', 'weian-agent.service']);
    expect(installPlan('linux', ['/usr/bin/weian-agent'], '/etc/weian/agent.json').at(-1)!.run).toEqual(['systemctl', 'enable', '--now', 'weian-agent.service']);
  });

  it('a single executable (which upgrades itself) starts behind the guard of its kept predecessor; node with a script has none', () => {
    const unitOf = (invocation: string[]) => installPlan('linux', invocation, '/etc/weian/agent.json')[0]!.write!.content;
    expect(unitOf(['/opt/weian/weian-agent'])).toContain(
      'ExecStartPre=-/opt/weian/weian-agent.previous __upgrade-guard --config /etc/weian/agent.json\nExecStart=/opt/weian/weian-agent run --config /etc/weian/agent.json\n',
    );
    expect(unitOf(['/usr/bin/node', '/opt/weian/weian-agent.mjs'])).not.toContain('ExecStartPre');
  });

  it("the deb's and rpm's unit starts behind the guard of the program a package upgrade keeps in the state directory", () => {
    const guard = 'ExecStartPre=-/var/lib/weian-agent/weian-agent.previous/weian-agent __upgrade-guard --config /etc/weian/agent.json\n';
    expect(packagedUnit(['/usr/bin/weian-agent'], { configPath: '/etc/weian/agent.json' })).toContain(`${guard}ExecStart=/usr/bin/weian-agent run --config /etc/weian/agent.json\n`);
    expect(packagedUnit(['/usr/bin/weian-agent'], { configPath: '/etc/weian/agent.json', legacySystemd: true })).toContain(guard);
  });
});
