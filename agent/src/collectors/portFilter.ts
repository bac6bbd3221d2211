import { classifyAddress, type Listener } from '@weian/shared';
import type { Runner } from '../runner.js';
import { nftChains, ORCHESTRATION_CHAIN, type NftChain } from './firewall.js';
import { memoized, type MemoStore } from './helpers/memo.js';
import { lines, parseKeyEquals } from './helpers/parse.js';
import { processNames, statPath } from './helpers/probe.js';

const RULES_MAX_AGE_MS = 3_600_000;

/**
 * Whether the host firewall lets new inbound connections reach a listening port (issue 19): a port
 * bound to all addresses that the firewall drops is `filtered`, not exposed. Judged on the path
 * inbound traffic takes (firewalld's default zone, ufw's rules, the INPUT chain / input hook), rule
 * by rule in order; a rule it cannot evaluate makes the answer `unknown`, never a guess.
 */
export type Reach = NonNullable<Listener['reach']>;
type Verdict = { reach: Reach; by: string };
export interface PortFilter {
  /** What decides, for the report ("firewalld zone public", "iptables INPUT", "ufw"); null: nothing could be read. */
  mechanism: string | null;
  judge(protocol: 'tcp' | 'udp', port: number): Verdict;
}

const unknownAll = (mechanism: string | null, why: string): PortFilter => ({ mechanism, judge: () => ({ reach: 'unknown', by: why }) });
const openAll = (mechanism: string, why: string): PortFilter => ({ mechanism, judge: () => ({ reach: 'open', by: why }) });

/** Ports as firewall tools write them: "22", "80,443", "6000:6007", "6000-6007", "{ 22, 80 }". */
function inPorts(spec: string, port: number): boolean {
  return spec
    .replace(/[{}\s]/g, '')
    .split(',')
    .filter(Boolean)
    .some((p) => {
      const [a, b] = p.split(/[:-]/).map(Number);
      return b === undefined ? a === port : port >= a! && port <= b;
    });
}

/** Source addresses/networks an accept is limited to: all private → `restricted`, any public → `open`. */
function bySource(sources: readonly string[]): Reach {
  return sources.every((s) => ['private', 'loopback', 'link-local'].includes(classifyAddress(s.split('/')[0]!))) ? 'restricted' : 'open';
}

const onlyFrom = (sources: readonly string[]) => (sources.length ? ` (accepted only from ${sources.join(', ')})` : '');

// ---- iptables ---------------------------------------------------------------------------------

/** One `-A` rule's matches as far as they bear on new inbound connections to a port. */
function iptablesMatch(rule: string, protocol: string, port: number): 'match' | 'no' | 'unknown' | { source: string } {
  const tok = rule.split(/\s+/);
  let source: string | null = null;
  for (let i = 0; i < tok.length; i++) {
    const t = tok[i]!;
    const next = tok[i + 1] ?? '';
    const neg = tok[i - 1] === '!';
    if (t === '!') continue;
    if (t === '-j' || t === '-g') break;
    if (t === '-p') {
      if ((next === protocol) === neg && next !== 'all') return 'no';
      i++;
    } else if (t === '--dport' || t === '--dports' || t === '--destination-port') {
      if (inPorts(next, port) === neg) return 'no';
      i++;
    } else if (t === '-i') {
      // Loopback traffic is not what reaches the host from outside.
      if (next === 'lo' && !neg) return 'no';
      if (!neg) return 'unknown';
      i++;
    } else if (t === '--state' || t === '--ctstate') {
      if (!next.split(',').includes('NEW') && !neg) return 'no';
      i++;
    } else if (t === '-s') {
      if (neg) return 'unknown';
      source = next;
      i++;
    } else if (t === '-m') {
      if (!['tcp', 'udp', 'state', 'conntrack', 'multiport', 'comment'].includes(next)) return 'unknown';
      i++;
    } else if (t === '--comment') {
      i++;
      while (i < tok.length && !/^-/.test(tok[i + 1] ?? '-')) i++;
    } else if (/^-/.test(t)) return 'unknown';
  }
  return source ? { source } : 'match';
}

