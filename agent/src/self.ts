/** Set to true by the single-executable build (agent/scripts/build.mjs); absent everywhere else. */
declare const __WEIAN_SEA__: boolean | undefined;

export const isSingleExecutable = typeof __WEIAN_SEA__ !== 'undefined' && __WEIAN_SEA__ === true;

/** Set to "glibc217" by the build of the bundle for Node 16 (CentOS/RHEL/NeoKylin 7, the el7 rpm); absent everywhere else. */
declare const __WEIAN_FLAVOUR__: string | undefined;

/** The build this agent is: the el7 bundle knows itself, so it upgrades only from the el7 rpm (upgrade.ts, agentInstall). */
export const buildFlavour: 'glibc217' | null = typeof __WEIAN_FLAVOUR__ !== 'undefined' && __WEIAN_FLAVOUR__ === 'glibc217' ? 'glibc217' : null;

/**
 * The command line that starts this same agent again: the single executable alone, or node with
 * the script (plus, in development, tsx's loader flags from execArgv). As a single executable Node
 * also puts the executable's path in argv[1], so arguments start at argv[2] in every form.
 */
export function selfInvocation(): string[] {
  return isSingleExecutable ? [process.execPath] : [process.execPath, ...process.execArgv, process.argv[1]!];
}

/** This build, as agentInstall (upgrade.ts) tells how it was installed. */
export const thisBuild = { singleExecutable: isSingleExecutable, flavour: buildFlavour };
