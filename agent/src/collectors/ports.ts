import { LIMITS, bindScope, classifyAddress, publiclyExposed, wellKnownService, type Listener } from '@weian/shared';
import type { Runner } from '../runner.js';
import { hostIdentities } from './identities.js';
import { capList, isRecord, num, str, toArray } from './helpers/parse.js';
import { runPowerShell } from './helpers/powershell.js';
import { runnerMemo, type MemoStore } from './helpers/memo.js';
import { linuxPortFilter, reachOf } from './portFilter.js';
import { CollectError, type Collector } from './types.js';

/** Splits "addr:port" where addr may be "[::1]", "*", "0.0.0.0%lo" or a bare IPv6 like ":::22". */
export function splitHostPort(local: string): { address: string; port: number } | null {
  const i = local.lastIndexOf(':');
  if (i < 0) return null;
  const port = Number(local.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  let address = local.slice(0, i).replace(/^\[|\]$/g, '');
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (address === '*' || address === '') address = '0.0.0.0';
  return { address, port };
}

export interface ParsedSockets {
  sockets: Array<Pick<Listener, 'protocol' | 'address' | 'port' | 'pid' | 'process'>>;
  /** Lines that could not be read, so a garbled output is flagged rather than silently dropped. */
  skipped: number;
}

/** Parses `ss -Htulnp` (or -tln / -uln) output: "tcp LISTEN 0 128 127.0.0.1:5432 0.0.0.0:* users:(("postgres",pid=1,fd=5))". */
export function parseSs(output: string): ParsedSockets {
  const sockets: ParsedSockets['sockets'] = [];
  let skipped = 0;
  for (const line of output.split('\n')) {
    if (!line.trim() || /^Netid|^State/.test(line)) continue;
    const cols = line.trim().split(/\s+/);
    const proto = cols[0];
    if ((proto !== 'tcp' && proto !== 'udp') || cols.length < 6) {
      skipped++;
      continue;
    }
    const hp = splitHostPort(cols[4]!);
    if (!hp) {
      skipped++;
      continue;
    }
    const users = /users:\(\("([^"]*)",pid=(\d+)/.exec(line);
    sockets.push({ protocol: proto, address: hp.address, port: hp.port, process: users ? users[1]! : null, pid: users ? Number(users[2]) : null });
  }
  return { sockets, skipped };
}

/** Adds exposure and the well-known service to raw sockets, dropping exact duplicates. */
export function describeListeners(sockets: ParsedSockets['sockets'], hostHasPublicAddress: boolean): Listener[] {
  const seen = new Set<string>();
  const out: Listener[] = [];
  for (const s of sockets) {
    const key = `${s.protocol}|${s.address}|${s.port}|${s.pid ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const svc = wellKnownService(s.port);
    out.push({
      ...s,
      bind: bindScope(s.address),
      publicExposure: publiclyExposed(s.address, hostHasPublicAddress),
      service: svc?.name ?? null,
      category: svc?.category ?? null,
    });
  }
  return out.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address));
}

/** Whether any interface of this host carries a public address (from `ip -o addr`), read without systeminformation. */
export async function hostHasPublicAddress(runner: Runner): Promise<boolean> {
  const r = await runner.exec('ip', ['-o', 'addr', 'show']);
  if (r.code !== 0) return false;
  return r.stdout
    .split('\n')
    .map((l) => /\binet6?\s+([^\s/]+)/.exec(l)?.[1])
    .some((a) => a !== undefined && classifyAddress(a) === 'public');
}

export const WINDOWS_PORTS_SCRIPT =
  '$t=@(Get-NetTCPConnection -State Listen | ForEach-Object { [pscustomobject]@{LocalAddress=$_.LocalAddress;LocalPort=$_.LocalPort;OwningProcess=$_.OwningProcess} });' +
  '$u=@(Get-NetUDPEndpoint | ForEach-Object { [pscustomobject]@{LocalAddress=$_.LocalAddress;LocalPort=$_.LocalPort;OwningProcess=$_.OwningProcess} });' +
  '$p=@(Get-Process | ForEach-Object { [pscustomobject]@{Id=$_.Id;Name=$_.ProcessName} });' +
  '$a=@(Get-NetIPAddress | ForEach-Object { $_.IPAddress });' +
  '[pscustomobject]@{Tcp=$t;Udp=$u;Processes=$p;Addresses=$a} | ConvertTo-Json -Depth 3 -Compress';

/** The Windows script's JSON: listeners from Get-NetTCPConnection/Get-NetUDPEndpoint, named through Get-Process. */
export function parseWindowsPorts(json: unknown): (ParsedSockets & { hasPublicAddress: boolean }) | null {
  if (!isRecord(json) || !('Tcp' in json)) return null;
  const names = new Map<number, string>();
  for (const p of toArray(json.Processes).filter(isRecord)) {
    const id = num(p.Id);
    const name = str(p.Name);
    if (id !== null && name) names.set(id, name);
  }
  const sockets: ParsedSockets['sockets'] = [];
  let skipped = 0;
  for (const [protocol, list] of [
    ['tcp', json.Tcp],
    ['udp', json.Udp],
  ] as const) {
    for (const e of toArray(list)) {
      const address = isRecord(e) ? str(e.LocalAddress) : null;
      const port = isRecord(e) ? num(e.LocalPort) : null;
      if (!address || port === null || !Number.isInteger(port) || port < 0 || port > 65535) {
        skipped++;
        continue;
      }
      const pid = isRecord(e) ? num(e.OwningProcess) : null;
      // PID 4 is the kernel ("System"): http.sys, SMB and WinRM listen through it.
      sockets.push({ protocol, address, port, pid, process: pid === null ? null : (names.get(pid) ?? (pid === 4 ? 'System' : null)) });
    }
  }
  const hasPublicAddress = toArray(json.Addresses).some((a) => typeof a === 'string' && classifyAddress(a) === 'public');
  return { sockets, skipped, hasPublicAddress };
}

async function collectWindows(runner: Runner) {
  const ps = await runPowerShell(runner, WINDOWS_PORTS_SCRIPT, 60_000);
  const parsed = parseWindowsPorts(ps.json);
  if (!parsed) throw new CollectError('command-failed', `listening sockets could not be read: ${ps.problem ?? 'unexpected JSON'} (Get-NetTCPConnection needs Windows Server 2012 or later)`);
  const warnings: string[] = [];
  if (parsed.skipped) warnings.push(`${parsed.skipped} socket entr(ies) of Get-NetTCPConnection/Get-NetUDPEndpoint could not be read`);
  // Windows Firewall's per-port rules are not read: a listener beyond loopback is not known to be filtered.
  const listeners = describeListeners(parsed.sockets, parsed.hasPublicAddress).map((l) =>
    l.bind === 'loopback' ? l : { ...l, reach: 'unknown' as const, reachBy: 'Windows Firewall: per-port rules are not read' },
  );
  return { listeners, warnings };
}

async function collectLinux(runner: Runner, memo: MemoStore, now: number) {
  // Not -H: the iproute2 of CentOS 7 (4.11) does not know it; the header line is skipped by the parser.
  const [r, hasPublic] = await Promise.all([runner.exec('ss', ['-tulnp']), hostHasPublicAddress(runner)]);
  if (r.spawnError) throw new CollectError('command-missing', `ss could not be run (${r.spawnError}); install iproute2`);
  if (r.timedOut) throw new CollectError('timeout', 'ss did not answer in time');
  if (r.code !== 0) throw new CollectError('command-failed', `ss exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  const parsed = parseSs(r.stdout);
  const described = describeListeners(parsed.sockets, hasPublic);
  // The firewall is read only when something listens beyond loopback.
  const filter = described.some((l) => l.bind !== 'loopback') ? await linuxPortFilter(runner, memo, now) : null;
  const listeners = filter ? described.map((l) => ({ ...l, ...reachOf(l, filter) })) : described;
  const warnings: string[] = [];
  if (parsed.skipped) warnings.push(`${parsed.skipped} line(s) of ss output could not be read`);
  if (r.truncated) warnings.push('ss output was larger than the output cap; the list is partial');
  if (!r.stdout.includes('users:') && listeners.length) warnings.push('owning processes are not visible (run the agent as root to see them)');
  return { listeners, warnings };
}

export const ports: Collector<'ports'> = {
  section: 'ports',
  async collect({ runner, memo, now }) {
    if (runner.platform !== 'linux' && runner.platform !== 'win32') return { status: 'unsupported', reason: `ports are not collected on ${runner.platform}` };
    const { listeners, warnings } = runner.platform === 'win32' ? await collectWindows(runner) : await collectLinux(runner, memo ?? runnerMemo(runner), now().getTime());
    const data = { listeners: capList(listeners, LIMITS.ports, 'listening sockets', warnings) };
    // What names this host to a scanner outside (issue 24): SSH host keys, TLS certificates, and on Windows the RDP certificate.
    const identities = await hostIdentities(runner, data.listeners);
    if (identities) Object.assign(data, { identities });
    return { status: 'ok', data, ...(warnings.length ? { warnings } : {}) };
  },
};
