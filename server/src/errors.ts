/** Domain errors thrown by services; one place (trpc/init.ts) maps them to tRPC errors, HTTP code to status. */
export type DomainErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS' | 'PRECONDITION_FAILED';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badRequest = (m: string) => new DomainError('BAD_REQUEST', m);
export const unauthorized = (m: string) => new DomainError('UNAUTHORIZED', m);
export const forbidden = (m: string) => new DomainError('FORBIDDEN', m);
export const notFound = (m: string) => new DomainError('NOT_FOUND', m);
export const conflict = (m: string) => new DomainError('CONFLICT', m);

export const HTTP_STATUS: Record<DomainErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  PRECONDITION_FAILED: 412,
};
