import type { Systeminformation as SI } from 'systeminformation';
import { classifyAddress, type DeviceData } from '@weian/shared';
import type { Runner } from '../runner.js';
import type { Collector } from './types.js';

/**
 * What the device collector reads, in systeminformation's result shapes (the fields it uses):
 * a capture stores these under `call:si.<name>` whichever implementation answered.
 */
export interface HostProbes {
  osInfo(): Promise<Pick<SI.OsData, 'platform' | 'hostname' | 'fqdn' | 'distro' | 'release' | 'logofile' | 'codename' | 'kernel' | 'arch'>>;
  system(): Promise<Pick<SI.SystemData, 'manufacturer' | 'model' | 'serial' | 'uuid' | 'virtual' | 'virtualHost'>>;
  cpu(): Promise<Pick<SI.CpuData, 'manufacturer' | 'brand' | 'cores' | 'physicalCores'>>;
  mem(): Promise<Pick<SI.MemData, 'total'>>;
  diskLayout(): Promise<Array<Pick<SI.DiskLayoutData, 'name' | 'device' | 'type' | 'size'>>>;
  fsSize(): Promise<Array<Pick<SI.FsSizeData, 'mount' | 'fs' | 'type' | 'size' | 'used'>>>;
  networkInterfaces(): Promise<Array<Pick<SI.NetworkInterfacesData, 'iface' | 'mac' | 'ip4' | 'ip6'>> | Pick<SI.NetworkInterfacesData, 'iface' | 'mac' | 'ip4' | 'ip6'>>;
  uuid(): Promise<Pick<SI.UuidData, 'os'>>;
  /** bootTime: seconds since the epoch when the kernel says so (Linux /proc/stat btime); exact, unlike now − uptime. */
  time(): Promise<Pick<SI.TimeData, 'uptime'> & { bootTime?: number }>;
}

/** systeminformation, loaded only where it is used (Windows, other platforms): on Linux its load alone costs CPU. */
const si = () => import('systeminformation').then((m) => m.default);
const siProbes: HostProbes = {
  osInfo: async () => (await si()).osInfo(),
  system: async () => (await si()).system(),
  cpu: async () => (await si()).cpu(),
  mem: async () => (await si()).mem(),
  diskLayout: async () => (await si()).diskLayout(),
  fsSize: async () => (await si()).fsSize(),
  networkInterfaces: async () => (await si()).networkInterfaces(),
  uuid: async () => (await si()).uuid(),
  time: async () => (await si()).time(),
};
const probesFor = async (runner: Runner): Promise<HostProbes> => (runner.platform === 'linux' ? (await import('./linux-host.js')).linuxHost(runner) : siProbes);

const orNull = (s: string | undefined | null) => (s && s.trim() && s.trim() !== '-' && !/^default string$/i.test(s.trim()) ? s.trim() : null);

/** Boot time to the minute: stable across collections, unlike uptime. The kernel's boot time when known. */
export function bootedAt(now: Date, uptimeSeconds: number, bootTimeSeconds?: number): string | null {
  if (bootTimeSeconds !== undefined && Number.isFinite(bootTimeSeconds) && bootTimeSeconds > 0) return new Date(Math.floor(bootTimeSeconds / 60) * 60_000).toISOString();
  if (!Number.isFinite(uptimeSeconds) || uptimeSeconds <= 0) return null;
  const ms = now.getTime() - uptimeSeconds * 1000;
  return new Date(Math.round(ms / 60_000) * 60_000).toISOString();
}

/** Disk usage in steps of 0.5% of the size: precise enough for "disk almost full", stable enough for delta sync. */
export function quantizeUsed(used: number, size: number): number {
  if (!(size > 0)) return Math.max(0, used);
  const step = size / 200;
  return Math.min(size, Math.round(Math.round(used / step) * step));
}

export const device: Collector<'device'> = {
  section: 'device',
  async collect({ runner, now }) {
    // Live reads only: a replay answers every call from its capture.
    let probes: Promise<HostProbes> | undefined;
    const live = <K extends keyof HostProbes>(name: K) => runner.call(`si.${name}`, async () => (await (probes ??= probesFor(runner)))[name]() as ReturnType<HostProbes[K]>);
    const [os, sys, cpu, mem, disks, fs, ifaces, uuid, time] = await Promise.all([
      live('osInfo'),
      live('system'),
      live('cpu'),
      live('mem'),
      live('diskLayout'),
      live('fsSize'),
      live('networkInterfaces'),
      live('uuid'),
      live('time'),
    ]);
    const ifaceList = Array.isArray(ifaces) ? ifaces : [ifaces];
    const interfaces: DeviceData['interfaces'] = ifaceList.map((i) => ({
      name: i.iface,
      mac: orNull(i.mac),
      addresses: [...(i.ip4 ? [{ address: i.ip4, family: 4 as const }] : []), ...(i.ip6 ? [{ address: i.ip6, family: 6 as const }] : [])].map((a) => ({ ...a, scope: classifyAddress(a.address) })),
    }));
    const family = os.platform === 'win32' || os.platform === 'Windows' ? 'windows' : os.platform === 'linux' ? 'linux' : 'other';
    const data: DeviceData = {
      hostname: os.hostname,
      fqdn: orNull(os.fqdn),
      machineId: orNull(uuid.os) ?? orNull(sys.uuid),
      os: {
        family,
        distro: os.distro,
        release: os.release,
        id: orNull(os.logofile),
        codename: orNull(os.codename),
        kernel: os.kernel,
        arch: os.arch,
      },
      hardware: {
        vendor: orNull(sys.manufacturer),
        model: orNull(sys.model),
        serial: orNull(sys.serial),
        uuid: orNull(sys.uuid),
        virtual: typeof sys.virtual === 'boolean' ? sys.virtual : null,
        virtualization: orNull(sys.virtualHost),
      },
      cpu: { model: `${cpu.manufacturer} ${cpu.brand}`.trim(), cores: cpu.cores, physicalCores: cpu.physicalCores || null },
      memory: { totalBytes: mem.total },
      disks: disks.map((d) => ({ name: d.name || d.device, type: orNull(d.type), sizeBytes: d.size })),
      filesystems: fs.map((f) => ({ mount: f.mount, fs: f.fs, type: f.type, sizeBytes: f.size, usedBytes: quantizeUsed(f.used, f.size) })),
      interfaces,
      hasPublicAddress: interfaces.some((i) => i.addresses.some((a) => a.scope === 'public')),
      bootedAt: bootedAt(now(), time.uptime, time.bootTime),
    };
    return { status: 'ok', data };
  },
};
