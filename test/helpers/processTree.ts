import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { waitFor } from './wait.js';

/** Every process below `pid` (the pnpm process and what it started). */
export function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const l of out.trim().split('\n')) {
    const [p, pp] = l.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}
/**
 * An agent command run as systemd runs its unit with Restart=on-failure: `pre` first (ExecStartPre with "-": skipped
 * when its program is missing, a failure ignored), then `start`, again until it exits 0 or 78; each exit is printed
 * as "exited N". Its own process group (killGroups ends it). Command lines are plain words (temporary paths).
 */
export function superviseAgent(start: string, opts: { pre?: string; env: NodeJS.ProcessEnv }) {
  const pre = opts.pre ? `if [ -e ${opts.pre.split(' ')[0]} ]; then ${opts.pre} || true; fi; ` : '';
  const child = spawn('sh', ['-c', `while :; do ${pre}${start}; code=$?; echo "exited $code"; if [ "$code" -eq 0 ] || [ "$code" -eq 78 ]; then exit "$code"; fi; done`], {
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const reports = (state: 'acknowledged' | 'queued') => [...output.matchAll(new RegExp(`report ([0-9a-f-]{36}) ${state}`, 'g'))].map((m) => m[1]!);
  return { child, output: () => output, acked: () => reports('acknowledged'), queued: () => reports('queued') };
}

/** SIGKILL to each detached child's whole process group (a supervisor and what it started); one already gone is fine. */
export function killGroups(children: ReadonlyArray<{ pid?: number | undefined }>): void {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
/** Running (a zombie waiting for a reaper has stopped: it holds no port, no file, no CPU). */
export const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * A long-running command line (a server, an agent, `pnpm start`) run through bash as a user types it:
 * started, checked while it runs (`ready`), then SIGTERM (or `signal`) to the process bash became (pnpm),
 * and every process it had started must be gone.
 */
export async function runService(line: string, opts: { cwd: string; env: Record<string, string>; ready: (output: () => string) => Promise<unknown>; signal?: NodeJS.Signals }) {
  const c: ChildProcess = spawn('bash', ['-c', line], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
  try {
    await Promise.race([opts.ready(() => output), exited.then((code) => Promise.reject(new Error(`exited (${code}) while it should run: ${line}\n${output}`)))]);
  } catch (e) {
    c.kill('SIGKILL');
    throw e;
  }
  const tree = descendants(c.pid!);
  expect(tree.length, `${line} started no process of its own`).toBeGreaterThan(0);
  c.kill(opts.signal ?? 'SIGTERM');
  await exited;
  // The whole tree stops: no node server left running after its pnpm parent was told to stop.
  await waitFor(() => tree.every((p) => !alive(p)), { timeoutMs: 20_000, what: `every process of "${line}" to stop (left: ${tree.filter(alive).join(', ')})` });
  return output;
}
