import { AGENT_AUTH_SCHEME as SHARED_SCHEME } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import { AGENT_AUTH_SCHEME } from './client.js';

describe('client', () => {
  it('spells the auth scheme as the wire contract does', () => {
    expect(AGENT_AUTH_SCHEME).toBe(SHARED_SCHEME);
  });
});
