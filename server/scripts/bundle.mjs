// The server's one-file bundle (esbuild): what the packages ship (build.mjs), and what the test suite runs
// (test/helpers/bundles.ts), so tests start the server as a plain `node` process instead of through tsx's
// per-module loader (about 2 CPU-seconds a start, hundreds of starts a run).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const SERVER = fileURLToPath(new URL('..', import.meta.url));

/** Native or self-locating packages stay outside the bundle: better-sqlite3 loads its .node file, playwright-core finds its own files. */
export const EXTERNAL = ['better-sqlite3', 'playwright-core'];

/**
 * Bundles server/src/cli.ts into `outfile`. `atSources`: each of our modules keeps its own `import.meta.url`, so a
 * bundle kept outside the sources still finds what sits beside them (the install scripts, the built dashboard)
 * and resolves the external packages from server/node_modules: a checkout's bundle, never a shipped one.
 */
export async function bundleServer({ outfile, atSources = false }) {
  await build({
    entryPoints: [join(SERVER, 'src/cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
    // A checkout's bundle also loads pg from node_modules, as the sources do: the bench's SQL recorder patches that module.
    external: [...EXTERNAL, 'pg-native', ...(atSources ? ['pg'] : [])],
    // ESM, with `require` for the CommonJS dependencies; ws's optional native add-ons are not shipped.
    banner: {
      js: "import { createRequire as __weianCreateRequire } from 'node:module'; const require = __weianCreateRequire(import.meta.url); process.env.WS_NO_BUFFER_UTIL ??= '1'; process.env.WS_NO_UTF_8_VALIDATE ??= '1';",
    },
    plugins: atSources ? [sourceUrls] : [],
  });
}

/** Replaces `import.meta.url` in our TypeScript modules with the module's own file URL. */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/](server|shared)[\\/]src[\\/].*\.ts$/ }, async (a) => {
      const text = await readFile(a.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)), loader: 'ts' };
    });
  },
};

// `node server/scripts/bundle.mjs --out FILE [--at-sources]`: the test suite's bundle (test/helpers/bundles.ts).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv.indexOf('--out');
  if (out < 0 || !process.argv[out + 1]) throw new Error('usage: node server/scripts/bundle.mjs --out FILE [--at-sources]');
  await bundleServer({ outfile: process.argv[out + 1], atSources: process.argv.includes('--at-sources') });
}
