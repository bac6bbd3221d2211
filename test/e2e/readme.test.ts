import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/auth.js';
import { createPgDatabase } from '../helpers/pg.js';
import { REPO } from '../helpers/paths.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { runService } from '../helpers/processTree.js';
import { runProcess } from '../helpers/cli.js';

/**
 * Every command line of README.md's "Enroll" and "Operating it" sections, read from the README (not
 * copied here) and run as written through bash, from a directory of this checkout, against real data.
 *
 * A command line is a line of a fenced code block (a trailing `# comment` dropped), or an inline code
 * span in a table's command column that starts with a command (`pnpm`, `weian-…`, `createdb`, or
 * `VAR=value` before one). Only these placeholders are replaced, each by what a reader would type:
 *   https://weian.example.gov.cn      → this test's server URL
 *   wa_XXXX                           → the token the README's `token create` line printed
 *   /etc/weian/agent.json             → a config file in a temporary directory
 *   /var/lib/weian-agent              → the agent's state (outbox) in that temporary directory
 *   weian-agent                       → `pnpm agent` (the README: "From this repository the same commands are `pnpm agent <command>`")
 *   WEIAN_ADMIN_PASSWORD=…            → a password
 *   postgres://user@host:5432/weian, `-h host -U user weian` → a fresh database on the local PostgreSQL
 * and these files are put where the line expects them: cert.pem/key.pem (a certificate made with
 * openssl) and calendar-2027.json (docs/calendar-2027.example.json with its "example" flag removed,
 * as an administrator would after typing in the official notice). WEIAN_DATA_DIR, WEIAN_PORT and
 * WEIAN_HOST are set in the environment, as the README says they are used.
 */
// The test package does not depend on better-sqlite3: borrow the server's, to read the data dir back.
const SQLite = createRequire(new URL('../../server/package.json', import.meta.url))('better-sqlite3') as new (
  file: string,
  o: { readonly: boolean },
) => { prepare(q: string): { get(): unknown }; close(): void };

const README = readFileSync(join(REPO, 'README.md'), 'utf8');

function section(title: string): string {
  const start = README.search(new RegExp(`^## ${title}`, 'm'));
  if (start < 0) throw new Error(`README.md has no "## ${title}…" section`);
  const next = README.indexOf('\n## ', start + 3);
  return README.slice(start, next < 0 ? undefined : next);
}

