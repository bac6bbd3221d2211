import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  /** Path and query, as the endpoint saw them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP endpoint on 127.0.0.1 standing in for a webhook or a robot: records every request
 * exactly as received and answers what the test tells it to (by default what the robots answer on success).
 */
export async function startReceiver(answer: (req: Received, n: number) => { status: number; body: string } = () => ({ status: 200, body: '{"errcode":0,"code":0,"errmsg":"ok"}' })) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const a = answer(r, received.length);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
