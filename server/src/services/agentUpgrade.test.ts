import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatAck, UpgradeManifest, type AgentCommand } from '@weian/shared';
import { appRouter } from '../routers/_app.js';
import { fakeAgentDist, testAgentRelease } from '../testing/agentDist.js';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import type { Context } from '../trpc/context.js';
import { createCallerFactory } from '../trpc/init.js';
import { loadOrCreateSigningKey, releaseTarget, SIGNING_KEY_FILE } from './agentRelease.js';
import { login } from './auth.js';
import { commandHub } from './commands.js';
import { createEnrollmentToken, enrollAgent } from './enrollment.js';
import { createUser } from './users.js';

const factory = createCallerFactory(appRouter);
const base = (t: TestDb): Omit<Context, 'principal' | 'agentCredentials'> => ({ deps: t.deps, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} });

describe('release files', () => {
  it('names which agents each built file upgrades: the el7 rpm under a kind of its own, the Windows exe and MSI under theirs', () => {
    expect(releaseTarget('weian-agent-linux-x64')).toEqual({ arch: 'x64', kind: 'sea' });
    expect(releaseTarget('weian-agent_0.2.0_arm64.deb')).toEqual({ arch: 'arm64', kind: 'deb' });
    expect(releaseTarget('weian-agent-0.2.0-1.aarch64.rpm')).toEqual({ arch: 'arm64', kind: 'rpm' });
    expect(releaseTarget('weian-agent-0.2.0-1.x86_64.rpm')).toEqual({ arch: 'x64', kind: 'rpm' });
    expect(releaseTarget('weian-agent-0.2.0-1.el7.x86_64.rpm')).toEqual({ arch: 'x64', kind: 'rpm-el7' });
    expect(releaseTarget('weian-agent-0.2.0-1.el7.aarch64.rpm')).toBeNull();
    expect(releaseTarget('weian-agent-win-x64.exe')).toEqual({ arch: 'x64', kind: 'exe' });
    expect(releaseTarget('weian-agent-0.2.0-x64.msi')).toEqual({ arch: 'x64', kind: 'msi' });
    // The MSI's name as agent/scripts/packages.mjs writes it, and nothing else that ends in .msi.
    expect(releaseTarget('weian-agent-0.2.0-arm64.msi')).toBeNull();
    expect(releaseTarget('weian-agent-win-arm64.exe')).toBeNull();
  });

  it('makes the signing key once, mode 0600, and keeps it across starts', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weian-key-'));
    const first = loadOrCreateSigningKey(dataDir);
    expect(statSync(join(dataDir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSigningKey(dataDir);
    expect(again.export({ type: 'pkcs8', format: 'der' }).equals(first.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
  });
});

describe.each(DIALECTS)('remote upgrade (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    t.deps.agentRelease = testAgentRelease(fakeAgentDist('0.2.0'));
  });
  afterAll(() => t.close());

  const userOf = async (username: string, scopeCode: string) => {
    await createUser(t.deps, 'cli', { username, role: 'institution', scopeCode, password: 'Inst-Upgrade-Pass-1' });
    const principal = (await login(t.deps, { username, password: 'Inst-Upgrade-Pass-1' }, '127.0.0.1')).principal;
    return factory({ ...base(t), principal, agentCredentials: null });
  };
  const agentCaller = (a: { id: string; secret: string }) => factory({ ...base(t), principal: null, agentCredentials: { id: a.id, secret: a.secret } });
  const heartbeat = (a: { id: string; secret: string }, agentVersion: string, extra = {}) => agentCaller(a).agent.heartbeat({ sentAt: t.clock.now.toISOString(), agentVersion, ...extra });

  it('signs the release for every outdated agent of the scope, skips current and foreign ones, and records what the agent reports', async () => {
    const [old1, old2, current, foreign] = [
      await enrollHost(t.deps, { institution: 'UP-A', region: '330106', hostname: 'a1' }),
      await enrollHost(t.deps, { institution: 'UP-A', region: '330106', hostname: 'a2' }),
      await enrollHost(t.deps, { institution: 'UP-A', region: '330106', hostname: 'a3' }),
      await enrollHost(t.deps, { institution: 'UP-B', region: '330106', hostname: 'b1' }),
    ];
    await heartbeat(current, '0.2.0');
    await heartbeat(old1, '0.1.0');
    const user = await userOf('up-a', 'UP-A');

    // The ack names the key an agent enrolled before pins; it is the one that verifies the manifest below.
    const ack = HeartbeatAck.parse(await heartbeat(old2, '0.1.0'));
    expect(ack.serverKey).toBe(t.deps.agentRelease!.publicKey);

    const r = await user.agents.upgrade({});
    expect(r.version).toBe('0.2.0');
    expect(r.agentIds.sort()).toEqual([old1.id, old2.id].sort());
    await expect(user.agents.upgrade({ agentId: foreign.id })).rejects.toThrow(/not visible to you/);
    await expect(user.agents.upgrade({ agentId: current.id })).rejects.toThrow(/already runs 0\.2\.0/);

    // Queued for the next heartbeat (no socket open): the command verifies under the server's key.
    const [cmd] = commandHub(t.deps).takePending(old1.id) as Array<Extract<AgentCommand, { type: 'upgrade' }>>;
    expect(cmd!.type).toBe('upgrade');
    const key = createPublicKey({ key: Buffer.from(ack.serverKey!, 'base64'), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(cmd!.manifest), key, Buffer.from(cmd!.signature, 'base64'))).toBe(true);
    const manifest = UpgradeManifest.parse(JSON.parse(cmd!.manifest));
    expect(manifest.files.map((f) => `${f.kind}/${f.arch}/${f.file}`).sort()).toEqual([
      'deb/x64/weian-agent_0.2.0_amd64.deb',
      'exe/x64/weian-agent-win-x64.exe',
      'msi/x64/weian-agent-0.2.0-x64.msi',
      'rpm-el7/x64/weian-agent-0.2.0-1.el7.x86_64.rpm',
      'rpm/x64/weian-agent-0.2.0-1.x86_64.rpm',
      'sea/arm64/weian-agent-linux-arm64',
      'sea/x64/weian-agent-linux-x64',
    ]);
    expect(manifest.files.find((f) => f.kind === 'sea' && f.arch === 'x64')).toMatchObject({ size: 7, sha256: createHash('sha256').update('x64 exe').digest('hex') });

    const listed = async () => Object.fromEntries((await user.agents.list({})).map((a) => [a.id, a.upgrade]));
    expect((await listed())[old1.id]).toMatchObject({ status: 'requested', toVersion: '0.2.0', reason: null });
    expect((await listed())[current.id]).toBeNull();

    const outcome = (id: string, status: 'upgraded' | 'failed', reason?: string) => ({
      upgrade: { id, status, fromVersion: '0.1.0', toVersion: '0.2.0', ...(reason ? { reason } : {}), at: t.clock.now.toISOString() },
    });
    // A late report of another command changes nothing; the agent's own one does.
    await heartbeat(old1, '0.1.0', outcome('some-older-command', 'upgraded'));
    expect((await listed())[old1.id]).toMatchObject({ status: 'requested' });
    await heartbeat(old1, '0.2.0', outcome(cmd!.id, 'upgraded'));
    const [cmd2] = commandHub(t.deps).takePending(old2.id) as Array<Extract<AgentCommand, { type: 'upgrade' }>>;
    await heartbeat(old2, '0.1.0', outcome(cmd2!.id, 'failed', '校验和不符: weian-agent-linux-x64'));
    const after = await user.agents.list({});
    expect(after.find((a) => a.id === old1.id)).toMatchObject({ version: '0.2.0', upgrade: { status: 'upgraded', toVersion: '0.2.0' } });
    expect(after.find((a) => a.id === old2.id)).toMatchObject({ version: '0.1.0', upgrade: { status: 'failed', reason: '校验和不符: weian-agent-linux-x64' } });
    // Nothing left to upgrade but the one that failed.
    expect((await user.agents.upgrade({})).agentIds).toEqual([old2.id]);
  });

  it('sends the release only to agents whose install kind and architecture it has a file for, names the others with the reason, and keeps sending to agents that never said', async () => {
    const host = (hostname: string) => enrollHost(t.deps, { institution: 'UP-D', region: '330106', hostname });
    const [debX64, debArm, msi, exeArm, tarball, older] = [await host('d-deb'), await host('d-deb-arm'), await host('d-msi'), await host('d-exe-arm'), await host('d-el7-tar'), await host('d-old')];
    await heartbeat(debX64, '0.1.0', { install: { kind: 'deb', arch: 'x64', flavour: null } });
    await heartbeat(debArm, '0.1.0', { install: { kind: 'deb', arch: 'arm64', flavour: null } });
    // Windows agents say how they were installed too: the release has an MSI for x64, no Windows file for arm64.
    await heartbeat(msi, '0.1.0', { install: { kind: 'msi', arch: 'x64', flavour: null } });
    await heartbeat(exeArm, '0.1.0', { install: { kind: 'exe', arch: 'arm64', flavour: null } });
    await heartbeat(tarball, '0.1.0', { install: { kind: null, reason: 'el7-tarball', arch: 'x64', flavour: 'glibc217' } });
    // An agent from before install kinds: it says nothing, and the command goes out as it always did.
    await heartbeat(older, '0.1.0');
    const user = await userOf('up-d', 'UP-D');

    const listed = Object.fromEntries((await user.agents.list({})).map((a) => [a.hostname, a.install]));
    expect(listed).toEqual({
      'd-deb': { kind: 'deb', arch: 'x64', flavour: null },
      'd-deb-arm': { kind: 'deb', arch: 'arm64', flavour: null },
      'd-msi': { kind: 'msi', arch: 'x64', flavour: null },
      'd-exe-arm': { kind: 'exe', arch: 'arm64', flavour: null },
      'd-el7-tar': { kind: null, reason: 'el7-tarball', arch: 'x64', flavour: 'glibc217' },
      'd-old': null,
    });

    const r = await user.agents.upgrade({});
    expect(r.agentIds.sort()).toEqual([debX64.id, msi.id, older.id].sort());
    expect(Object.fromEntries(r.skipped.map((s) => [s.hostname, [s.reason, s.message]]))).toEqual({
      'd-deb-arm': ['no-package', '服务器上的新版本没有适用于该探针的安装包 (the release on this server has no deb package for arm64)'],
      'd-exe-arm': ['no-package', '服务器上的新版本没有适用于该探针的安装包 (the release on this server has no exe package for arm64)'],
      'd-el7-tar': ['el7-tarball', '不支持远程升级：el7 探针由压缩包解压安装，请改用 el7 rpm (not upgradable remotely: the el7 build from its tarball; install the el7 rpm instead)'],
    });
    expect(r.skipped.find((s) => s.hostname === 'd-deb-arm')).toMatchObject({ agentId: debArm.id, version: '0.1.0', kind: 'deb', arch: 'arm64' });
    // Nothing queued, nothing recorded as requested for the agents left out.
    for (const a of [debArm, exeArm, tarball]) expect(commandHub(t.deps).takePending(a.id)).toEqual([]);
    for (const a of [debX64, msi]) expect(commandHub(t.deps).takePending(a.id)).toHaveLength(1);
    const upgrades = Object.fromEntries((await user.agents.list({})).map((a) => [a.hostname, a.upgrade?.status ?? null]));
    expect(upgrades).toMatchObject({ 'd-deb': 'requested', 'd-msi': 'requested', 'd-old': 'requested', 'd-deb-arm': null, 'd-exe-arm': null, 'd-el7-tar': null });

    // One agent asked for by name: refused with the reason.
    await expect(user.agents.upgrade({ agentId: tarball.id })).rejects.toThrow(/不支持远程升级.*install the el7 rpm instead/);
    // A heartbeat without it (rolled back to a version before it): not said any more, and the agent decides again.
    await heartbeat(tarball, '0.1.0');
    expect((await user.agents.list({})).find((a) => a.id === tarball.id)!.install).toBeNull();
    expect((await user.agents.upgrade({ agentId: tarball.id })).agentIds).toEqual([tarball.id]);
  });

  it('gives the key at enrolment, and refuses when the server has no packages', async () => {
    const { token } = await createEnrollmentToken(t.deps, { institutionCode: 'UP-C', institutionName: 'UP-C', regionCode: '330106' });
    const enrolled = await enrollAgent(t.deps, { token, hostname: 'c1', machineId: null, agentVersion: '0.1.0' });
    expect(enrolled.serverKey).toBe(t.deps.agentRelease!.publicKey);
    const a = { id: enrolled.agentId };
    const user = await userOf('up-c', 'UP-C');
    const saved = t.deps.agentRelease;
    t.deps.agentRelease = testAgentRelease(mkdtempSync(join(tmpdir(), 'weian-empty-dist-')));
    try {
      await expect(user.agents.upgrade({ agentId: a.id })).rejects.toThrow(/no agent packages on this server/);
    } finally {
      t.deps.agentRelease = saved;
    }
  });
});