/** `iptables -S`: the INPUT chain for one port, through jumps, to its policy. */
export function iptablesPortFilter(out: string): PortFilter {
  const ls = lines(out).map((l) => l.trim());
  const policy = ls.map((l) => /^-P\s+INPUT\s+(\S+)/.exec(l)?.[1]).find(Boolean);
  if (!policy) return unknownAll('iptables INPUT', 'the INPUT chain could not be read');
  const rules = new Map<string, string[]>();
  for (const l of ls) {
    const m = /^-A\s+(\S+)\s+(.*)$/.exec(l);
    if (m) rules.set(m[1]!, [...(rules.get(m[1]!) ?? []), m[2]!]);
  }
  const walk = (chain: string, protocol: string, port: number, depth: number, sources: string[]): Verdict | 'return' => {
    for (const rule of rules.get(chain) ?? []) {
      const target = /(?:^|\s)-[jg]\s+(\S+)/.exec(rule)?.[1];
      if (!target || target === 'LOG') continue;
      const m = iptablesMatch(rule, protocol, port);
      if (m === 'no') continue;
      if (m === 'unknown') return { reach: 'unknown', by: `iptables ${chain}: ${rule}` };
      if (typeof m === 'object') {
        // Accepted from some sources only: the others go on down the chain.
        if (target === 'ACCEPT') sources.push(m.source);
        continue;
      }
      if (target === 'ACCEPT') return { reach: 'open', by: `iptables ${chain}: ${rule}` };
      if (target === 'DROP' || target === 'REJECT') return { reach: sources.length ? bySource(sources) : 'filtered', by: `iptables ${chain}: ${rule}${onlyFrom(sources)}` };
      if (target === 'RETURN') return 'return';
      if (ORCHESTRATION_CHAIN.test(target)) continue;
      if (!rules.has(target) || depth > 8) return { reach: 'unknown', by: `iptables ${chain}: jump to ${target}` };
      const inner = walk(target, protocol, port, depth + 1, sources);
      if (inner !== 'return') return inner;
    }
    return 'return';
  };
  return {
    mechanism: 'iptables INPUT',
    judge(protocol, port) {
      const sources: string[] = [];
      const v = walk('INPUT', protocol, port, 0, sources);
      if (v !== 'return') return v;
      const dropping = /^(DROP|REJECT)$/i.test(policy);
      return { reach: dropping ? (sources.length ? bySource(sources) : 'filtered') : 'open', by: `iptables INPUT policy ${policy}${dropping ? onlyFrom(sources) : ''}` };
    },
  };
}

// ---- nftables ---------------------------------------------------------------------------------

/** /etc/services names older nft versions print instead of numbers. */
const NFT_SERVICES: Readonly<Record<string, string>> = {
  ssh: '22',
  telnet: '23',
  ftp: '21',
  http: '80',
  https: '443',
  domain: '53',
  mysql: '3306',
  postgresql: '5432',
  'ms-sql-s': '1433',
  'ms-wbt-server': '3389',
  ntp: '123',
  snmp: '161',
  ldap: '389',
  'microsoft-ds': '445',
  'netbios-ssn': '139',
  sunrpc: '111',
  dicom: '104',
};

