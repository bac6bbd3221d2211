import { spawn } from 'node:child_process';
import { agentBundle, serverBundle } from './bundles.js';
import { REPO } from './paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real CLI process to completion (bounded by timeoutMs). */
export async function runCli(which: 'server' | 'agent', args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [await (which === 'server' ? serverBundle() : agentBundle()), ...args], { ...opts, what: `${which} ${args.join(' ')}` });
}

/** Runs any program to completion with its output captured (bounded by timeoutMs), stdin fed from `input`. */
export function runProcess(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string; what?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${opts.what ?? `${file} ${args.join(' ')}`} timed out\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export const lastLine = (s: string) => s.trim().split('\n').at(-1)!.trim();
