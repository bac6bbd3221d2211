import type { Runner } from '../runner.js';
import { lines } from './helpers/parse.js';
import { processNames } from './helpers/probe.js';

/** A Linux service as systemd names its units and as `ps` names its process. */
export interface ServiceSpec {
  label: string;
  units: string[];
  processes: string[];
}

/**
 * `systemctl is-active u1 u2 …` prints one state per unit, in order. Null when systemd is not
 * running (containers, SysV init: "System has not been booted with systemd") or the output is garbled.
 */
export function parseIsActive(stdout: string, units: readonly string[]): Map<string, string> | null {
  const states = lines(stdout)
    .map((l) => l.trim())
    .filter(Boolean);
  if (states.length !== units.length || !states.every((s) => /^[a-z-]+$/.test(s))) return null;
  return new Map(units.map((u, i) => [u, states[i]!]));
}

export interface ServiceView {
  /** True/false when systemd or the process list could tell, null when neither could be read. */
  running(spec: ServiceSpec): boolean | null;
  /** Whether systemd answered (so "inactive" is authoritative). */
  systemd: boolean;
  /** Running process names, null when /proc could not be read. */
  processes: string[] | null;
}

/** The units asked about, in the order `systemctl is-active` answers. */
export const unitList = (specs: readonly ServiceSpec[]): string[] => [...new Set(specs.flatMap((s) => s.units))];

/** One `systemctl is-active` for every unit the collector cares about, plus the process list as a fallback. */
export async function serviceView(runner: Runner, specs: readonly ServiceSpec[]): Promise<ServiceView> {
  const units = unitList(specs);
  const [r, procs] = await Promise.all([runner.exec('systemctl', ['is-active', ...units], { timeoutMs: 5000 }), processNames(runner)]);
  const states = parseIsActive(r.stdout, units);
  const procSet = procs ? new Set(procs) : null;
  return {
    systemd: states !== null,
    processes: procs,
    running(spec) {
      const byUnit = states ? spec.units.some((u) => ['active', 'activating', 'reloading'].includes(states.get(u) ?? '')) : null;
      const byProc = procSet ? spec.processes.some((p) => procSet.has(p)) : null;
      if (byUnit === true || byProc === true) return true;
      if (byUnit === null && byProc === null) return null;
      return false;
    },
  };
}
