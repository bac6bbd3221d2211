import type { ExecResult, Runner } from '../../runner.js';
import { describeFailure, parseJson } from './parse.js';

/** The command line a script runs with (also what a capture's key holds). */
export function powershellArgs(script: string): [string, string[]] {
  const full = `$ErrorActionPreference='SilentlyContinue';$ProgressPreference='SilentlyContinue';[Console]::OutputEncoding=[Text.Encoding]::UTF8;${script}`;
  return ['powershell', ['-NoProfile', '-NonInteractive', '-Command', full]];
}

/**
 * Runs a PowerShell script that prints one JSON document.
 * Scripts use single quotes only: double quotes do not survive the Windows command line intact. Output is forced to UTF-8 first: a
 * Chinese-locale console writes GBK (code page 936) otherwise, and names like "安全更新" arrive garbled.
 * ConvertTo-Json needs PowerShell 3.0+ (Windows Server 2008 R2 ships 2.0: install WMF 5.1).
 */
export async function runPowerShell(runner: Runner, script: string, timeoutMs = 30_000): Promise<{ json: unknown; result: ExecResult; problem: string | null }> {
  const [cmd, args] = powershellArgs(script);
  const result = await runner.exec(cmd, args, { timeoutMs, maxBytes: 8 * 1024 * 1024 });
  const json = parseJson(result.stdout);
  let problem: string | null = null;
  if (json === null) {
    if (/ConvertTo-Json/i.test(result.stderr)) problem = 'PowerShell 3.0 or later is needed (install WMF 5.1 on Windows Server 2008 R2)';
    else if (result.code !== 0 || result.spawnError || result.timedOut) problem = describeFailure('powershell', result);
    else problem = result.truncated ? 'PowerShell output was larger than the output cap and was cut' : 'PowerShell printed no readable JSON';
  }
  return { json, result, problem };
}
