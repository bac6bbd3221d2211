import { TRPCClientError } from '@trpc/client';

/** What a view needs to know about a failure: which message to show (i18n key) and the server's words. */
export type ApiErrorKind = 'network' | 'notFound' | 'unauthorized' | 'forbidden' | 'badRequest' | 'tooLarge' | 'tooMany' | 'server';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The server refused (out of scope, or no such thing): asking again gives the same answer, and its
 * words are for operators (English, with ids), so a page says it in the user's language instead.
 */
export const isRefusal = (e: ApiError | null | undefined): boolean => e?.kind === 'forbidden' || e?.kind === 'notFound';

const BY_CODE: Record<string, ApiErrorKind> = {
  NOT_FOUND: 'notFound',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  BAD_REQUEST: 'badRequest',
  PARSE_ERROR: 'badRequest',
  PAYLOAD_TOO_LARGE: 'tooLarge',
  TOO_MANY_REQUESTS: 'tooMany',
};

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof TRPCClientError) {
    const data = e.data as { code?: string } | undefined | null;
    // No tRPC error code: the request never got an answer (server down, network, proxy).
    if (!data?.code) return new ApiError('network', e.message);
    return new ApiError(BY_CODE[data.code] ?? 'server', e.message);
  }
  return new ApiError('network', e instanceof Error ? e.message : String(e));
}

let onUnauthorized: (() => void) | null = null;

/** Who to tell when the server says the session is gone (expired, revoked): the session store. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

/** Turns a failure into an ApiError and reports a lost session, unless told the caller handles that. */
export function handleError(e: unknown, opts: { reportUnauthorized?: boolean } = {}): ApiError {
  const err = toApiError(e);
  if (err.kind === 'unauthorized' && opts.reportUnauthorized !== false) onUnauthorized?.();
  return err;
}

/** Runs an API call, turning whatever it throws into an ApiError (see handleError). */
export async function call<T>(fn: () => Promise<T>, opts: { reportUnauthorized?: boolean } = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw handleError(e, opts);
  }
}
