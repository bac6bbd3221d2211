import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Report } from '@weian/shared';
import { selfInvocation } from './self.js';

/** The hidden CLI command the child runs: collect once, print the full report as JSON, exit. */
export const COLLECT_CHILD_COMMAND = '__collect';

/** Runs this agent's `args` in a child process; resolves with its stdout, rejects with its stderr. */
export async function runSelf(args: string[], opts: { timeoutMs?: number; maxBytes?: number } = {}): Promise<string> {
  const [command, ...self] = selfInvocation();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const maxBytes = opts.maxBytes ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, [...self, ...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > maxBytes) child.kill('SIGKILL');
      else out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      reject(new ChildError(stderr.trim().replace(/^weian-agent: /, '') || `${args[0]} ended with ${signal ?? `code ${code}`}${bytes > maxBytes ? ' (output over the bound)' : ''}`, code));
    });
  });
}

export class ChildError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

/** A collection and what it cost: CPU seconds of the child and every command it ran (null where unknown). */
export interface Collected {
  report: Report;
  cpuSeconds: number | null;
}

/**
 * Runs one collection in a short-lived child process. The collectors (systeminformation, command
 * output parsing) then never grow the long-lived agent's heap, and whatever they leak dies with
 * the child: the resident agent stays near a bare Node.js process.
 */
export async function collectInChild(configPath: string): Promise<Collected> {
  // `run` starts no other child while it collects (collections never overlap), so the growth of
  // its reaped children's CPU time is this collection's cost, Node.js start-up included.
  const before = reapedChildrenCpuSeconds();
  const out = await runSelf([COLLECT_CHILD_COMMAND, '--config', configPath]);
  const after = reapedChildrenCpuSeconds();
  try {
    return { report: JSON.parse(out) as Report, cpuSeconds: before === null || after === null ? null : after - before };
  } catch (e) {
    throw new Error(`collection process printed no report: ${(e as Error).message}`);
  }
}

/** Linux: user+system CPU of this process's exited and reaped descendants (cutime, cstime of /proc/self/stat). */
export function reapedChildrenCpuSeconds(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 (1-based) of stat, in clock ticks: USER_HZ is 100 on every Linux the agent supports.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
