import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPorts } from '@weian/shared';
import { signedInClient } from '../helpers/auth.js';
import { institutionWithAgent } from '../helpers/agentOnce.js';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, tempDir, type ServerProcess } from '../helpers/server.js';

/**
 * The real `weian-agent scan` against public-looking addresses, and only those the test makes: a
 * network namespace joined to this one by a veth pair, holding 203.0.113.2 and 203.0.113.3 (RFC 5737
 * TEST-NET-3: never routed on the Internet). The real server, started with WEIAN_DOCUMENTATION_TARGETS=1,
 * has 203.0.113.2 registered for an institution whose real agent reported this machine's SSH host keys;
 * inside the namespace a real sshd serves with those keys (as the firewall's mapping of port 22 would show it), a TLS
 * and a plain-HTTP login page answer, and every other port of the list records the connects it gets.
 * 203.0.113.3 is not registered: its recorder must see nothing. The namespace also holds the IPv6
 * documentation address 2001:db8:1::2 (RFC 3849; sshd listens there too), registered as such, and
 * 203.0.113.4, which only the registered domain his.xihu.example.cn resolves to, through a DNS server
 * this test runs on loopback (the scanner's --resolver). Torn down always, even on failure.
 */
const NS = `weian-scan-${process.pid}`;
const VETH = `wsc${process.pid % 100000}`;
const PUBLIC = '203.0.113.2';
const UNLISTED = '203.0.113.3';
const V6 = '2001:db8:1::2';
const BY_NAME = '203.0.113.4';
const DOMAIN = 'his.xihu.example.cn';
const dir = tempDir('weian-netns-');
const COUNTY = { username: 'xihu-wjw', password: 'Xihu-County-Pass-1', role: 'county' as const, scopeCode: '330106' };
const children: ChildProcess[] = [];
let server: ServerProcess;
let dns: UdpSocket;

/** A DNS server for one name: A queries answered with `address`, others with no record, other names NXDOMAIN (RFC 1035 4.1). */
function dnsServer(name: string, address: string): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (q, from) => {
    const labels: string[] = [];
    let i = 12;
    while (q[i]) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString());
      i += q[i]! + 1;
    }
    const question = q.subarray(12, i + 5);
    const type = q.readUInt16BE(i + 1);
    const known = labels.join('.').toLowerCase() === name;
    const answer = known && type === 1 ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split('.').map(Number)]) : Buffer.alloc(0);
    const head = Buffer.alloc(12);
    q.copy(head, 0, 0, 2);
    head.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(answer.length ? 1 : 0, 6);
    socket.send(Buffer.concat([head, question, answer]), from.port, from.address);
  });
  return new Promise((r) => socket.bind(0, '127.0.0.1', () => r({ socket, port: (socket.address() as AddressInfo).port })));
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (args: string[], opts: { stdio?: 'ignore' | 'pipe' } = {}) => spawn('ip', ['netns', 'exec', NS, ...args], { stdio: ['ignore', opts.stdio ?? 'pipe', 'pipe'] });

function teardown() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // Deleting the namespace removes its end of the pair, and with it ours.
  for (const [cmd, args] of [
    ['ip', ['netns', 'delete', NS]],
    ['ip', ['link', 'delete', VETH]],
  ] as const)
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
}

// A recorder inside the namespace: accepts on every port given, writes "epoch-ms address port" per connect.
const RECORDER = `
const net = require('node:net');
const [host, ...ports] = process.argv.slice(1);
let open = 0;
for (const p of ports) net.createServer((s) => { process.stdout.write(Date.now() + ' ' + host + ' ' + p + '\\n'); s.destroy(); }).listen(Number(p), host, () => { if (++open === ports.length) process.stderr.write('ready\\n'); });
`;
// TLS on 443 (its own certificate) and a plain-HTTP login page on 80.
const WEB = `
const fs = require('node:fs'), http = require('node:http'), tls = require('node:tls');
const [host, key, cert] = process.argv.slice(1);
let n = 0; const up = () => { if (++n === 2) process.stderr.write('ready\\n'); };
tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (s) => { s.on('data', () => s.end('HTTP/1.1 200 OK\\r\\n\\r\\n<title>HIS</title>')); s.on('error', () => {}); }).listen(443, host, up);
http.createServer((q, r) => r.end('<html><title>PACS 系统登录</title></html>')).listen(80, host, up);
`;

const canConnect = (host: string, port: number) =>
  new Promise<boolean>((r) => {
    const c = connect({ host, port });
    c.once('connect', () => (c.destroy(), r(true)));
    c.once('error', () => r(false));
  });
const ready = (c: ChildProcess) =>
  new Promise<void>((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`not ready: ${err}`)), 15_000);
    c.stderr!.on('data', (d: Buffer) => ((err += d.toString()), err.includes('ready') && (clearTimeout(t), resolve())));
    c.once('exit', (code) => (clearTimeout(t), reject(new Error(`exited ${code}: ${err}`))));
  });

