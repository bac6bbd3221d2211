import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { extRulesFor, hostBehind, type HostIdentities } from '@weian/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveRunner } from '../runner.js';
import { hostIdentities, publicKeyFingerprint } from '../collectors/identities.js';
import { scan, TargetRefused } from './scanner.js';

// Only addresses of this machine's loopback (127.0.0.2 …, which Linux routes to lo without any
// setup), with services the test starts there: a real OpenSSH sshd with its own host key, a TLS
// web server with its own certificate, a plain-HTTP login page, and a server sending 1 MB of noise.

const dir = mkdtempSync(join(tmpdir(), 'weian-scan-'));
const servers: Server[] = [];
let sshd: ChildProcess;
const ports = { ssh: 0, tls: 0, http: 0, noise: 0, closed: 0, rdp: 0, rdpPlain: 0 };

const listen = (srv: Server, host: string) => new Promise<number>((r) => srv.listen(0, host, () => r((srv.address() as AddressInfo).port)));
const freePort = async (host: string) => {
  const s = createServer();
  const p = await listen(s, host);
  await new Promise((r) => s.close(r));
  return p;
};

beforeAll(async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ssh_host_ed25519_key')]);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=his.example.cn', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')],
    { stdio: 'ignore' },
  );
  // sshd's privilege-separation directory, as its own package's service creates it.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  ports.ssh = await freePort('127.0.0.2');
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', '/dev/null', '-p', String(ports.ssh), '-o', 'ListenAddress=127.0.0.2', '-o', 'PidFile=none', '-h', join(dir, 'ssh_host_ed25519_key')], {
    stdio: 'ignore',
  });

  const tls = createTlsServer({ key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt')) }, (s) => {
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>HIS 系统登录</title></html>'));
    s.on('error', () => {});
  });
  servers.push(tls);
  ports.tls = await listen(tls, '127.0.0.3');
  const http = createHttpServer((_q, r) => r.end('<html><head><title>PACS\u001b[2J 登录\r\n</title></head></html>'));
  servers.push(http as unknown as Server);
  ports.http = await listen(http as unknown as Server, '127.0.0.3');
  const noise = createServer((s) => {
    s.on('error', () => {});
    s.end(Buffer.concat([Buffer.from('220 \u0007\u001b]0;pwned\u0007'), Buffer.alloc(1024 * 1024, 'x')]));
  });
  servers.push(noise);
  ports.noise = await listen(noise, '127.0.0.2');
  ports.closed = await freePort('127.0.0.2');
  // Tiny fake RDP servers (moved off 3389, as a port mapping would): one answers the X.224 request selecting
  // TLS and then speaks TLS with its certificate, one selects standard RDP security (no TLS to read).
  const fakeRdp = (selected: number) =>
    createServer((s) => {
      s.on('error', () => {});
      s.once('data', (req: Buffer) => {
        // Only a TPKT + X.224 Connection Request with an RDP_NEG_REQ is answered.
        if (req[0] !== 0x03 || req[5] !== 0xe0 || req[11] !== 0x01) return s.destroy();
        const rsp = Buffer.from([0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08, 0x00, 0, 0, 0, 0]);
        rsp.writeUInt32LE(selected, 15);
        s.write(rsp);
        if (selected) new TLSSocket(s, { isServer: true, key: readFileSync(join(dir, 'rdp.key')), cert: readFileSync(join(dir, 'rdp.crt')) }).on('error', () => {});
      });
    });
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=his-rdp', '-keyout', join(dir, 'rdp.key'), '-out', join(dir, 'rdp.crt')],
    { stdio: 'ignore' },
  );
  const rdp = fakeRdp(1);
  const rdpPlain = fakeRdp(0);
  servers.push(rdp, rdpPlain);
  ports.rdp = await listen(rdp, '127.0.0.3');
  ports.rdpPlain = await listen(rdpPlain, '127.0.0.3');
  for (let i = 0; i < 50 && !(await canConnect('127.0.0.2', ports.ssh)); i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(() => {
  sshd?.kill();
  for (const s of servers) s.close();
});
const canConnect = (host: string, port: number) =>
  new Promise<boolean>((r) => {
    const c = connect({ host, port });
    c.once('connect', () => (c.destroy(), r(true)));
    c.once('error', () => r(false));
  });

const allowed = new Set(['127.0.0.2', '127.0.0.3']);
const limits = { ratePerSecond: 100, concurrency: 4, timeoutMs: 3000 };

describe('the scanner on loopback addresses the test made', () => {
  it('grabs the SSH host key, the TLS certificate, HTTP titles and a banner, each bounded and clean', async () => {
    const r = await scan([{ address: '127.0.0.2' }, { address: '127.0.0.3', servername: 'his.example.cn' }], [ports.ssh, ports.tls, ports.http, ports.noise, ports.closed], allowed, limits);
    const at = (address: string, port: number) => r.observations.find((o) => o.address === address && o.port === port);
    expect(r.attempts).toBe(10);
    // The closed port and the ports nobody listens on at that address: no observation.
    expect(r.observations.length).toBe(4);
    const ssh = at('127.0.0.2', ports.ssh)!;
    expect(ssh.banner).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(ssh.sshHostKey).toBe(
      execFileSync('ssh-keygen', ['-lf', join(dir, 'ssh_host_ed25519_key.pub')])
        .toString()
        .split(' ')[1],
    );
    const tls = at('127.0.0.3', ports.tls)!;
    expect(tls.tlsSha256).toBe(new X509Certificate(readFileSync(join(dir, 'tls.crt'))).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(tls.httpTitle).toBe('HIS 系统登录');
    expect(tls.plainHttp).toBe(false);
    const http = at('127.0.0.3', ports.http)!;
    expect(http).toMatchObject({ plainHttp: true, httpTitle: 'PACS 登录' });
    expect(extRulesFor(http)).toContain('EXT-PLAINTEXT');
    const noise = at('127.0.0.2', ports.noise)!;
    expect(noise.banner!.length).toBeLessThanOrEqual(256);
    expect(noise.banner).not.toMatch(/[\u0000-\u001f]/);
  }, 30_000);

  it('reads the certificate of an RDP server that offers TLS (X.224 negotiation), and names RDP without TLS too, on any port', async () => {
    const r = await scan([{ address: '127.0.0.3' }], [ports.rdp, ports.rdpPlain], allowed, limits);
    const at = (p: number) => r.observations.find((o) => o.port === p)!;
    const [tlsRdp, plainRdp] = [at(ports.rdp), at(ports.rdpPlain)];
    expect(tlsRdp).toMatchObject({ banner: 'RDP', tlsSha256: new X509Certificate(readFileSync(join(dir, 'rdp.crt'))).fingerprint256.replace(/:/g, '').toLowerCase(), plainHttp: false });
    expect(plainRdp).toMatchObject({ banner: 'RDP', tlsSha256: null });
    // Moved off 3389, it is still remote management.
    expect(extRulesFor(tlsRdp)).toEqual(['EXT-REMOTE-ADMIN']);
  });

  it('refuses any target outside its list, before connecting to anything', async () => {
    await expect(scan([{ address: '127.0.0.2' }, { address: '127.0.0.4' }], [ports.ssh], allowed, limits)).rejects.toThrow(TargetRefused);
  });

  it('keeps to its rate: attempts start no faster than the bound, whatever the concurrency', async () => {
    const many = Array.from({ length: 12 }, () => ports.closed);
    const r = await scan([{ address: '127.0.0.2' }], many, allowed, { ratePerSecond: 20, concurrency: 12, timeoutMs: 1000 });
    expect(r.attempts).toBe(12);
    // 12 attempts at 20/s: the last starts at least 11 × 50 ms after the first.
    expect(r.lastAttemptAt - r.startedAt).toBeGreaterThanOrEqual(11 * 50 - 5);
  });

  it('stops when the scan window closes: no attempt starts after it, and the round says so', async () => {
    const many = Array.from({ length: 12 }, () => ports.closed);
    // A clock of its own: at 10/s the 6th attempt is due 500 ms in; with the window closing 450 ms in, five start.
    let clock = 0;
    const deps = { now: () => clock, sleep: async (ms: number) => void (clock += ms), grab: async () => null };
    const r = await scan([{ address: '127.0.0.2' }], many, allowed, { ratePerSecond: 10, concurrency: 4, timeoutMs: 1000 }, deps, 450);
    expect(r).toMatchObject({ attempts: 5, stopped: true });
  });

  it("ties the port to the host behind it: the scanner's SSH host key is the one that host's agent reports", async () => {
    const r = await scan([{ address: '127.0.0.2' }], [ports.ssh], allowed, limits);
    // The agent side: the fingerprints it reports for its own host keys.
    const pub = readFileSync(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8');
    const his: HostIdentities & { hostId: string } = { hostId: 'h-his', sshHostKeys: [publicKeyFingerprint(pub)!], tls: [] };
    const other = { hostId: 'h-other', sshHostKeys: ['SHA256:' + 'A'.repeat(43)], tlsSha256: [] };
    expect(hostBehind(r.observations[0]!, [other, { hostId: his.hostId, sshHostKeys: his.sshHostKeys, tlsSha256: [] }])).toEqual({ hostId: 'h-his', by: 'ssh-host-key' });
  });

  it("the agent's own identities: this machine's host keys as ssh-keygen prints them", async () => {
    const ids = await hostIdentities(liveRunner('linux'), []);
    const expected = ['ed25519', 'ecdsa', 'rsa']
      .map((t) => `/etc/ssh/ssh_host_${t}_key.pub`)
      .filter(existsSync)
      .map((f) => execFileSync('ssh-keygen', ['-lf', f]).toString().split(' ')[1]);
    expect(expected.length, 'this machine has SSH host keys (openssh-server)').toBeGreaterThan(0);
    expect((ids?.sshHostKeys ?? []).sort()).toEqual(expected.sort());
  });
});
