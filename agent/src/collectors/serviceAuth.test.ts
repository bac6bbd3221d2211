import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveRunner } from '../runner.js';
import { parseSs } from './ports.js';
import { checkServiceAuth, probeTargets, remoteTrust } from './serviceAuth.js';
import { PROBES } from './serviceProbes.js';

// Real servers where this machine has them (Redis without a password on 6379, MariaDB root with an
// empty password on 3306, and a Redis of our own with one); tiny local servers speaking the first
// exchange of the protocol for the others. Loopback only.

const servers: Server[] = [];
/** A TCP server on loopback answering each client with `answer(received)` once it returns something. */
async function tiny(answer: (received: Buffer, sock: Socket) => Buffer | string | null, greet?: Buffer): Promise<number> {
  const srv = createServer((sock) => {
    let got = Buffer.alloc(0);
    if (greet) sock.write(greet);
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const a = answer(got, sock);
      if (a !== null) sock.write(a);
    });
    sock.on('error', () => {});
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

let ownRedis: ChildProcess;
let ownRedisPort: number;
beforeAll(async () => {
  ownRedisPort = await tiny(() => null).then((p) => (servers.pop()!.close(), p));
  ownRedis = spawn('redis-server', ['--port', String(ownRedisPort), '--bind', '127.0.0.1', '--requirepass', 'not-empty-7Q', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if ((await PROBES.redis('127.0.0.1', ownRedisPort)) !== 'refused') break;
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(() => {
  ownRedis?.kill();
  for (const s of servers) s.close();
});

describe('harmless handshakes', () => {
  it('Redis: the machine own Redis answers PING without AUTH; one with requirepass does not', async () => {
    expect(await PROBES.redis('127.0.0.1', 6379)).toEqual({ noAuth: true, check: 'PING without AUTH', reason: null });
    expect(await PROBES.redis('127.0.0.1', ownRedisPort)).toMatchObject({ noAuth: false });
  });

  it('MySQL/MariaDB: root logs in with an empty password on this machine; a server that refuses it is not flagged', async () => {
    expect(await PROBES.mysql('127.0.0.1', 3306)).toMatchObject({ noAuth: true, check: 'root login with an empty password' });
    // A 5.7-style greeting, then "Access denied" to the login.
    const greeting = Buffer.concat([
      Buffer.from([10]),
      Buffer.from('5.7.44\0'),
      Buffer.alloc(4),
      Buffer.from('abcdefgh\0'),
      Buffer.from([0xff, 0xf7, 33, 2, 0, 0xff, 0x81, 21]),
      Buffer.alloc(10),
      Buffer.from('ijklmnopqrst\0mysql_native_password\0'),
    ]);
    const pkt = (seq: number, p: Buffer) => Buffer.concat([Buffer.from([p.length & 0xff, (p.length >> 8) & 0xff, 0, seq]), p]);
    const port = await tiny((got) => (got.length > 4 ? pkt(2, Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied')])) : null), pkt(0, greeting));
    expect(await PROBES.mysql('127.0.0.1', port)).toMatchObject({ noAuth: false });
  });

  it('memcached: stats answered is open; an error is not', async () => {
    const open = await tiny((got) => (got.toString().endsWith('\r\n') ? 'STAT pid 42\r\nSTAT uptime 5\r\nEND\r\n' : null));
    const sasl = await tiny((got) => (got.toString().endsWith('\r\n') ? 'CLIENT_ERROR unauthenticated\r\n' : null));
    expect(await PROBES.memcached('127.0.0.1', open)).toMatchObject({ noAuth: true });
    expect(await PROBES.memcached('127.0.0.1', sasl)).toMatchObject({ noAuth: false });
  });

  it('Elasticsearch: 200 on GET / is open; 401 is not', async () => {
    const http = (status: number) => {
      const srv = createHttpServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"tagline":"You Know, for Search"}'));
      servers.push(srv as unknown as Server);
      return new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as AddressInfo).port)));
    };
    expect(await PROBES.elasticsearch('127.0.0.1', await http(200))).toMatchObject({ noAuth: true });
    expect(await PROBES.elasticsearch('127.0.0.1', await http(401))).toMatchObject({ noAuth: false });
  });

  it('MongoDB: listDatabases answered ok:1 is open; ok:0 (Unauthorized) is not', async () => {
    const reply = (ok: number) => {
      // {ok: <double>} in an OP_MSG reply
      const doc = Buffer.concat([Buffer.alloc(4), Buffer.from([0x01]), Buffer.from('ok\0'), Buffer.alloc(8), Buffer.from([0])]);
      doc.writeInt32LE(doc.length, 0);
      doc.writeDoubleLE(ok, 8);
      const body = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), doc]);
      const header = Buffer.alloc(16);
      header.writeInt32LE(16 + body.length, 0);
      header.writeInt32LE(2013, 12);
      return Buffer.concat([header, body]);
    };
    const whenWhole = (ok: number) => (got: Buffer) => (got.length >= 4 && got.length >= got.readInt32LE(0) ? reply(ok) : null);
    expect(await PROBES.mongodb('127.0.0.1', await tiny(whenWhole(1)))).toMatchObject({ noAuth: true });
    expect(await PROBES.mongodb('127.0.0.1', await tiny(whenWhole(0)))).toMatchObject({ noAuth: false });
  });

  it('a server that says nothing, or sends 1 MB of noise, gives unknown, bounded', async () => {
    const silent = await tiny(() => null);
    expect(await PROBES.memcached('127.0.0.1', silent)).toMatchObject({ noAuth: null });
    const noisy = await tiny(() => 'x'.repeat(1024 * 1024));
    expect(await PROBES.redis('127.0.0.1', noisy)).toMatchObject({ noAuth: null });
  }, 20_000);
});

