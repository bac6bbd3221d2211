import { Agent as HttpAgent } from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AgentClient, describeSendError } from '@weian/agent';
import type { Report } from '@weian/shared';
import { EventBus } from '../../server/src/events.js';
import { createEnrollmentToken } from '../../server/src/services/enrollment.js';
import { openDb } from '../../server/src/storage/db.js';
import { fixtureReports, prng, SimulatedHost, ZHEJIANG_COUNTIES } from './reports.js';

export interface LoadOptions {
  url: string;
  agents: number;
  /** Reports per second to offer; 0 sends as fast as `concurrency` allows. */
  rate: number;
  durationS: number;
  /** Requests in flight at once (the agents' keep-alive connections). */
  concurrency?: number;
  /** Where the target server keeps its data (WEIAN_DATA_DIR or DATABASE_URL), to create enrollment tokens there as `weian-server token create` does. */
  serverEnv?: Record<string, string>;
  /** Simulated hosts per institution (institution scores are computed over their hosts). */
  hostsPerInstitution?: number;
  /** Share of reports in which a host's patches or ports changed since its last report. */
  driftRatio?: number;
  seed?: number;
  institution?: string;
  /** Each agent sends exactly one report (its first, full one) and the run ends when all have: what enrolment day costs. */
  once?: boolean;
  progress?: (line: string) => void;
}

export interface LoadResult {
  agents: number;
  sent: number;
  acked: number;
  errors: number;
  errorSamples: string[];
  elapsedS: number;
  reportsPerS: number;
  /** Acknowledgement latency of each acked report, sorted ascending. */
  latenciesMs: number[];
  /** JSON bytes on the wire: first (full) reports and later (delta) reports. */
  fullBytes: number[];
  steadyBytes: number[];
}

export const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface Sim {
  host: SimulatedHost;
  client: AgentClient;
  agentId: string;
  reports: number;
  busy: boolean;
}

/**
 * One enrollment token per simulated institution, created on the server's database by the same
 * service as `weian-server token create` (one CLI process per institution would take minutes).
 */
async function createTokens(institutions: number, perInstitution: number, prefix: string, env: Record<string, string>): Promise<string[]> {
  const handle = openDb({ databaseUrl: env.DATABASE_URL, dataDir: env.WEIAN_DATA_DIR ?? './data' });
  const deps = { db: handle.db, dialect: handle.dialect, bus: new EventBus(), now: () => new Date() };
  try {
    const tokens: string[] = [];
    for (let i = 0; i < institutions; i++) {
      const input = { institutionCode: `${prefix}-${i}`, institutionName: `压测医院 ${prefix}-${i}`, regionCode: ZHEJIANG_COUNTIES[i % 12]!, uses: perInstitution, expiresInHours: 2 };
      // On SQLite the running server may commit between this transaction's read and write: try again.
      for (let attempt = 1; ; attempt++) {
        try {
          tokens.push((await createEnrollmentToken(deps, input)).token);
          break;
        } catch (e) {
          if (attempt >= 20 || !/database is locked|SQLITE_BUSY/.test(String((e as Error).message))) throw e;
          await new Promise((r) => setTimeout(r, 50 * attempt));
        }
      }
    }
    return tokens;
  } finally {
    await handle.close();
  }
}

/**
 * The sockets under the real agent client: node:http keep-alive sockets shared by the simulated agents
 * (16 connections, as a region's agents behind one proxy would look), so the generator pays neither a
 * connection per report nor fetch's Request and Response objects; it shares the same 2 cores as the server.
 */
export const keepAliveSockets = (maxSockets: number) => new HttpAgent({ keepAlive: true, maxSockets });

/** Runs `n` tasks with at most `limit` at once. */
async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export async function enrollSimulatedAgents(opts: Pick<LoadOptions, 'url' | 'agents' | 'serverEnv' | 'seed' | 'institution' | 'hostsPerInstitution' | 'progress' | 'concurrency'>): Promise<Sim[]> {
  const httpAgent = keepAliveSockets(opts.concurrency ?? 16);
  const random = prng(opts.seed ?? 1);
  const bases = await fixtureReports();
  const institution = opts.institution ?? `LOAD-${Date.now().toString(36)}`;
  const per = Math.min(10_000, opts.hostsPerInstitution ?? 20);
  const tokens = await createTokens(Math.ceil(opts.agents / per), per, institution, opts.serverEnv ?? {});
  const sims = await pool(opts.agents, 16, async (i) => {
    const host = new SimulatedHost(bases[i % bases.length]!, i, random);
    const enrolled = await new AgentClient({ server: opts.url, httpAgent }).enroll({ token: tokens[Math.floor(i / per)]!, hostname: host.hostname, machineId: null, agentVersion: 'loadgen' });
    const client = new AgentClient({ server: opts.url, httpAgent, credentials: { agentId: enrolled.agentId, secret: enrolled.secret } });
    return { host, client, agentId: enrolled.agentId, reports: 0, busy: false };
  });
  opts.progress?.(`enrolled ${sims.length} agents in ${tokens.length} institution(s) ${institution}-*`);
  return sims;
}

/**
 * Simulated agents sending reports through the real agent tRPC client: each host's first report is
 * full, later ones are deltas (mostly `unchanged`), now and then a section drifts. Bounded by
 * `durationS`; requests still in flight at the end are awaited, never abandoned.
 */
