import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowsInstallLine } from '@weian/shared/agentInstall';
import { createLogger } from '../log.js';
import { parseSums } from '../services/agentRelease.js';
import { agentDownloadsHandler } from './agentDownloads.js';

const dir = mkdtempSync(join(tmpdir(), 'weian-agent-dist-'));
const deb = Buffer.from('not really a deb');
const sum = createHash('sha256').update(deb).digest('hex');
const msi = Buffer.from('not really an msi');
const msiSum = createHash('sha256').update(msi).digest('hex');
let server: Server;
let base: string;

beforeAll(async () => {
  writeFileSync(join(dir, 'weian-agent_0.1.0_amd64.deb'), deb);
  writeFileSync(join(dir, 'weian-agent-0.1.0-x64.msi'), msi);
  writeFileSync(join(dir, 'SHA256SUMS'), `${sum}  weian-agent_0.1.0_amd64.deb\n${msiSum}  weian-agent-0.1.0-x64.msi\n`);
  writeFileSync(join(dir, 'secret.txt'), 'not listed, never served');
  const handle = agentDownloadsHandler(dir, createLogger('silent'));
  server = createServer((req, res) => handle(req, res, (req.url ?? '/').split('?')[0]!));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('agent downloads', () => {
  it('serves a listed package with its sum, and the sum beside it', async () => {
    const r = await fetch(`${base}/agent/weian-agent_0.1.0_amd64.deb`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-content-sha256')).toBe(sum);
    expect(Buffer.from(await r.arrayBuffer())).toEqual(deb);
    expect(await (await fetch(`${base}/agent/weian-agent_0.1.0_amd64.deb.sha256`)).text()).toBe(`${sum}  weian-agent_0.1.0_amd64.deb\n`);
    expect(parseSums(await (await fetch(`${base}/agent/SHA256SUMS`)).text()).get('weian-agent_0.1.0_amd64.deb')).toBe(sum);
  });

  it('serves nothing the build did not list', async () => {
    for (const path of ['secret.txt', '..%2F..%2Fetc%2Fpasswd', 'SHA256SUMS.sha256', '']) expect((await fetch(`${base}/agent/${path}`)).status, path).toBe(404);
    expect((await fetch(`${base}/agent/weian-agent_0.1.0_amd64.deb`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the install script', async () => {
    const r = await fetch(`${base}/agent/install.sh`);
    expect(r.headers.get('content-type')).toMatch(/shellscript/);
    expect(await r.text()).toMatch(/^#!\/bin\/sh\n/);
  });

  it('has no CA to serve when the server was started without --tls-ca', async () => {
    const r = await fetch(`${base}/agent/ca.pem`);
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/没有配置私有 CA/);
    expect(await (await fetch(`${base}/agent/ca.json`)).json()).toEqual({ sha256: null });
  });

  /**
   * No PowerShell on this machine: the Windows line and its script are checked for what they ask of
   * the server. The line fetches a script that is served (as UTF-8, which PowerShell 5.1 needs for
   * the Chinese messages) and passes the parameters the script declares; the script's own pattern
   * picks the MSI out of the served SHA256SUMS, whose file is served with that sum.
   */
  it('serves the PowerShell install script the Windows line runs, and what the script downloads', async () => {
    const line = windowsInstallLine({ server: `${base}/`, token: "wa_it's" });
    const url = /Invoke-RestMethod -UseBasicParsing '([^']+)'/.exec(line)![1]!;
    expect(url).toBe(`${base}/agent/install.ps1`);
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const script = await r.text();
    const params = [.../param\(([\s\S]*?)\n\)/.exec(script)![1]!.matchAll(/\$(\w+)\s*(?:,|$)/gm)].map((m) => m[1]);
    expect(params).toEqual(['Server', 'Token']);
    expect(line).toMatch(new RegExp(`-Server '${base}' -Token 'wa_it''s'$`));
    // The script's MSI pattern against the served list, then the URL it builds from the match.
    const pattern = /\[regex\]::Match\(\$sums, '\(\?m\)([^']+)'\)/.exec(script)![1]!;
    const sums = await (await fetch(`${base}/agent/SHA256SUMS`)).text();
    const found = new RegExp(pattern, 'm').exec(sums)!;
    expect([found[1], found[2]]).toEqual([msiSum, 'weian-agent-0.1.0-x64.msi']);
    expect(script).toContain('Invoke-WebRequest -UseBasicParsing -Uri "$Server/agent/$msi" -OutFile $file');
    const download = await fetch(`${base}/agent/${found[2]}`);
    expect(
      createHash('sha256')
        .update(Buffer.from(await download.arrayBuffer()))
        .digest('hex'),
    ).toBe(found[1]);
    // A mismatch stops before msiexec; the token goes to enroll, and the task is started after it.
    const order = ['Get-FileHash', '-ne $want', 'msiexec.exe', 'enroll --server $Server --token $Token', 'schtasks.exe /Run /TN WeiAnAgent'].map((s) => script.indexOf(s));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(script).not.toMatch(/^\s*exit\b/m);
  });
});
