import { describe, expect, it } from 'vitest';
import { firewalldPortFilter, iptablesPortFilter, nftPortFilter, reachOf, ufwPortFilter } from './portFilter.js';

// Ports open vs filtered (issue 19): each firewall's rules, in order, for one port; what cannot be
// evaluated is `unknown`, never `filtered`.

const reach = (f: { judge: (p: 'tcp' | 'udp', n: number) => { reach: string } }, port: number, proto: 'tcp' | 'udp' = 'tcp') => f.judge(proto, port).reach;

describe('iptables INPUT', () => {
  const RHEL = `-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 5236 -s 10.60.0.0/16 -j ACCEPT
-A INPUT -s 203.0.113.7/32 -p tcp -m tcp --dport 3306 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited`;
  it('follows the rules in order to the final REJECT', () => {
    const f = iptablesPortFilter(RHEL);
    expect(reach(f, 22)).toBe('open');
    expect(reach(f, 5236)).toBe('restricted');
    expect(reach(f, 3306)).toBe('open'); // a public source may connect
    expect(reach(f, 6379)).toBe('filtered');
    expect(f.judge('tcp', 6379).by).toContain('REJECT');
  });
  it('opens everything under ACCEPT with only Docker chains, filters under DROP', () => {
    expect(reach(iptablesPortFilter('-P INPUT ACCEPT\n-P FORWARD DROP\n-N DOCKER\n-A FORWARD -o docker0 -j DOCKER\n'), 5432)).toBe('open');
    expect(reach(iptablesPortFilter('-P INPUT DROP\n-A INPUT -p tcp --dport 443 -j ACCEPT\n'), 8080)).toBe('filtered');
    expect(reach(iptablesPortFilter('-P INPUT DROP\n-A INPUT -p tcp -m multiport --dports 80,443,8000:8100 -j ACCEPT\n'), 8080)).toBe('open');
  });
  it('says unknown where a rule it cannot evaluate could match, and for garbled output', () => {
    expect(reach(iptablesPortFilter('-P INPUT DROP\n-A INPUT -m set --match-set allow src -j ACCEPT\n'), 22)).toBe('unknown');
    expect(reach(iptablesPortFilter('garbled'), 22)).toBe('unknown');
  });
});

describe('nftables input hook', () => {
  const RULESET = `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		iifname "lo" accept
		meta l4proto icmp accept
		tcp dport { 22, 443 } accept
		ip saddr 10.0.0.0/8 tcp dport 5432 accept
	}
}`;
  it('reads the base chain to its policy', () => {
    const f = nftPortFilter(RULESET);
    expect([reach(f, 22), reach(f, 443), reach(f, 5432), reach(f, 3306)]).toEqual(['open', 'open', 'restricted', 'filtered']);
    expect(f.mechanism).toContain('inet filter input');
  });
  it('is open without an input chain, unknown on rules it cannot evaluate', () => {
    expect(reach(nftPortFilter('table ip nat {\n\tchain POSTROUTING {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t}\n}\n'), 22)).toBe('open');
    expect(reach(nftPortFilter(RULESET.replace('tcp dport { 22, 443 } accept', 'tcp dport @allowed accept')), 22)).toBe('unknown');
  });
});

describe('firewalld default zone', () => {
  const ZONE =
    'public (active)\n  target: default\n  interfaces: eth0\n  sources: \n  services: dhcpv6-client ssh\n  ports: 8080/tcp\n  rich rules: \n\trule family="ipv4" source address="10.40.3.0/24" port port="5432" protocol="tcp" accept\n';
  it('opens its services and ports, restricts by rich rules, filters the rest', () => {
    const f = firewalldPortFilter(ZONE);
    expect([reach(f, 22), reach(f, 8080), reach(f, 5432), reach(f, 3389), reach(f, 546, 'udp')]).toEqual(['open', 'open', 'restricted', 'filtered', 'open']);
    expect(f.judge('tcp', 3389).by).toBe('firewalld zone public: neither a service nor a port of the zone (target default)');
  });
  it('is unknown where a service or rich rule it does not know could cover the port; ACCEPT opens all', () => {
    expect(reach(firewalldPortFilter(ZONE.replace('dhcpv6-client ssh', 'ssh his-app')), 3389)).toBe('unknown');
    expect(reach(firewalldPortFilter(ZONE.replace('protocol="tcp" accept', 'protocol="tcp" log prefix="pg" limit value="1/m" drop')), 5432)).toBe('unknown');
    expect(reach(firewalldPortFilter(ZONE.replace('target: default', 'target: ACCEPT')), 3389)).toBe('open');
    expect(reach(firewalldPortFilter('FirewallD is not running'), 22)).toBe('unknown');
  });
});

describe('ufw', () => {
  const STATUS =
    'Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), deny (routed)\nNew profiles: skip\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW IN    192.168.50.0/24\nNginx Full                 ALLOW IN    Anywhere\n3306                       DENY IN     Anywhere\n5000:5010/tcp              ALLOW IN    Anywhere\nNginx Full (v6)            ALLOW IN    Anywhere (v6)\n';
  it('first match wins; application profiles it knows; the default policy last', () => {
    const f = ufwPortFilter(STATUS);
    expect([reach(f, 22), reach(f, 443), reach(f, 3306), reach(f, 5005), reach(f, 8080)]).toEqual(['restricted', 'open', 'filtered', 'open', 'filtered']);
  });
  it('is unknown for an unknown profile or an inactive/unreadable status', () => {
    expect(reach(ufwPortFilter(STATUS.replace('Nginx Full                 ALLOW', 'HIS Gateway                ALLOW')), 8080)).toBe('unknown');
    expect(reach(ufwPortFilter('ERROR: You need to be root to run this script'), 22)).toBe('unknown');
  });
});

describe('reachOf', () => {
  const closed = iptablesPortFilter('-P INPUT DROP\n');
  it('leaves loopback alone and counts Docker-published ports as open past the firewall', () => {
    expect(reachOf({ protocol: 'tcp', port: 5432, bind: 'loopback', process: 'postgres' }, closed)).toEqual({});
    expect(reachOf({ protocol: 'tcp', port: 5236, bind: 'wildcard', process: 'docker-proxy' }, closed)).toMatchObject({ reach: 'open' });
    expect(reachOf({ protocol: 'tcp', port: 5236, bind: 'wildcard', process: 'dmserver' }, closed)).toMatchObject({ reach: 'filtered', reachBy: 'iptables INPUT policy DROP' });
  });
});

describe('nft service names and sets', () => {
  it('reads the service names older nft prints; a named set is unknown', () => {
    const chain = (rule: string) => `table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\t${rule}\n\t}\n}\n`;
    expect(reach(nftPortFilter(chain('tcp dport ssh accept')), 22)).toBe('open');
    expect(reach(nftPortFilter(chain('tcp dport { http, https } accept')), 443)).toBe('open');
    expect(reach(nftPortFilter(chain('tcp dport ssh accept')), 3389)).toBe('filtered');
    expect(reach(nftPortFilter(chain('tcp dport @allowed accept')), 3389)).toBe('unknown');
  });
});
