/** Set to true by the single-executable build (agent/scripts/build.mjs); absent everywhere else. */
declare const __WEIAN_SEA__: boolean | undefined;

export const isSingleExecutable = typeof __WEIAN_SEA__ !== 'undefined' && __WEIAN_SEA__ === true;

/**
 * The command line that starts this same agent again: the single executable alone, or node with
 * the script (plus, in development, tsx's loader flags from execArgv). As a single executable Node
 * also puts the executable's path in argv[1], so arguments start at argv[2] in every form.
 */
export function selfInvocation(): string[] {
  return isSingleExecutable ? [process.execPath] : [process.execPath, ...process.execArgv, process.argv[1]!];
}