const recorded: Array<{ at: number; address: string; port: number }> = [];
const record = (c: ChildProcess) =>
  c.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n').filter(Boolean)) {
      const [at, address, port] = line.split(' ');
      recorded.push({ at: Number(at), address: address!, port: Number(port) });
    }
  });

beforeAll(async () => {
  teardown();
  process.once('exit', teardown);
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS]);
  // Our end and the namespace's end on a /30 of TEST-NET-2; the TEST-NET-3 addresses live inside, routed there.
  sh('ip', ['addr', 'add', '198.51.100.1/30', 'dev', VETH]);
  sh('ip', ['-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', VETH, 'nodad']);
  sh('ip', ['link', 'set', VETH, 'up']);
  for (const a of ['198.51.100.2/30', `${PUBLIC}/32`, `${UNLISTED}/32`, `${BY_NAME}/32`]) sh('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', a, 'dev', 'eth0']);
  sh('ip', ['netns', 'exec', NS, 'ip', '-6', 'addr', 'add', `${V6}/64`, 'dev', 'eth0', 'nodad']);
  sh('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'eth0', 'up']);
  sh('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  sh('ip', ['netns', 'exec', NS, 'ip', 'route', 'add', 'default', 'via', '198.51.100.1']);
  sh('ip', ['route', 'add', '203.0.113.0/29', 'via', '198.51.100.2', 'dev', VETH]);

  // The HIS server's own sshd as seen from outside through the mapping, with this machine's host keys.
  const keys = ['ed25519', 'ecdsa', 'rsa'].flatMap((k) => ['-h', `/etc/ssh/ssh_host_${k}_key`]);
  // sshd's privilege-separation directory, as its own package's service creates it.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const sshd = inNs(['/usr/sbin/sshd', '-D', '-e', '-f', '/dev/null', '-p', '22', '-o', `ListenAddress=${PUBLIC}`, '-o', `ListenAddress=[${V6}]`, '-o', 'PidFile=none', ...keys], { stdio: 'ignore' });
  children.push(sshd);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=his.example.cn', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')],
    { stdio: 'ignore' },
  );
  const web = inNs([process.execPath, '-e', WEB, PUBLIC, join(dir, 'tls.key'), join(dir, 'tls.crt')]);
  children.push(web);
  // Every other port of the list records its connects: the rate bound is measured on them.
  const others = scanPorts().filter((p) => ![22, 80, 443].includes(p));
  const rec = inNs([process.execPath, '-e', RECORDER, PUBLIC, ...others.map(String)]);
  const unlisted = inNs([process.execPath, '-e', RECORDER, UNLISTED, ...scanPorts().map(String)]);
  // Behind the registered name: RDP's port answers.
  const named = inNs([process.execPath, '-e', RECORDER, BY_NAME, '3389']);
  children.push(rec, unlisted, named);
  record(rec);
  record(unlisted);
  record(named);
  await Promise.all([ready(web), ready(rec), ready(unlisted), ready(named)]);
  for (let i = 0; i < 50 && !(await canConnect(PUBLIC, 22)); i++) await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 50 && !(await canConnect(V6, 22)); i++) await new Promise((r) => setTimeout(r, 100));
  dns = (await dnsServer(DOMAIN, BY_NAME)).socket;

  server = await startServerProcess({ env: { WEIAN_DOCUMENTATION_TARGETS: '1' } });
  // A real agent on this machine reports its SSH host keys: the HIS server behind the mapping.
  await institutionWithAgent(server, { code: 'HZ-HIS', name: '西湖区人民医院', region: '330106' }, [COUNTY]);
}, 120_000);

afterAll(async () => {
  dns?.close();
  await server?.cleanup();
  teardown();
});

