export * from './paths.js';
export * from './cli.js';
export * from './server.js';
export * from './trpc.js';
export * from './wait.js';
export * from './auth.js';
export * from './agentOnce.js';
