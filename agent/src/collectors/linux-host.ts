import { access, readdir, readFile, statfs } from 'node:fs/promises';
import { arch, cpus, hostname, networkInterfaces, release, totalmem, uptime } from 'node:os';
import { lines, parseKeyEquals } from './helpers/parse.js';
import type { Runner } from '../runner.js';
import type { HostProbes } from './device.js';

/**
 * The device section's reads on Linux, straight from /proc, /sys and /etc. systeminformation
 * answers the same questions by spawning some sixty shells, cats, lscpu and dmesg per collection
 * (a third of a CPU-second); these spawn one process (`hostname -f`). Each returns the subset of
 * systeminformation's result shape that the device collector reads, so captures stay one format.
 */

const text = (path: string) =>
  readFile(path, 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * `hostname -f`: the resolver's canonical name, which only getaddrinfo knows (Node does not expose it).
 * Run by the runner like every other command, so a capture holds it too.
 */
const fqdn = async (runner: Runner) => {
  const r = await runner.exec('hostname', ['-f'], { timeoutMs: 5_000 });
  return r.code === 0 ? r.stdout.trim() : '';
};

async function osInfo(runner: Runner) {
  const kv = parseKeyEquals((await text('/etc/os-release')) ?? (await text('/usr/lib/os-release')) ?? '');
  return {
    platform: 'linux',
    hostname: hostname(),
    fqdn: (await fqdn(runner)) || hostname(),
    distro: kv.NAME ?? kv.PRETTY_NAME ?? 'Linux',
    release: kv.VERSION_ID ?? '',
    // os-release's ID ("debian", "kylin", "openEuler"): what the end-of-life table matches on.
    logofile: (kv.ID ?? 'linux').toLowerCase(),
    codename: kv.VERSION_CODENAME || /\(([^)]+)\)/.exec(kv.VERSION ?? '')?.[1] || '',
    kernel: release(),
    arch: arch(),
  };
}

/** Hypervisors by what their virtual firmware calls itself in DMI (vendor + product name). */
const HYPERVISORS: Array<[RegExp, string]> = [
  [/vmware/i, 'VMware'],
  [/virtualbox|innotek/i, 'VirtualBox'],
  [/microsoft corporation.*virtual|hyper-v/i, 'Microsoft'],
  [/xen/i, 'Xen'],
  [/kvm|qemu|openstack|bochs|alibaba cloud|tencent cloud|huawei cloud/i, 'KVM'],
  [/parallels/i, 'Parallels'],
];
/** Paravirtual clock sources a guest kernel offers, for when DMI is hidden (containers). */
const CLOCKSOURCES: Array<[RegExp, string]> = [
  [/\bkvm-clock\b/, 'KVM'],
  [/\bxen\b/, 'Xen'],
  [/\bhyperv_clocksource/, 'Microsoft'],
];

async function system() {
  const dmi = (f: string) => text(`/sys/class/dmi/id/${f}`);
  const [manufacturer, model, serial, uuid, cpuinfo, clocks, docker, podman] = await Promise.all([
    dmi('sys_vendor'),
    dmi('product_name'),
    dmi('product_serial'),
    dmi('product_uuid'),
    text('/proc/cpuinfo'),
    text('/sys/devices/system/clocksource/clocksource0/available_clocksource'),
    exists('/.dockerenv'),
    exists('/run/.containerenv'),
  ]);
  const firmware = `${manufacturer ?? ''} ${model ?? ''}`;
  const virtualHost = HYPERVISORS.find(([re]) => re.test(firmware))?.[1] ?? CLOCKSOURCES.find(([re]) => re.test(clocks ?? ''))?.[1] ?? '';
  const container = docker ? 'Docker Container' : podman ? 'Podman Container' : null;
  const hypervisorFlag = /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo ?? '');
  return {
    manufacturer: manufacturer ?? '',
    model: model || container || '',
    serial: serial ?? '',
    uuid: (uuid ?? '').toLowerCase(),
    virtual: Boolean(container || virtualHost || hypervisorFlag),
    virtualHost,
  };
}

/** ARM implementers (/proc/cpuinfo "CPU implementer") seen in Chinese server rooms. */
const ARM_VENDORS: Record<string, string> = { '0x41': 'ARM', '0x48': 'HiSilicon', '0x70': 'Phytium', '0x61': 'Apple', '0x51': 'Qualcomm' };
const X86_VENDORS: Record<string, string> = { GenuineIntel: 'Intel', AuthenticAMD: 'AMD', HygonGenuine: 'Hygon', CentaurHauls: 'Zhaoxin', '  Shanghai  ': 'Zhaoxin' };

