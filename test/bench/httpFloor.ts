import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { freePort } from '../helpers/server.js';
import { processCpuS, startNode, type NodeProcess } from './procs.js';

// A node:http server that parses a JSON body and answers a small JSON object: nothing of WeiAn's.
const SERVER = `
const server = require('node:http').createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const keys = Object.keys(JSON.parse(body)).length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, keys }));
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

/**
 * The floor under any server's CPU per request on this machine: the trivial server above, sent
 * `rate` requests per second (0: as fast as 16 connections go) with bodies of `bytes`, over
 * 16 keep-alive connections as the load generator keeps. At a low rate every request finds the
 * process asleep, and waking it (scheduler, caches; on a virtual machine, the hypervisor) costs more
 * than the request: the same server then spends several times its full-load CPU per request.
 */
export async function httpFloorCpuMs(rate: number, seconds: number, bytes: number): Promise<number> {
  const { port, server } = await startTrivialServer();
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  try {
    return await pacedCpuMs([server.pid], rate, seconds, bytes, (body) => post(request, { host: '127.0.0.1', port, agent }, body));
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** The trivial server above, listening on a free loopback port. */
export async function startTrivialServer(): Promise<{ port: number; server: NodeProcess }> {
  const port = await freePort();
  return { port, server: await startNode(['-e', SERVER], { PORT: String(port) }, 'listening') };
}

/** One POST of a JSON `body` with `make` (node:http's or node:https' request), its answer read to the end. */
export const post = (make: (options: RequestOptions, answer: (res: IncomingMessage) => void) => ClientRequest, options: RequestOptions, body: string) =>
  new Promise<void>((resolve, reject) => {
    const req = make({ method: 'POST', headers: { 'content-type': 'application/json' }, ...options }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });

/**
 * CPU-ms per request of the processes `pids` while `send` posts JSON bodies of `bytes`, `rate` per second
 * for `seconds` (0: as fast as 16 requests in flight go), after 16 to warm up.
 */
export async function pacedCpuMs(pids: number[], rate: number, seconds: number, bytes: number, send: (body: string) => Promise<void>): Promise<number> {
  const body = JSON.stringify({ padding: 'x'.repeat(Math.max(0, bytes - 16)) });
  const cpu = () => pids.reduce((sum, pid) => sum + processCpuS(pid), 0);
  // Warm: connections open, code compiled.
  await Promise.all(Array.from({ length: 16 }, () => send(body)));
  const cpu0 = cpu();
  const t0 = performance.now();
  let sent = 0;
  if (rate > 0) {
    const inFlight: Array<Promise<void>> = [];
    for (; sent < rate * seconds; sent++) {
      const wait = t0 + (sent * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(send(body));
    }
    await Promise.all(inFlight);
  } else {
    const end = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < end) {
          await send(body);
          sent++;
        }
      }),
    );
  }
  return ((cpu() - cpu0) * 1000) / sent;
}
