import { trpcClient } from './trpc.js';

/** Every test server starts with this admin (WEIAN_ADMIN_PASSWORD), see startServerProcess. */
export const TEST_ADMIN = { username: 'admin', password: 'Test-Admin-Pass-1' } as const;

/** Signs in through the real auth.login procedure and returns the session cookie. */
export async function signIn(url: string, creds: { username: string; password: string } = TEST_ADMIN): Promise<string> {
  const res = await fetch(`${url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(creds) });
  if (!res.ok) throw new Error(`sign-in as ${creds.username} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie');
  if (!cookie) throw new Error('sign-in returned no session cookie');
  return cookie.split(';')[0]!;
}

/** A tRPC client signed in as `creds` (the admin by default). */
export async function signedInClient(url: string, creds: { username: string; password: string } = TEST_ADMIN) {
  const cookie = await signIn(url, creds);
  return { ...trpcClient(url, { cookie: () => cookie }), cookie };
}
