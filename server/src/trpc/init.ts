import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { DomainError } from '../errors.js';
import { authenticateAgent, type AuthenticatedAgent } from '../services/agentAuth.js';
import { recordAudit } from '../services/audit.js';
import type { Context } from './context.js';
import { roleHas, type Permission } from './permissions.js';

/** Every user-facing procedure names its permission here; the access test enumerates them. */
export interface Meta {
  permission?: Permission;
  /** Callers that are not users: agents, or anyone (login, enroll). */
  access?: 'agent' | 'public';
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // Never send stacks; an internal error says only that it happened (the log has the rest).
    isDev: false,
    errorFormatter({ shape, error }) {
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      const issues = error.cause instanceof ZodError ? error.cause.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) : undefined;
      return {
        ...shape,
        message: internal ? 'internal server error' : issues ? `invalid input: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}` : shape.message,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...(issues ? { issues } : {}) },
      };
    },
  });

/**
 * The database cannot write (disk full, read-only files, PostgreSQL down or restarting): a clear,
 * retryable SERVICE_UNAVAILABLE instead of an opaque internal error. Agents retry it (a 4xx would
 * make them set the report aside); people read what to fix.
 */
const STORAGE_UNAVAILABLE: Record<string, string> = {
  SQLITE_FULL: 'the disk holding the database is full',
  SQLITE_READONLY: 'the database files are read-only',
  SQLITE_READONLY_DBMOVED: 'the database files are read-only',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_IOERR: 'the disk holding the database failed to write',
  SQLITE_IOERR_WRITE: 'the disk holding the database failed to write',
  SQLITE_IOERR_FSYNC: 'the disk holding the database failed to write',
  SQLITE_IOERR_SHMSIZE: 'the disk holding the database is full',
  ENOSPC: 'the disk holding the data is full',
  EROFS: 'the data directory is read-only',
  ECONNREFUSED: 'the database is not reachable',
  ECONNRESET: 'the connection to the database was lost',
  '53100': 'the disk holding the database is full',
  '57P01': 'the database is restarting',
  '57P02': 'the database is restarting',
  '57P03': 'the database is starting up',
  '08006': 'the connection to the database was lost',
  '08001': 'the database is not reachable',
};
export function storageUnavailable(cause: unknown): string | null {
  for (let e = cause as { code?: unknown; cause?: unknown; message?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && STORAGE_UNAVAILABLE[e.code]) return STORAGE_UNAVAILABLE[e.code]!;
    if (typeof e.message === 'string' && /Connection terminated|terminating connection due to administrator command/.test(e.message)) return 'the connection to the database was lost';
  }
  return null;
}

/**
 * Services throw DomainErrors; this is the one place they become tRPC errors (used by every
 * procedure's middleware and by the agents' HTTP fast path). Storage that cannot write is a 503.
 */
export function apiError(error: TRPCError): TRPCError {
  if (error.cause instanceof DomainError) return new TRPCError({ code: error.cause.code, message: error.cause.message, cause: error.cause });
  const down = error.code === 'INTERNAL_SERVER_ERROR' ? storageUnavailable(error.cause) : null;
  if (down) return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: `storage unavailable: ${down}; nothing was saved, try again later`, cause: error.cause });
  return error;
}
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const mapped = apiError(result.error);
  if (mapped !== result.error) throw mapped;
  return result;
});

/**
 * NUL (U+0000) is refused in every input string, on every transport, once the caller is known: PostgreSQL cannot store it in
 * text ("invalid byte sequence for encoding UTF8: 0x00", an internal error), SQLite would store it
 * and truncate it in C-string consumers, and no field of ours means it. Walked iteratively, as raw
 * input may be nested deeper than the stack (zod bounds it only afterwards).
 */
export function containsNul(input: unknown): boolean {
  const stack: unknown[] = [input];
  for (let seen = 0; stack.length && seen < 1_000_000; seen++) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (k.includes('\u0000')) return true;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}
/**
 * A body that cannot be read is left for input parsing to report. `textFree`: the caller read the
 * JSON text and says no `\u0000` escape is in it (JSON has no other way to carry NUL), which spares the walk.
 */
async function refuseNul(getRawInput: () => Promise<unknown>, textFree?: () => boolean): Promise<void> {
  const raw = await getRawInput().catch(() => undefined);
  if (!textFree?.() && containsNul(raw)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'text may not contain NUL (U+0000) characters' });
}
const noNul = t.middleware(async ({ getRawInput, next }) => {
  await refuseNul(getRawInput);
  return next();
});

/** What an agent's call passes before its input is parsed: its credentials, then no NUL in what it sent. */
export async function agentGate(ctx: Context, getRawInput: () => Promise<unknown>, opts: { cached?: boolean; nulFreeText?: () => boolean } = {}): Promise<AuthenticatedAgent> {
  const agent = await authenticateAgent(ctx.deps, ctx.agentCredentials, opts);
  await refuseNul(getRawInput, opts.nulFreeText);
  return agent;
}
/** The context of an agent's call, once `agentGate` let it through. */
export type AgentContext = Context & { agent: AuthenticatedAgent };

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
const base = t.procedure.use(domainErrors);

/** Anyone: login, agent enrollment (which checks its token). */
export const publicProcedure = base.meta({ access: 'public' }).use(noNul);

/** Authenticated by the agent's secret; `ctx.agent` is the caller. */
export const agentProcedure = base.meta({ access: 'agent' }).use(async ({ ctx, getRawInput, next }) => next({ ctx: { ...ctx, agent: await agentGate(ctx, getRawInput) } }));
/** For calls that confirm `ctx.agent` in their own transaction (agentAuth.ts, confirmAgent): a cached verification lets them through. */
export const confirmingAgentProcedure = base.meta({ access: 'agent' }).use(async ({ ctx, getRawInput, next }) => next({ ctx: { ...ctx, agent: await agentGate(ctx, getRawInput, { cached: true }) } }));

/**
 * A signed-in user holding `permission`. Mutations are written to the audit log, allowed or not:
 * who, when, what (the input, secrets redacted), from where, and how it ended.
 */
export function authed(permission: Permission) {
  return base
    .meta({ permission })
    .use(async ({ ctx, next, type, path, getRawInput }) => {
      const principal = ctx.principal;
      if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first (your session may have expired)' });
      const allowed = roleHas(principal.role, permission);
      const result = allowed ? await next({ ctx: { ...ctx, principal } }) : null;
      if (type === 'mutation') {
        const outcome = !allowed ? 'denied' : result!.ok ? 'ok' : result!.error.cause instanceof DomainError && result!.error.cause.code === 'FORBIDDEN' ? 'denied' : 'failed';
        await recordAudit(ctx.deps, {
          actor: { type: 'user', id: principal.userId, name: principal.username },
          action: path,
          outcome,
          regionCode: principal.regionCode,
          institutionCode: principal.institutionCode,
          detail: { input: await getRawInput().catch(() => null), ...(result && !result.ok ? { error: result.error.message } : {}) },
          remoteAddress: ctx.remoteAddress,
        });
      }
      if (!allowed) throw new TRPCError({ code: 'FORBIDDEN', message: `your role (${principal.role}) does not have the "${permission}" permission` });
      return result!;
    })
    .use(noNul);
}
