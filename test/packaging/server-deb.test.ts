import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEIAN_VERSION } from '@weian/shared/version';
import { runCli } from '../helpers/cli.js';
import { freePort, tempDir } from '../helpers/server.js';
import { ensureServerBuilt } from '../helpers/serverBuild.js';
import { waitFor } from '../helpers/wait.js';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
const purge = () => {
  try {
    sh('dpkg', ['--purge', 'weian-server']);
  } catch {
    /* not installed */
  }
  rmSync('/var/lib/weian-server', { recursive: true, force: true });
};

/**
 * Issue 25: the server as a Debian package, installed on this machine (the suite runs as root).
 * There is no systemd here: the test starts the server with the unit's own ExecStart line, as the
 * unit's user, with its EnvironmentFile — what systemd would do — then enrolls a real agent, scrapes
 * /metrics, stops it, and removes and purges the package.
 */
describe('the server deb', () => {
  let deb = '';
  beforeAll(async () => {
    deb = (await ensureServerBuilt(WEIAN_VERSION)).deb;
    purge();
  }, 900_000);
  afterAll(purge);

  it('holds Node.js, the bundle, the dashboard, a hardened unit and the settings file', () => {
    const files = sh('dpkg-deb', ['-c', deb]);
    for (const f of [
      './usr/lib/weian-server/node',
      './usr/lib/weian-server/server.mjs',
      './usr/lib/weian-server/dashboard/index.html',
      './usr/lib/weian-server/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      './usr/bin/weian-server',
      './lib/systemd/system/weian-server.service',
      './etc/weian/server.env',
    ])
      expect(files, f).toContain(f);
    // No development dependency is shipped: the bundle runs by plain node.
    for (const dev of ['tsx', 'typescript', 'vitest', 'esbuild']) expect(files).not.toMatch(new RegExp(`node_modules/${dev}/`));
    expect(sh('dpkg-deb', ['-f', deb, 'Package', 'Version', 'Architecture'])).toBe(`Package: weian-server\nVersion: ${WEIAN_VERSION}\nArchitecture: amd64\n`);
    expect(readFileSync(`${deb}.sha256`, 'utf8').split(' ')[0]).toBe(sh('sha256sum', [deb]).split(' ')[0]);
  });

  it('installs, runs as its own user from the unit, reports metrics, and uninstalls keeping the data until purge', async () => {
    sh('dpkg', ['-i', deb]);
    expect(sh('id', ['-un', 'weian']).trim()).toBe('weian');
    const unit = readFileSync('/lib/systemd/system/weian-server.service', 'utf8');
    for (const hardening of ['NoNewPrivileges=true', 'ProtectSystem=strict', 'PrivateTmp=true', 'User=weian', 'ReadWritePaths=/var/lib/weian-server']) expect(unit).toContain(hardening);
    const exec = /^ExecStart=(.+)$/m.exec(unit)![1]!.split(' ');
    const envFile = /^EnvironmentFile=(.+)$/m.exec(unit)![1]!;
    const settings = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(settings.WEIAN_DATA_DIR).toBe('/var/lib/weian-server');
    const port = await freePort();
    const env = { PATH: process.env.PATH!, HOME: '/var/lib/weian-server', ...settings, WEIAN_PORT: String(port), WEIAN_HOST: '127.0.0.1', WEIAN_ADMIN_PASSWORD: 'Deb-Admin-Pass-1' };
    // As the unit's user, with nothing from this checkout: setpriv drops to weian, the env is the unit's.
    const child = spawn('setpriv', ['--reuid', 'weian', '--regid', 'weian', '--clear-groups', '--', ...exec], { env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok, { timeoutMs: 60_000, what: `the installed server to be ready:\n${output}` });
      expect(existsSync('/var/lib/weian-server/weian.sqlite')).toBe(true);
      expect(sh('stat', ['-c', '%U', '/var/lib/weian-server/weian.sqlite']).trim()).toBe('weian');
      expect(await (await fetch(`${url}/`)).text()).toContain('<div id="app">');

      // An operator's command from the package, with the package's settings: a token for an institution.
      const token = sh('setpriv', [
        '--reuid',
        'weian',
        '--regid',
        'weian',
        '--clear-groups',
        '--',
        '/usr/bin/weian-server',
        'token',
        'create',
        '--institution',
        '330106901',
        '--name',
        '包测试医院',
        '--region',
        '330106',
      ])
        .trim()
        .split('\n')
        .at(-1)!;
      expect(token).toMatch(/^wa_/);
      const agentDir = tempDir('weian-deb-agent-');
      const config = join(agentDir, 'agent.json');
      const enrolled = await runCli('agent', ['enroll', '--server', url, '--token', token, '--config', config, '--data-dir', agentDir]);
      expect(enrolled.code, enrolled.stderr).toBe(0);
      const once = await runCli('agent', ['once', '--config', config], { timeoutMs: 120_000 });
      expect(once.code, once.stderr).toBe(0);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^weian_reports_total\{outcome="accepted",reason=""\} [1-9]/m);
      rmSync(agentDir, { recursive: true, force: true });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(output).toMatch(/SIGTERM: shutting down/);

    sh('dpkg', ['-r', 'weian-server']);
    expect(existsSync('/usr/lib/weian-server/server.mjs')).toBe(false);
    expect(existsSync('/var/lib/weian-server/weian.sqlite')).toBe(true);
    expect(existsSync('/etc/weian/server.env')).toBe(true);
    sh('dpkg', ['--purge', 'weian-server']);
    expect(existsSync('/var/lib/weian-server')).toBe(false);
    expect(existsSync('/etc/weian/server.env')).toBe(false);
  });
});
