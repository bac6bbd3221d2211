import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { localConfig } from '../config.js';
import { liveRunner } from '../runner.js';
import { device } from './device.js';
import { linuxHost } from './linux-host.js';
import { parseKeyEquals } from './parse.js';

// This machine is Linux: the direct reads must say what the host says through other means.
describe('device reads on Linux without systeminformation', () => {
  it('os, cpu, filesystems, interfaces and machine id agree with the host', async () => {
    const os = await linuxHost.osInfo();
    const release = parseKeyEquals(readFileSync('/etc/os-release', 'utf8'));
    expect(os).toMatchObject({ platform: 'linux', hostname: hostname(), distro: release.NAME, release: release.VERSION_ID, logofile: release.ID!.toLowerCase() });
    expect((await linuxHost.cpu()).cores).toBe(cpus().length);
    const root = (await linuxHost.fsSize()).find((f) => f.mount === '/')!;
    expect(root.size).toBeGreaterThan(root.used);
    expect(root.used).toBeGreaterThan(0);
    const ifaces = await linuxHost.networkInterfaces();
    expect(Array.isArray(ifaces) && ifaces.find((i) => i.iface === 'lo')).toMatchObject({ ip4: '127.0.0.1' });
    expect((await linuxHost.uuid()).os).toBe(readFileSync('/etc/machine-id', 'utf8').trim());
    for (const d of await linuxHost.diskLayout()) expect(d.size).toBeGreaterThan(0);
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