describe('weian-agent scan in a network namespace with TEST-NET addresses', () => {
  it('scans only the registered address at the bounded rate, ties sshd to the enrolled host, the EXT rules fail, and a revoked scanner gets nothing', async () => {
    const admin = await signedInClient(server.url, COUNTY);
    // Registering a documentation address works only because this server was told so.
    await admin.client.exposure.register.mutate({ institutionCode: 'HZ-HIS', target: PUBLIC, note: '出口映射' });
    await admin.client.exposure.register.mutate({ institutionCode: 'HZ-HIS', target: '2001:DB8:1:0::2', note: 'IPv6 出口' });
    await admin.client.exposure.register.mutate({ institutionCode: 'HZ-HIS', target: DOMAIN, note: '互联网医院' });
    const s = await admin.client.exposure.createScanner.mutate({ regionCode: '330106', name: '西湖区扫描器' });
    const resolver = `127.0.0.1:${(dns.address() as AddressInfo).port}`;
    const scanArgs = ['scan', '--server', server.url, '--scanner', s.scannerId, '--secret', s.secret, '--documentation-targets', '--resolver', resolver];

    const started = Date.now();
    const run = await runCli('agent', scanArgs, { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/scanning 3 address\(es\) × \d+ port\(s\), at most 50\/s, 20 at once, every 24 h/);
    expect(run.stderr).toContain('3 complete target(s)');
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { address: string; domain?: string; port: number; sshHostKey: string | null; tlsSha256: string | null; httpTitle: string | null; rules: string[] });
    const byPort = new Map(lines.filter((l) => l.address === PUBLIC).map((l) => [l.port, l]));
    // IPv6: the same sshd, by its host key; the name: RDP's port on the address it resolves to.
    expect(lines.find((l) => l.address === V6 && l.port === 22)?.sshHostKey).toBe(byPort.get(22)?.sshHostKey);
    expect(lines.filter((l) => l.address === BY_NAME)).toEqual([expect.objectContaining({ port: 3389, domain: DOMAIN, rules: ['EXT-REMOTE-ADMIN'] })]);
    expect(byPort.get(22)?.sshHostKey).toMatch(/^SHA256:/);
    expect(byPort.get(22)?.rules).toEqual(['EXT-REMOTE-ADMIN']);
    expect(byPort.get(443)?.tlsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(byPort.get(80)).toMatchObject({ httpTitle: 'PACS 系统登录', rules: ['EXT-PLAINTEXT'] });
    expect(byPort.get(3306)?.rules).toEqual(['EXT-DATABASE']);

    // Nothing was sent to the address outside the list.
    expect(recorded.filter((r) => r.address === UNLISTED)).toEqual([]);
    // The rate bound (50 attempts per second by default), on the connects the recorder saw: attempt i
    // starts no earlier than i/50 s after the first, so N connects span at least (N-1)/50 s, and no
    // ten follow each other faster than 200 ms. The recorder stamps a connect when it accepts it, and on 2 busy cores
    // it has been descheduled long enough to accept ten in 92 ms: 100 ms are allowed (a scanner without the bound
    // sends ten within a few ms).
    // A grab may open more than one connection to a port (banner, then TLS, then HTTP): an attempt is a port's first connect.
    const firsts = new Map<number, number>();
    for (const r of recorded) if (r.address === PUBLIC && r.at >= started) firsts.set(r.port, Math.min(r.at, firsts.get(r.port) ?? Infinity));
    const mine = [...firsts.values()].sort((a, b) => a - b).map((at) => ({ at }));
    expect(mine.length).toBe(scanPorts().length - 3);
    expect(mine.at(-1)!.at - mine[0]!.at).toBeGreaterThanOrEqual(((mine.length - 1) * 1000) / 50 - 50);
    for (let i = 0; i + 10 < mine.length; i++) expect(mine[i + 10]!.at - mine[i]!.at, `connects ${i}…${i + 10}`).toBeGreaterThanOrEqual(100);

    // The server: exposures with first/last seen, sshd tied to the enrolled host by its host key.
    const seen = await admin.client.exposure.observations.query();
    const ssh = seen.find((e) => e.port === 22 && e.address === PUBLIC)!;
    expect(seen.find((e) => e.address === V6 && e.port === 22)).toMatchObject({ institutionCode: 'HZ-HIS', tiedBy: 'ssh-host-key', hostId: ssh.hostId });
    expect(seen.find((e) => e.address === BY_NAME)).toMatchObject({ institutionCode: 'HZ-HIS', port: 3389, domain: DOMAIN });
    expect(ssh).toMatchObject({ institutionCode: 'HZ-HIS', address: PUBLIC, tiedBy: 'ssh-host-key' });
    expect(ssh.hostId).toBeTruthy();
    expect(ssh.firstSeen).toBe(ssh.lastSeen);
    const targets = await admin.client.exposure.list.query({});
    expect(targets.map((t) => [t.value, t.scannedAt !== null])).toEqual([
      [V6, true],
      [PUBLIC, true],
      [DOMAIN, true],
    ]);

    // The schedule: the next round is 24 h away, so a second run now gets an empty list and connects to nothing.
    const before = recorded.length;
    const early = await runCli('agent', scanArgs, { timeoutMs: 60_000 });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stderr).toMatch(/no round due: the next starts at \S+ \(every 24 h\)/);
    expect(early.stdout.trim()).toBe('');
    expect(recorded.length).toBe(before);
    // The outside-in rules on the institution: each fails on what this round saw.
    const findings = await admin.client.institutions.findings.query({ institutionCode: 'HZ-HIS' });
    const ext = Object.fromEntries(findings.institution.filter((f) => f.ruleId.startsWith('EXT-')).map((f) => [f.ruleId, f.status]));
    expect(ext).toEqual({ 'EXT-REMOTE-ADMIN': 'fail', 'EXT-DATABASE': 'fail', 'EXT-PORT-RISKY': 'fail', 'EXT-PLAINTEXT': 'fail' });

    // Revoked, the same scanner gets no list, so it connects to nothing.
    await admin.client.exposure.revokeScanner.mutate({ scannerId: s.scannerId });
    const again = await runCli('agent', scanArgs, { timeoutMs: 60_000 });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('revoked');
    expect(recorded.length).toBe(before);
    admin.close();
  }, 180_000);
});
