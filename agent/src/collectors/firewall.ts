import { lines } from './helpers/parse.js';

/**
 * Whether the host firewall filters traffic TO the host: the path inbound packets take (the INPUT
 * chain in iptables, base chains on the input hook in nftables), not whether any rule is loaded.
 * Docker, libvirt and Kubernetes load FORWARD DROP and chains of their own while INPUT still accepts
 * everything: such a host is as open as one with no rules.
 */
export interface InputFiltering {
  /** true: inbound traffic meets a drop/reject (policy or rule); false: it is accepted; null: unreadable. */
  filtered: boolean | null;
  /** What the verdict rests on, for the report. */
  basis: string;
}

/** Chains that container and VM managers own: they steer their own traffic, they are not the host's inbound policy. */
export const ORCHESTRATION_CHAIN = /^(DOCKER|KUBE-|LIBVIRT_|CNI-|cali-|FLANNEL|WEAVE|ISTIO|nixos-fw-log)/i;
/**
 * A drop/reject that filters inbound service traffic: not one limited to marked packets, invalid
 * connection states or loopback destinations (kube-proxy's KUBE-FIREWALL, conntrack hygiene).
 */
const narrowDrop = (rule: string) => /--mark\b|\bmark\b|--ctstate INVALID|--state INVALID|ct state invalid|-d 127\.|ip daddr 127\./i.test(rule);

/** `iptables -S` (or `iptables-save`): the INPUT chain's policy and what its rules, followed through jumps, can drop. */
export function iptablesInput(out: string): InputFiltering {
  const ls = lines(out)
    .map((l) => l.trim())
    .filter(Boolean);
  const policy = ls.map((l) => /^-P\s+INPUT\s+(\S+)/.exec(l) ?? /^:INPUT\s+(\S+)/.exec(l)).find(Boolean)?.[1];
  if (!policy) return { filtered: null, basis: 'iptables: no INPUT chain in the output' };
  const rules = new Map<string, string[]>();
  for (const l of ls) {
    const m = /^-A\s+(\S+)\s+(.*)$/.exec(l);
    if (m) rules.set(m[1]!, [...(rules.get(m[1]!) ?? []), m[2]!]);
  }
  const forward = ls.some((l) => /^-P\s+FORWARD\s+DROP/.test(l)) ? '; FORWARD DROP does not filter traffic to the host' : '';
  const others = [...rules.keys()].filter((c) => ORCHESTRATION_CHAIN.test(c));
  const note = `${forward}${others.length ? `; ${others.length} container/VM chain(s) ignored` : ''}`;
  if (/^(DROP|REJECT)$/i.test(policy)) return { filtered: true, basis: `iptables INPUT policy ${policy}` };
  const drops = (chain: string, seen: Set<string>): string | null => {
    if (seen.has(chain) || ORCHESTRATION_CHAIN.test(chain)) return null;
    seen.add(chain);
    for (const rule of rules.get(chain) ?? []) {
      const target = /(?:^|\s)-[jg]\s+(\S+)/.exec(rule)?.[1];
      if (!target) continue;
      if (/^(DROP|REJECT)$/.test(target)) {
        if (!narrowDrop(rule)) return `${chain}: ${rule}`;
      } else if (rules.has(target)) {
        const inner = drops(target, seen);
        if (inner) return inner;
      }
    }
    return null;
  };
  const found = drops('INPUT', new Set());
  return found
    ? { filtered: true, basis: `iptables INPUT policy ${policy}, filtering rule (${found})${note}` }
    : { filtered: false, basis: `iptables INPUT policy ${policy} with no filtering rule: inbound traffic is accepted${note}` };
}

export interface NftChain {
  table: string;
  name: string;
  type: string | null;
  hook: string | null;
  policy: string | null;
  rules: string[];
}

/** `nft list ruleset`: chains with their hook, policy and rules. */
export function nftChains(out: string): NftChain[] | null {
  const chains: NftChain[] = [];
  let table: string | null = null;
  let chain: NftChain | null = null;
  let depth = 0;
  let sawTable = false;
  for (const raw of lines(out)) {
    const l = raw.trim();
    if (!l) continue;
    const t = /^table\s+(\S+\s+\S+)\s*\{$/.exec(l);
    if (t && depth === 0) {
      table = t[1]!;
      sawTable = true;
      depth = 1;
      continue;
    }
    const c = /^chain\s+(\S+)\s*\{$/.exec(l);
    if (c && depth === 1 && table) {
      chain = { table, name: c[1]!, type: null, hook: null, policy: null, rules: [] };
      chains.push(chain);
      depth = 2;
      continue;
    }
    if (l === '}') {
      depth = Math.max(0, depth - 1);
      if (depth < 2) chain = null;
      if (depth === 0) table = null;
      continue;
    }
    if (/\{$/.test(l)) {
      // sets, maps, flowtables: skipped with their contents.
      depth++;
      continue;
    }
    if (chain && depth === 2) {
      const base = /^type\s+(\S+)\s+hook\s+(\S+)\s+priority[^;]*;(?:\s*policy\s+(\w+);)?/.exec(l);
      if (base) {
        chain.type = base[1]!;
        chain.hook = base[2]!;
        chain.policy = base[3] ?? 'accept';
      } else chain.rules.push(l);
    }
  }
  if (!sawTable) return out.trim() ? null : [];
  return chains;
}

/** nftables: every filter base chain on the input hook (all of them must accept a packet for it to pass; nat chains do not filter). */
export function nftInput(out: string): InputFiltering {
  const chains = nftChains(out);
  if (chains === null) return { filtered: null, basis: 'nft: the ruleset could not be read' };
  const inputs = chains.filter((c) => c.hook === 'input' && c.type === 'filter');
  if (!inputs.length)
    return { filtered: false, basis: chains.length ? 'nftables: no chain on the input hook (only forward/output/nat chains): inbound traffic is accepted' : 'nftables: empty ruleset' };
  const byName = new Map(chains.map((c) => [`${c.table} ${c.name}`, c]));
  const drops = (c: NftChain, seen: Set<NftChain>): string | null => {
    if (seen.has(c) || ORCHESTRATION_CHAIN.test(c.name)) return null;
    seen.add(c);
    for (const rule of c.rules) {
      if (/(^|\s)(drop|reject)(\s|$)/.test(rule) && !narrowDrop(rule)) return `${c.table} ${c.name}: ${rule}`;
      const to = /(?:^|\s)(?:jump|goto)\s+(\S+)/.exec(rule)?.[1];
      const next = to ? byName.get(`${c.table} ${to}`) : undefined;
      const inner = next ? drops(next, seen) : null;
      if (inner) return inner;
    }
    return null;
  };
  for (const c of inputs) {
    if (c.policy === 'drop') return { filtered: true, basis: `nftables ${c.table} ${c.name}: input hook, policy drop` };
    const found = drops(c, new Set());
    if (found) return { filtered: true, basis: `nftables input hook, filtering rule (${found})` };
  }
  const forward = chains.some((c) => c.hook === 'forward' && c.policy === 'drop') ? '; forward policy drop does not filter traffic to the host' : '';
  return { filtered: false, basis: `nftables: ${inputs.map((c) => `${c.table} ${c.name}`).join(', ')} on the input hook accept(s) everything${forward}` };
}

/** Either format, told apart by its first line. */
export function inputFiltering(out: string): InputFiltering {
  return /^\s*(-P|-N|-A|\*filter|:INPUT)\s/m.test(out) && !/^\s*table\s/m.test(out) ? iptablesInput(out) : nftInput(out);
}
