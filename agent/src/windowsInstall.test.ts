import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitStatus, findUnpackedExecutable, msiEntryListed, msiexecResult, msiExecutable, MSI_PRODUCT_NAME, windowsInstallKind } from './windowsInstall.js';

/**
 * How a Windows agent knows it was installed by the MSI, and what msiexec's exit means. Never run
 * on Windows: the outputs below are written from the documented formats of `reg query` and the
 * Windows Installer error codes, not recorded on a host.
 */

// `reg query HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall /s /f "WeiAn Agent" /d /e /reg:64`
// on an English Windows Server with the MSI installed: a blank line, the matching key, its matching
// value (4 spaces, name, type, data, separated by 4 spaces), a blank line, the count.
const EN = [
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{0D6B1C52-3E0A-5F11-8C2D-4B7A9E6F1A20}',
  `    DisplayName    REG_SZ    ${MSI_PRODUCT_NAME}`,
  '',
  'End of search: 1 match(es) found.',
  '',
].join('\r\n');
// The same on a Chinese (zh-CN) Windows Server: key, value name and type stay English; only the count line is translated.
const ZH = EN.replace('End of search: 1 match(es) found.', '搜索结束: 找到 1 匹配。');

describe('was this agent installed by the MSI', () => {
  it("finds the MSI's Uninstall entry by its DisplayName, in any display language", () => {
    expect(msiEntryListed(EN)).toBe(true);
    expect(msiEntryListed(ZH)).toBe(true);
  });

  it('no match, or another product whose name only contains ours, is not the MSI', () => {
    expect(msiEntryListed('\r\nEnd of search: 0 match(es) found.\r\n')).toBe(false);
    expect(msiEntryListed('\r\n搜索结束: 找到 0 匹配。\r\n')).toBe(false);
    expect(msiEntryListed(EN.replace(`REG_SZ    ${MSI_PRODUCT_NAME}`, `REG_SZ    ${MSI_PRODUCT_NAME} Tools`))).toBe(false);
  });

  it("is the MSI's only when Windows Installer lists it and this executable is where the MSI puts it", async () => {
    const asked: string[][] = [];
    const reg = (stdout: string | null) => async (f: string, args: string[]) => {
      asked.push([f, ...args]);
      // reg exits 1 when the key or value is missing (ERROR: The system was unable to find the specified registry key or value. / 错误: 系统找不到指定的注册表项或值。).
      if (stdout === null) throw Object.assign(new Error('Command failed: reg.exe'), { code: 1 });
      return { stdout };
    };
    const pf = 'C:\\Program Files';
    expect(msiExecutable(pf)).toBe('C:\\Program Files\\WeiAn\\weian-agent.exe');
    expect(await windowsInstallKind('C:\\Program Files\\WeiAn\\weian-agent.exe', reg(ZH), pf)).toBe('msi');
    // Windows paths are case-insensitive.
    expect(await windowsInstallKind('c:\\program files\\weian\\WEIAN-AGENT.EXE', reg(EN), pf)).toBe('msi');
    expect(asked[0]).toEqual(['reg.exe', 'query', 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall', '/s', '/f', 'WeiAn Agent', '/d', '/e', '/reg:64']);
    expect(await windowsInstallKind('C:\\Program Files\\WeiAn\\weian-agent.exe', reg(null), pf)).toBe('exe');
    asked.length = 0;
    // The bare exe run from elsewhere, even with the MSI installed too: the registry is not asked.
    expect(await windowsInstallKind('D:\\tools\\weian-agent-win-x64.exe', reg(EN), pf)).toBe('exe');
    expect(await windowsInstallKind('C:\\Program Files\\WeiAn\\weian-agent.exe', reg(EN), undefined)).toBe('exe');
    expect(asked).toEqual([]);
  });
});

it('looks for the product name and the path the MSI really has (agent/scripts/packages.mjs writes its WiX source)', () => {
  const wxs = readFileSync(new URL('../scripts/packages.mjs', import.meta.url), 'utf8');
  expect(wxs).toContain(`<Product Id="\${productCode(o.version)}" Name="${MSI_PRODUCT_NAME}"`);
  // [ProgramFiles64Folder]WeiAn\weian-agent.exe, as msiExecutable says.
  expect(wxs).toMatch(/<Directory Id="ProgramFiles64Folder">\s*<Directory Id="INSTALLDIR" Name="WeiAn">[^]*?<File Id="AgentExeFile" Name="weian-agent\.exe"/);
});

describe("msiexec's exit status", () => {
  const log = 'C:\\ProgramData\\WeiAn\\upgrade-weian-agent-0.2.0-x64.msi.log';
  it('0 and 3010 (a reboot would finish, not needed) and 1641 are done; 1618 (another installation) is to be retried', () => {
    for (const code of [0, 3010, 1641]) expect(msiexecResult(code, log)).toEqual({ ok: true });
    expect(msiexecResult(1618, log)).toEqual({ busy: true });
  });
  it('1603 and anything else failed, in words an operator can act on', () => {
    expect(msiexecResult(1603, log)).toEqual({ failure: `MSI 安装失败: msiexec exited with 1603 (fatal error during installation); Windows Installer rolled back its changes, see ${log}` });
    expect(msiexecResult(1638, log)).toEqual({ failure: `MSI 安装失败: msiexec exited with 1638; see ${log}` });
  });
  it('reads the status from the runner: 0 when it resolved, its code when it rejected; a program that did not run is an error', async () => {
    expect(await exitStatus(async () => ({ stdout: '' }), 'msiexec.exe', [])).toBe(0);
    expect(await exitStatus(() => Promise.reject(Object.assign(new Error('Command failed'), { code: 3010 })), 'msiexec.exe', [])).toBe(3010);
    await expect(exitStatus(() => Promise.reject(Object.assign(new Error('spawn msiexec.exe ENOENT'), { code: 'ENOENT' })), 'msiexec.exe', [])).rejects.toThrow(/ENOENT/);
  });
});

it("finds the agent's executable in an MSI's administrative image, wherever its Directory table put it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weian-msi-image-'));
  try {
    expect(await findUnpackedExecutable(readdir, dir, join)).toBeNull();
    // The image of agent/scripts/packages.mjs's MSI: ProgramFiles64Folder is "." in its Directory table, and msiexec /a copies the .msi in too.
    mkdirSync(join(dir, 'WeiAn'), { recursive: true });
    writeFileSync(join(dir, 'weian-agent-0.2.0-x64.msi'), '');
    writeFileSync(join(dir, 'WeiAn', 'weian-agent.exe'), '');
    expect(await findUnpackedExecutable(readdir, dir, join)).toBe(join(dir, 'WeiAn', 'weian-agent.exe'));
    // Another MSI's layout (a named Program Files folder) is found the same way.
    rmSync(join(dir, 'WeiAn'), { recursive: true });
    mkdirSync(join(dir, 'PFiles64', 'WeiAn'), { recursive: true });
    writeFileSync(join(dir, 'PFiles64', 'WeiAn', 'weian-agent.exe'), '');
    expect(await findUnpackedExecutable(readdir, dir, join)).toBe(join(dir, 'PFiles64', 'WeiAn', 'weian-agent.exe'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
