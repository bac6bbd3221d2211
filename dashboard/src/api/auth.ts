import { api, resetApi, type ApiClient } from './client.js';
import { call } from './errors.js';

export type SessionUser = Awaited<ReturnType<ApiClient['auth']['me']['query']>>;

// Sign-in calls handle "unauthorized" themselves: it is an answer here, not a lost session.
export const authApi = {
  me: () => call(() => api().auth.me.query(), { reportUnauthorized: false }),
  async login(username: string, password: string): Promise<SessionUser> {
    const r = await call(() => api().auth.login.mutate({ username, password }), { reportUnauthorized: false });
    resetApi();
    return r.user;
  },
  async logout(): Promise<void> {
    try {
      await call(() => api().auth.logout.mutate(), { reportUnauthorized: false });
    } finally {
      resetApi();
    }
  },
};
