/**
 * The one version of WeiAn: the agent reports it, the server compares agents against it, and the
 * packages (deb, rpm, msi) carry it. The package.json files repeat it (a test keeps them equal);
 * agent/scripts/build.mjs reads it from here.
 */
export const WEIAN_VERSION = '0.1.0';
