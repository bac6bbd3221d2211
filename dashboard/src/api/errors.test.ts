import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { toApiError } from './errors.js';

describe('toApiError', () => {
  it('maps tRPC error codes to what the views show', () => {
    const e = TRPCClientError.from({ error: { code: -32004, message: 'host h1 not found', data: { code: 'NOT_FOUND', httpStatus: 404 } } });
    expect(toApiError(e)).toMatchObject({ kind: 'notFound', message: 'host h1 not found' });
    const u = TRPCClientError.from({ error: { code: -32001, message: 'no session', data: { code: 'UNAUTHORIZED', httpStatus: 401 } } });
    expect(toApiError(u).kind).toBe('unauthorized');
    const i = TRPCClientError.from({ error: { code: -32603, message: 'internal server error', data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 } } });
    expect(toApiError(i).kind).toBe('server');
  });

  it('treats an answer-less failure as a network error', () => {
    expect(toApiError(TRPCClientError.from(new TypeError('Failed to fetch'))).kind).toBe('network');
    expect(toApiError(new Error('socket hang up')).kind).toBe('network');
  });
});
