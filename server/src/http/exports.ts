import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, HTTP_STATUS, type DomainErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveSession, SESSION } from '../services/auth.js';
import type { ServiceDeps } from '../services/deps.js';
import {
  createPdfRenderer,
  prepareIncidentExport,
  prepareIncidentStatsExport,
  prepareInstitutionExport,
  prepareNoticeExport,
  prepareRankingsExport,
  type PreparedExport,
} from '../services/exports/index.js';
import { ExportAborted } from '../services/exports/sink.js';
import { parseCookies } from '../trpc/context.js';
import { roleHas } from '../trpc/permissions.js';

/**
 * File downloads behind the session cookie, outside tRPC (a browser saves them from a plain link):
 *   GET /export/rankings.{xlsx,csv,pdf}?region=CODE&period=YYYY-MM
 *   GET /export/institution.{xlsx,pdf}?institution=CODE&period=YYYY-MM
 *   GET /export/incident.{xlsx,pdf}?id=ID                       (事件报告)
 *   GET /export/incidents.{xlsx,pdf}?region=CODE&period=YYYY-MM  (事件统计)
 *   GET /export/notice.pdf?notice=ID (整改通知书), /export/rectification.{pdf,xlsx}?notice=ID (整改报告)
 * Errors are JSON `{ error: { message, code } }` with the matching status. `X-Export-Rows` gives
 * the row count before the body, so the dashboard can show progress while it streams.
 */
const ROUTE = /^\/export\/(rankings|institution|incidents|incident|notice|rectification)\.([a-z]+)$/;

type FailCode = DomainErrorCode | 'INTERNAL_SERVER_ERROR' | 'METHOD_NOT_SUPPORTED' | 'UNSUPPORTED_MEDIA_TYPE';
const STATUS: Record<FailCode, number> = { ...HTTP_STATUS, INTERNAL_SERVER_ERROR: 500, METHOD_NOT_SUPPORTED: 405, UNSUPPORTED_MEDIA_TYPE: 415 };
/** A refusal of the plain-HTTP routes (exports, uploads), in one JSON shape. */
export const fail = (res: ServerResponse, code: FailCode, message: string) => {
  res.writeHead(STATUS[code], { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify({ error: { message, code } }));
};

export function exportsHandler(deps: ServiceDeps, opts: { chromiumPath: string; log: Logger; clientAddress: (req: IncomingMessage) => string }) {
  const pdf = createPdfRenderer({ executablePath: opts.chromiumPath });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = ROUTE.exec(url.pathname);
    if (!route) return fail(res, 'NOT_FOUND', `no export at ${url.pathname}`);
    if (req.method !== 'GET') return fail(res, 'METHOD_NOT_SUPPORTED', 'exports are downloaded with GET');
    const principal = await resolveSession(deps, parseCookies(req.headers.cookie)[SESSION.cookie] ?? null);
    if (!principal) return fail(res, 'UNAUTHORIZED', 'sign in to download exports');
    const [, kind, format] = route as unknown as [string, 'rankings' | 'institution' | 'incident' | 'incidents' | 'notice' | 'rectification', string];
    const permission = kind === 'incident' || kind === 'incidents' ? 'incidents:read' : 'institutions:read';
    if (!roleHas(principal.role, permission)) return fail(res, 'FORBIDDEN', `your role (${principal.role}) may not ${permission === 'incidents:read' ? 'read incidents' : 'read institutions'}`);
    const period = url.searchParams.get('period') ?? undefined;
    const caller = { principal, remoteAddress: opts.clientAddress(req) };

    let prepared: PreparedExport;
    try {
      const region = url.searchParams.get('region') ?? '';
      prepared =
        kind === 'rankings'
          ? await prepareRankingsExport(deps, caller, { regionCode: region, period, format }, pdf)
          : kind === 'institution'
            ? await prepareInstitutionExport(deps, caller, { institutionCode: url.searchParams.get('institution') ?? '', period, format }, pdf)
            : kind === 'incident'
              ? await prepareIncidentExport(deps, caller, { id: url.searchParams.get('id') ?? '', format }, pdf)
              : kind === 'incidents'
                ? await prepareIncidentStatsExport(deps, caller, { regionCode: region, period, format }, pdf)
                : await prepareNoticeExport(deps, caller, { noticeId: url.searchParams.get('notice') ?? '', document: kind, format }, pdf);
    } catch (e) {
      if (e instanceof DomainError) return fail(res, e.code, e.message);
      opts.log.error(`export ${url.pathname}: ${(e as Error).stack ?? e}`);
      return fail(res, 'INTERNAL_SERVER_ERROR', 'the export failed; see the server log');
    }
    res.writeHead(200, {
      'content-type': prepared.contentType,
      'content-disposition': prepared.contentDisposition,
      'x-export-rows': String(prepared.rows),
      ...(prepared.contentLength === null ? {} : { 'content-length': String(prepared.contentLength) }),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    try {
      await prepared.write(res);
    } catch (e) {
      // Headers are gone: the only honest signal left is a broken download.
      if (!(e instanceof ExportAborted)) opts.log.error(`export ${url.pathname} failed while streaming: ${(e as Error).stack ?? e}`);
      res.destroy();
    }
  }

  return {
    handle: (req: IncomingMessage, res: ServerResponse) =>
      void handle(req, res).catch((e: Error) => {
        opts.log.error(`export: ${e.stack ?? e.message}`);
        if (!res.headersSent) fail(res, 'INTERNAL_SERVER_ERROR', 'the export failed; see the server log');
        else res.destroy();
      }),
    /** Closes the report browser, if one was launched. */
    close: () => pdf.close(),
  };
}
