import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEIAN_VERSION } from '@weian/shared/version';
import { signIn, TEST_ADMIN } from '../helpers/auth.js';
import { freePort, tempDir } from '../helpers/server.js';
import { ensureServerBuilt } from '../helpers/serverBuild.js';
import { waitFor } from '../helpers/wait.js';

const QEMU = ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'];
const sh = async (cmd: string, args: string[]) => (await promisify(execFile)(cmd, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
/** The oldest systems the packages are for (Kylin V10, UOS 20, openEuler 20.03, EL8): Node.js 20's own floor. */
const FLOOR = { GLIBC: [2, 28], GLIBCXX: [3, 4, 21], CXXABI: [1, 3, 9] } as const;
const newer = (v: number[], floor: readonly number[]) => {
  for (let i = 0; i < Math.max(v.length, floor.length); i++) if ((v[i] ?? 0) !== (floor[i] ?? 0)) return (v[i] ?? 0) > (floor[i] ?? 0);
  return false;
};

let P: Awaited<ReturnType<typeof ensureServerBuilt>>;
const roots: string[] = [];
beforeAll(async () => {
  P = await ensureServerBuilt(WEIAN_VERSION);
}, 1_800_000);
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Unpacks an rpm into a fresh root with rpm itself (its scripts need a whole OS there: they are read, not run). */
async function installRpm(rpm: string, extra: string[] = []) {
  const root = tempDir('weian-rpm-root-');
  roots.push(root);
  // Debian's rpm keeps its database in ~/.rpmdb; inside the root, where an rpm system has it.
  await sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--noscripts', ...extra, rpm]);
  expect((await sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-q', 'weian-server'])).trim()).toMatch(new RegExp(`^weian-server-${WEIAN_VERSION}-1\\.`));
  return root;
}

/**
 * Runs an installed tree's `node server.mjs serve` on a temp data dir (`prefix` puts qemu in front), waits for
 * /readyz, hands the URL to `use`, then stops it with SIGTERM as systemd would.
 */
async function serving(lib: string, prefix: string[], use: (url: string) => Promise<void>) {
  const port = await freePort();
  const data = tempDir('weian-pkg-data-');
  roots.push(data);
  const argv = [...prefix, join(lib, 'node'), join(lib, 'server.mjs'), 'serve'];
  const env = { PATH: process.env.PATH!, HOME: data, WEIAN_DATA_DIR: data, WEIAN_PORT: String(port), WEIAN_HOST: '127.0.0.1', WEIAN_ADMIN_PASSWORD: TEST_ADMIN.password };
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd: data, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    // Under qemu on a loaded 2-core machine the start takes a while: every instruction is translated.
    await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok, { timeoutMs: 300_000, intervalMs: 500, what: `${argv.join(' ')} to be ready:\n${output}` });
    await use(url);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  expect(output).toMatch(/SIGTERM: shutting down/);
  return output;
}

describe('the server rpms (x86_64, aarch64) and the arm64 deb', () => {
  it('rpm -qlp lists the program, the unit, the settings file (a config kept on upgrade) and the data directory; both run on glibc 2.28', async () => {
    for (const [rpm, arch] of [
      [P.rpm, 'x86_64'],
      [P.rpmAarch64, 'aarch64'],
    ] as const) {
      const files = (await sh('rpm', ['-qlp', rpm])).trim().split('\n');
      for (const f of [
        '/usr/lib/weian-server/node',
        '/usr/lib/weian-server/server.mjs',
        '/usr/lib/weian-server/dashboard/index.html',
        '/usr/lib/weian-server/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        '/usr/bin/weian-server',
        '/usr/lib/systemd/system/weian-server.service',
        '/etc/weian/server.env',
        '/var/lib/weian-server',
      ])
        expect(files, `${arch}: ${f}`).toContain(f);
      for (const dev of ['tsx', 'typescript', 'vitest', 'esbuild']) expect(files.join('\n')).not.toMatch(new RegExp(`node_modules/${dev}/`));
      expect(await sh('rpm', ['-qp', '--qf', '%{NAME} %{VERSION} %{ARCH}', rpm])).toBe(`weian-server ${WEIAN_VERSION} ${arch}`);
      expect((await sh('rpm', ['-qcp', rpm])).trim()).toBe('/etc/weian/server.env');
      expect(await sh('rpm', ['-qp', '--scripts', rpm])).toMatch(/useradd --system --gid weian/);
      // rpm's dependency generator read every ELF file (Node.js and the SQLite add-on): nothing newer than the floor.
      const requires = await sh('rpm', ['-qp', '--requires', rpm]);
      for (const [, lib, version] of requires.matchAll(/\((GLIBC|GLIBCXX|CXXABI)_([\d.]+)\)/g))
        expect(newer(version!.split('.').map(Number), FLOOR[lib as keyof typeof FLOOR]), `${arch} needs ${lib}_${version}`).toBe(false);
      expect(requires).toMatch(/libstdc\+\+\.so\.6/);
      expect(readFileSync(`${rpm}.sha256`, 'utf8').split(' ')[0]).toBe((await sh('sha256sum', [rpm])).split(' ')[0]);
    }

    expect(await sh('dpkg-deb', ['-f', P.debArm64, 'Package', 'Version', 'Architecture'])).toBe(`Package: weian-server\nVersion: ${WEIAN_VERSION}\nArchitecture: arm64\n`);
    const deb = tempDir('weian-deb-arm64-');
    roots.push(deb);
    await sh('dpkg-deb', ['-x', P.debArm64, deb]);
    for (const elf of ['usr/lib/weian-server/node', 'usr/lib/weian-server/node_modules/better-sqlite3/build/Release/better_sqlite3.node'])
      expect(await sh('file', ['-b', join(deb, elf)]), elf).toMatch(/ARM aarch64/);
    expect(readFileSync(`${P.debArm64}.sha256`, 'utf8').split(' ')[0]).toBe((await sh('sha256sum', [P.debArm64])).split(' ')[0]);
  });

  it('the x86_64 rpm installs into a fresh root and its server runs from there', async () => {
    const root = await installRpm(P.rpm);
    const lib = join(root, 'usr/lib/weian-server');
    expect((await sh(join(lib, 'node'), [join(lib, 'server.mjs'), '--version'])).trim()).toBe(WEIAN_VERSION);
    expect(readFileSync(join(root, 'usr/lib/systemd/system/weian-server.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/lib\/weian-server\/node \/usr\/lib\/weian-server\/server.mjs serve$/m);
    await serving(lib, [], async (url) => {
      expect((await fetch(`${url}/healthz`)).ok).toBe(true);
      expect(await (await fetch(`${url}/`)).text()).toContain('<div id="app">');
    });
  });

  it('the aarch64 rpm installed into a fresh root runs under qemu-aarch64: --version, serve, /healthz, an XLSX export', async () => {
    const root = await installRpm(P.rpmAarch64, ['--ignorearch']);
    const lib = join(root, 'usr/lib/weian-server');
    expect(await sh('file', ['-b', join(lib, 'node')])).toMatch(/ARM aarch64/);
    expect((await sh(QEMU[0]!, [...QEMU.slice(1), join(lib, 'node'), join(lib, 'server.mjs'), '--version'])).trim()).toBe(WEIAN_VERSION);
    await serving(lib, QEMU, async (url) => {
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', database: 'sqlite' });
      // Signing in and exporting go through the arm64 SQLite add-on (reads, writes) and the XLSX writer.
      const cookie = await signIn(url);
      const res = await fetch(`${url}/export/rankings.xlsx?region=330106`, { headers: { cookie } });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/spreadsheetml/);
      expect(
        Buffer.from(await res.arrayBuffer())
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
    });
  });
});
