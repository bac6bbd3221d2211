import { connect, type Socket } from 'node:net';
import type { NoAuthService } from '@weian/shared';

/**
 * Harmless handshakes that tell whether a local service answers without credentials. Each sends
 * what a client sends first and reads the answer: nothing is written, no data is read beyond the
 * server's own status (Redis PING, memcached stats, Elasticsearch's banner, MongoDB's database
 * names, a MySQL login as root with an empty password that quits at once). Bounded in time and bytes.
 */
export interface ProbeVerdict {
  noAuth: boolean | null;
  check: string;
  reason: string | null;
}

const TIMEOUT_MS = 3000;
const MAX_BYTES = 64 * 1024;

/** A conversation with one TCP server: `step` sees everything received so far and says when it has enough. */
export function converse(
  host: string,
  port: number,
  first: Buffer | null,
  step: (received: Buffer, send: (b: Buffer) => void) => ProbeVerdict | null,
  timeoutMs = TIMEOUT_MS,
): Promise<ProbeVerdict | 'refused'> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let done = false;
    const sock: Socket = connect({ host, port });
    const finish = (v: ProbeVerdict | 'refused') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish({ noAuth: null, check: 'handshake', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.on('connect', () => first && sock.write(first));
    sock.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]).subarray(0, MAX_BYTES);
      const v = step(received, (b) => sock.write(b));
      if (v) finish(v);
      else if (received.length >= MAX_BYTES) finish({ noAuth: null, check: 'handshake', reason: 'answer over 64 KiB without a verdict' });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : { noAuth: null, check: 'handshake', reason: e.message }));
    sock.on('close', () => finish({ noAuth: null, check: 'handshake', reason: 'the server closed the connection without a verdict' }));
  });
}

const line = (b: Buffer) => {
  const i = b.indexOf('\r\n');
  return i < 0 ? null : b.subarray(0, i).toString('latin1');
};

function redis(host: string, port: number) {
  return converse(host, port, Buffer.from('PING\r\n'), (b) => {
    const l = line(b);
    if (l === null) return null;
    const check = 'PING without AUTH';
    if (l === '+PONG') return { noAuth: true, check, reason: null };
    if (/^-(NOAUTH|WRONGPASS|NOPERM)|AUTH/i.test(l)) return { noAuth: false, check, reason: null };
    return { noAuth: null, check, reason: `unexpected answer: ${l.slice(0, 80)}` };
  });
}

function memcached(host: string, port: number) {
  return converse(host, port, Buffer.from('stats\r\n'), (b) => {
    const l = line(b);
    if (l === null) return null;
    const check = 'stats without SASL';
    if (l.startsWith('STAT ')) return { noAuth: true, check, reason: null };
    if (/^(CLIENT_)?ERROR|^SERVER_ERROR/.test(l)) return { noAuth: false, check, reason: null };
    return { noAuth: null, check, reason: `unexpected answer: ${l.slice(0, 80)}` };
  });
}

function elasticsearch(host: string, port: number) {
  const req = `GET / HTTP/1.1\r\nHost: ${host.includes(':') ? `[${host}]` : host}:${port}\r\nConnection: close\r\nUser-Agent: weian-agent\r\n\r\n`;
  return converse(host, port, Buffer.from(req), (b) => {
    const l = line(b);
    if (l === null) return null;
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(l);
    const check = 'HTTP GET / without credentials';
    if (!m) return { noAuth: null, check, reason: 'not an HTTP answer' };
    const code = Number(m[1]);
    if (code === 200) return { noAuth: true, check, reason: null };
    if (code === 401 || code === 403) return { noAuth: false, check, reason: null };
    return { noAuth: null, check, reason: `HTTP ${code}` };
  });
}

