import { win32 } from 'node:path';

/**
 * How the agent was installed on Windows, and what Windows Installer's answers mean. Everything runs
 * through the runner it is given; never run on Windows yet: tested on output written from the
 * documented formats (windowsInstall.test.ts).
 */

type Run = (file: string, args: string[]) => Promise<{ stdout: string }>;

/** The MSI's ProductName (agent/scripts/packages.mjs): the DisplayName of its entry under Uninstall. */
export const MSI_PRODUCT_NAME = 'WeiAn Agent';
const UNINSTALL_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall';

/** Where the MSI puts the executable: [ProgramFiles64Folder]WeiAn\weian-agent.exe. */
export const msiExecutable = (programFiles: string) => win32.join(programFiles, 'WeiAn', 'weian-agent.exe');

/**
 * Whether `reg query …\Uninstall /s /f "WeiAn Agent" /d /e` found the MSI's entry. Each match is a
 * key line (HKEY_LOCAL_MACHINE\…\{product code}) then the value line `    DisplayName    REG_SZ    WeiAn Agent`.
 * Key paths, value names and type names are the same in every display language; only the closing
 * "End of search: N match(es) found." is translated (搜索结束: 找到 N 匹配。), and it is not read.
 */
export function msiEntryListed(stdout: string): boolean {
  return stdout.split(/\r?\n/).some((line) => /^\s+DisplayName\s+REG_SZ\s+(.*?)\s*$/.exec(line)?.[1] === MSI_PRODUCT_NAME);
}

/**
 * 'msi' when Windows Installer lists the product and this executable is the one it installed, else
 * 'exe' (the single executable run from where it was put). reg exits 1 when nothing matches: not
 * installed by the MSI. The 64-bit registry view, where a per-machine x64 MSI registers itself.
 */
export async function windowsInstallKind(executable: string, run: Run, programFiles: string | undefined): Promise<'exe' | 'msi'> {
  if (!programFiles || executable.toLowerCase() !== msiExecutable(programFiles).toLowerCase()) return 'exe';
  const listed = await run('reg.exe', ['query', UNINSTALL_KEY, '/s', '/f', MSI_PRODUCT_NAME, '/d', '/e', '/reg:64']).then(
    (r) => msiEntryListed(r.stdout),
    () => false,
  );
  return listed ? 'msi' : 'exe';
}

export type MsiexecResult = { ok: true } | { busy: true } | { failure: string };

/**
 * msiexec's exit status (Windows Installer error codes): 0 done; 3010 done, a reboot would finish
 * replacing some file (the agent does not need it: /norestart); 1641 done and a reboot started (not
 * with /norestart, taken as done); 1618 another installation is running: try again later; 1603 a
 * fatal error, after which Windows Installer has rolled back what it changed; anything else failed too.
 */
export function msiexecResult(code: number, log: string): MsiexecResult {
  if (code === 0 || code === 3010 || code === 1641) return { ok: true };
  if (code === 1618) return { busy: true };
  if (code === 1603) return { failure: `MSI 安装失败: msiexec exited with 1603 (fatal error during installation); Windows Installer rolled back its changes, see ${log}` };
  return { failure: `MSI 安装失败: msiexec exited with ${code}; see ${log}` };
}

/** The exit status of a program the runner ran: 0 when it resolved, the status it rejected with otherwise (execFile's `code`). */
export async function exitStatus(run: Run, file: string, args: string[]): Promise<number> {
  try {
    await run(file, args);
    return 0;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw e;
  }
}

/** Where msiexec /i logs an upgrade's install (/l*v): beside the download, kept when the install failed. */
export const msiLogPath = (msi: string) => `${msi}.log`;

/** Unpacks the MSI's files into DIR without installing anything (an administrative installation): the trial runs its executable. */
export const msiUnpackCommand = (msi: string, dir: string): [string, string[]] => ['msiexec.exe', ['/a', msi, '/qn', `TARGETDIR=${dir}`]];

/** The executable inside an unpacked MSI; where the administrative image puts it depends on the Directory table, so it is looked for. */
export async function findUnpackedExecutable(readdir: (dir: string, o: { recursive: true }) => Promise<string[]>, dir: string, join: (...p: string[]) => string): Promise<string | null> {
  const found = (await readdir(dir, { recursive: true })).find((p) => /(^|[\\/])weian-agent\.exe$/i.test(p));
  return found ? join(dir, found) : null;
}
