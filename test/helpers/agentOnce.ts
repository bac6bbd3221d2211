import { join } from 'node:path';
import { expect } from 'vitest';
import { signedInClient } from './auth.js';
import { lastLine, runCli } from './cli.js';
import type { ServerProcess } from './server.js';

/**
 * A real agent enrolled for an institution (created by the token) that has sent one report, and the
 * users the test signs in as, created by the administrator. Returns the token and the agent's config file.
 */
export async function institutionWithAgent(
  server: ServerProcess,
  institution: { code: string; name: string; region: string },
  users: ReadonlyArray<{ username: string; password: string; role: 'county' | 'institution'; scopeCode: string }>,
): Promise<{ token: string; configPath: string }> {
  const configPath = join(server.dataDir, 'agent', 'agent.json');
  const tok = await runCli('server', ['token', 'create', '--institution', institution.code, '--name', institution.name, '--region', institution.region], { env: server.env });
  expect(tok.code, tok.stderr).toBe(0);
  const token = lastLine(tok.stdout);
  const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', token, '--config', configPath]);
  expect(enroll.code, enroll.stderr).toBe(0);
  const once = await runCli('agent', ['once', '--config', configPath]);
  expect(once.code, once.stderr).toBe(0);
  const admin = await signedInClient(server.url);
  for (const u of users) await admin.client.users.create.mutate(u);
  admin.close();
  return { token, configPath };
}
