import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '@weian/agent/client';
import { loadConfig } from '../../server/src/config.js';
import { createHttpStack, type HttpStack } from '../../server/src/http/server.js';
import type { Principal } from '../../server/src/services/auth.js';
import { registerPublicTarget } from '../../server/src/services/publicTargets.js';
import { createScanner, listExposureViews } from '../../server/src/services/scanners.js';
import { createTestDb, enrollHost, type TestDb } from '../../server/src/testing/harness.js';

// The scanner's two calls over HTTP, as `weian-agent scan --server` makes them, against the server's
// own HTTP stack on loopback (the scan itself is tested on loopback aliases in agent/src/scan).
const XIHU: Principal = {
  userId: 'u_x',
  username: 'county-xihu',
  displayName: 'x',
  role: 'county',
  scopeCode: '330106',
  scope: { kind: 'region', code: '330106', prefix: '330106' },
  regionCode: '330106',
  institutionCode: null,
};

describe('scanner over the wire', () => {
  let t: TestDb;
  let stack: HttpStack;
  let server: string;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
    await enrollHost(t.deps, { institution: 'XH-1', region: '330106', hostname: 'his' });
    await registerPublicTarget(t.deps, XIHU, { institutionCode: 'XH-1', target: '61.164.10.0/29', note: null });
    stack = createHttpStack(loadConfig({}, { port: 0, host: '127.0.0.1' }), t.deps, { info: () => {}, warn: () => {}, error: () => {} });
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', () => r()));
    server = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    stack?.server.close();
    await t?.close();
  });

  it('fetches its list, reports, and is refused with a wrong secret', async () => {
    const s = await createScanner(t.deps, XIHU, { regionCode: '330106', name: '西湖区扫描器' });
    const client = new AgentClient({ server });
    expect(await client.scannerTargets(s)).toMatchObject({ targets: ['61.164.10.0/29'], ports: expect.arrayContaining([22, 3389]) });
    await expect(client.scannerTargets({ scannerId: s.scannerId, secret: 'nope' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const ack = await client.scannerReport({ ...s, observations: [{ address: '61.164.10.2', port: 3389, banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false }] });
    expect(ack).toEqual({ accepted: 1, refused: 0, new: ['61.164.10.2:3389'], rounds: [] });
    expect((await listExposureViews(t.deps, XIHU)).map((e) => [e.address, e.port, e.rules])).toEqual([['61.164.10.2', 3389, ['EXT-REMOTE-ADMIN']]]);
  });
});
