/**
 * The one version of WeiAn: the agent reports it, the server compares agents against it, and the
 * packages (deb, rpm, msi) carry it. The package.json files repeat it (a test keeps them equal);
 * agent/scripts/build.mjs reads it from here.
 */
export const WEIAN_VERSION = '0.1.0';

/** MAJOR.MINOR.PATCH compared numerically: negative when a is older than b. Anything unreadable sorts oldest. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => (/^\d+\.\d+\.\d+$/.test(v) ? v.split('.').map(Number) : [-1, -1, -1]);
  const [x, y] = [parse(a), parse(b)];
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
}

/** An agent older than this server's build: the fleet view marks it for upgrade. Unknown versions count as outdated. */
export const isOutdated = (agentVersion: string | null | undefined, current = WEIAN_VERSION) => compareVersions(agentVersion ?? '', current) < 0;
