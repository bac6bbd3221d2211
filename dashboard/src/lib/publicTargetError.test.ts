import { parsePublicTarget } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import { i18n } from '../i18n/index.js';
import { targetRefusal } from './publicTargetError.js';

// The messages come from the server's own validation (shared parsePublicTarget), so a changed wording there fails here.
const refusalOf = (input: string) => {
  try {
    parsePublicTarget(input);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${input} was accepted`);
};
const zh = (message: string) => {
  const r = targetRefusal(message);
  if (!r) return null;
  const t = i18n.global.t;
  return t(r.key, { ...r.values, block: r.values.block ? t(r.values.block) : '' });
};

describe('public target refusals in Chinese', () => {
  it('names the address block of a private, loopback or documentation entry', () => {
    expect(zh(refusalOf('192.168.1.10'))).toBe('192.168.1.10 是私有地址（RFC 1918），不是公网地址，不能登记为对外资产。');
    expect(zh(refusalOf('10.0.0.0/24'))).toBe('10.0.0.0/24 是私有地址（RFC 1918），不是公网地址，不能登记为对外资产。');
    expect(zh(refusalOf('127.0.0.2'))).toContain('环回地址');
    expect(zh(refusalOf('100.64.1.1'))).toContain('运营商级 NAT 地址');
    expect(zh(refusalOf('203.0.113.5'))).toContain('文档示例地址');
    expect(zh(refusalOf('fd12:3456::1'))).toBe('fd12:3456::1 是唯一本地地址（ULA），不是公网地址，不能登记为对外资产。');
    expect(zh(refusalOf('fe80::1'))).toContain('链路本地地址');
    expect(zh(refusalOf('::1'))).toContain('环回地址');
    expect(zh(refusalOf('2001:db8::/120'))).toContain('文档示例地址');
  });
  it('says what is malformed or too wide', () => {
    expect(zh(refusalOf('his..example.cn'))).toBe('his..example.cn 不是有效的域名。');
    expect(zh(refusalOf('61.164.300.1'))).toBe('61.164.300.1 不是有效的 IPv4 地址或地址段。');
    expect(zh(refusalOf('61.164.0.0/16'))).toBe('61.164.0.0/16 范围过大：一个地址段最多 4096 个地址（IPv4 /20、IPv6 /116 或更小）。');
    expect(zh(refusalOf('240e:1::/64'))).toContain('范围过大');
    expect(zh(refusalOf('240e::1::2'))).toBe('240e::1::2 不是有效的 IPv6 地址或地址段。');
  });
  it('tells whose entry an overlap hits, without naming an institution outside the region', () => {
    expect(zh('61.164.10.2 overlaps 61.164.10.0/29, already registered for institution 330106001')).toBe('61.164.10.2 与机构“330106001”已登记的 61.164.10.0/29 重叠：同一地址只能属于一个机构。');
    expect(zh('61.164.10.2 overlaps 61.164.10.0/29, already registered for an institution outside your region')).toContain('本辖区以外某机构');
    expect(zh('his.example.cn overlaps his.example.cn, already registered for this institution')).toBe('his.example.cn 与本机构已登记的 his.example.cn 重叠。');
  });
  it('leaves other messages to the generic error text', () => {
    expect(targetRefusal('institution 330106001 is not in your region')).toBeNull();
  });
});