/** One nft rule for a new inbound connection to a port: what it does, or that it cannot be told. */
function nftRule(rule: string, protocol: string, port: number): { action: 'accept' | 'drop' | 'jump' | 'none' | 'unknown'; to?: string; source?: string } {
  const r = rule
    .replace(/\bcounter(\s+packets \d+ bytes \d+)?/g, '')
    .replace(/\bcomment "[^"]*"/g, '')
    .trim();
  const action = /\b(accept|drop|reject)\b/.exec(r)?.[1];
  const jump = /\b(?:jump|goto)\s+(\S+)/.exec(r)?.[1];
  if (!action && !jump) return { action: 'none' };
  if (/\bi(?:if|ifname)\s+"?lo"?(\s|$)/.test(r)) return { action: 'none' };
  if (/\bct state\b/.test(r) && !/\bnew\b/.test(r)) return { action: 'none' };
  const l4 = /\b(tcp|udp)\s+dport\s+(\{[^}]*\}|\S+)/.exec(r);
  if (l4 && l4[1] !== protocol) return { action: 'none' };
  if (l4) {
    // Older nft prints service names (tcp dport ssh); a named set (@allowed) or a variable cannot be read here.
    const spec = l4[2]!.replace(/[a-z][\w-]*/g, (n) => NFT_SERVICES[n] ?? n);
    if (!/^[\d{},\s:-]+$/.test(spec)) return { action: 'unknown' };
    if (!inPorts(spec, port)) return { action: 'none' };
  }
  if (/\b(?:meta l4proto|ip protocol)\s+(\S+)/.test(r) && !new RegExp(`\\b(?:meta l4proto|ip protocol)\\s+\\{?[^}]*\\b${protocol}\\b`).test(r)) return { action: 'none' };
  if (/\bicmp(v6)?\b/.test(r) && !l4) return { action: 'none' };
  // What is left must be conditions we know: ports, protocols, a source address, ct state new.
  const rest = r
    .replace(/\b(tcp|udp)\s+dport\s+(\{[^}]*\}|\S+)/g, '')
    .replace(/\b(?:meta l4proto|ip protocol)\s+(\{[^}]*\}|\S+)/g, '')
    .replace(/\bip6? saddr\s+(\S+)/g, '')
    .replace(/\bct state\s+\S+/g, '')
    .replace(/\b(accept|drop|reject( with .*)?|(?:jump|goto)\s+\S+)\b/g, '')
    .trim();
  if (rest) return { action: 'unknown' };
  const source = /\bip6? saddr\s+(\S+)/.exec(r)?.[1];
  if (jump) return { action: 'jump', to: jump };
  return { action: action === 'accept' ? 'accept' : 'drop', ...(source ? { source } : {}) };
}

/** `nft list ruleset`: every filter base chain on the input hook must accept the packet. */
export function nftPortFilter(out: string): PortFilter {
  const chains = nftChains(out);
  if (chains === null) return unknownAll('nftables input hook', 'the nft ruleset could not be read');
  const inputs = chains.filter((c) => c.hook === 'input' && c.type === 'filter');
  if (!inputs.length) return openAll('nftables', 'no filter chain on the input hook');
  const byName = new Map(chains.map((c) => [`${c.table} ${c.name}`, c]));
  const walk = (c: NftChain, protocol: string, port: number, depth: number, sources: string[]): Verdict | 'return' => {
    for (const rule of c.rules) {
      const v = nftRule(rule, protocol, port);
      if (v.action === 'none') continue;
      const by = `nftables ${c.table} ${c.name}: ${rule.trim()}`;
      if (v.action === 'unknown') return { reach: 'unknown', by };
      if (v.source) {
        if (v.action === 'accept') sources.push(v.source);
        continue;
      }
      if (v.action === 'accept') return { reach: 'open', by };
      if (v.action === 'drop') return { reach: sources.length ? bySource(sources) : 'filtered', by: `${by}${onlyFrom(sources)}` };
      const next = byName.get(`${c.table} ${v.to}`);
      if (!next || depth > 8) return { reach: 'unknown', by };
      if (ORCHESTRATION_CHAIN.test(next.name)) continue;
      const inner = walk(next, protocol, port, depth + 1, sources);
      if (inner !== 'return') return inner;
    }
    return 'return';
  };
  return {
    mechanism: `nftables input hook (${inputs.map((c) => `${c.table} ${c.name}`).join(', ')})`,
    judge(protocol, port) {
      const verdicts = inputs.map((c): Verdict => {
        const sources: string[] = [];
        const v = walk(c, protocol, port, 0, sources);
        if (v !== 'return') return v;
        const by = `nftables ${c.table} ${c.name} policy ${c.policy}`;
        return c.policy === 'drop' ? { reach: sources.length ? bySource(sources) : 'filtered', by: `${by}${onlyFrom(sources)}` } : { reach: 'open', by };
      });
      // A packet must pass every input chain: one that filters it decides; all open is open.
      return verdicts.find((v) => v.reach === 'filtered') ?? verdicts.find((v) => v.reach === 'unknown') ?? verdicts.find((v) => v.reach === 'restricted') ?? verdicts[0]!;
    },
  };
}

