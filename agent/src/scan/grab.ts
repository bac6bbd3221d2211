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

// ---- RDP: X.224 negotiation, then the certificate of the TLS the server offers ----------------------
/** TPKT + X.224 Connection Request + RDP_NEG_REQ asking for TLS or CredSSP (MS-RDPBCGR 2.2.1.1): no credentials are ever sent. */
const RDP_CONNECTION_REQUEST = Buffer.from([0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);

/**
 * An RDP server's certificate: the SHA-256 of the one its TLS presents once the X.224 negotiation
 * selected TLS or CredSSP (the handshake is then dropped, before any authentication); `tls: false`
 * when the server answered RDP but offered no TLS (standard RDP security); null when it is not RDP.
 */
export function rdpCertificate(host: string, port: number, timeoutMs: number): Promise<{ sha256: string | null } | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: { sha256: string | null } | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const sock = connect({ host, port });
    const timer = setTimeout(() => finish(null), timeoutMs);
    let got = Buffer.alloc(0);
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
    sock.on('connect', () => sock.write(RDP_CONNECTION_REQUEST));
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]).subarray(0, 64);
      if (got.length < 11) return;
      // TPKT version 3, then an X.224 Connection Confirm (0xD0).
      if (got[0] !== 0x03 || (got[5]! & 0xf0) !== 0xd0) return finish(null);
      const length = got.readUInt16BE(2);
      if (got.length < Math.min(length, 19)) return;
      sock.off('data', onData);
      // RDP_NEG_RSP (type 2) with the selected protocol: 1 TLS, 2 CredSSP (over TLS), 8 RDSTLS; 0 is standard RDP security.
      const selected = length >= 19 && got[11] === 0x02 ? got.readUInt32LE(15) : 0;
      if (!(selected & 0x0b)) return finish({ sha256: null });
      const tls = tlsConnect({ socket: sock, rejectUnauthorized: false });
      tls.on('error', () => finish({ sha256: null }));
      tls.on('secureConnect', () => {
        const der = tls.getPeerCertificate()?.raw;
        tls.destroy();
        finish({ sha256: der ? createHash('sha256').update(der).digest('hex') : null });
      });
    };
    sock.on('data', onData);
  });
}
const RDP_PORT = 3389;

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
  // Client-first: RDP on its port (certificate where TLS is offered), TLS (certificate, then HTTP inside), plain HTTP, then RDP on another port.
  const rdp = port === RDP_PORT ? await rdpCertificate(host, port, opts.timeoutMs) : null;
  if (rdp) return { ...o, banner: 'RDP', tlsSha256: rdp.sha256 };
  const tls = await tlsCertificate(host, port, opts.servername, opts.timeoutMs);
  if (tls) return { ...o, tlsSha256: tls.sha256, httpTitle: tls.title };
  const h = await open(host, port, opts.timeoutMs);
  if (!h) return o;
  try {
    h.sock.write(httpRequest(opts.servername ?? host));
    const title = httpTitle(await h.until((b) => /<\/title>/i.test(b.toString('latin1')), 1500));
    if (title !== null || port === RDP_PORT) return { ...o, httpTitle: title, plainHttp: title !== null };
  } finally {
    h.close();
  }
  // A port mapping moves RDP anywhere: a silent port that negotiates RDP is one.
  const moved = await rdpCertificate(host, port, opts.timeoutMs);
  return moved ? { ...o, banner: 'RDP', tlsSha256: moved.sha256 } : o;
}
