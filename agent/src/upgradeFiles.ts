/** Where an upgrade keeps the executable it replaced (upgrade.ts), and where the systemd unit's start guard finds it (service.ts). */
export const backupPath = (executable: string) => `${executable}.previous`;

/**
 * Where a deb or rpm upgrade keeps the program it replaces (upgrade.ts): in the agent's data directory.
 * The packaged unit's start guard runs its `weian-agent` in the packages' data directory (service.ts).
 */
export const keptProgramPath = (dataDir: string) => `${dataDir}/weian-agent.previous`;

/** The data directory of a packaged agent: the install line and the packages' own hint enroll with `--data-dir` it. */
export const PACKAGED_DATA_DIR = '/var/lib/weian-agent';
