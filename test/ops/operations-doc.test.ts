import { execFileSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as plainRequest } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { runProcess } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/pg.js';
import { REPO } from '../helpers/paths.js';
import { freePort, startServerProcess, tempDir, TEST_ADMIN } from '../helpers/index.js';
import { runService } from '../helpers/processTree.js';
import { waitFor } from '../helpers/wait.js';
import { startDocumentedNginx } from '../helpers/nginx.js';
import { makeSelfSignedCert } from '../helpers/tls.js';
import { enrollSimulatedAgents } from '../load/loadgen.js';

/**
 * docs/operations.md, run as written: every line of its ```sh blocks through bash, and its ```nginx
 * site in a real nginx (Debian's) in front of a real server. Only these are replaced:
 *   /var/backups/weian                         → a temporary directory
 *   "$DATABASE_URL"                            → set in the environment, as the page says
 *   weian_restored                             → a fresh database name on the local PostgreSQL
 *   listen 443, 127.0.0.1:8080, the cert paths → this test's ports and an openssl certificate
 * nginx and bash and PostgreSQL's tools are real; clients reach nginx from 127.0.0.2 and 127.0.0.3
 * (loopback addresses of their own), so "the real client" is a different address from the proxy's.
 */
const DOC = readFileSync(join(REPO, 'docs', 'operations.md'), 'utf8');
const blocks = (lang: string) => [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const shLines = blocks('sh').flatMap((b) =>
  b
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
);
const used = new Set<string>();
const line = (pattern: RegExp) => {
  const found = shLines.filter((l) => pattern.test(l));
  expect(found, `docs/operations.md has one line matching ${pattern}`).toHaveLength(1);
  used.add(found[0]!);
  return found[0]!;
};
const bash = (l: string, env: Record<string, string>, cwd: string) => runProcess('bash', ['-c', l], { cwd, env, timeoutMs: 120_000, what: l });

const SQLite = createRequire(new URL('../../server/package.json', import.meta.url))('better-sqlite3') as new (
  file: string,
  o?: { readonly?: boolean },
) => {
  prepare(q: string): { get(): unknown };
  close(): void;
};
const pg = createRequire(new URL('../../server/package.json', import.meta.url))('pg') as {
  Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(q: string): Promise<{ rows: Array<Record<string, unknown>> }>; end(): Promise<void> };
};
const pgCount = async (url: string, q: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query(q)).rows[0]!.n);
  } finally {
    await c.end();
  }
};

async function sendReports(url: string, serverEnv: Record<string, string>, n: number): Promise<void> {
  const sims = await enrollSimulatedAgents({ url, agents: 4, serverEnv, hostsPerInstitution: 4, concurrency: 2 });
  for (let i = 0; i < n; i++) {
    const sim = sims[i % sims.length]!;
    const report: Report = sim.host.next(sim.agentId, new Date());
    sim.host.acknowledge(report, (await sim.client.report(report)).resend);
  }
}