// ---- firewalld --------------------------------------------------------------------------------

/** The ports of firewalld's shipped service definitions that hospitals' hosts use (/usr/lib/firewalld/services). */
const FIREWALLD_SERVICES: Readonly<Record<string, readonly string[]>> = {
  ssh: ['22/tcp'],
  http: ['80/tcp'],
  https: ['443/tcp'],
  'dhcpv6-client': ['546/udp'],
  cockpit: ['9090/tcp'],
  mdns: ['5353/udp'],
  mysql: ['3306/tcp'],
  postgresql: ['5432/tcp'],
  redis: ['6379/tcp'],
  mongodb: ['27017/tcp'],
  'ms-sql': ['1433/tcp'],
  oracle: ['1521/tcp'],
  ftp: ['21/tcp'],
  telnet: ['23/tcp'],
  'vnc-server': ['5900-5903/tcp'],
  rdp: ['3389/tcp'],
  ntp: ['123/udp'],
  dns: ['53/tcp', '53/udp'],
  nfs: ['2049/tcp'],
  'rpc-bind': ['111/tcp', '111/udp'],
  snmp: ['161/udp'],
  ldap: ['389/tcp'],
  ldaps: ['636/tcp'],
  samba: ['139/tcp', '445/tcp', '137/udp', '138/udp'],
  'samba-client': ['137/udp', '138/udp'],
  'zabbix-agent': ['10050/tcp'],
  'zabbix-server': ['10051/tcp'],
  dicom: ['104/tcp'],
  kerberos: ['88/tcp', '88/udp'],
};

/**
 * A firewalld rich rule for one port: `rule family="ipv4" source address="10.40.3.0/24" port port="5432"
 * protocol="tcp" accept` (or `service name="ssh"`). Anything else it could match is not evaluated.
 */
function richRule(rule: string, protocol: string, port: number): 'no' | 'unknown' | 'open' | { source: string } {
  const attr = (re: RegExp) => re.exec(rule)?.[1];
  const rulePort = attr(/\bport port="([^"]+)"/);
  const ruleProto = attr(/\bport port="[^"]+" protocol="(\w+)"/);
  const service = attr(/\bservice name="([^"]+)"/);
  const ports = rulePort ? [`${rulePort}/${ruleProto ?? ''}`] : service ? FIREWALLD_SERVICES[service] : undefined;
  if (!ports) return 'unknown';
  if (!ports.some((p) => p.endsWith(`/${protocol}`) && inPorts(p.split('/')[0]!, port))) return 'no';
  if (/\b(destination|not|forward-port|masquerade)\b/.test(rule) || !/\baccept\s*$/.test(rule)) return 'unknown';
  const source = attr(/\bsource address="([^"]+)"/);
  return source ? { source } : 'open';
}

