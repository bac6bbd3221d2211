import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { prepare, TargetList } from './targetList.js';

describe('the target list', () => {
  const resolve = async (name: string) => (name === 'his.xhrmyy.example.cn' ? ['61.164.10.5'] : []);
  it('expands ranges, resolves domains (kept for SNI), adds the region ports to the high-risk list', async () => {
    const p = await prepare(TargetList.parse({ targets: ['61.164.10.8/30', 'his.xhrmyy.example.cn'], ports: [10086] }), { public: true, resolve });
    expect(p.targets).toEqual([
      { address: '61.164.10.8' },
      { address: '61.164.10.9' },
      { address: '61.164.10.10' },
      { address: '61.164.10.11' },
      { address: '61.164.10.5', servername: 'his.xhrmyy.example.cn' },
    ]);
    expect(p.ports).toEqual(expect.arrayContaining([22, 3389, 6379, 10086]));
  });
  it('scans only the public addresses a name resolves to (a name pointing inside is not followed), IPv6 ones too', async () => {
    const split = async () => ['10.1.2.3', '61.164.10.5', 'fd00::5', '240e:388::5'];
    const p = await prepare(TargetList.parse({ targets: ['his.xhrmyy.example.cn', '240e:388::/126'] }), { public: true, resolve: split });
    expect(p.targets.map((t) => t.address)).toEqual(['61.164.10.5', '240e:388::5', '240e:388::', '240e:388::1', '240e:388::2', '240e:388::3']);
    expect(p.covered).toEqual(['his.xhrmyy.example.cn', '240e:388::/126']);
  });
  it('refuses a private or malformed entry in a real list', async () => {
    await expect(prepare(TargetList.parse({ targets: ['192.168.1.10'] }), { public: true, resolve })).rejects.toThrow(/private/);
    await expect(prepare(TargetList.parse({ targets: ['not a host'] }), { public: true, resolve })).rejects.toThrow(/not a valid domain/);
  });
});

describe('weian-agent scan', () => {
  let srv: Server;
  afterAll(() => srv?.close());
  it('prints one JSON line per open port with the rules it meets (loopback alias the test made)', async () => {
    srv = createHttpServer((_q, r) => r.end('<title>HIS 登录</title>'));
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.2', () => r((srv.address() as AddressInfo).port)));
    const dir = mkdtempSync(join(tmpdir(), 'weian-scan-cli-'));
    writeFileSync(join(dir, 'targets.json'), JSON.stringify({ targets: ['127.0.0.2'], limits: { ratePerSecond: 10 } }));
    const r = await runCli('agent', ['scan', '--targets', join(dir, 'targets.json'), '--only-ports', String(port)], { env: { WEIAN_SCAN_LOOPBACK: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/at most 10\/s/);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ address: '127.0.0.2', port, httpTitle: 'HIS 登录', plainHttp: true, rules: ['EXT-PLAINTEXT'] });
  }, 60_000);
  it('without the test switch, a loopback target is refused as not public', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weian-scan-cli-'));
    writeFileSync(join(dir, 'targets.json'), JSON.stringify({ targets: ['127.0.0.2'] }));
    const r = await runCli('agent', ['scan', '--targets', join(dir, 'targets.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/loopback/);
  }, 60_000);
});
