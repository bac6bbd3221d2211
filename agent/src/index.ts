export { AgentClient, describeSendError } from './client.js';
export { collectReport, toDelta, sectionHash } from './collect.js';
export { liveRunner, replayRunner, capturingRunner, type Runner } from './runner.js';
export { AgentConfig, loadConfig, localConfig } from './config.js';
