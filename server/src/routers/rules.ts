import { RULE_DATA } from '@weian/shared';
import { authed, router } from '../trpc/init.js';

export const rulesRouter = router({
  /** The rule catalogue with articles, thresholds and remediation: the same for everyone. */
  list: authed('regions:read').query(() => RULE_DATA),
});
