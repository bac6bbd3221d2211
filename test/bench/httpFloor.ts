import { Agent, request } from 'node:http';
import { freePort } from '../helpers/server.js';
import { processCpuS, startNode } from './procs.js';

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
  const port = await freePort();
  const server = await startNode(['-e', SERVER], { PORT: String(port) }, 'listening');
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const body = JSON.stringify({ padding: 'x'.repeat(Math.max(0, bytes - 16)) });
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    // Warm: connections open, code compiled.
    await Promise.all(Array.from({ length: 16 }, () => send()));
    const cpu0 = processCpuS(server.pid);
    const t0 = performance.now();
    let sent = 0;
    const inFlight: Array<Promise<void>> = [];
    if (rate > 0) {
      for (; sent < rate * seconds; sent++) {
        const wait = t0 + (sent * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(send());
      }
      await Promise.all(inFlight);
    } else {
      const end = t0 + seconds * 1000;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (performance.now() < end) {
            await send();
            sent++;
          }
        }),
      );
    }
    return ((processCpuS(server.pid) - cpu0) * 1000) / sent;
  } finally {
    agent.destroy();
    await server.stop();
  }
}
