import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSs, parseWindowsPorts } from './ports.js';

const fx = (p: string) => readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8');

describe('ports parsers', () => {
  it('ss with a header (CentOS 7 iproute2 has no -H), bare * and [::] addresses', async () => {
    const { sockets, skipped } = parseSs(await fx('centos7/ss.txt'));
    expect(skipped).toBe(0);
    expect(sockets).toHaveLength(8);
    expect(sockets.find((s) => s.port === 3306)).toEqual({ protocol: 'tcp', address: '::', port: 3306, process: 'mysqld', pid: 1520 });
    expect(sockets.find((s) => s.port === 22)!.address).toBe('0.0.0.0');
  });
  it('garbled ss lines are counted, not dropped silently', async () => {
    expect(parseSs(await fx('uos-garbled/ss-garbled.txt')).skipped).toBe(2);
  });
  it('Windows JSON: processes by pid, PID 4 is System, public address seen', async () => {
    const p = parseWindowsPorts(JSON.parse(await fx('windows2022/ports.json')))!;
    expect(p.hasPublicAddress).toBe(true);
    expect(p.sockets.find((s) => s.port === 3389)).toEqual({ protocol: 'tcp', address: '0.0.0.0', port: 3389, pid: 1020, process: 'svchost' });
    const one = parseWindowsPorts({ Tcp: { LocalAddress: '0.0.0.0', LocalPort: 445, OwningProcess: 4 }, Udp: null, Processes: [], Addresses: '10.0.0.1' })!;
    expect(one).toEqual({ sockets: [{ protocol: 'tcp', address: '0.0.0.0', port: 445, pid: 4, process: 'System' }], skipped: 0, hasPublicAddress: false });
    expect(parseWindowsPorts({ Tcp: [{ LocalAddress: '::', LocalPort: 'x' }] })!.skipped).toBe(1);
    expect(parseWindowsPorts('garbage')).toBeNull();
  });
});
