import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { agentDownloadsHandler, parseSums } from './agentDownloads.js';

const dir = mkdtempSync(join(tmpdir(), 'weian-agent-dist-'));
const deb = Buffer.from('not really a deb');
const sum = createHash('sha256').update(deb).digest('hex');
let server: Server;
let base: string;

beforeAll(async () => {
  writeFileSync(join(dir, 'weian-agent_0.1.0_amd64.deb'), deb);
  writeFileSync(join(dir, 'SHA256SUMS'), `${sum}  weian-agent_0.1.0_amd64.deb\n`);
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
});
