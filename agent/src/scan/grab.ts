import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { sanitizeBanner, type Observation } from '@weian/shared';

/**
 * What a scanner learns from one open port, with nothing sent that changes anything: the banner a
 * server sends first, an SSH server's host key (from the key exchange, which is then dropped before
 * any authentication), a TLS certificate, an HTTP title. Every read is bounded in bytes and time.
 */

const READ_BYTES = 16 * 1024;

interface Conversation {
  sock: Socket;
  /** Everything received so far (at most READ_BYTES). */
  received(): Buffer;
  /** Resolves when `enough(received)` holds, or with what there is after `ms`. */
  until(enough: (b: Buffer) => boolean, ms: number): Promise<Buffer>;
  close(): void;
}

function open(host: string, port: number, timeoutMs: number): Promise<Conversation | null> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    let waiter: (() => void) | null = null;
    const timer = setTimeout(() => (sock.destroy(), resolve(null)), timeoutMs);
    sock.on('data', (c: Buffer) => {
      if (buf.length < READ_BYTES) buf = Buffer.concat([buf, c]).subarray(0, READ_BYTES);
      waiter?.();
    });
    sock.on('error', () => (clearTimeout(timer), resolve(null), waiter?.()));
    sock.on('close', () => waiter?.());
    sock.on('connect', () => {
      clearTimeout(timer);
      resolve({
        sock,
        received: () => buf,
        until: (enough, ms) =>
          new Promise((done) => {
            const finish = () => (clearTimeout(t), (waiter = null), done(buf));
            const t = setTimeout(finish, ms);
            waiter = () => (enough(buf) || sock.destroyed || buf.length >= READ_BYTES) && finish();
            waiter();
          }),
        close: () => sock.destroy(),
      });
    });
  });
}

// ---- SSH: the host key from the first key exchange message ------------------------------------
const sshString = (b: Buffer | string) => {
  const v = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(v.length);
  return Buffer.concat([len, v]);
};
function sshPacket(payload: Buffer): Buffer {
  let pad = 8 - ((payload.length + 5) % 8);
  if (pad < 4) pad += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + pad + 1);
  head[4] = pad;
  return Buffer.concat([head, payload, randomBytes(pad)]);
}
/** Unencrypted binary packets after the identification line: their payloads. */
function sshPayloads(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 5 <= b.length) {
    const len = b.readUInt32BE(i);
    if (len > 35_000 || i + 4 + len > b.length) break;
    const pad = b[i + 4]!;
    out.push(b.subarray(i + 5, i + 4 + len - pad));
    i += 4 + len;
  }
  return out;
}
const KEX = ['curve25519-sha256', 'curve25519-sha256@libssh.org'].join(',');
const HOST_KEYS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].join(',');
const CIPHERS = 'aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com';
const MACS = 'hmac-sha2-256,hmac-sha2-512,hmac-sha1';

/** "SHA256:<base64, no padding>" of a key blob: what ssh-keygen -l prints. */
export const sshFingerprint = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

async function sshHostKey(c: Conversation, identEnd: number): Promise<string | null> {
  const kexinit = Buffer.concat([
    Buffer.from([20]),
    randomBytes(16),
    sshString(KEX),
    sshString(HOST_KEYS),
    sshString(CIPHERS),
    sshString(CIPHERS),
    sshString(MACS),
    sshString(MACS),
    sshString('none'),
    sshString('none'),
    sshString(''),
    sshString(''),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
  const pub = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  c.sock.write(Buffer.concat([Buffer.from('SSH-2.0-WeiAn_scan\r\n'), sshPacket(kexinit), sshPacket(Buffer.concat([Buffer.from([30]), sshString(pub)]))]));
  const reply = (b: Buffer) => sshPayloads(b.subarray(identEnd)).find((p) => p[0] === 31);
  const b = await c.until((x) => reply(x) !== undefined, 3000);
  const p = reply(b);
  if (!p || p.length < 5) return null;
  const len = p.readUInt32BE(1);
  return len > 0 && 5 + len <= p.length ? sshFingerprint(p.subarray(5, 5 + len)) : null;
}

// ---- TLS and HTTP ------------------------------------------------------------------------------
/** The certificate's SHA-256 and, when `title`, the HTTP title served inside; null when the port does not speak TLS. */
export function tlsCertificate(host: string, port: number, servername: string | undefined, timeoutMs: number, title = true): Promise<{ sha256: string; title: string | null } | null> {
  return new Promise((resolve) => {
    const sock = tlsConnect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => (sock.destroy(), resolve(null)), timeoutMs);
    sock.on('error', () => (clearTimeout(timer), resolve(null)));
    sock.on('secureConnect', async () => {
      const der = sock.getPeerCertificate()?.raw;
      const sha256 = der ? createHash('sha256').update(der).digest('hex') : null;
      if (!sha256 || !title) return (clearTimeout(timer), sock.destroy(), resolve(sha256 ? { sha256, title: null } : null));
      let got = Buffer.alloc(0);
      sock.on('data', (c: Buffer) => (got = Buffer.concat([got, c]).subarray(0, READ_BYTES)));
      sock.write(httpRequest(servername ?? host));
      await new Promise((r) => setTimeout(r, Math.min(1500, timeoutMs)));
      clearTimeout(timer);
      sock.destroy();
      resolve({ sha256, title: httpTitle(got) });
    });
  });
}
const httpRequest = (host: string) => `GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: WeiAn-scan\r\nConnection: close\r\n\r\n`;
/** The <title> of an HTTP answer, else its status line; null when it is not HTTP. */
export function httpTitle(b: Buffer): string | null {
  const text = b.toString('utf8');
  if (!/^HTTP\/\d/.test(text)) return null;
  const t = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text);
  return sanitizeBanner(t ? t[1]! : text.split('\r\n')[0]!);
}

/** Grabs what one open port tells. `servername`: the registered domain, for TLS SNI and the HTTP Host. */
export async function grab(host: string, port: number, opts: { timeoutMs: number; servername?: string }): Promise<Observation | null> {
  const c = await open(host, port, opts.timeoutMs);
  if (!c) return null;
  const o: Observation = { address: host, port, banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false };
  try {
    // Server-first protocols speak within a second (SSH, FTP, SMTP, MySQL's greeting…).
    const first = await c.until((b) => b.includes('\n'), 1000);
    if (first.length) {
      const nl = first.indexOf('\n');
      o.banner = sanitizeBanner(nl >= 0 ? first.subarray(0, nl) : first);
      if (first.subarray(0, 4).toString() === 'SSH-' && nl >= 0) o.sshHostKey = await sshHostKey(c, nl + 1);
      return o;
    }
  } finally {
    c.close();
  }
  // Client-first: TLS (certificate, then HTTP inside), else plain HTTP.
  const tls = await tlsCertificate(host, port, opts.servername, opts.timeoutMs);
  if (tls) return { ...o, tlsSha256: tls.sha256, httpTitle: tls.title };
  const h = await open(host, port, opts.timeoutMs);
  if (!h) return o;
  try {
    h.sock.write(httpRequest(opts.servername ?? host));
    const title = httpTitle(await h.until((b) => /<\/title>/i.test(b.toString('latin1')), 1500));
    return { ...o, httpTitle: title, plainHttp: title !== null };
  } finally {
    h.close();
  }
}
