import type { ServiceCategory } from './schemas/sections.js';

export interface WellKnownService {
  name: string;
  category: ServiceCategory;
}

const table: Array<[ports: number[], name: string, category: ServiceCategory]> = [
  [[22], 'ssh', 'remote-management'],
  [[23], 'telnet', 'plaintext'],
  [[3389], 'rdp', 'remote-management'],
  [[5900, 5901], 'vnc', 'remote-management'],
  [[5985], 'winrm-http', 'remote-management'],
  [[5986], 'winrm-https', 'remote-management'],
  [[21], 'ftp', 'plaintext'],
  [[512], 'rexec', 'plaintext'],
  [[513], 'rlogin', 'plaintext'],
  [[514], 'rsh', 'plaintext'],
  [[1433], 'mssql', 'database'],
  [[1521], 'oracle', 'database'],
  [[3306], 'mysql', 'database'],
  [[5432], 'postgresql', 'database'],
  [[6379], 'redis', 'database'],
  [[9200, 9300], 'elasticsearch', 'database'],
  [[11211], 'memcached', 'database'],
  [[27017, 27018], 'mongodb', 'database'],
  [[5000], 'db2', 'database'],
  [[50000], 'db2', 'database'],
  [[135], 'msrpc', 'file-sharing'],
  [[137, 138], 'netbios', 'file-sharing'],
  [[139], 'netbios-ssn', 'file-sharing'],
  [[445], 'smb', 'file-sharing'],
  [[2049], 'nfs', 'file-sharing'],
  [[873], 'rsync', 'file-sharing'],
  [[2375], 'docker-api', 'container-api'],
  [[2376], 'docker-api-tls', 'container-api'],
  [[10250], 'kubelet', 'container-api'],
  [[389], 'ldap', 'other'],
  [[161], 'snmp', 'other'],
  [[7001, 7002], 'weblogic', 'web'],
  [[8080, 8081], 'http-alt', 'web'],
  [[80], 'http', 'web'],
  [[443], 'https', 'web'],
  [[9092], 'kafka', 'other'],
  [[2181], 'zookeeper', 'other'],
  [[5672], 'amqp', 'other'],
  [[4848], 'glassfish-admin', 'web'],
  [[8161], 'activemq-admin', 'web'],
  // Ports that matter in hospitals (issue 19): domestic databases, imaging and HL7 interfaces, RPC services.
  [[5236], 'dameng', 'database'], // 达梦 DM8 default
  [[54321], 'kingbase', 'database'], // 人大金仓 KingbaseES default
  [[5258], 'gbase-8a', 'database'], // 南大通用 GBase 8a default
  [[2003], 'oscar', 'database'], // 神通 (ShenTong) default
  [[33060], 'mysqlx', 'database'], // MySQL X protocol
  [[1434], 'mssql-browser', 'database'], // SQL Server Browser (UDP), names the instances
  [[104, 11112], 'dicom', 'medical'], // DICOM (PACS, modalities); 11112 is the registered non-privileged port
  [[2575], 'hl7-mllp', 'medical'], // HL7 v2 over MLLP
  [[111], 'rpcbind', 'file-sharing'], // ONC RPC portmapper (NFS)
  [[593], 'rpc-over-http', 'file-sharing'],
  [[47001], 'winrm-listener', 'remote-management'], // WinRM's local HTTP listener
];

const byPort = new Map<number, WellKnownService>();
for (const [ports, name, category] of table) for (const p of ports) byPort.set(p, { name, category });

export function wellKnownService(port: number): WellKnownService | null {
  return byPort.get(port) ?? null;
}

/** Remote-management ports of HOST-PORT-REMOTE-PUBLIC (M11). */
export const REMOTE_MANAGEMENT_PORTS: readonly number[] = [22, 23, 3389, 5900, 5985, 5986];
/** Plaintext remote protocols of HOST-PORT-PLAINTEXT. */
export const PLAINTEXT_PORTS: readonly number[] = [21, 23, 512, 513, 514];
/**
 * High-risk service ports from the national notification centre's self-inspection list (2024-09),
 * as REGULATION.md names them, plus 135-139, 1433 and 2375.
 */
export const HIGH_RISK_PORTS: readonly number[] = [
  21, 135, 136, 137, 138, 139, 389, 445, 873, 1433, 1521, 2049, 2181, 2375, 3306, 4848, 5000, 5432, 5984, 6379, 7001, 7002, 8081, 8161, 9000, 9092, 9200, 11211, 27017, 27018, 50000, 50070,
];
/** Database and cache ports of HOST-PORT-DB-WILDCARD. */
export const DATABASE_PORTS: readonly number[] = [1433, 1521, 3306, 5432, 6379, 9200, 11211, 27017, 27018, 5000, 50000, 5236, 54321, 5258, 2003, 33060];
