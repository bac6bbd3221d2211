import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@weian/shared';
import { loadConfig } from '../config.js';
import { createHttpStack } from '../http/server.js';
import { createLogger } from '../log.js';
import { login, SESSION } from '../services/auth.js';
import { createUser } from '../services/users.js';
import { userCaller } from './callers.js';
import { createTestDb, enrollHost, type TestDb } from './harness.js';
import { textNotice } from './notices.js';

export const EVIDENCE_HTTP_PASSWORD = 'Evidence-Http-Pass-1';

/**
 * The evidence routes over real HTTP: institution A in 西湖区 (330106) with a signed notice, C in
 * 拱墅区 (330105), users xihu (county), inst-a and inst-c plus `extraUsers`, each with a session
 * cookie, and the server's HTTP stack listening on a loopback port with its own data directory.
 */
export async function evidenceHttpFixture(extraUsers: ReadonlyArray<readonly [string, Role, string]> = []) {
  const t: TestDb = await createTestDb('sqlite');
  const dataDir = mkdtempSync(join(tmpdir(), 'weian-evidence-'));
  await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106' });
  await enrollHost(t.deps, { institution: 'C', name: '拱墅区中医院', region: '330105' });
  const tokens = new Map<string, string>();
  for (const [username, role, scopeCode] of [['xihu', 'county', '330106'], ['inst-a', 'institution', 'A'], ['inst-c', 'institution', 'C'], ...extraUsers] as const) {
    await createUser(t.deps, 'cli', { username, role, scopeCode, password: EVIDENCE_HTTP_PASSWORD });
    tokens.set(username, (await login(t.deps, { username, password: EVIDENCE_HTTP_PASSWORD }, '127.0.0.1')).token);
  }
  const county = await userCaller(t.deps, 'xihu', EVIDENCE_HTTP_PASSWORD);
  const { issued } = await county.notices.issue(textNotice('A', { title: '机房门禁', requirement: '安装门禁并登记' }));
  const noticeId = issued[0]!.id;
  await (await userCaller(t.deps, 'inst-a', EVIDENCE_HTTP_PASSWORD)).notices.sign({ noticeId });
  const stack = createHttpStack({ ...loadConfig({}, { port: 0, host: '127.0.0.1' }), dataDir }, t.deps, createLogger('silent'));
  await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
  return {
    t,
    dataDir,
    noticeId,
    port: (stack.server.address() as AddressInfo).port,
    /** The Cookie header value of `username`'s session. */
    cookie: (username: string) => `${SESSION.cookie}=${tokens.get(username)}`,
    caller: (username: string) => userCaller(t.deps, username, EVIDENCE_HTTP_PASSWORD),
    close: async () => {
      await stack.close();
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
export type EvidenceHttpFixture = Awaited<ReturnType<typeof evidenceHttpFixture>>;
