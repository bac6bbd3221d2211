import { describe, expect, it } from 'vitest';
import { HeartbeatInput, upgradeBlock, type AgentInstall } from './agentCommands.js';

const beat = { sentAt: '2026-12-07T05:00:00.000Z', agentVersion: '0.2.0' };

describe('what an agent says of how it was installed', () => {
  it('is optional in the heartbeat, so agents before it still validate', () => {
    expect(HeartbeatInput.parse(beat)).toEqual(beat);
    const deb = { kind: 'deb', arch: 'arm64', flavour: null };
    expect(HeartbeatInput.parse({ ...beat, install: deb }).install).toEqual(deb);
    const tarball = { kind: null, reason: 'el7-tarball', arch: 'x64', flavour: 'glibc217' };
    expect(HeartbeatInput.parse({ ...beat, install: tarball }).install).toEqual(tarball);
    // Windows agents say exe or msi: both upgradable remotely.
    const msi = { kind: 'msi', arch: 'x64', flavour: null };
    expect(HeartbeatInput.parse({ ...beat, install: msi }).install).toEqual(msi);
  });

  it("reads a later agent's kind or reason this server does not know as not said, and keeps the heartbeat", () => {
    expect(HeartbeatInput.parse({ ...beat, install: { kind: 'flatpak', arch: 'x64', flavour: null } })).toEqual(beat);
    expect(HeartbeatInput.parse({ ...beat, install: { kind: null, reason: 'mainframe', arch: 'x64', flavour: null } })).toEqual(beat);
    expect(HeartbeatInput.parse({ ...beat, install: { kind: 'sea', arch: '../../x', flavour: null } })).toEqual(beat);
  });
});

describe('upgradeBlock: whether a release reaches an agent', () => {
  const files = [
    { kind: 'sea', arch: 'x64' },
    { kind: 'deb', arch: 'x64' },
    { kind: 'rpm-el7', arch: 'x64' },
    { kind: 'exe', arch: 'x64' },
    { kind: 'msi', arch: 'x64' },
  ] as const;
  const install = (o: Partial<AgentInstall>): AgentInstall => ({ kind: 'deb', arch: 'x64', flavour: null, ...o });

  it('sends when the release has a file of the kind and architecture, and to agents that have not said (they decide)', () => {
    expect(upgradeBlock(install({}), files)).toBeNull();
    expect(upgradeBlock(install({ kind: 'rpm-el7', flavour: 'glibc217' }), files)).toBeNull();
    expect(upgradeBlock(install({ kind: 'exe' }), files)).toBeNull();
    expect(upgradeBlock(install({ kind: 'msi' }), files)).toBeNull();
    expect(upgradeBlock(null, files)).toBeNull();
  });

  it("gives the agent's own reason when it cannot be upgraded remotely, and no-package when the release lacks its kind or architecture", () => {
    expect(upgradeBlock(install({ kind: null, reason: 'el7-tarball', flavour: 'glibc217' }), files)).toBe('el7-tarball');
    expect(upgradeBlock(install({ kind: null, reason: 'node-script' }), files)).toBe('node-script');
    expect(upgradeBlock(install({ arch: 'arm64' }), files)).toBe('no-package');
    expect(upgradeBlock(install({ kind: 'rpm' }), files)).toBe('no-package');
    expect(upgradeBlock(install({ arch: 'ia32' }), files)).toBe('no-package');
    expect(upgradeBlock(install({ kind: 'msi', arch: 'arm64' }), files)).toBe('no-package');
  });
});
