import { WEIAN_VERSION } from '@weian/shared/version';

/** Set by `build.mjs --version V` (a test builds two versions to upgrade between); absent otherwise. */
declare const __WEIAN_BUILD_VERSION__: string | undefined;

export const AGENT_VERSION = typeof __WEIAN_BUILD_VERSION__ === 'string' ? __WEIAN_BUILD_VERSION__ : WEIAN_VERSION;