/** `firewall-cmd --list-all` (the default zone): its target, services, ports and rich rules. */
export function firewalldPortFilter(out: string): PortFilter {
  const head = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/m.exec(lines(out).find((l) => l.trim() && !/^\s/.test(l)) ?? '');
  const kv: Record<string, string> = {};
  for (const l of lines(out)) {
    const m = /^\s+([\w -]+):\s*(.*)$/.exec(l);
    if (m) kv[m[1]!.trim()] = m[2]!.trim();
  }
  if (!head || kv.target === undefined) return unknownAll('firewalld', 'firewall-cmd --list-all could not be read');
  const zone = `firewalld zone ${head[1]}`;
  if (/^ACCEPT$/i.test(kv.target)) return openAll(zone, `${zone}: target ACCEPT`);
  const services = (kv.services ?? '').split(/\s+/).filter(Boolean);
  const ports = [...(kv.ports ?? '').split(/\s+/), ...services.flatMap((s) => FIREWALLD_SERVICES[s] ?? [])].filter(Boolean);
  const unknownServices = services.filter((s) => !(s in FIREWALLD_SERVICES));
  // Rich rules are listed one per line under "rich rules:".
  const rich = lines(out)
    .map((l) => l.trim())
    .filter((l) => /^rule\s/.test(l));
  const sources = (kv.sources ?? '').split(/\s+/).filter(Boolean);
  return {
    mechanism: zone,
    judge(protocol, port) {
      const hit = ports.find((p) => p.endsWith(`/${protocol}`) && inPorts(p.split('/')[0]!, port));
      if (hit) return { reach: 'open', by: `${zone}: ${services.find((s) => FIREWALLD_SERVICES[s]?.includes(hit)) ?? hit}` };
      if (unknownServices.length) return { reach: 'unknown', by: `${zone}: service(s) ${unknownServices.join(', ')} not known to the agent` };
      const richSources: string[] = [];
      for (const r of rich) {
        const v = richRule(r, protocol, port);
        if (v === 'no') continue;
        if (v === 'unknown') return { reach: 'unknown', by: `${zone}: rich rule not evaluated: ${r}` };
        if (v === 'open') return { reach: 'open', by: `${zone}: ${r}` };
        richSources.push(v.source);
      }
      if (richSources.length) return { reach: bySource(richSources), by: `${zone}: accepted only from ${richSources.join(', ')} (rich rules)` };
      if (sources.length) return { reach: 'unknown', by: `${zone}: bound to sources ${sources.join(', ')}` };
      return { reach: 'filtered', by: `${zone}: neither a service nor a port of the zone (target ${kv.target})` };
    },
  };
}

// ---- ufw --------------------------------------------------------------------------------------

/** ufw's shipped application profiles hospitals' hosts use (/etc/ufw/applications.d). */
const UFW_APPS: Readonly<Record<string, string>> = {
  OpenSSH: '22/tcp',
  'Nginx HTTP': '80/tcp',
  'Nginx HTTPS': '443/tcp',
  'Nginx Full': '80,443/tcp',
  Apache: '80/tcp',
  'Apache Secure': '443/tcp',
  'Apache Full': '80,443/tcp',
};

/** `ufw status verbose`: the default incoming policy and the rules, first match wins. */
export function ufwPortFilter(out: string): PortFilter {
  if (!/^Status:\s*active/m.test(out)) return unknownAll('ufw', 'ufw status could not be read');
  const incoming = /^Default:\s*(\w+)\s*\(incoming\)/m.exec(out)?.[1]?.toLowerCase();
  if (!incoming) return unknownAll('ufw', 'ufw status shows no default incoming policy');
  const rules = lines(out)
    .map((l) => /^(.+?)\s{2,}(ALLOW|DENY|REJECT|LIMIT)(?:\s+IN)?\s{2,}(.+?)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !/\(out\)|\bOUT\b/.test(m[0]));
  return {
    mechanism: 'ufw',
    judge(protocol, port) {
      const sources: string[] = [];
      for (const [line, toRaw, action, from] of rules) {
        const to = toRaw!.replace(/\s*\(v6\)$/, '').trim();
        const spec = UFW_APPS[to] ?? to;
        const m = /^(?:\S+\s+)?([\d,:]+)(?:\/(tcp|udp))?$/.exec(spec);
        if (!m) {
          if (/^[A-Za-z]/.test(spec)) return { reach: 'unknown', by: `ufw: application profile "${to}" not known to the agent` };
          continue;
        }
        if ((m[2] && m[2] !== protocol) || !inPorts(m[1]!, port)) continue;
        const anywhere = /^Anywhere/.test(from!);
        if (action === 'ALLOW' || action === 'LIMIT') {
          if (anywhere) return { reach: 'open', by: `ufw: ${line!.trim()}` };
          sources.push(from!.replace(/\s*\(v6\)$/, ''));
          continue;
        }
        if (anywhere) return { reach: sources.length ? bySource(sources) : 'filtered', by: `ufw: ${line!.trim()}` };
      }
      if (incoming === 'allow') return { reach: 'open', by: 'ufw: default incoming allow' };
      return { reach: sources.length ? bySource(sources) : 'filtered', by: `ufw: default incoming ${incoming}${onlyFrom(sources)}` };
    },
  };
}

