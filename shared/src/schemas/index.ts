export * from './common.js';
export * from './sections.js';
export * from './report.js';
export * from './credentials.js';
export * from './identities.js';
