import { extRulesFor, windowEnd } from '@weian/shared';
import type { AgentClient } from '../client.js';
import { DEFAULT_LIMITS, scan } from './scanner.js';
import { prepare, readTargetList, resolverFor, TargetList } from './targetList.js';

/**
 * One scanner round (`weian-agent scan`): the list from the server (or a file), nothing at all when
 * the server says the next round is not yet due, attempts stopped when the region's window closes
 * (the round is then not complete), one JSON line per open port on stdout, and the report back.
 * Returns when the next round is due (ms), or null when the list carries no schedule.
 */
export async function scanRound(o: {
  client: { client: AgentClient; credentials: { scannerId: string; secret: string } } | null;
  targetsFile: string | null;
  onlyPorts: number[] | null;
  documentation: boolean;
  resolvers: readonly string[];
  loopback: boolean;
}): Promise<number | null> {
  const list = o.client ? TargetList.parse(await o.client.client.scannerTargets(o.client.credentials)) : await readTargetList(o.targetsFile!);
  const s = list.schedule;
  const window = s?.window ? ` within ${s.window.from}–${s.window.to} China time` : '';
  if (s && Date.parse(s.nextRoundAt) > Date.now()) {
    console.error(`weian-agent: no round due: the next starts at ${s.nextRoundAt} (every ${s.intervalHours} h${window})`);
    return Date.parse(s.nextRoundAt);
  }
  const prepared = await prepare(list, { public: !o.loopback, documentation: o.documentation, ...(o.resolvers.length ? { resolve: resolverFor(o.resolvers) } : {}) });
  const ports = o.onlyPorts ?? prepared.ports;
  const limits = { ...DEFAULT_LIMITS, ...prepared.limits };
  const stopAt = s ? (windowEnd(s.window, new Date())?.getTime() ?? Infinity) : Infinity;
  console.error(
    `weian-agent: scanning ${prepared.targets.length} address(es) × ${ports.length} port(s), at most ${limits.ratePerSecond}/s, ${limits.concurrency} at once${s ? `, every ${s.intervalHours} h${window}` : ''}`,
  );
  const r = await scan(prepared.targets, ports, prepared.allowed, limits, undefined, stopAt);
  for (const obs of r.observations) console.log(JSON.stringify({ ...obs, rules: extRulesFor(obs) }));
  if (r.stopped) console.error('weian-agent: the scan window closed: attempts stopped, this round is not complete');
  if (o.client) {
    // A round with every port of the list is complete for its entries: their ports not reported are closed.
    const complete = o.onlyPorts || r.stopped ? [] : prepared.covered;
    const ack = await o.client.client.scannerReport({ ...o.client.credentials, observations: r.observations, complete });
    console.error(`weian-agent: reported ${ack.accepted} open port(s), ${ack.new.length} new, ${ack.rounds.length} complete target(s)`);
  }
  return s ? Date.now() + s.intervalHours * 3_600_000 : null;
}
