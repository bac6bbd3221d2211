import { describe, expect, it } from 'vitest';
import { judgeCapture } from '../fixtures/judge.js';
import { parseWindowsUpdateSearch, windowsUpdateFailure } from './collectors/patches.js';

// Issue 19, "False passes to end": each case replays a capture of the corpus through the agent and
// the server's rules. On 9791cee every one of these verdicts was `pass` (or, for 5 and 7, the data
// that makes the verdict was wrong); the capture's README.md says what the host shows.

const data = <T>(s: { status: string; data?: unknown }): T => {
  expect(s.status).toBe('ok');
  return s.data as T;
};

describe('1. security updates that cannot be told apart are unknown, never 0 and a pass', () => {
  it('UOS 20 (Debian-based): no security suite configured', async () => {
    const { report, findings } = await judgeCapture('uos20-server-e');
    const p = data<{ securityCount: number | null; pendingCount: number; uncertain?: Array<{ field: string; code: string }> }>(report.sections.patches);
    expect(p).toMatchObject({ pendingCount: 5, securityCount: null });
    expect(p.uncertain).toEqual([expect.objectContaining({ field: 'pending.security', code: 'no-security-classification' })]);
    expect(findings['HOST-PATCH-SECURITY']!.status).toBe('unknown');
    expect(findings['HOST-PATCH-SECURITY']!.evidence.zh).toMatch(/无法区分安全更新|哪些待装更新是安全更新/);
  });
  it('CentOS 7 and NeoKylin 7: repositories without updateinfo', async () => {
    for (const dir of ['centos7', 'neokylin7-docker']) {
      const { report, findings } = await judgeCapture(dir);
      expect(data<{ securityCount: number | null }>(report.sections.patches).securityCount, dir).toBeNull();
      expect(findings['HOST-PATCH-SECURITY']!.status, dir).toBe('unknown');
    }
  });
  it('a host whose sources have a security suite still passes (Ubuntu 22.04)', async () => {
    const { report, findings } = await judgeCapture('ubuntu2204-ufw');
    expect(data<{ securityCount: number | null }>(report.sections.patches).securityCount).toBe(2);
    expect(findings['HOST-PATCH-SECURITY']!.status).toBe('pass');
  });
});

describe('2. the host firewall is judged on the path inbound traffic takes', () => {
  it('Docker on iptables-nft (Kylin V10 SP2): FORWARD DROP and DOCKER chains, INPUT accepts everything', async () => {
    const { report, findings } = await judgeCapture('kylin-v10-sp2-arm64-docker');
    const fw = data<{ firewall: { active: boolean | null; product: string | null; basis?: string | null } }>(report.sections.security).firewall;
    expect(fw).toMatchObject({ active: false, product: 'nftables' });
    expect(fw.basis).toMatch(/input hook accept/);
    expect(findings['HOST-FIREWALL-OFF']!.status).toBe('fail');
  });
  it('Docker on iptables-legacy (NeoKylin 7)', async () => {
    const { report, findings } = await judgeCapture('neokylin7-docker');
    expect(data<{ firewall: { basis?: string } }>(report.sections.security).firewall.basis).toMatch(/INPUT policy ACCEPT with no filtering rule/);
    expect(findings['HOST-FIREWALL-OFF']!.status).toBe('fail');
  });
  it('ufw with incoming DROP, iptables INPUT DROP and firewalld zones still pass', async () => {
    for (const dir of ['ubuntu2204-ufw', 'uos20-server-e', 'openeuler-2203']) expect((await judgeCapture(dir)).findings['HOST-FIREWALL-OFF']!.status, dir).toBe('pass');
  });
});

