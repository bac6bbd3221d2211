// The first admin's password for `pnpm start` and `pnpm dev`: WEIAN_ADMIN_PASSWORD, or one generated once and
// kept beside the data (mode 0600). The server uses it only while no user exists.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function firstAdminPassword(dataDir) {
  const file = join(dataDir, 'admin-password.txt');
  if (!process.env.WEIAN_ADMIN_PASSWORD && !existsSync(file)) writeFileSync(file, `Wa-${randomBytes(12).toString('base64url')}\n`, { mode: 0o600 });
  return { file, password: process.env.WEIAN_ADMIN_PASSWORD ?? readFileSync(file, 'utf8').trim() };
}
