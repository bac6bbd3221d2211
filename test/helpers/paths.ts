import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
export const SERVER_CLI = fileURLToPath(new URL('../../server/src/cli.ts', import.meta.url));
export const AGENT_CLI = fileURLToPath(new URL('../../agent/src/cli.ts', import.meta.url));
