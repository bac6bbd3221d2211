#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentClient, describeSendError, readCa } from './client.js';
import { ChildError, COLLECT_CHILD_COMMAND, runSelf } from './collect-process.js';
import type { AgentConfig } from './config.js';
import { loadState, saveState } from './state.js';
import { loadSelfCheck, recordSelfCheck } from './selfCheck.js';
import { AgentRevokedError, agentPaths, clientFor, drainOutbox, outboxFor, sleep, type AgentPaths } from './sync.js';
import { INSTALL_SERVICE_SUMMARY } from './service.js';
import { buildFlavour, thisBuild } from './self.js';
import type { AgentInstall, AgentInstallKind } from '@weian/shared/agentCommands';
import { AGENT_VERSION } from './version.js';

// Collectors, systeminformation, the runner and the schemas (zod) are imported only by the commands
// that need them, so the long-lived `run` process never loads them (see collect-process.ts).
const configModule = () => import('./config.js');
class UsageError extends Error {}
const collecting = () => Promise.all([import('./collect.js'), import('./runner.js')]);

/**
 * A scheduled collection (`once`, and each `run` child). Live, expensive package-manager reads are
 * remembered in the data directory, since every collection is a fresh process; WEIAN_AGENT_REPLAY
 * (tests, benchmarks) answers from a capture instead of the host and needs no memo.
 */
async function scheduledCollection(paths: AgentPaths, config: AgentConfig) {
  const [{ collectReport }, { liveRunner, replayRunner }, { fileMemo }] = await Promise.all([import('./collect.js'), import('./runner.js'), import('./collectors/helpers/memo.js')]);
  const replay = process.env.WEIAN_AGENT_REPLAY;
  if (replay) return collectReport({ runner: await replayRunner(resolve(replay)), config });
  const memo = await fileMemo(paths.memo);
  const report = await collectReport({ runner: liveRunner(), config, memo, liveSecrets: true });
  // A memo that cannot be written costs the next collection time, never its report.
  await memo.save().catch((e: Error) => console.error(`weian-agent: could not save ${paths.memo}: ${e.message}`));
  return report;
}

const DEFAULT_CONFIG = process.platform === 'win32' ? 'C:\\ProgramData\\WeiAn\\agent.json' : '/etc/weian/agent.json';

/** Exit status of a revoked agent: the service manager is told not to restart it (EX_CONFIG). */
export const EXIT_REVOKED = 78;
/** Exit status after an upgrade or a rollback (EX_TEMPFAIL): the service manager (Restart=on-failure) starts the executable now in place. */
export const EXIT_RESTART = 75;

