import { computed, ref } from 'vue';
import { adminApi, type EnrollmentToken } from '../api/admin.js';
import type { ApiError } from '../api/errors.js';

/** Creating an enrollment token and the commands that install an agent with it. */
export function useEnrollment() {
  const token = ref<EnrollmentToken | null>(null);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  async function create(institutionCode: string, uses: number, hours: number) {
    busy.value = true;
    error.value = null;
    try {
      token.value = await adminApi.createToken(institutionCode, uses, hours);
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      busy.value = false;
    }
  }
  const origin = window.location.origin;
  const commands = computed(() =>
    token.value
      ? {
          linux: `sudo weian-agent enroll --server ${origin} --token ${token.value.token} && sudo weian-agent install-service`,
          windows: `weian-agent.exe enroll --server ${origin} --token ${token.value.token}; weian-agent.exe install-service`,
        }
      : null,
  );
  return { token, busy, error, create, commands };
}
