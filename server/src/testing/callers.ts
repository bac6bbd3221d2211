import type { Report, SectionData } from '@weian/shared';
import { appRouter } from '../routers/_app.js';
import { login } from '../services/auth.js';
import type { ServiceDeps } from '../services/deps.js';
import { createCallerFactory } from '../trpc/init.js';

/** The router as a signed-in user calls it (a real login: the principal is what the session resolves to). */
export async function userCaller(deps: ServiceDeps, username: string, password: string) {
  const principal = (await login(deps, { username, password }, '127.0.0.1')).principal;
  return createCallerFactory(appRouter)({ deps, agentCredentials: null, principal, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} });
}

/** A ports section with SSH on a public address (HOST-PORT-REMOTE-PUBLIC fails) or on a private one (it passes). */
export const sshPorts = (pub: boolean): Partial<Report['sections']> => ({
  ports: {
    status: 'ok',
    hash: (pub ? 'c' : 'd').repeat(64),
    data: {
      listeners: [
        {
          protocol: 'tcp',
          address: pub ? '202.96.1.10' : '10.0.0.5',
          port: 22,
          pid: 1,
          process: 'sshd',
          bind: pub ? 'public' : 'private',
          publicExposure: pub,
          service: 'ssh',
          category: 'remote-management',
        },
      ],
    } as SectionData['ports'],
  },
});