const USAGE = `weian-agent ${AGENT_VERSION}${buildFlavour === 'glibc217' ? ' (glibc 2.17 build: CentOS/RHEL/NeoKylin 7, upgraded remotely from the el7 rpm)' : ''}

Commands:
  enroll --server URL --token T [--ca FILE] [--insecure] [--config FILE] [--data-dir DIR]
                                                  trade a one-time enrollment token for this agent's identity
  once [--config FILE]                            send what is queued, then collect and send one report;
                                                  exits 1 (report kept queued) when the server cannot be reached
  once --print [--replay DIR]                     collect (or rebuild from a capture) and print the report as JSON; no server needed
  capture DIR [--config FILE]                     record the raw output of every command the collectors run into DIR,
                                                  with the config's backup jobs (config.json) so a replay judges them
  run [--config FILE]                             keep running: collect on schedule, send, heartbeat, take server commands
  run --trial [--config FILE]                     start-up check an upgrade runs before the new version replaces the old:
                                                  config, modules and the server's reach; exits 0, touches nothing
  scan --targets FILE [--only-ports LIST]         scanner mode: TCP-connect the high-risk ports of the public addresses, ranges and
                                                  domains in FILE ({"targets":[…],"ports":[…],"limits":{…}}) at a bounded rate,
                                                  print one JSON line per open port (banner, SSH host key, TLS certificate, HTTP title, rules)
  scan --server URL --scanner ID --secret S [--ca FILE] [--keep-running] [--resolver IP[:PORT]]…
                                                  the same on the list the server hands this scanner, and report what it saw back,
                                                  at the rate, concurrency, interval and window the region set (a round not yet due
                                                  scans nothing; --keep-running: wait for each round); --resolver: resolve the
                                                  registered domains through these DNS servers, as the Internet sees them
                                                  (--documentation-targets: take the RFC 5737/3849 documentation ranges as public, labs only)
  status [--config FILE]                          enrollment, last successful sync, outbox depth, last error,
                                                  sections the last collection withheld as invalid (selfCheck)
  rotate-secret [--config FILE]                   replace this agent's secret (the old one stops working once the new one is used)
  install-service [--config FILE] [--dry-run] [--no-start]
                                                  ${INSTALL_SERVICE_SUMMARY}

--config defaults to ${DEFAULT_CONFIG}
--ca FILE: PEM of the CA that signed the server's certificate (kept in the config for later runs)
--data-dir DIR: where the outbox and sync state live (default: beside the config; the packages use /var/lib/weian-agent)
`;

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Test seams, never set in production: faster schedules, and a pause between send and recording the answer. */
const envMs = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `weian-agent <command> --help` answers like `weian-agent --help` (the usage covers every command).
  if (command && command !== COLLECT_CHILD_COMMAND && rest.some((a) => a === '--help' || a === '-h')) {
    console.log(USAGE);
    return 0;
  }
  const { ConfigError, loadConfig, localConfig, saveConfig, readCaptureConfig, capturePart, CAPTURE_CONFIG_FILE } = command === 'run' ? ({} as never) : await configModule();
  const configOption = { config: { type: 'string' } } as const;
  switch (command) {
    case 'enroll': {
      const { values } = parseArgs({
        args: rest,
        options: { server: { type: 'string' }, token: { type: 'string' }, ca: { type: 'string' }, insecure: { type: 'boolean' }, 'data-dir': { type: 'string' }, ...configOption },
      });
      if (!values.server || !values.token) throw new ConfigError('enroll needs --server URL and --token T');
      const url = new URL(values.server);
      if (url.protocol === 'http:' && !isLoopback(url.hostname) && !values.insecure) {
        throw new ConfigError(
          `refusing to send the enrollment token and later the agent's secret in clear text to ${url.host}: use https:// (with --ca FILE for a private CA), or --insecure on a network you trust`,
        );
      }
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const caFile = values.ca ? resolve(values.ca) : undefined;
      const { default: si } = await import('systeminformation');
      const machineId = await si.uuid().then(
        (u) => u.os || null,
        () => null,
      );
      const result = await new AgentClient({ server: values.server, ca: readCa(caFile) }).enroll({ token: values.token, hostname: hostname(), machineId, agentVersion: AGENT_VERSION });
      await saveConfig(
        configPath,
        localConfig({
          server: values.server,
          agentId: result.agentId,
          secret: result.secret,
          hostId: result.hostId,
          institution: result.institution,
          settings: result.settings,
          serverKey: result.serverKey,
          caFile,
          dataDir: values['data-dir'] ? resolve(values['data-dir']) : undefined,
        }),
      );
      console.log(`enrolled as ${result.agentId} (host ${result.hostId}) in ${result.institution.name}; config written to ${configPath}`);
      return 0;
    }
    case 'once': {
      const { values } = parseArgs({ args: rest, options: { print: { type: 'boolean' }, replay: { type: 'string' }, ...configOption } });
      if (values.print) {
        const [{ collectReport }, { liveRunner, replayRunner }] = await collecting();
        const runner = values.replay ? await replayRunner(resolve(values.replay)) : liveRunner();
        // A capture carries the backup jobs it was made with: a replay judges them unless --config says otherwise.
        const config = values.config ? await loadConfig(resolve(values.config)) : localConfig(values.replay ? await readCaptureConfig(resolve(values.replay)) : {});
        // Live, the weak-password check (when the config turns it on) reads /etc/shadow directly; a replay never does.
        console.log(JSON.stringify(await collectReport({ runner, config, liveSecrets: !values.replay }), null, 2));
        return 0;
      }
      if (values.replay) throw new ConfigError('--replay goes with --print');
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const config = await loadConfig(configPath);
      const paths = agentPaths(configPath, config);
      const outbox = outboxFor(paths, config);
      const report = await scheduledCollection(paths, config);
      await recordSelfCheck(paths.selfCheck, report, new Date().toISOString(), (m) => console.error(`weian-agent: ${m}`));
      const dropped = await outbox.enqueue(report);
      if (dropped.length) console.error(`outbox full: dropped the ${dropped.length} oldest queued report(s)`);
      const pause = envMs('WEIAN_AGENT_PAUSE_AFTER_SEND_MS');
      try {
        const r = await drainOutbox(
          { client: clientFor(config), outbox, statePath: paths.state, now: () => new Date(), random: Math.random, sleep, afterSend: pause ? () => sleep(pause) : undefined },
          { maxAttempts: 3 },
        );
        for (const ack of r.acks) console.log(`report ${ack.reportId} acknowledged at ${ack.receivedAt}`);
        if (r.error) {
          console.error(`weian-agent: could not send (${r.remaining} report(s) kept in the outbox): ${r.error}`);
          return 1;
        }
        return 0;
      } catch (e) {
        if (e instanceof AgentRevokedError) {
          console.error(`weian-agent: the server refused this agent: ${e.message}`);
          return EXIT_REVOKED;
        }
        throw e;
      }
    }
    case '__config': {
      const { values } = parseArgs({ args: rest, options: configOption });
      process.stdout.write(JSON.stringify(await loadConfig(resolve(values.config ?? DEFAULT_CONFIG))));
      return 0;
    }
    case COLLECT_CHILD_COMMAND: {
      // Run by `run` in a child process: collect once and hand the full report back on stdout.
      const { values } = parseArgs({ args: rest, options: configOption });
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const config = await loadConfig(configPath);
      const report = JSON.stringify(await scheduledCollection(agentPaths(configPath, config), config));
      await new Promise<void>((done, fail) => process.stdout.write(report, (e) => (e ? fail(e) : done())));
      return 0;
    }
    case 'capture': {
      const { values, positionals } = parseArgs({ args: rest, options: configOption, allowPositionals: true });
      const dir = positionals[0];
      if (!dir) throw new ConfigError('capture needs a directory: weian-agent capture DIR');
      // The agent's own config when there is one (its backup jobs are part of what is judged); a host
      // not enrolled yet is captured with none. A --config that cannot be read is an error.
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const config = values.config || existsSync(configPath) ? await loadConfig(configPath) : localConfig();
      const [{ collectReport }, { capturingRunner, liveRunner }] = await collecting();
      const runner = capturingRunner(liveRunner(), resolve(dir));
      await collectReport({ runner, config: localConfig(capturePart(config)) });
      await runner.save();
      await writeFile(join(resolve(dir), CAPTURE_CONFIG_FILE), JSON.stringify(capturePart(config), null, 2) + '\n');
      console.log(`capture written to ${resolve(dir)}; rebuild it with: weian-agent once --print --replay ${resolve(dir)}`);
      return 0;
    }
    case 'run': {
      // The agent idles between small bursts of work: V8's optimizing tiers would buy it nothing
      // but would page in megabytes of compiler code that then stay resident for weeks.
      const { setFlagsFromString } = await import('node:v8');
      setFlagsFromString('--no-opt');
      setFlagsFromString('--no-sparkplug');
      const { values } = parseArgs({ args: rest, options: { trial: { type: 'boolean' }, ...configOption } });
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      // Validated by a short-lived child: the schemas are not worth keeping in memory for the agent's lifetime.
      const config = JSON.parse(await runSelf(['__config', '--config', configPath])) as AgentConfig;
      const [{ startDaemon }, { collectInChild }, upgrades] = await Promise.all([import('./daemon.js'), import('./collect-process.js'), import('./upgrade.js')]);
      const paths = agentPaths(configPath, config);
      const upgradeDeps = (kind: AgentInstallKind | null) =>
        upgrades.nodeUpgradeDeps({ server: config.server, ca: readCa(config.caFile), serverKey: config.serverKey, kind, dir: paths.dataDir, currentVersion: AGENT_VERSION, configPath });
      if (values.trial) {
        // Started by the version before this one, before it hands over (upgrade.ts): the way up is
        // proven, the server is within reach with this config's CA, and nothing (outbox, state, marker) is touched.
        for await (const chunk of upgrades.downloadFrom(config.server, readCa(config.caFile))('SHA256SUMS')) void chunk;
        console.log(`trial of ${AGENT_VERSION} passed`);
        return 0;
      }
      // An upgrade left on disk by the last run ends here: reported with the next heartbeat, or rolled back.
      const settled = await upgrades.settleUpgrade(upgradeDeps(null));
      if (settled) {
        await saveState(paths.state, { ...(await loadState(paths.state)), upgrade: settled.outcome });
        console.log(`upgrade ${settled.outcome.fromVersion} → ${settled.outcome.toVersion}: ${settled.outcome.status}${settled.outcome.reason ? ` (${settled.outcome.reason})` : ''}`);
        if (settled.restart) return EXIT_RESTART;
      }
      const pause = envMs('WEIAN_AGENT_PAUSE_AFTER_SEND_MS');
      // Asked of the package managers once: the heartbeats tell the server, upgrades go by it.
      let install: Promise<AgentInstall> | undefined;
      const installed = () => (install ??= upgrades.agentInstall(process.execPath, thisBuild));
      const daemon = startDaemon({
        config,
        paths,
        client: clientFor(config),
        collect: () => collectInChild(configPath),
        log: (line) => console.log(line),
        intervalMs: envMs('WEIAN_AGENT_INTERVAL_MS'),
        heartbeatMs: envMs('WEIAN_AGENT_HEARTBEAT_MS'),
        afterSend: pause ? () => sleep(pause) : undefined,
        // upgradeDeps() reads config.serverKey when called: a key the daemon pinned meanwhile counts.
        install: installed,
        upgrade: async (cmd) => upgrades.runUpgrade(cmd, upgradeDeps((await installed()).kind)),
        upgradeReported: (outcome) => upgrades.confirmUpgrade(upgradeDeps(null), outcome),
      });
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => daemon.stop());
      const { revoked, restart } = await daemon.done;
      if (restart) return EXIT_RESTART;
      if (revoked) {
        console.error(`weian-agent: stopped: the server refused this agent (${revoked})`);
        return EXIT_REVOKED;
      }
      return 0;
    }
    case 'scan': {
      const { values } = parseArgs({
        args: rest,
        options: {
          targets: { type: 'string' },
          'only-ports': { type: 'string' },
          server: { type: 'string' },
          scanner: { type: 'string' },
          secret: { type: 'string' },
          ca: { type: 'string' },
          'documentation-targets': { type: 'boolean' },
          resolver: { type: 'string', multiple: true },
          'keep-running': { type: 'boolean' },
        },
      });
      const online = values.server && values.scanner && values.secret ? { scannerId: values.scanner, secret: values.secret } : null;
      if (!values.targets && !online) throw new ConfigError('scan needs --targets FILE, or --server URL --scanner ID --secret S');
      const client = online ? new AgentClient({ server: values.server!, ca: readCa(values.ca ? resolve(values.ca) : undefined) }) : null;
      const { scanRound } = await import('./scan/round.js');
      const round = () =>
        scanRound({
          client: client && online ? { client, credentials: online } : null,
          targetsFile: values.targets ? resolve(values.targets) : null,
          onlyPorts: values['only-ports'] ? values['only-ports'].split(',').map(Number) : null,
          documentation: values['documentation-targets'] === true,
          resolvers: values.resolver ?? [],
          // WEIAN_SCAN_LOOPBACK: tests only, on loopback aliases they made; a real list holds public targets only.
          loopback: process.env.WEIAN_SCAN_LOOPBACK === '1',
        });
      if (!values['keep-running']) {
        await round();
        return 0;
      }
      // A scanner left running: a round whenever the server says one is due, the list fetched again each time (settings change).
      for (;;) {
        const next = await round();
        await new Promise((r) => setTimeout(r, Math.min(Math.max((next ?? 0) - Date.now(), 60_000), 3_600_000)));
      }
    }
    case 'status': {
      const { values } = parseArgs({ args: rest, options: configOption });
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      let config;
      try {
        config = await loadConfig(configPath);
      } catch (e) {
        console.log(JSON.stringify({ enrolled: false, config: configPath, error: (e as Error).message }, null, 2));
        return 1;
      }
      const paths = agentPaths(configPath, config);
      const state = await loadState(paths.state);
      const outbox = await outboxFor(paths, config).depth();
      const selfCheck = await loadSelfCheck(paths.selfCheck);
      console.log(
        JSON.stringify(
          {
            enrolled: true,
            agentId: config.agentId,
            hostId: config.hostId,
            server: config.server,
            institution: config.institution,
            lastSyncAt: state.lastSyncAt,
            outbox,
            lastError: state.lastError,
            revoked: state.revoked,
            selfCheck,
          },
          null,
          2,
        ),
      );
      return state.revoked ? EXIT_REVOKED : 0;
    }
    case 'rotate-secret': {
      const { values } = parseArgs({ args: rest, options: configOption });
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const config = await loadConfig(configPath);
      const { secret } = await clientFor(config).rotateSecret();
      // Saved before first use: if this process dies here, the old secret still works and nothing is lost.
      const rotated = { ...config, secret };
      await saveConfig(configPath, rotated);
      // With how it was installed, as the daemon's heartbeats say it: a heartbeat without it reads as an agent that does not tell.
      const { agentInstall } = await import('./upgrade.js');
      const install = await agentInstall(process.execPath, thisBuild);
      await clientFor(rotated).heartbeat({ sentAt: new Date().toISOString(), agentVersion: AGENT_VERSION, install });
      console.log(`secret rotated for ${config.agentId}; the old secret no longer works`);
      return 0;
    }
    case '__upgrade-guard': {
      // The unit's ExecStartPre, run by the kept old executable while an upgrade awaits its first report (upgrade.ts, guardStart).
      const { values } = parseArgs({ args: rest, options: configOption });
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const [{ guardStart, MAX_STARTS }, fsp] = await Promise.all([import('./upgrade.js'), import('node:fs/promises')]);
      const guarded = await guardStart({ fs: fsp, currentVersion: AGENT_VERSION, dir: agentPaths(configPath, await loadConfig(configPath)).dataDir });
      if (guarded) console.log(guarded.rolledBack ? `weian-agent: ${guarded.rolledBack}` : `weian-agent: the upgraded version's start ${guarded.starts} of ${MAX_STARTS} before a rollback`);
      return 0;
    }
    case '__upgrade-handover': {
      // Windows: the one-shot SYSTEM task an upgrade registers, run by the kept old executable (windowsSwap.ts).
      const { values } = parseArgs({ args: rest, options: { pid: { type: 'string' }, ...configOption } });
      const configPath = resolve(values.config ?? DEFAULT_CONFIG);
      const [{ handOver, nodeHandoverDeps }, config] = await Promise.all([import('./windowsSwap.js'), loadConfig(configPath)]);
      const ended = await handOver(nodeHandoverDeps({ dir: agentPaths(configPath, config).dataDir, configPath, pid: Number(values.pid) }));
      console.log(`weian-agent: upgrade handover: ${ended ?? 'nothing to hand over'}`);
      return 0;
    }
    case '__unit': {
      // The packages' systemd unit, printed by the build (agent/scripts/packages.mjs): one home for its text.
      const { values } = parseArgs({ args: rest, options: { exec: { type: 'string', multiple: true }, legacy: { type: 'boolean' }, ...configOption } });
      const { packagedUnit } = await import('./service.js');
      process.stdout.write(packagedUnit(values.exec ?? [], { legacySystemd: values.legacy, configPath: values.config ?? DEFAULT_CONFIG }));
      return 0;
    }
    case 'install-service': {
      const { values } = parseArgs({ args: rest, options: { 'dry-run': { type: 'boolean' }, 'no-start': { type: 'boolean' }, ...configOption } });
      const { installService } = await import('./service.js');
      return installService({ configPath: resolve(values.config ?? DEFAULT_CONFIG), dryRun: values['dry-run'] ?? false, start: !values['no-start'], log: (l) => console.log(l) });
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    case '--version':
      console.log(AGENT_VERSION);
      return 0;
  }
  console.error(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

// As a single executable, Node puts the executable's path in argv[1] too, so user arguments start at 2 either way.
const args = process.argv.slice(2);
main(args).then(
  (code) => {
    process.exitCode = code;
    // `run` leaves sockets and timers behind on stop, and a collection may leave a read hanging
    // (a dead NFS mount, a command past its timeout): the outcome is decided, so leave now.
    if (args[0] === 'run' || args[0] === COLLECT_CHILD_COMMAND) process.exit(code);
  },
  async (e: unknown) => {
    if (e instanceof ChildError) {
      console.error(`weian-agent: ${e.message}`);
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    const { ConfigError } = await configModule();
    if (e instanceof ConfigError || e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`weian-agent: ${(e as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(`weian-agent: ${describeSendError(e).message}`);
      process.exitCode = 1;
    }
  },
);
