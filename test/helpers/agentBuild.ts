import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mtimeOr0, newestMtime, withBuildLock } from './buildLock.js';
import { REPO } from './paths.js';

const AGENT = join(REPO, 'agent');
export const AGENT_DIST = join(AGENT, 'dist');

/** What `pnpm build` makes for the agent, by file name (docs/agent-install.md lists the same). */
export function agentArtifacts(version: string, dist = AGENT_DIST) {
  const at = (f: string) => join(dist, f);
  return {
    linuxX64: at('weian-agent-linux-x64'),
    linuxArm64: at('weian-agent-linux-arm64'),
    winX64: at('weian-agent-win-x64.exe'),
    glibc217: at(`weian-agent-${version}-linux-x64-glibc217.tar.gz`),
    debAmd64: at(`weian-agent_${version}_amd64.deb`),
    debArm64: at(`weian-agent_${version}_arm64.deb`),
    rpmX86_64: at(`weian-agent-${version}-1.x86_64.rpm`),
    rpmAarch64: at(`weian-agent-${version}-1.aarch64.rpm`),
    rpmEl7: at(`weian-agent-${version}-1.el7.x86_64.rpm`),
    msi: at(`weian-agent-${version}-x64.msi`),
    sums: at('SHA256SUMS'),
  };
}

const build = (args: string[]) => promisify(execFile)(process.execPath, [join(AGENT, 'scripts/build.mjs'), ...args], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });

/**
 * Runs the agent's full build (every executable and package) unless agent/dist is newer than the
 * sources: made once and shared by every test file of a run (several minutes on 2 busy cores).
 */
export async function ensureAgentBuilt(): Promise<void> {
  await withBuildLock(join(AGENT, '.build-lock'), 20 * 60_000, async () => {
    const sources = Math.max(...['src', 'scripts', 'package.json', '../shared/src', '../scripts', '../pnpm-lock.yaml'].map((p) => newestMtime(join(AGENT, p))));
    if (mtimeOr0(join(AGENT_DIST, 'SHA256SUMS')) > sources) return;
    await build([]);
  });
}

/** A second build with another version (linux-x64 executable and deb only), into its own directory: what an upgrade installs. */
export async function buildAgentVersion(version: string, dist: string): Promise<void> {
  await build(['--version', version, '--dist', dist, '--platforms', 'linux-x64']);
}

/**
 * The linux-x64 single executable alone, of a given version, into its own directory (seconds): the two builds an upgrade test runs.
 * `prelude`: a file of JavaScript run before the agent's code (a faulty build, made on purpose).
 */
export async function buildExecutableVersion(version: string, dist: string, prelude?: string): Promise<string> {
  await build(['--version', version, '--dist', dist, '--platforms', 'linux-x64', '--no-packages', '--out', join(dist, 'weian-agent.mjs'), ...(prelude ? ['--prelude', prelude] : [])]);
  return agentArtifacts(version, dist).linuxX64;
}

/** The glibc 2.17 build of a given version (Node 16 with its bundle, the tarball and the el7 rpm), into its own directory; returns the rpm. */
export async function buildEl7Version(version: string, dist: string): Promise<string> {
  await build(['--version', version, '--dist', dist, '--platforms', 'linux-x64-glibc217', '--out', join(dist, 'weian-agent.mjs')]);
  return agentArtifacts(version, dist).rpmEl7;
}
