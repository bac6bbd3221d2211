import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi, type SessionUser } from '../api/auth.js';
import { setUnauthorizedHandler, type ApiError } from '../api/errors.js';

/**
 * Who is signed in. `restore` asks the server once per page load (the session cookie is
 * HttpOnly, so only the server can tell); any call answered UNAUTHORIZED later ends the session.
 */
export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null);
  // 'unknown' until the first restore: the router waits for it before deciding.
  const status = ref<'unknown' | 'signedIn' | 'signedOut'>('unknown');
  const error = ref<ApiError | null>(null);
  const busy = ref(false);
  let restoring: Promise<void> | null = null;

  const signedOut = () => {
    user.value = null;
    status.value = 'signedOut';
  };
  setUnauthorizedHandler(signedOut);

  function restore(): Promise<void> {
    restoring ??= authApi.me().then(
      (u) => {
        user.value = u;
        status.value = 'signedIn';
      },
      (e: ApiError) => {
        // Anything but "unauthorized" (server down…) is shown on the sign-in page.
        if (e.kind !== 'unauthorized') error.value = e;
        signedOut();
      },
    );
    return restoring;
  }

  async function login(username: string, password: string): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      user.value = await authApi.login(username, password);
      status.value = 'signedIn';
      return true;
    } catch (e) {
      error.value = e as ApiError;
      return false;
    } finally {
      busy.value = false;
    }
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout();
    } catch {
      // Signed out here either way; the server's session expires on its own.
    }
    signedOut();
  }

  return { user, status, error, busy, signedIn: computed(() => status.value === 'signedIn'), restore, login, logout };
});
