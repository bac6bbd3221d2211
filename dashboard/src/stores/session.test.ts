import { TRPCClientError } from '@trpc/client';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { call } from '../api/errors.js';
import { useSessionStore } from './session.js';

const rejected = (code: string) => () => Promise.reject(TRPCClientError.from({ error: { code: -32001, message: code, data: { code } } }));

describe('session store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('ends the session when any API call is answered UNAUTHORIZED', async () => {
    const session = useSessionStore();
    session.user = { id: 'u1', username: 'admin', displayName: '管理员', role: 'admin', scopeCode: null, regionCode: null, institutionCode: null };
    session.status = 'signedIn';
    await expect(call(rejected('UNAUTHORIZED'))).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(session.status).toBe('signedOut');
    expect(session.user).toBeNull();
  });

  it('keeps the session on other errors, and when a sign-in attempt itself is refused', async () => {
    const session = useSessionStore();
    session.status = 'signedIn';
    await expect(call(rejected('FORBIDDEN'))).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(call(rejected('UNAUTHORIZED'), { reportUnauthorized: false })).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(session.status).toBe('signedIn');
  });
});
