import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyData, sectionsOf } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost } from './index.js';
import type { Listener } from '../schemas/sections.js';

// Issue 19: a port bound to all addresses that the host firewall filters is not exposed; one whose
// reach the agent could not tell still counts as exposed (never a silent pass), and says so.

const rdp = (reach?: Listener['reach']): Listener => ({
  protocol: 'tcp',
  address: '0.0.0.0',
  port: 3389,
  pid: 9,
  process: 'svchost',
  bind: 'wildcard',
  publicExposure: true,
  service: 'rdp',
  category: 'remote-management',
  ...(reach ? { reach, reachBy: reach === 'filtered' ? 'iptables INPUT policy DROP' : 'test' } : {}),
});
const mysql = (reach?: Listener['reach']): Listener => ({ ...rdp(reach), port: 3306, process: 'mysqld', service: 'mysql', category: 'database' });
const judge = (listeners: Listener[]) => {
  const data = healthyData();
  data.ports.listeners = listeners;
  const f = evaluateHost({ sections: sectionsOf(data), mlpsLevel: 3, securityUpdateFirstSeen: new Map(), lastReportAt: NOW }, DEFAULT_SETTINGS, NOW);
  return Object.fromEntries(f.map((x) => [x.ruleId, x]));
};

describe('port rules through the host firewall', () => {
  it('a filtered or private-only port passes, and the pass names it', () => {
    const f = judge([rdp('filtered'), mysql('restricted')]);
    expect(f['HOST-PORT-REMOTE-PUBLIC']!.status).toBe('pass');
    expect(f['HOST-PORT-REMOTE-PUBLIC']!.evidence.zh).toContain('tcp/3389 (svchost) @ 0.0.0.0（已被主机防火墙过滤）');
    expect(f['HOST-PORT-RISKY-PUBLIC']!.status).toBe('pass');
    expect(f['HOST-PORT-DB-WILDCARD']!.status).toBe('pass');
    expect(f['HOST-PORT-DB-WILDCARD']!.evidence.zh).toContain('仅限内网来源');
  });
  it('open, unknown, and agents before issue 19 (no reach) still fail; unknown is said', () => {
    for (const reach of ['open', 'unknown', undefined] as const) expect(judge([rdp(reach)])['HOST-PORT-REMOTE-PUBLIC']!.status, String(reach)).toBe('fail');
    expect(judge([mysql('unknown')])['HOST-PORT-DB-WILDCARD']!.evidence.zh).toContain('主机防火墙是否放行未知');
  });
  it('a plaintext protocol listening fails whatever the firewall does (the service itself is the finding)', () => {
    expect(judge([{ ...rdp('filtered'), port: 23, process: 'in.telnetd', service: 'telnet', category: 'plaintext' }])['HOST-PORT-PLAINTEXT']!.status).toBe('fail');
  });
});