describe('docs/operations.md, as written', () => {
  const cwd = tempDir('weian-ops-');
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  afterAll(() => {
    // Every command line of the page was run by one of these tests.
    expect(shLines.filter((l) => !used.has(l))).toEqual([]);
  });

  it('help env lists the settings', async () => {
    const r = await bash(line(/help env/), {}, REPO);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/WEIAN_TRUSTED_PROXIES/);
    expect(r.stdout).toMatch(/WEIAN_BACKUP_EVERY_HOURS\s.*\(default: 24\)/);
  });

  it('SQLite: backup while the server runs, restore after it stopped', async () => {
    const server = await startServerProcess();
    const backups = join(cwd, 'backups');
    const sub = (l: string) => l.replaceAll('/var/backups/weian', backups);
    try {
      await sendReports(server.url, server.env, 20);
      const b = await bash(sub(line(/weian-server backup /)), { WEIAN_DATA_DIR: server.dataDir }, REPO);
      expect(b.code, b.stderr).toBe(0);
      const refused = await bash(sub(line(/weian-server restore /)), { WEIAN_DATA_DIR: server.dataDir }, REPO);
      expect(refused.code).toBe(2);
      await server.stop();
      const r = await bash(sub(line(/weian-server restore /)), { WEIAN_DATA_DIR: server.dataDir }, REPO);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/restored .*weian-manual\.sqlite: \d+ hosts, 20 reports; the database it replaced is kept as .*before-restore-/);
      const db = new SQLite(join(server.dataDir, 'weian.sqlite'), { readonly: true });
      expect((db.prepare('select count(*) as n from report_receipts').get() as { n: number }).n).toBe(20);
      db.close();
    } finally {
      await server.cleanup();
    }
  });

  it('PostgreSQL: pg_dump while the server runs, pg_restore into a new database', async () => {
    const source = await createPgDatabase('weian_ops');
    const target = `weian_restored_${Date.now().toString(36)}`;
    const server = await startServerProcess({ env: { DATABASE_URL: source.url } });
    const sub = (l: string) => l.replaceAll('weian_restored', target);
    try {
      await sendReports(server.url, server.env, 15);
      const env = { DATABASE_URL: source.url };
      // The statistics the page asks for where autovacuum is off: ANALYZE ran (last_analyze is a manual one's).
      const analyzed = await bash(line(/^psql "\$DATABASE_URL" -c 'ANALYZE'$/), env, cwd);
      expect(analyzed.code, analyzed.stderr).toBe(0);
      expect(await pgCount(source.url, "select count(*) as n from pg_stat_user_tables where relname = 'report_receipts' and last_analyze is not null")).toBe(1);
      for (const l of [line(/^pg_dump /), line(/^createdb /), line(/^pg_restore /)]) {
        const r = await bash(sub(l), env, cwd);
        expect(r.code, `${l}\n${r.stderr}`).toBe(0);
      }
      const restoredUrl = source.url.replace(/\/[^/]*$/, `/${target}`);
      expect(await pgCount(restoredUrl, 'select count(*) as n from report_receipts')).toBe(15);
      expect(await pgCount(restoredUrl, 'select count(*) as n from kysely_migration')).toBe(await pgCount(source.url, 'select count(*) as n from kysely_migration'));
    } finally {
      await server.cleanup();
      await source.drop();
      await pgCount(source.url.replace(/\/[^/]*$/, '/postgres'), `select count(*) as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = '${target}') t`).catch(() => 0);
      execFileSync('dropdb', ['-h', '127.0.0.1', '-U', 'postgres', '--if-exists', target]);
    }
  });

  describe('behind nginx with WEIAN_TRUSTED_PROXIES', () => {
    let nginx: ChildProcess | null = null;
    const dir = join(cwd, 'nginx');
    let proxyPort = 0;
    let serverPort = 0;
    let ca: Buffer;

    beforeAll(async () => {
      mkdirSync(dir, { recursive: true });
      const cert = makeSelfSignedCert(dir, 'weian');
      ca = readFileSync(cert.cert);
      proxyPort = await freePort();
      serverPort = await freePort();
      nginx = startDocumentedNginx(dir, { port: proxyPort, upstreamPort: serverPort, cert });
    });
    afterAll(() => {
      nginx?.kill('SIGQUIT');
    });

    /** One HTTPS call through nginx, from a loopback address of the client's own. */
    const viaProxy = (from: string, path: string, opts: { body?: unknown; cookie?: string } = {}) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
        const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
        const o: RequestOptions = {
          host: '127.0.0.1',
          port: proxyPort,
          path,
          method: body ? 'POST' : 'GET',
          localAddress: from,
          ca,
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}) },
        };
        const req = request(o, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });

    it('keeps TLS sessions an hour, so that agents reporting every 15 minutes resume theirs', async () => {
      // No server behind nginx here: its answer (502) does not matter, its TLS session does.
      const connect = (session?: Buffer) =>
        new Promise<{ session: Buffer; reused: boolean }>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: proxyPort, path: '/healthz', ca, agent: false, ...(session ? { session } : {}) }, (res) => res.resume());
          req.on('socket', (socket) => {
            const tls = socket as import('node:tls').TLSSocket;
            tls.once('session', (s: Buffer) => resolve({ session: s, reused: tls.isSessionReused() }));
          });
          req.on('error', reject);
          req.end();
        });
      let first: { session: Buffer } | undefined;
      await waitFor(async () => Boolean((first = await connect().catch(() => undefined))), { what: 'nginx to take TLS connections' });
      writeFileSync(join(dir, 'session.der'), first!.session);
      const text = execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', join(dir, 'session.der'), '-noout', '-text'], { encoding: 'utf8' });
      // nginx's default is 300 s: an agent's session would be gone by its next report.
      // TLS 1.3 (nginx 1.22 still offers 1.0 and 1.1 unless told otherwise), and tickets good for an hour.
      expect(text).toMatch(/Protocol\s*:\s*TLSv1\.3/);
      expect(text).toMatch(/ticket lifetime hint: 3600 \(seconds\)/);
      expect((await connect(first!.session)).reused).toBe(true);
    });

    it('limits sign-in per real client, records real addresses, and keeps the WebSocket working', async () => {
      const serveLine = line(/WEIAN_TRUSTED_PROXIES=.* serve$/);
      await runService(serveLine, {
        cwd: REPO,
        env: { WEIAN_PORT: String(serverPort), WEIAN_DATA_DIR: join(cwd, 'proxied'), WEIAN_ADMIN_PASSWORD: TEST_ADMIN.password },
        ready: async (output) => {
          await waitFor(() => output().includes('listening on'), { timeoutMs: 60_000, what: 'the server to listen' });
          await waitFor(async () => (await viaProxy('127.0.0.1', '/healthz').catch(() => ({ status: 0 }))).status === 200, { what: 'nginx to answer' });
          const scrape = await bash(line(/\/metrics$/).replace(':8080', `:${serverPort}`), {}, cwd);
          expect(scrape.code, scrape.stderr).toBe(0);
          expect(scrape.stdout).toMatch(/^# TYPE weian_reports_total counter$/m);

          // Someone at 127.0.0.2 guesses admin's password until refused.
          const wrong = { username: 'admin', password: 'not-the-password' };
          for (let i = 0; i < 5; i++) expect((await viaProxy('127.0.0.2', '/trpc/auth.login', { body: wrong })).status).toBe(401);
          const refused = await viaProxy('127.0.0.2', '/trpc/auth.login', { body: { username: 'admin', password: TEST_ADMIN.password } });
          expect(refused.status).toBe(429);

          // The real admin at 127.0.0.3, behind the same proxy, is not locked out.
          const ok = await viaProxy('127.0.0.3', '/trpc/auth.login', { body: TEST_ADMIN });
          expect(ok.status, ok.body).toBe(200);
          const setCookie = String(ok.headers['set-cookie']);
          // The proxy said HTTPS: the cookie is Secure and HSTS is sent.
          expect(setCookie).toMatch(/; Secure/);
          expect(ok.headers['strict-transport-security']).toMatch(/max-age=/);
          const cookie = setCookie.split(';')[0]!;

          // A client talking to the server directly cannot claim another address.
          await new Promise<void>((resolve, reject) => {
            const req = plainRequest(
              {
                host: '127.0.0.1',
                port: serverPort,
                path: '/trpc/auth.login',
                method: 'POST',
                localAddress: '127.0.0.4',
                headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.5' },
              },
              (res) => {
                res.resume();
                res.on('end', () => resolve());
              },
            );
            req.on('error', reject);
            req.end(JSON.stringify(wrong));
          });

          const input = encodeURIComponent(JSON.stringify({ limit: 50, action: 'auth.login' }));
          const audit = await viaProxy('127.0.0.3', `/trpc/audit.list?input=${input}`, { cookie });
          expect(audit.status, audit.body).toBe(200);
          const rows = (JSON.parse(audit.body) as { result: { data: Array<{ outcome: string; remoteAddress: string }> } }).result.data;
          const addresses = (outcome: string) => new Set(rows.filter((r) => r.outcome === outcome).map((r) => r.remoteAddress));
          expect(addresses('denied')).toEqual(new Set(['127.0.0.2', '127.0.0.4']));
          expect(addresses('ok')).toEqual(new Set(['127.0.0.3']));

          // The live-updates socket through nginx, from the dashboard's own origin.
          await new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(`wss://127.0.0.1:${proxyPort}/trpc`, { ca, localAddress: '127.0.0.3', headers: { cookie, origin: `https://127.0.0.1:${proxyPort}` } });
            ws.once('open', () => {
              ws.close();
              resolve();
            });
            ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: ${res.statusCode}`)));
            ws.once('error', reject);
          });
        },
      });
    });
  });
});