// ---- MongoDB: OP_MSG {listDatabases: 1, nameOnly: true, $db: "admin"} ---------------------------
function bsonDoc(fields: Array<[string, number | string]>): Buffer {
  const parts = fields.map(([k, v]) => {
    const key = Buffer.from(`${k}\0`);
    if (typeof v === 'number') {
      const n = Buffer.alloc(4);
      n.writeInt32LE(v);
      return Buffer.concat([Buffer.from([0x10]), key, n]);
    }
    const s = Buffer.from(`${v}\0`);
    const len = Buffer.alloc(4);
    len.writeInt32LE(s.length);
    return Buffer.concat([Buffer.from([0x02]), key, len, s]);
  });
  const body = Buffer.concat([...parts, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 4);
  return Buffer.concat([size, body]);
}
/** The `ok` field of a reply's body document (double or int), when it is there. */
export function bsonOk(doc: Buffer): number | null {
  let i = 4;
  while (i < doc.length - 1) {
    const type = doc[i]!;
    const end = doc.indexOf(0, i + 1);
    if (end < 0) return null;
    const name = doc.subarray(i + 1, end).toString('latin1');
    i = end + 1;
    const size =
      type === 0x01 || type === 0x12 || type === 0x09 || type === 0x11
        ? 8
        : type === 0x10
          ? 4
          : type === 0x08
            ? 1
            : type === 0x02
              ? 4 + doc.readInt32LE(i)
              : type === 0x03 || type === 0x04
                ? doc.readInt32LE(i)
                : -1;
    if (name === 'ok') return type === 0x01 ? doc.readDoubleLE(i) : type === 0x10 ? doc.readInt32LE(i) : type === 0x12 ? Number(doc.readBigInt64LE(i)) : null;
    if (size < 0) return null;
    i += size;
  }
  return null;
}
export function mongoRequest(): Buffer {
  const doc = bsonDoc([
    ['listDatabases', 1],
    ['nameOnly', 1],
    ['$db', 'admin'],
  ]);
  const header = Buffer.alloc(16);
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), doc]); // flagBits 0, section kind 0
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(1, 4); // requestID
  header.writeInt32LE(2013, 12); // OP_MSG
  return Buffer.concat([header, body]);
}
function mongodb(host: string, port: number) {
  return converse(host, port, mongoRequest(), (b) => {
    if (b.length < 4 || b.length < b.readInt32LE(0)) return null;
    const check = 'listDatabases without credentials';
    if (b.readInt32LE(12) !== 2013) return { noAuth: null, check, reason: 'not an OP_MSG answer (MongoDB before 3.6?)' };
    const ok = bsonOk(b.subarray(21));
    if (ok === 1) return { noAuth: true, check, reason: null };
    if (ok === 0) return { noAuth: false, check, reason: null };
    return { noAuth: null, check, reason: 'the answer had no ok field' };
  });
}

// ---- MySQL / MariaDB: log in as root with an empty password, then COM_QUIT ----------------------
const packet = (seq: number, payload: Buffer) => {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
};
/** Complete packets received so far. */
function packets(b: Buffer): Array<{ seq: number; payload: Buffer }> {
  const out = [];
  let i = 0;
  while (i + 4 <= b.length) {
    const len = b.readUIntLE(i, 3);
    if (i + 4 + len > b.length) break;
    out.push({ seq: b[i + 3]!, payload: b.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out;
}
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
export function mysqlLogin(user: string, plugin: string): Buffer {
  const caps = Buffer.alloc(4);
  caps.writeUInt32LE(CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH);
  const maxPacket = Buffer.alloc(4);
  maxPacket.writeUInt32LE(16 * 1024 * 1024);
  // Empty auth response: what every plugin accepts as "no password".
  return packet(1, Buffer.concat([caps, maxPacket, Buffer.from([33]), Buffer.alloc(23), Buffer.from(`${user}\0`), Buffer.from([0]), Buffer.from(`${plugin}\0`)]));
}
function mysql(host: string, port: number) {
  const check = 'root login with an empty password';
  let sent = 0;
  return converse(host, port, null, (b, send) => {
    const ps = packets(b);
    const last = ps[ps.length - 1];
    if (!last || ps.length <= sent) return null;
    const p = last.payload;
    if (sent === 0) {
      if (p[0] === 0xff) return { noAuth: null, check, reason: `the server refused the connection: ${p.subarray(9).toString('utf8').slice(0, 120)}` };
      if (p[0] !== 10) return { noAuth: null, check, reason: 'not a MySQL handshake' };
      const end = p.indexOf(0, 1);
      const pluginAt = p.lastIndexOf(0, p.length - 2);
      const plugin = pluginAt > end ? p.subarray(pluginAt + 1, p.length - 1).toString('latin1') : 'mysql_native_password';
      sent = ps.length;
      send(mysqlLogin('root', plugin || 'mysql_native_password'));
      return null;
    }
    sent = ps.length;
    if (p[0] === 0x00) {
      send(packet(0, Buffer.from([0x01]))); // COM_QUIT
      return { noAuth: true, check, reason: null };
    }
    if (p[0] === 0xff) return { noAuth: false, check, reason: null };
    // Auth switch (0xfe) or more data (0x01): answer with the empty password again, in the next sequence.
    if (p[0] === 0xfe || p[0] === 0x01) {
      if (p[0] === 0x01 && p[1] === 0x03) return null; // caching_sha2 fast-auth success: the OK follows
      send(packet(last.seq + 1, Buffer.alloc(0)));
      return null;
    }
    return { noAuth: null, check, reason: `unexpected packet 0x${p[0]!.toString(16)}` };
  });
}

export const PROBES: Readonly<Record<Exclude<NoAuthService, 'postgresql'>, (host: string, port: number) => Promise<ProbeVerdict | 'refused'>>> = {
  redis,
  memcached,
  elasticsearch,
  mongodb,
  mysql,
};