// ---- collection -------------------------------------------------------------------------------

/**
 * The host firewall's view of inbound ports, on the path the security section judges: firewalld's
 * default zone when firewalld answers, ufw when enabled, else the loaded rules (nftables input hook,
 * then iptables INPUT). Docker-published ports bypass all of these (DNAT to FORWARD): see `reachOf`.
 */
export async function linuxPortFilter(runner: Runner, memo: MemoStore, now: number): Promise<PortFilter> {
  // firewall-cmd and ufw are Python programs (a few tenths of a CPU-second each): run only where they
  // answer, and keep their answer until the saved rules change or an hour passes.
  const cached = async (cmd: string, args: string[], stampPath: string) => {
    const st = await statPath(runner, stampPath);
    return memoized(
      memo,
      `${cmd} ${args.join(' ')}`,
      st ? `${st.mtimeMs}:${st.size}` : 'none',
      RULES_MAX_AGE_MS,
      now,
      () => runner.exec(cmd, args, { timeoutMs: 10_000 }),
      (r) => r.code === 0,
    );
  };
  if ((await processNames(runner))?.includes('firewalld') !== false) {
    const fw = await cached('firewall-cmd', ['--list-all'], '/etc/firewalld/zones');
    if (fw.code === 0) return firewalldPortFilter(fw.stdout);
  }
  const ufwConf = await runner.readFile('/etc/ufw/ufw.conf');
  if (ufwConf && parseKeyEquals(ufwConf).ENABLED?.toLowerCase() === 'yes') {
    const st = await cached('ufw', ['status', 'verbose'], '/etc/ufw/user.rules');
    return st.code === 0 ? ufwPortFilter(st.stdout) : unknownAll('ufw', `ufw status verbose failed (${st.spawnError ?? `exit ${st.code}`})`);
  }
  const [nft, ipt] = await Promise.all([
    runner.exec('nft', ['list', 'ruleset'], { timeoutMs: 5000, maxBytes: 1024 * 1024 }),
    runner.exec('iptables', ['-S'], { timeoutMs: 5000, maxBytes: 1024 * 1024 }),
  ]);
  const filters = [nft.code === 0 ? nftPortFilter(nft.stdout) : null, ipt.code === 0 ? iptablesPortFilter(ipt.stdout) : null].filter((f): f is PortFilter => f !== null);
  if (!filters.length) return unknownAll(null, 'no firewall rules could be read (firewall-cmd, ufw, nft and iptables did not answer)');
  // iptables-legacy rules show only through iptables, iptables-nft through both: a port passes only if both let it.
  return {
    mechanism: filters.map((f) => f.mechanism).join(' + '),
    judge(protocol, port) {
      const vs = filters.map((f) => f.judge(protocol, port));
      return vs.find((v) => v.reach === 'filtered') ?? vs.find((v) => v.reach === 'unknown') ?? vs.find((v) => v.reach === 'restricted') ?? vs[0]!;
    },
  };
}

/** A listener's reach: loopback needs none; Docker's proxy publishes past the host firewall. */
export function reachOf(l: Pick<Listener, 'protocol' | 'port' | 'bind' | 'process'>, filter: PortFilter): { reach: Reach; reachBy: string } | Record<string, never> {
  if (l.bind === 'loopback') return {};
  if (l.process === 'docker-proxy') return { reach: 'open', reachBy: 'published by Docker: DNAT to the container bypasses the INPUT chain and firewalld zones' };
  const v = filter.judge(l.protocol, l.port);
  return { reach: v.reach, reachBy: v.by.slice(0, 512) };
}
