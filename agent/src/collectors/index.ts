import type { SectionName } from '@weian/shared';
import { backups } from './backups.js';
import { device } from './device.js';
import { patches } from './patches.js';
import { ports } from './ports.js';
import { security } from './security.js';
import type { Collector } from './types.js';

/** One collector per report section, in report order. */
export const collectors: { [K in SectionName]: Collector<K> } = {
  device,
  patches,
  ports,
  backups,
  security,
};

export type { Collector, CollectContext } from './types.js';
export { CollectError } from './types.js';