describe('which services, and PostgreSQL trust', () => {
  it('probes the listeners that are these services, by process or port, a wildcard on loopback', () => {
    const ss = [
      'tcp LISTEN 0 511 0.0.0.0:6380 0.0.0.0:* users:(("redis-server",pid=10,fd=6))',
      'tcp LISTEN 0 80 127.0.0.1:3306 0.0.0.0:* users:(("mariadbd",pid=11,fd=20))',
      'tcp LISTEN 0 128 10.1.2.3:11211 0.0.0.0:*',
      'tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))',
      'udp UNCONN 0 0 0.0.0.0:11211 0.0.0.0:*',
    ].join('\n');
    expect(probeTargets(parseSs(ss).sockets)).toEqual([
      { service: 'redis', host: '127.0.0.1', port: 6380 },
      { service: 'mysql', host: '127.0.0.1', port: 3306 },
      { service: 'memcached', host: '10.1.2.3', port: 11211 },
    ]);
  });

  it('pg_hba.conf: trust for a remote address is flagged; local, loopback and md5 lines are not', () => {
    const base = 'local all postgres peer\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nhost all all 10.0.0.0/8 scram-sha-256\n';
    expect(remoteTrust(base)).toEqual({ trust: false, addresses: [] });
    expect(remoteTrust(`${base}host all all 0.0.0.0/0 trust\nhostssl his all 192.168.1.0 255.255.255.0 trust # ward\n`)).toEqual({ trust: true, addresses: ['0.0.0.0/0', '192.168.1.0'] });
  });

  it("from this machine's listening sockets (ss): its Redis and MariaDB are found and flagged", async () => {
    const r = await checkServiceAuth(liveRunner('linux'), { pgHbaPaths: [] });
    expect(r.notChecked).toEqual([]);
    const found = r.services.filter((s) => s.port === 6379 || s.port === 3306).sort((a, b) => a.port - b.port);
    expect(found.map((s) => [s.service, s.port, s.noAuth])).toEqual([
      ['mysql', 3306, true],
      ['redis', 6379, true],
    ]);
  });

  it('end to end on this machine: the real Redis and MariaDB flagged, our own Redis not, a closed port left out, pg_hba read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weian-pg-'));
    await writeFile(join(dir, 'pg_hba.conf'), 'host all all 0.0.0.0/0 trust\n');
    const closed = await tiny(() => null).then((p) => (servers.pop()!.close(), p));
    const r = await checkServiceAuth(liveRunner('linux'), {
      targets: [
        { service: 'redis', host: '127.0.0.1', port: 6379 },
        { service: 'redis', host: '127.0.0.1', port: ownRedisPort },
        { service: 'mysql', host: '127.0.0.1', port: 3306 },
        { service: 'mongodb', host: '127.0.0.1', port: closed },
      ],
      pgHbaPaths: [join(dir, 'pg_hba.conf')],
    });
    expect(r.services.map((s) => [s.service, s.port, s.noAuth])).toEqual([
      ['redis', 6379, true],
      ['redis', ownRedisPort, false],
      ['mysql', 3306, true],
      ['postgresql', 5432, true],
    ]);
  });
});
