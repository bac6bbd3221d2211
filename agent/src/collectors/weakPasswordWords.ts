/**
 * The bundled dictionary of weak passwords: what inspections of Chinese hospitals keep finding
 * (keyboard runs, 123456 and its kin, admin@123, Abc@1234, P@ssw0rd, pinyin words), most common
 * first so that a check cut short by its CPU budget has tried the likeliest. Regions add their own
 * words and institution initials through their settings; this file never leaves the host.
 */
export const WEAK_PASSWORDS: readonly string[] = [
  '123456',
  '12345678',
  '123456789',
  '1234567890',
  '111111',
  '000000',
  '888888',
  '666666',
  '123123',
  '654321',
  'password',
  'passw0rd',
  'P@ssw0rd',
  'P@ssword',
  'Passw0rd',
  'Password1',
  'Password123',
  'password123',
  'Password@123',
  'P@ssw0rd123',
  'admin',
  'admin123',
  'admin@123',
  'Admin@123',
  'admin888',
  'Admin123',
  'admin1234',
  'Admin@1234',
  'admin@2024',
  'Admin@2025',
  'root',
  'root123',
  'root@123',
  'Root@123',
  'toor',
  'root1234',
  'Root@1234',
  'Abc@123',
  'Abc@1234',
  'abc123',
  'Abc123',
  'abc@123',
  'abcd1234',
  'Abcd1234',
  'Abcd@1234',
  'abc123456',
  'Aa123456',
  'Aa@123456',
  'Qq123456',
  'qq123456',
  'a123456',
  'a12345678',
  'qwerty',
  'qwe123',
  'qwe@123',
  'Qwe@123',
  'Qwer1234',
  'qwer1234',
  '1qaz2wsx',
  '1qaz@WSX',
  '1QAZ2wsx',
  'zaq12wsx',
  'asdf1234',
  'asd123',
  '1q2w3e4r',
  '1q2w3e',
  'q1w2e3r4',
  'test',
  'test123',
  'test@123',
  'Test@123',
  'guest',
  'user',
  'user123',
  'oracle',
  'mysql',
  'postgres',
  'his',
  'his123',
  'his@123',
  'His@123',
  'pacs',
  'lis',
  'emr',
  'yiyuan',
  'yiyuan123',
  'woaini',
  'woaini1314',
  '5201314',
  'changeme',
  'welcome',
  'Welcome1',
  'letmein',
  'system',
  'manager',
  'sa',
  'sa123',
  'huawei',
  'Huawei@123',
  'Huawei12#$',
  'Admin@huawei',
  'Changeme_123',
  'Changeme123',
  'Kylin123',
  'Kylin@123',
  'uos123',
  'Uos@123',
  'centos',
  'redhat',
  'linux',
];

/** Years an institution's initials are tried with: this year and the five before (passwords set when a system went live). */
export function candidateYears(now: Date): number[] {
  const y = now.getUTCFullYear();
  return Array.from({ length: 6 }, (_, i) => y - i);
}

/** Institution initials + year, in the usual shapes (xxrmyy2024, Xxrmyy@2024, XXRMYY#2024, …): 12 + 54 per initials. */
export function institutionPatterns(initials: readonly string[], now: Date): string[] {
  const out: string[] = [];
  for (const raw of initials) {
    const lower = raw.toLowerCase();
    const forms = [lower, lower[0]!.toUpperCase() + lower.slice(1), lower.toUpperCase()];
    for (const year of candidateYears(now)) for (const f of forms) for (const sep of ['', '@', '#']) out.push(`${f}${sep}${year}`);
    for (const f of forms) out.push(f, `${f}123`, `${f}@123`, `${f}123456`);
  }
  return out;
}

/** The account's own name in the shapes people derive from it (root → root, Root@123, root123…). */
export function accountNamePatterns(account: string): string[] {
  const cap = account[0]!.toUpperCase() + account.slice(1);
  return [account, cap, `${account}123`, `${account}@123`, `${cap}@123`, `${account}1234`, `${cap}@1234`, `${account}123456`, `${account}888`];
}
