import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

export type AgentRow = Out<ApiClient['agents']['list']['query']>[number];
export type UpgradeResult = Out<ApiClient['agents']['upgrade']['mutate']>;
export type EnrollmentToken = Out<ApiClient['agents']['createToken']['mutate']>;
export type Rule = Out<ApiClient['rules']['list']['query']>[number];
export type UserRow = Out<ApiClient['users']['list']['query']>[number];
export type NewUser = In<ApiClient['users']['create']['mutate']>;
export type AuditEntry = Out<ApiClient['audit']['list']['query']>[number];

/** Agents, enrollment tokens, the rule catalogue, users and the audit log. */
export const adminApi = {
  agents: () => call(() => api().agents.list.query({})),
  createToken: (institutionCode: string, uses: number, expiresInHours: number) => call(() => api().agents.createToken.mutate({ institutionCode, uses, expiresInHours })),
  /** One agent, or (no id) every outdated agent the user sees. */
  upgradeAgents: (agentId?: string) => call(() => api().agents.upgrade.mutate(agentId ? { agentId } : {})),
  revokeAgent: (agentId: string, reason: string) => call(() => api().agents.revoke.mutate({ agentId, reason })),
  rules: () => call(() => api().rules.list.query()),
  users: () => call(() => api().users.list.query()),
  createUser: (input: NewUser) => call(() => api().users.create.mutate(input)),
  deleteUser: (userId: string) => call(() => api().users.delete.mutate({ userId })),
  audit: (before?: string) => call(() => api().audit.list.query({ limit: 100, before })),
};
