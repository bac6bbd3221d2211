import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type DbHandle } from '../../server/src/storage/db.js';
import { listReceipts } from '../../server/src/storage/reports.js';
import { agentBundle } from '../helpers/bundles.js';
import { REPO, lastLine, runCli, type CliResult, type ServerProcess } from '../helpers/index.js';

/** Shared by the sync and fault tests: a real enrolled agent and a way to run it as a process. */
/** Collections answer from a committed capture: real collectors on real recorded output, without live probing of this machine. */
export const REPLAY = { WEIAN_AGENT_REPLAY: join(REPO, 'agent/fixtures/debian12') };

export interface EnrolledAgent {
  configPath: string;
  outboxDir: string;
  hostId: string;
  agentId: string;
}

/** One enrollment token per server and institution, good for every agent a test file enrolls (a server CLI start costs seconds). */
const tokens = new WeakMap<ServerProcess, Map<string, Promise<string>>>();
export function enrollmentToken(server: ServerProcess, institution: string): Promise<string> {
  let byInstitution = tokens.get(server);
  if (!byInstitution) tokens.set(server, (byInstitution = new Map()));
  let token = byInstitution.get(institution);
  if (!token) {
    token = runCli('server', ['token', 'create', '--institution', institution, '--name', '测试医院', '--region', '330106', '--uses', '100'], { env: server.env }).then((r) => {
      if (r.code !== 0) throw new Error(r.stderr);
      return lastLine(r.stdout);
    });
    byInstitution.set(institution, token);
  }
  return token;
}

export async function enrollAgent(server: ServerProcess, institution = 'ZJ-XH-001'): Promise<EnrolledAgent> {
  const configPath = join(server.dataDir, `agent-${Math.random().toString(36).slice(2)}`, 'agent.json');
  const enroll = await agentCli(['enroll', '--server', server.url, '--token', await enrollmentToken(server, institution), '--config', configPath]);
  if (enroll.code !== 0) throw new Error(enroll.stderr);
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { agentId: string; hostId: string };
  return { configPath, outboxDir: join(configPath, '..', 'outbox'), hostId: config.hostId, agentId: config.agentId };
}

/** Report ids queued in an agent's outbox, oldest first. */
export function queued(agent: EnrolledAgent): string[] {
  try {
    return readdirSync(agent.outboxDir)
      .filter((n) => /^\d{12}-.*\.json$/.test(n))
      .sort()
      .map((n) => n.slice(13, -5));
  } catch {
    return [];
  }
}

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  /** Report ids the agent logged as acknowledged, in order. */
  acknowledged(): string[];
  /** Report ids the agent logged as queued (collected), in order. */
  queued(): string[];
  exited: Promise<number | null>;
  kill9(): Promise<void>;
  stop(): Promise<number | null>;
}

/** `weian-agent <args>` to completion (bounded by `timeoutMs`), collecting from the capture. */
export async function agentCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  const bundle = await agentBundle();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: REPO, env: { ...process.env, ...REPLAY, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weian-agent ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `weian-agent <args>` as a real process (node running the bundle: SIGKILL hits the agent itself) that the test can kill at any moment. */
export async function startAgent(args: string[], env: Record<string, string> = {}): Promise<AgentProcess> {
  const child = spawn(process.execPath, [await agentBundle(), ...args], { cwd: REPO, env: { ...process.env, ...REPLAY, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output: () => out,
    acknowledged: () => [...out.matchAll(/report ([0-9a-f-]{36}) acknowledged/g)].map((m) => m[1]!),
    queued: () => [...out.matchAll(/report ([0-9a-f-]{36}) queued/g)].map((m) => m[1]!),
    exited,
    kill9: async () => {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!gone()) child.kill('SIGTERM');
      // A stop that hangs is a finding, not a reason to hang the suite.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * What storage holds from this agent, oldest first, read straight from the server's SQLite file
 * (no user session needed). Agents enrolled on one machine share its host, hence the filter.
 */
export async function storedReports(server: ServerProcess, agent: EnrolledAgent) {
  const handle = openDb({ dataDir: server.dataDir });
  try {
    return (await listReceipts(handle.db, agent.hostId, 100_000)).filter((r) => r.agent_id === agent.agentId).reverse();
  } finally {
    await handle.close();
  }
}

/** Runs `fn` with the server's database open, as an operator's script would. */
export async function withDb<T>(server: ServerProcess, fn: (db: DbHandle['db']) => Promise<T>): Promise<T> {
  const handle = openDb({ dataDir: server.dataDir });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}
