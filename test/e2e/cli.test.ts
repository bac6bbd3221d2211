import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/auth.js';
import { runCli } from '../helpers/cli.js';
import { serverBundle } from '../helpers/bundles.js';
import { PG_ADMIN_URL } from '../helpers/pg.js';
import { REPO } from '../helpers/paths.js';
import { startServerProcess, tempDir } from '../helpers/server.js';

/** A command as a user types it in the checkout (pnpm's own chatter silenced with -s where pnpm is the runner). */
const sh = (line: string, env: Record<string, string> = {}) => spawnSync('bash', ['-c', line], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
/** The `weian-server` command as one bundle, as the packages install it (the checkout's bin answers the --help lines above through tsx). */
const weianServer = async (args: string, env: Record<string, string> = {}) => sh(`node ${await serverBundle()} ${args}`, env);
const oneLine = (s: string) => s.trim().split('\n');

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('every CLI entry point answers --help', () => {
  it.each([
    ['pnpm -s weian-server --help', /weian-server <command>[\s\S]*token create[\s\S]*calendar import/],
    ['pnpm -s weian-server serve --help', /weian-server serve \[--port N\]/],
    ['pnpm -s weian-server migrate --help', /weian-server migrate \[--init\]/],
    ['pnpm -s weian-server user add --help', /--password-stdin/],
    ['pnpm -s weian-server user --help', /weian-server user add/],
    ['pnpm -s weian-server seed-demo --help', /weian-server seed-demo/],
    ['pnpm -s weian-server token create --help', /--institution CODE/],
    ['pnpm -s weian-server calendar import --help', /calendar import FILE/],
    ['pnpm -s demo --help', /weian-server seed-demo/],
    ['pnpm -s agent --help', /weian-agent/],
    ['pnpm -s agent run --help', /weian-agent/],
    ['pnpm -s loadgen --help', /pnpm loadgen \[--agents N\]/],
    ['pnpm -s bench --help', /pnpm bench \[--quick\]/],
  ])('%s', (line, usage) => {
    const r = sh(line);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(usage);
  });
});

describe('CLI errors: one clear line, no stack, non-zero exit', () => {
  const dir = tempDir('weian-cli-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  it.each([
    // issue 18: a value starting with "-" made parseArgs throw ERR_PARSE_ARGS_INVALID_OPTION_VALUE with its stack.
    [`token create --institution X --name '-2+3医院'`, /^weian-server: --name: a value that starts with "-" must be joined to the option, e\.g\. --name=-value/],
    ['token create --institution X --bogus 1', /^weian-server: unknown option --bogus/],
    ['token create --institution X --uses many --init', /^weian-server: --uses must be a number/],
    ['frobnicate', /^weian-server: unknown command "frobnicate"/],
    ['user remove --username x', /^weian-server: unknown command "user remove"/],
    ['calendar import', /^weian-server: calendar import takes FILE/],
    ['calendar import /nonexistent/calendar.json --init', /^weian-server: cannot read \/nonexistent\/calendar\.json as JSON/],
    ['token create --institution X', /^weian-server: no database at .*weian\.sqlite: this command would create a new, empty one/],
  ])('weian-server %s', async (args, message) => {
    const r = await weianServer(args, { WEIAN_DATA_DIR: join(dir, 'fresh') });
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says a missing PostgreSQL database does not exist and how to create it', async () => {
    const name = `weian_missing_${Date.now()}`;
    const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    const r = await weianServer('serve', { DATABASE_URL: url, WEIAN_PORT: '0', WEIAN_HOST: '127.0.0.1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `the PostgreSQL database "${name}" does not exist on 127\\.0\\.0\\.1:5432: create it \\(createdb -h 127\\.0\\.0\\.1 -p 5432 -U postgres ${name}, or in psql: CREATE DATABASE "${name}";\\)`,
      ),
    );
    expect(r.stderr).not.toMatch(/writable|disk is not full/);
    expect(oneLine(r.stderr).filter((l) => l.includes('weian-server:'))).toHaveLength(1);
  });
});

describe('PDF export without Chromium', () => {
  it('answers 412 with a Chinese and English explanation, while XLSX keeps working', async () => {
    const server = await startServerProcess({ env: { WEIAN_CHROMIUM: '/nonexistent/chromium' } });
    cleanups.push(() => server.cleanup());
    const tok = await runCli('server', ['token', 'create', '--institution', 'ZJ-PDF-001', '--name', '导出测试医院', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    const cookie = await signIn(server.url);
    const pdf = await fetch(`${server.url}/export/rankings.pdf?region=330106`, { headers: { cookie } });
    expect(pdf.status).toBe(412);
    const body = (await pdf.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('PRECONDITION_FAILED');
    expect(body.error.message).toMatch(/^服务器未安装 Chromium，无法生成 PDF（未找到 \/nonexistent\/chromium）.*apt-get install chromium fonts-wqy-microhei/);
    expect(body.error.message).toMatch(/PDF export needs Chromium on the server/);
    const xlsx = await fetch(`${server.url}/export/rankings.xlsx?region=330106`, { headers: { cookie } });
    expect(xlsx.status).toBe(200);
    await xlsx.arrayBuffer();
  });
});