export async function runLoad(opts: LoadOptions, sims?: Sim[]): Promise<LoadResult> {
  const u = new URL(opts.url);
  if (!LOOPBACK.has(u.hostname)) throw new Error(`the load generator only targets loopback, not ${u.hostname}`);
  const agents = sims ?? (await enrollSimulatedAgents(opts));
  const random = prng((opts.seed ?? 1) + 7);
  const concurrency = opts.concurrency ?? 16;
  const drift = opts.driftRatio ?? 0.05;
  const result: LoadResult = { agents: agents.length, sent: 0, acked: 0, errors: 0, errorSamples: [], elapsedS: 0, reportsPerS: 0, latenciesMs: [], fullBytes: [], steadyBytes: [] };
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + opts.durationS * 1000;
  let cursor = 0;
  let lastProgress = start;
  let lastAcked = 0;

  const sendOne = async (sim: Sim) => {
    if (sim.reports > 0 && random() < drift) sim.host.drift();
    const report: Report = sim.host.next(sim.agentId, new Date());
    const bytes = Buffer.byteLength(JSON.stringify(report));
    (sim.reports === 0 ? result.fullBytes : result.steadyBytes).push(bytes);
    sim.reports += 1;
    result.sent += 1;
    const t0 = performance.now();
    try {
      const ack = await sim.client.report(report);
      latencies.push(performance.now() - t0);
      sim.host.acknowledge(report, ack.resend);
      result.acked += 1;
    } catch (e) {
      result.errors += 1;
      if (result.errorSamples.length < 5) result.errorSamples.push(describeSendError(e).message);
    }
  };

  const progress = () => {
    const now = performance.now();
    if (now - lastProgress < 1000) return;
    const rps = ((result.acked - lastAcked) * 1000) / (now - lastProgress);
    const sorted = latencies.slice(-5000).sort((a, b) => a - b);
    opts.progress?.(`t=${((now - start) / 1000).toFixed(0)}s sent=${result.sent} acked=${result.acked} errors=${result.errors} ${rps.toFixed(0)} reports/s p99=${percentile(sorted, 99).toFixed(1)}ms`);
    lastProgress = now;
    lastAcked = result.acked;
  };

  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = 0; ; n++) {
        const now = performance.now();
        if (now >= deadline) return;
        if (opts.rate > 0) {
          // Open pacing shared by the workers: report k is due at start + k/rate.
          const due = start + (result.sent * 1000) / opts.rate;
          if (due > now) {
            await new Promise((r) => setTimeout(r, Math.min(due - now, deadline - now)));
            continue;
          }
        }
        // One report per host at a time, as a real agent sends its outbox in order.
        let sim: Sim | undefined;
        for (let tries = 0; tries < agents.length && !sim; tries++) {
          const candidate = agents[cursor++ % agents.length]!;
          if (!candidate.busy && !(opts.once && candidate.reports > 0)) sim = candidate;
        }
        if (!sim && opts.once && !agents.some((a) => a.reports === 0)) return;
        if (!sim) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        sim.busy = true;
        await sendOne(sim);
        sim.busy = false;
        if (worker === 0) progress();
      }
    }),
  );
  result.elapsedS = (performance.now() - start) / 1000;
  result.latenciesMs = latencies.sort((a, b) => a - b);
  result.reportsPerS = result.acked / result.elapsedS;
  return result;
}

const USAGE = `pnpm loadgen [--agents N] [--rate R] [--duration S] [--url URL] [--concurrency C] [--data-dir DIR | --database-url URL]
             [--drift X] [--hosts-per-institution N] [--seed N]
  Enrolls N simulated agents on a running server and sends their reports for S seconds (R reports/s
  offered, 0 = as fast as C connections allow); prints one JSON line of results. Tokens are made in the
  server's database: --data-dir / --database-url, else WEIAN_DATA_DIR / DATABASE_URL.
  Defaults: --agents 100 --rate 0 --duration 10 --url http://127.0.0.1:8080 --concurrency 16 --drift 0.05.`;

async function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '100' },
      rate: { type: 'string', default: '0' },
      duration: { type: 'string', default: '10' },
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      concurrency: { type: 'string', default: '16' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      drift: { type: 'string', default: '0.05' },
      'hosts-per-institution': { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
    },
  });
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  // The target server's data, for enrollment tokens: flags, else this shell's WEIAN_DATA_DIR / DATABASE_URL.
  const serverEnv: Record<string, string> = {};
  const dataDir = values['data-dir'] ?? process.env.WEIAN_DATA_DIR;
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (dataDir) serverEnv.WEIAN_DATA_DIR = dataDir;
  if (databaseUrl) serverEnv.DATABASE_URL = databaseUrl;
  const log = (l: string) => console.error(`loadgen: ${l}`);
  const r = await runLoad({
    url: values.url!,
    agents: num('agents', values.agents, 1, 200_000),
    rate: num('rate', values.rate, 0, 100_000),
    durationS: num('duration', values.duration, 1, 3600),
    concurrency: num('concurrency', values.concurrency, 1, 1024),
    driftRatio: num('drift', values.drift, 0, 1),
    hostsPerInstitution: num('hosts-per-institution', values['hosts-per-institution'], 1, 10_000),
    seed: num('seed', values.seed, 0, 2 ** 31),
    serverEnv,
    progress: log,
  });
  const avg = (a: number[]) => (a.length ? Math.round(a.reduce((x, y) => x + y, 0) / a.length) : null);
  console.log(
    JSON.stringify({
      agents: r.agents,
      sent: r.sent,
      acked: r.acked,
      errors: r.errors,
      errorSamples: r.errorSamples,
      elapsedS: +r.elapsedS.toFixed(2),
      reportsPerS: Math.round(r.reportsPerS),
      p50Ms: +percentile(r.latenciesMs, 50).toFixed(2),
      p99Ms: +percentile(r.latenciesMs, 99).toFixed(2),
      fullBytesAvg: avg(r.fullBytes),
      steadyBytesAvg: avg(r.steadyBytes),
    }),
  );
  if (r.errors) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(`loadgen: ${e.message.split('\n')[0]} (pnpm loadgen --help)`);
    process.exit(2);
  });
}
