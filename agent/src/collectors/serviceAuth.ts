import type { NoAuthService, ServiceAuthVerdict } from '@weian/shared';
import type { Runner } from '../runner.js';
import { configLines, listDir } from './helpers/probe.js';
import { parseSs } from './ports.js';
import { PROBES, type ProbeVerdict } from './serviceProbes.js';

/**
 * Local services that answer without authentication (issue 24): the listening sockets are read
 * (ss), each one that is a Redis, MongoDB, Elasticsearch, memcached or MySQL/MariaDB (by its process
 * or its well-known port) is probed on the address it listens on, and PostgreSQL's pg_hba.conf is
 * read for `trust` to remote addresses. Never a write; each probe's verdict goes through the runner,
 * so a capture holds the verdicts (and nothing else) and a replay answers from them.
 */

type Probed = Exclude<NoAuthService, 'postgresql'>;
const SERVICES: ReadonlyArray<{ service: Probed; ports: number[]; processes: RegExp }> = [
  { service: 'redis', ports: [6379], processes: /^redis-server$|^redis$/ },
  { service: 'mongodb', ports: [27017, 27018], processes: /^mongod$/ },
  { service: 'elasticsearch', ports: [9200], processes: /^elasticsearch$/ },
  { service: 'memcached', ports: [11211], processes: /^memcached$/ },
  { service: 'mysql', ports: [3306], processes: /^mysqld$|^mariadbd$/ },
];

export interface ProbeTarget {
  service: Probed;
  host: string;
  port: number;
}

/** What to probe: each TCP listener that is one of the services, on an address that reaches it (a wildcard is probed on loopback). */
export function probeTargets(sockets: Array<{ protocol: string; address: string; port: number; process: string | null }>): ProbeTarget[] {
  const out = new Map<string, ProbeTarget>();
  for (const s of sockets) {
    if (s.protocol !== 'tcp') continue;
    const svc = SERVICES.find((x) => (s.process !== null && x.processes.test(s.process)) || x.ports.includes(s.port));
    if (!svc) continue;
    const host = s.address === '0.0.0.0' ? '127.0.0.1' : s.address === '::' ? '::1' : s.address;
    // One probe per service and port: the same server listening on several addresses answers the same.
    const key = `${svc.service}:${s.port}`;
    if (!out.has(key) || host === '127.0.0.1') out.set(key, { service: svc.service, host, port: s.port });
  }
  return [...out.values()];
}

/**
 * pg_hba.conf `host` lines with method `trust` whose address is not loopback: anyone from there logs
 * in as any user without a password. `local` and loopback trust are left out (the concern
 * is remote). null: no line could be read.
 */
export function remoteTrust(hba: string): { trust: boolean; addresses: string[] } {
  const addresses: string[] = [];
  for (const l of configLines(hba)) {
    const f = l.split(/\s+/);
    if (!/^host(ssl|nossl|gssenc|nogssenc)?$/.test(f[0]!)) continue;
    // host DATABASE USER ADDRESS [MASK] METHOD
    const address = f[3] ?? '';
    const method = /^\d+\.\d+\.\d+\.\d+$/.test(f[4] ?? '') ? f[5] : f[4];
    if (method !== 'trust') continue;
    if (/^(127\.|::1(\/128)?$|localhost$)/.test(address)) continue;
    addresses.push(address);
  }
  return { trust: addresses.length > 0, addresses };
}

/** Where distributions keep pg_hba.conf: Debian's per-version clusters, Red Hat's and the upstream data directories. */
async function pgHbaPaths(runner: Runner): Promise<string[]> {
  const paths: string[] = [];
  const versions = (await listDir(runner, '/etc/postgresql')) ?? [];
  for (const v of versions) for (const cluster of (await listDir(runner, `/etc/postgresql/${v}`)) ?? []) paths.push(`/etc/postgresql/${v}/${cluster}/pg_hba.conf`);
  paths.push('/var/lib/pgsql/data/pg_hba.conf', '/var/lib/postgresql/data/pg_hba.conf');
  for (const v of (await listDir(runner, '/var/lib/pgsql')) ?? []) if (/^\d/.test(v)) paths.push(`/var/lib/pgsql/${v}/data/pg_hba.conf`);
  return paths;
}

async function postgresql(runner: Runner, listening: number[], paths: string[]): Promise<ServiceAuthVerdict[]> {
  const out: ServiceAuthVerdict[] = [];
  for (const path of paths) {
    const text = await runner.readFile(path, 256 * 1024);
    if (text === null) continue;
    const { trust, addresses } = remoteTrust(text);
    out.push({
      service: 'postgresql',
      port: listening[0] ?? 5432,
      noAuth: trust,
      check: trust ? `pg_hba.conf: trust for ${addresses.slice(0, 4).join(', ')}` : 'pg_hba.conf: no trust for remote addresses',
      reason: null,
    });
  }
  if (!out.length && listening.length)
    out.push({ service: 'postgresql', port: listening[0]!, noAuth: null, check: 'pg_hba.conf read', reason: 'PostgreSQL listens but no pg_hba.conf was found in the usual places' });
  return out;
}

export interface ServiceAuthOptions {
  /** Probe these instead of what ss lists (tests, and hosts without ss). */
  targets?: ProbeTarget[];
  probes?: typeof PROBES;
  /** Read these pg_hba.conf files instead of the usual places. */
  pgHbaPaths?: string[];
}

export async function checkServiceAuth(runner: Runner, opts: ServiceAuthOptions = {}): Promise<{ services: ServiceAuthVerdict[]; notChecked: string[] }> {
  const notChecked: string[] = [];
  let targets = opts.targets;
  let sockets: ReturnType<typeof parseSs>['sockets'] = [];
  if (!targets) {
    // The ports collector's own command (a capture records it once): each line starts with its Netid, as parseSs expects.
    const ss = await runner.exec('ss', ['-tulnp']);
    if (ss.code === 0) sockets = parseSs(ss.stdout).sockets;
    else notChecked.push('the listening sockets could not be read (ss): services on their usual ports on loopback were probed');
    targets = ss.code === 0 ? probeTargets(sockets) : SERVICES.map((s) => ({ service: s.service, host: '127.0.0.1', port: s.ports[0]! }));
  }
  const probes = opts.probes ?? PROBES;
  // Each probe is bounded (3 s); together they take as long as the slowest.
  const verdicts = await Promise.all(targets.map((t) => runner.call<ProbeVerdict | 'refused'>(`probe:${t.service}:${t.host}:${t.port}`, () => probes[t.service](t.host, t.port))));
  const services: ServiceAuthVerdict[] = [];
  targets.forEach((t, i) => {
    const v = verdicts[i]!;
    if (v !== 'refused') services.push({ service: t.service, port: t.port, ...v });
  });
  const pgPorts = sockets.filter((s) => s.protocol === 'tcp' && (s.process === 'postgres' || s.port === 5432)).map((s) => s.port);
  services.push(...(await postgresql(runner, [...new Set(pgPorts)], opts.pgHbaPaths ?? (await pgHbaPaths(runner)))));
  return { services, notChecked };
}
