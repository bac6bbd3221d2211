import { describe, expect, it } from 'vitest';
import { detectProduct } from './antimalware.js';
import { inputFiltering, iptablesInput, nftInput } from './firewall.js';
import { vendorPermitRootLogin } from './sshd.js';

describe('host firewall: the inbound path', () => {
  it('iptables: a drop policy, a final REJECT, or a jump into a chain that drops', () => {
    expect(iptablesInput('-P INPUT DROP\n').filtered).toBe(true);
    expect(iptablesInput('-P INPUT ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n').filtered).toBe(true);
    expect(iptablesInput('-P INPUT ACCEPT\n-N ufw-before-input\n-A INPUT -j ufw-before-input\n-A ufw-before-input -p tcp --dport 23 -j DROP\n').filtered).toBe(true);
  });
  it('iptables: Kubernetes and Docker chains, mark and INVALID drops are not a host firewall', () => {
    const kube = [
      '-P INPUT ACCEPT',
      '-P FORWARD DROP',
      '-N KUBE-FIREWALL',
      '-N KUBE-EXTERNAL-SERVICES',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A INPUT -j KUBE-FIREWALL',
      '-A INPUT -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -d 10.0.0.5/32 -p tcp -m comment --comment "default/x has no endpoints" -m tcp --dport 80 -j REJECT',
    ].join('\n');
    expect(iptablesInput(kube)).toMatchObject({ filtered: false });
    expect(iptablesInput('garbage\n').filtered).toBeNull();
  });
  it('iptables-save format reads the same', () => {
    expect(inputFiltering('*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n').filtered).toBe(true);
  });
  it('nftables: filter chains on the input hook only; nat chains and forward drops do not count', () => {
    expect(nftInput('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n').filtered).toBe(true);
    expect(nftInput('table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tjump checks\n\t}\n\tchain checks {\n\t\ttcp dport 3306 drop\n\t}\n}\n').filtered).toBe(
      true,
    );
    expect(
      nftInput(
        'table ip nat {\n\tchain INPUT {\n\t\ttype nat hook input priority 100; policy accept;\n\t}\n}\ntable ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n',
      ),
    ).toMatchObject({ filtered: false });
    expect(nftInput('').filtered).toBe(false);
    expect(nftInput('Error: garbled\n').filtered).toBeNull();
    // A set's elements are not rules.
    expect(
      nftInput('table inet f {\n\tset blocked {\n\t\ttype ipv4_addr\n\t\telements = { 1.2.3.4 }\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n').filtered,
    ).toBe(false);
  });
});

describe('sshd vendor defaults (PermitRootLogin when unset)', () => {
  const os = (id: string, versionId: string, idLike: string[] = []) => ({ id, versionId, idLike, name: id });
  it.each([
    [os('centos', '7', ['rhel', 'fedora']), 'yes'],
    [os('rhel', '8.9', ['fedora']), 'yes'],
    [os('rocky', '9.3', ['rhel', 'centos', 'fedora']), 'prohibit-password'],
    [os('kylin', 'V10'), 'yes'],
    [os('openeuler', '22.03'), 'yes'],
    [os('neokylin', 'V7Update6', ['fedora']), 'yes'],
    [os('debian', '12'), 'prohibit-password'],
    [os('ubuntu', '22.04', ['debian']), 'prohibit-password'],
    [os('uos', '20', ['debian']), null],
    [os('kylin', 'V10', ['debian']), null],
  ] as const)('%o → %s', (o, want) => expect(vendorPermitRootLogin(o).value).toBe(want));
  it('no os-release: not known', () => expect(vendorPermitRootLogin(null).value).toBeNull());
});

describe('anti-malware products: consumer and enterprise apart', () => {
  it.each([
    [['ZhuDongFangYu'], /^360安全卫士/],
    [['360rp'], /^360杀毒/],
    [['QAXEntClient', 'ZhuDongFangYu'], /^奇安信天擎/],
    [['360EntClientSvc'], /^奇安信天擎/],
    [['HipsDaemon'], /^火绒/],
    [['kxescore'], /^金山毒霸/],
    [['RsMgrSvc'], /^瑞星/],
    [['ds_agent'], /^亚信/],
    [['SangforEDRService'], /^深信服/],
  ] as const)('%o', (names, want) => expect(detectProduct(names, 'windows')).toMatch(want));
});