const COMMAND = /^(?:[A-Z_]+=\S+\s+)*(?:pnpm|weian-server|weian-agent|createdb)\s/;
export function commandLines(text: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line) lines.push(line);
    } else if (raw.startsWith('|')) {
      const cell = raw.split('|')[2] ?? '';
      for (const m of cell.matchAll(/`([^`]+)`/g)) if (COMMAND.test(m[1]!)) lines.push(m[1]!);
    }
  }
  return lines;
}

/** A line run to its end through bash, as a reader pastes it. */
const runLine = (line: string, opts: { cwd: string; env: Record<string, string>; input?: string; timeoutMs?: number }) =>
  runProcess('bash', ['-c', line], { ...opts, timeoutMs: opts.timeoutMs ?? 120_000, what: line });

function httpsHealthy(url: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

const ENROLL = commandLines(section('Enroll'));
const OPERATING = commandLines(section('Operating it'));
const cwd = (() => {
  // Inside the checkout (pnpm finds the root package.json from here), in an ignored folder.
  mkdirSync(join(REPO, '.test-artifacts'), { recursive: true });
  return mkdtempSync(join(REPO, '.test-artifacts', 'readme-'));
})();
const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(cwd, { recursive: true, force: true })];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('README.md, followed literally', () => {
  it('finds the command lines it is about', () => {
    expect(ENROLL.length).toBeGreaterThanOrEqual(4);
    expect(OPERATING.length).toBeGreaterThanOrEqual(6);
    // Sanity of the extraction itself: a server line and an agent line are among them.
    expect(ENROLL.some((l) => l.includes('token create'))).toBe(true);
    expect(OPERATING.some((l) => / serve\b/.test(l))).toBe(true);
  });

  describe('"Enroll an agent on another server", on a running server', () => {
    let server: ServerProcess;
    const agentDir = tempDir('weian-readme-agent-');
    cleanups.push(() => rmSync(agentDir, { recursive: true, force: true }));
    beforeAll(async () => {
      server = await startServerProcess();
      cleanups.push(() => server.cleanup());
    });

    it('runs every line as written', async () => {
      const env = { WEIAN_DATA_DIR: server.dataDir, WEIAN_PORT: String(server.port), WEIAN_HOST: '127.0.0.1' };
      let token = '';
      for (const written of ENROLL) {
        const line = written
          .replace(/^weian-agent /, 'pnpm agent ')
          .replaceAll('https://weian.example.gov.cn', server.url)
          .replaceAll('wa_XXXX', token)
          .replaceAll('/etc/weian/agent.json', join(agentDir, 'agent.json'))
          .replaceAll('/var/lib/weian-agent', join(agentDir, 'state'));
        if (/ run\b/.test(line) && line.startsWith('pnpm agent')) {
          // Keeps reporting on schedule: it must stay up, then stop on SIGTERM with nothing left behind.
          await runService(line, { cwd, env, ready: () => new Promise((r) => setTimeout(r, 4000)) });
          continue;
        }
        const r = await runLine(line, { cwd, env });
        expect(r.code, `${written}\n${r.stdout}\n${r.stderr}`).toBe(0);
        if (line.includes('token create')) {
          token = r.stdout.trim().split('\n').at(-1)!.trim();
          expect(token).toMatch(/^wa_/);
          expect(r.stderr).toContain(`database ${join(server.dataDir, 'weian.sqlite')}`);
        }
        if (line.includes(' once ')) expect(r.stdout).toMatch(/acknowledged/);
      }
      expect(token, 'the README has no token create line before the agent lines').not.toBe('');
    });
  });

  describe('"Operating it", on a new install', () => {
    const dataDir = tempDir('weian-readme-data-');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let port = 0;
    let pg: Awaited<ReturnType<typeof createPgDatabase>>;
    beforeAll(async () => {
      port = await freePort();
      // A name for a database that does not exist yet: the README's createdb line makes it.
      pg = await createPgDatabase('weian_readme');
      await pg.drop();
      cleanups.push(() => pg.drop());
      execOk('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(cwd, 'key.pem'),
        '-out',
        join(cwd, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]);
      const example = JSON.parse(readFileSync(join(REPO, 'docs', 'calendar-2027.example.json'), 'utf8')) as Record<string, unknown>;
      delete example.example;
      writeFileSync(join(cwd, 'calendar-2027.json'), JSON.stringify(example));
    });

    it('runs every line as written', async () => {
      const env = { WEIAN_DATA_DIR: dataDir, WEIAN_PORT: String(port), WEIAN_HOST: '127.0.0.1' };
      const url = `http://127.0.0.1:${port}`;
      const adminPassword = `Readme-${Date.now()}`;
      const pgUrl = new URL(pg.url);
      const ran: string[] = [];
      for (const written of OPERATING) {
        const line = written
          .replace('WEIAN_ADMIN_PASSWORD=…', `WEIAN_ADMIN_PASSWORD=${adminPassword}`)
          .replace('postgres://user@host:5432/weian', pg.url)
          .replace('-h host -U user weian', `-h ${pgUrl.hostname} -p ${pgUrl.port || 5432} -U ${decodeURIComponent(pgUrl.username) || 'postgres'} ${pg.name}`);
        ran.push(line);
        if (/ serve\b/.test(line)) {
          const tls = line.includes('--tls-cert');
          const out = await runService(line, {
            cwd,
            env,
            ready: (output) =>
              waitFor(
                async () => {
                  if (!output().includes('listening on')) return false;
                  return tls ? httpsHealthy(`https://127.0.0.1:${port}`, readFileSync(join(cwd, 'cert.pem'))) : (await fetch(`${url}/healthz`)).ok;
                },
                { timeoutMs: 60_000, what: `${line} to answer /healthz` },
              ).then(async () => {
                // The first start on this data dir makes the admin from WEIAN_ADMIN_PASSWORD.
                if (line.startsWith('WEIAN_ADMIN_PASSWORD=')) expect(await signIn(url, { username: 'admin', password: adminPassword })).toMatch(/=/);
              }),
          });
          expect(out).toContain(line.includes('DATABASE_URL') ? `database: postgres ${pg.url}` : `database: sqlite ${join(dataDir, 'weian.sqlite')}`);
          continue;
        }
        const r = await runLine(line, { cwd, env, input: line.includes('--password-stdin') ? 'Xihu-Pass-2026\n' : '', timeoutMs: 600_000 });
        expect(r.code, `${written}\n${r.stdout}\n${r.stderr}`).toBe(0);
        // Every server command names the database it used.
        if (line.includes('pnpm weian-server') || line.startsWith('pnpm demo')) expect(r.stderr, line).toContain(`database ${join(dataDir, 'weian.sqlite')}`);
      }
      // The lines that matter were among them.
      expect(ran.some((l) => l.includes('user add'))).toBe(true);
      expect(ran.some((l) => l.includes('--tls-cert'))).toBe(true);
      expect(ran.some((l) => l.includes(pg.url))).toBe(true);
      expect(ran.some((l) => l.startsWith('createdb '))).toBe(true);
      expect(ran.some((l) => l.includes('calendar import'))).toBe(true);
      expect(ran.some((l) => l.includes('weian-server backup --to'))).toBe(true);
      expect(ran.some((l) => l.includes('weian-server restore'))).toBe(true);
    });

    it('seeds the demo once: `pnpm demo` again changes nothing', async () => {
      const demo = OPERATING.find((l) => l.startsWith('pnpm demo'));
      expect(demo).toBeDefined();
      const env = { WEIAN_DATA_DIR: dataDir };
      const count = () => {
        const db = new SQLite(join(dataDir, 'weian.sqlite'), { readonly: true });
        try {
          return db.prepare("select (select count(*) from institutions) || ' ' || (select count(*) from hosts) || ' ' || (select count(*) from alerts) as n").get() as { n: string };
        } finally {
          db.close();
        }
      };
      const before = count();
      expect(before.n).toMatch(/^[1-9]\d* [1-9]\d* \d+$/);
      const again = await runLine(demo!, { cwd, env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/demo data already present: nothing to do/);
      expect(count()).toEqual(before);
    });
  });
});

function execOk(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

// Kept beside the README test: a CLI command on a data dir that has no database refuses to make one.
describe('a server command pointed at an empty data dir', () => {
  it('refuses without --init, names the path, and creates nothing', async () => {
    const dir = tempDir('weian-readme-empty-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const r = await runLine('pnpm weian-server token create --institution 330106001 --region 330106', { cwd, env: { WEIAN_DATA_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no database at ${join(dir, 'weian.sqlite')}`);
    expect(r.stderr).toMatch(/add --init/);
    expect(r.stdout).not.toMatch(/wa_/);
    expect(existsSync(join(dir, 'weian.sqlite'))).toBe(false);
    const init = await runLine('pnpm weian-server token create --init --institution 330106001 --region 330106', { cwd, env: { WEIAN_DATA_DIR: dir } });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(`database ${join(dir, 'weian.sqlite')} (created)`);
    expect(existsSync(join(dir, 'weian.sqlite'))).toBe(true);
  });
});
