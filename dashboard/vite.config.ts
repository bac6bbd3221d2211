import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  // vue-i18n feature flags: Composition API only, no devtools in production (smaller bundle).
  define: {
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: { outDir: 'dist', chunkSizeWarningLimit: 1200 },
  server: { proxy: { '/trpc': { target: 'http://127.0.0.1:8080', ws: true }, '/export': 'http://127.0.0.1:8080' } },
  // Element Plus is inlined so that Vite handles the per-component CSS imports its files make.
  test: { name: 'dashboard', include: ['src/**/*.test.ts'], environment: 'happy-dom', server: { deps: { inline: ['element-plus'] } } },
});
