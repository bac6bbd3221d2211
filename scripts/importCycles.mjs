// Import cycles, type-only imports included. ESLint's import-x/no-cycle skips `import type`, yet a cycle of
// types still ties modules into one knot (issue 21 found two: a rule's inputs needed the record schemas, which
// needed the rule catalogue). Reads every module's top-level import/export-from of a relative path (dynamic
// `import()` is lazy by design and left out) and fails, naming each cycle, when the graph has one.
// Usage: node scripts/importCycles.mjs [folder…]   (default: the five workspace packages)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Built output, data and captures are not source; dot-folders are caches and tools' state.
const SKIP = new Set(['node_modules', 'dist', 'data', 'coverage', 'fixtures', 'test-results']);
const SOURCE = /\.(m?ts|vue)$/;

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name) && !e.name.startsWith('.')) yield* walk(join(dir, e.name));
    } else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) yield join(dir, e.name);
  }
}

/** The code TypeScript parses: a .vue file's <script> blocks, or the whole file. */
function scriptOf(file) {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.vue')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** `./x.js` → x.ts / x.mts / x.vue / x/index.ts, as NodeNext resolution maps a compiled path back to its source. */
function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m?js)$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.mts`, `${stem}.vue`, join(base, 'index.ts')]) {
    if (SOURCE.test(c) && existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

function importsOf(file) {
  const sf = ts.createSourceFile(file, scriptOf(file), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  for (const st of sf.statements) {
    const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
    if (!spec?.startsWith('.')) continue;
    const target = resolveRelative(file, spec);
    if (target) out.push(target);
  }
  return out;
}

/** Tarjan's strongly connected components: every component of more than one module (or a self-import) is a cycle. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) !== idx.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)?.includes(v)) found.push(scc);
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

/** One concrete loop through a component, for the message: follow edges inside it until a module repeats. */
function loopIn(scc, graph) {
  const inside = new Set(scc);
  const path = [scc[0]];
  for (;;) {
    const next = graph.get(path.at(-1)).find((w) => inside.has(w));
    const at = path.indexOf(next);
    if (at >= 0) return [...path.slice(at), next];
    path.push(next);
  }
}

const roots = (process.argv.length > 2 ? process.argv.slice(2) : ['shared', 'agent', 'server', 'dashboard', 'test']).map((r) => resolve(REPO, r));
const graph = new Map();
for (const root of roots) for (const file of walk(root)) graph.set(file, importsOf(file));
// Resolve targets outside the walked folders too (a fixture may import into the tree), but only walk what was asked.
const pending = [...graph.values()].flat();
while (pending.length) {
  const t = pending.pop();
  if (!graph.has(t)) pending.push(...graph.set(t, importsOf(t)).get(t));
}

const found = cycles(graph);
for (const scc of found) {
  console.error(
    `import cycle (${scc.length} module${scc.length > 1 ? 's' : ''}): ${loopIn(scc, graph)
      .map((f) => relative(REPO, f))
      .join(' → ')}`,
  );
}
if (found.length) {
  console.error(`${found.length} import cycle(s), type-only imports included: move what both sides need into a module of its own.`);
  process.exit(1);
}
console.log(`no import cycles among ${graph.size} modules`);
