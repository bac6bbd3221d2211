import { AGENT_INSTALL_KINDS, NOT_UPGRADABLE_REASONS } from '@weian/shared/agentCommands';
import { describe, expect, it } from 'vitest';
import en from './en.js';
import zhCN from './zh-CN.js';

// The agents view words install kinds and skip reasons by their codes (t(`agentInstallKind.${kind}`)): a kind added in shared needs its label here.
describe('the agents view names how an agent was installed', () => {
  it.each([
    ['zh-CN', zhCN],
    ['en', en],
  ] as const)('%s: every install kind (Windows exe and MSI too) and every reason an upgrade leaves an agent out', (_, messages) => {
    for (const kind of AGENT_INSTALL_KINDS) expect(messages.agentInstallKind[kind], kind).toMatch(/\S/);
    for (const reason of [...NOT_UPGRADABLE_REASONS, 'no-package'] as const) expect(messages.agentInstallKind.reasons[reason], reason).toMatch(/\S/);
  });
});
