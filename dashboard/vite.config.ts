import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const api = `http://127.0.0.1:${process.env.WEIAN_PORT ?? 8080}`;

export default defineConfig({
  plugins: [vue()],
  // vue-i18n feature flags: Composition API only, no devtools in production (smaller bundle).
  define: {
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: { outDir: 'dist', chunkSizeWarningLimit: 1200 },
  // `pnpm dev`: the API is the server on WEIAN_PORT (8080 by default).
  server: { proxy: { '/trpc': { target: api, ws: true }, '/export': api, '/upload': api, '/download': api } },
  // Element Plus is inlined so that Vite handles the per-component CSS imports its files make.
  test: { name: 'dashboard', include: ['src/**/*.test.ts'], environment: 'happy-dom', server: { deps: { inline: ['element-plus'] } } },
});
