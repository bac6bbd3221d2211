import { lookup, Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parsePublicTarget, scanPorts, ScanScheduleWire, targetAddresses } from '@weian/shared';
import type { ScanLimits, ScanTarget } from './scanner.js';

/**
 * A scanner's target list: what the server hands it (the institutions' registered addresses,
 * ranges and domains, and the region's extra ports), or a file with the same shape. Domains are
 * resolved here; the resolved addresses join the list, nothing else does.
 */
export const TargetList = z.object({
  targets: z.array(z.string().min(1).max(253)).max(1000),
  /** The region's ports, added to the high-risk list. */
  ports: z.array(z.number().int().min(1).max(65535)).max(200).default([]),
  limits: z.object({ ratePerSecond: z.number().positive(), concurrency: z.number().int().positive(), timeoutMs: z.number().int().positive() }).partial().default({}),
  /** From the server: the region's interval and window, and when the next round may start. */
  schedule: ScanScheduleWire.optional(),
});
export type TargetList = z.infer<typeof TargetList>;

export interface PreparedScan {
  targets: ScanTarget[];
  allowed: Set<string>;
  ports: number[];
  limits: Partial<ScanLimits>;
  /** The list's entries this round covers (a domain that did not resolve is not covered). */
  covered: string[];
}

/**
 * `public` false (tests on loopback aliases only): entries are taken as addresses as they are.
 * Otherwise every entry must be a public address, range or domain, as the server validates them
 * (`documentation`: the RFC 5737 ranges too, as a server started with WEIAN_DOCUMENTATION_TARGETS=1 takes them).
 */
export async function prepare(list: TargetList, opts: { public: boolean; documentation?: boolean; resolve?: (name: string) => Promise<string[]> } = { public: true }): Promise<PreparedScan> {
  const resolveName = opts.resolve ?? (async (name: string) => (await lookup(name, { all: true })).map((a) => a.address));
  // A name may point anywhere: only public addresses it resolves to are scanned (never the bureau's own network).
  const publicAddress = (a: string) => {
    try {
      return parsePublicTarget(a, { documentation: opts.documentation === true }).kind === 'ip';
    } catch {
      return false;
    }
  };
  const targets: ScanTarget[] = [];
  const covered: string[] = [];
  for (const entry of list.targets) {
    const before = targets.length;
    if (!opts.public) targets.push({ address: entry });
    else {
      const t = parsePublicTarget(entry, { documentation: opts.documentation === true });
      if (t.kind === 'domain') for (const address of (await resolveName(t.value).catch(() => [])).filter(publicAddress)) targets.push({ address, servername: t.value });
      else for (const address of targetAddresses(t)) targets.push({ address });
    }
    if (targets.length > before) covered.push(entry);
  }
  return { targets, allowed: new Set(targets.map((t) => t.address)), ports: scanPorts(list.ports), limits: list.limits, covered };
}

/**
 * Names resolved through the given DNS servers ("host" or "host:port"), as the Internet resolves them:
 * a bureau's own resolver may answer a hospital's name with an inside address (split horizon).
 */
export function resolverFor(servers: readonly string[]): (name: string) => Promise<string[]> {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  r.setServers([...servers]);
  return async (name) => {
    const [v4, v6] = await Promise.all([r.resolve4(name).catch(() => []), r.resolve6(name).catch(() => [])]);
    return [...v4, ...v6];
  };
}

export async function readTargetList(path: string): Promise<TargetList> {
  return TargetList.parse(JSON.parse(await readFile(path, 'utf8')));
}
