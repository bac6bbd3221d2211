import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localConfig } from '../config.js';
import { capturingRunner, execKey, liveRunner, type CaptureManifest } from '../runner.js';
import { device } from './device.js';
import { linuxHost } from './linux-host.js';
import { parseKeyEquals } from './helpers/parse.js';

// This machine is Linux: the direct reads must say what the host says through other means.
describe('device reads on Linux without systeminformation', () => {
  const probes = linuxHost(liveRunner());
  it('os, cpu, filesystems, interfaces and machine id agree with the host', async () => {
    const os = await probes.osInfo();
    const release = parseKeyEquals(readFileSync('/etc/os-release', 'utf8'));
    expect(os).toMatchObject({ platform: 'linux', hostname: hostname(), distro: release.NAME, release: release.VERSION_ID, logofile: release.ID!.toLowerCase() });
    expect((await probes.cpu()).cores).toBe(cpus().length);
    const root = (await probes.fsSize()).find((f) => f.mount === '/')!;
    expect(root.size).toBeGreaterThan(root.used);
    expect(root.used).toBeGreaterThan(0);
    const ifaces = await probes.networkInterfaces();
    expect(Array.isArray(ifaces) && ifaces.find((i) => i.iface === 'lo')).toMatchObject({ ip4: '127.0.0.1' });
    expect((await probes.uuid()).os).toBe(readFileSync('/etc/machine-id', 'utf8').trim());
    for (const d of await probes.diskLayout()) expect(d.size).toBeGreaterThan(0);
  });

  it('runs its one command (hostname -f) through the runner, so a capture holds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weian-linux-host-'));
    try {
      const runner = capturingRunner(liveRunner(), dir);
      const os = await linuxHost(runner).osInfo();
      await runner.save();
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as CaptureManifest;
      const entry = manifest.entries.find((e) => e.key === execKey('hostname', ['-f']));
      expect(entry?.kind).toBe('exec');
      const captured = entry!.result!.code === 0 ? readFileSync(join(dir, entry!.file!), 'utf8').trim() : '';
      expect(os.fqdn).toBe(captured || hostname());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the device collector builds a full section from them', async () => {
    const out = await device.collect({ runner: liveRunner(), config: localConfig(), now: () => new Date(), signal: new AbortController().signal });
    expect(out.status).toBe('ok');
    if (out.status !== 'ok') return;
    expect(out.data.os.family).toBe('linux');
    expect(out.data.filesystems.some((f) => f.mount === '/')).toBe(true);
    expect(out.data.bootedAt).not.toBeNull();
  });
});