async function cpu() {
  const info = (await text('/proc/cpuinfo')) ?? '';
  const blocks = info
    .split(/\n\s*\n/)
    .map(parseColon)
    .filter((b) => Object.keys(b).length);
  const first = blocks[0] ?? {};
  const vendor = X86_VENDORS[first['vendor_id'] ?? ''] ?? ARM_VENDORS[first['CPU implementer'] ?? ''] ?? '';
  const modelName = (first['model name'] ?? cpus()[0]?.model ?? '')
    .replace(/\((R|TM|tm|r)\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const brand = vendor && modelName.startsWith(`${vendor} `) ? modelName.slice(vendor.length + 1) : modelName;
  const logical = blocks.filter((b) => 'processor' in b).length || cpus().length;
  const physical = new Set(blocks.filter((b) => 'core id' in b).map((b) => `${b['physical id'] ?? 0}:${b['core id']}`)).size;
  return { manufacturer: vendor, brand, cores: logical, physicalCores: physical || logical };
}

/** "key\t: value" lines of one /proc/cpuinfo block. */
function parseColon(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(block)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** Block devices that are not disks: loop files, RAM disks, device-mapper and RAID on top of disks, optical drives. */
const NOT_A_DISK = /^(loop|ram|zram|dm-|md|sr|fd|nbd|zd)/;

async function diskLayout() {
  const names = (await readdir('/sys/block').catch(() => [] as string[])).filter((n) => !NOT_A_DISK.test(n)).sort();
  const disks = await Promise.all(
    names.map(async (n) => {
      const [sectors, rotational, model] = await Promise.all([text(`/sys/block/${n}/size`), text(`/sys/block/${n}/queue/rotational`), text(`/sys/block/${n}/device/model`)]);
      // /sys/block/*/size counts 512-byte sectors whatever the device's own sector size.
      const size = Number(sectors ?? 0) * 512;
      return { name: model ?? '', device: `/dev/${n}`, type: n.startsWith('nvme') ? 'NVMe' : rotational === '1' ? 'HD' : rotational === '0' ? 'SSD' : '', size };
    }),
  );
  return disks.filter((d) => d.size > 0);
}

/** Filesystems that hold no disk space of their own (systeminformation leaves the same out). */
const PSEUDO_FS = new Set(['rootfs', 'unionfs', 'squashfs', 'cramfs', 'initrd', 'initramfs', 'devtmpfs', 'tmpfs', 'udev', 'devfs', 'specfs', 'appimaged']);
/** /proc/mounts escapes space, tab, newline and backslash in paths as octal. */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

async function fsSize() {
  const mounts = lines((await text('/proc/mounts')) ?? '')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 3)
    .map(([source, mount, type]) => ({ fs: unescapeMount(source!), mount: unescapeMount(mount!), type: type! }))
    .filter((m) => !PSEUDO_FS.has(m.type));
  const seen = new Set<string>();
  const out: Array<{ fs: string; type: string; mount: string; size: number; used: number }> = [];
  for (const m of mounts) {
    // Like df: one line per mounted filesystem (bind mounts repeat it), none for those of zero size (proc, cgroup).
    const key = m.fs.startsWith('/') ? `${m.fs}|${m.type}` : `${m.fs}|${m.type}|${m.mount}`;
    if (seen.has(key)) continue;
    const s = await statfs(m.mount).catch(() => null);
    if (!s || s.blocks === 0) continue;
    seen.add(key);
    out.push({ fs: m.fs, type: m.type, mount: m.mount, size: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize });
  }
  return out;
}

async function ifaces() {
  return Object.entries(networkInterfaces()).map(([iface, addrs = []]) => {
    const v6 = addrs.filter((a) => a.family === 'IPv6');
    return {
      iface,
      mac: addrs[0]?.mac ?? '',
      ip4: addrs.find((a) => a.family === 'IPv4')?.address ?? '',
      // A global or unique-local address says more about exposure than the link-local one every interface has.
      ip6: (v6.find((a) => !/^fe80:/i.test(a.address)) ?? v6[0])?.address ?? '',
    };
  });
}

/** The probes on Linux; the one command among them runs through `runner`. */
export const linuxHost = (runner: Runner): HostProbes => ({
  osInfo: () => osInfo(runner),
  system,
  cpu,
  mem: async () => ({ total: totalmem() }),
  diskLayout,
  fsSize,
  networkInterfaces: ifaces,
  uuid: async () => ({ os: (await text('/etc/machine-id')) || (await text('/var/lib/dbus/machine-id')) || '' }),
  time: async () => {
    const btime = /^btime\s+(\d+)$/m.exec((await text('/proc/stat')) ?? '')?.[1];
    return { uptime: uptime(), ...(btime ? { bootTime: Number(btime) } : {}) };
  },
});