describe('3. sshd root login when sshd -T cannot run: the vendor default, not upstream', () => {
  it('Kylin V10 and NeoKylin 7 ship PermitRootLogin yes as their default', async () => {
    for (const dir of ['kylin-v10-sp2-arm64-docker', 'neokylin7-docker']) {
      const { report, findings } = await judgeCapture(dir);
      expect(data<{ ssh: { permitRootLogin: string | null } }>(report.sections.security).ssh.permitRootLogin, dir).toBe('yes');
      expect(findings['HOST-SSH-ROOT-PASSWORD']!.status, dir).toBe('fail');
    }
  });
});

describe('4. a failed Windows Update search is an error with its reason, never data', () => {
  it('wuauserv disabled (Windows Server 2019, Chinese): HRESULT 0x80070422 in the error, patch rules unknown', async () => {
    const { report, findings } = await judgeCapture('windows2019-zh-wuauserv');
    expect(report.sections.patches).toMatchObject({ status: 'error', error: { code: 'command-failed' } });
    expect(report.sections.patches.status === 'error' && report.sections.patches.error.message).toMatch(/0x80070422.*wuauserv.*disabled/);
    for (const id of ['HOST-PATCH-SECURITY', 'HOST-PATCH-STALE', 'HOST-REBOOT-PENDING']) expect(findings[id]!.status, id).toBe('unknown');
  });
  it('what the previous script printed for a swallowed failure (no result code, one empty update) is no answer', () => {
    const swallowed = { ResultCode: null, Updates: { Title: null, KB: [], Severity: null, Categories: [] } };
    expect(parseWindowsUpdateSearch(swallowed)).toBeNull();
    expect(windowsUpdateFailure(swallowed)).toMatch(/no result code/);
    expect(windowsUpdateFailure({ Error: 'x', HResult: '0x8024402c' })).toMatch(/0x8024402C: the update server name could not be resolved/);
  });
});

describe('5. reboot required on dnf hosts without dnf-utils', () => {
  it('Kylin V10 SP2 minimal: dnf needs-restarting -r answers', async () => {
    const { report, findings } = await judgeCapture('kylin-v10-sp2-arm64-docker');
    expect(data<{ rebootRequired: boolean | null }>(report.sections.patches).rebootRequired).toBe(true);
    expect(findings['HOST-REBOOT-PENDING']!.status).toBe('fail');
  });
  it('openEuler 22.03: "Reboot should not be necessary" is no reboot', async () => {
    const { report } = await judgeCapture('openeuler-2203');
    expect(data<{ rebootRequired: boolean | null }>(report.sections.patches).rebootRequired).toBe(false);
  });
});

describe("6. rpm versions in one form, compared by rpm's order", () => {
  it('installed and available versions both carry the epoch', async () => {
    const { report } = await judgeCapture('centos7');
    const pending = data<{ pending: Array<{ name: string; installedVersion: string | null; availableVersion: string | null }> }>(report.sections.patches).pending;
    expect(pending.find((u) => u.name === 'openssl')).toMatchObject({ installedVersion: '1:1.0.2k-25.el7_9', availableVersion: '1:1.0.2k-26.el7_9' });
    expect(pending.find((u) => u.name === 'bind-libs-lite')).toMatchObject({ installedVersion: '32:9.11.4-26.P2.el7_9.9', availableVersion: '32:9.11.4-26.P2.el7_9.16' });
  });
});

describe('7. consumer and enterprise anti-malware told apart, library dates read where readable', () => {
  it('360安全卫士 is not 奇安信天擎', async () => {
    const { report } = await judgeCapture('windows2019-zh-wuauserv');
    expect(data<{ antimalware: { product: string | null } }>(report.sections.security).antimalware.product).toMatch(/^360安全卫士/);
  });
  it('火绒: a library 70 days old is stale', async () => {
    const { report, findings } = await judgeCapture('windows2012r2');
    expect(data<{ antimalware: { signatureUpdatedAt: string | null } }>(report.sections.security).antimalware.signatureUpdatedAt).toBe('2024-03-01T00:00:00.000Z');
    expect(findings['HOST-AV-STALE']!.status).toBe('fail');
  });
});
