import { defineStore } from 'pinia';
import { ref } from 'vue';
import { onConnectionChange, type ConnectionState } from '../api/client.js';

/** State of the live WebSocket shared by every subscription, for the header's indicator. */
export const useConnectionStore = defineStore('connection', () => {
  // 'idle': nothing has needed a live connection yet.
  const state = ref<ConnectionState | 'idle'>('idle');
  onConnectionChange((s) => (state.value = s));
  return { state };
});
