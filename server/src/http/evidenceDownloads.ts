import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { evidenceContentType, type EvidenceType } from '@weian/shared';
import { DomainError } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveSession, SESSION } from '../services/auth.js';
import type { ServiceDeps } from '../services/deps.js';
import { contentDisposition, evidenceFileName } from '../services/exports/filenames.js';
import { downloadIncidentEvidence } from '../services/incidents.js';
import { downloadEvidence } from '../services/notices.js';
import { downloadSelfInspectionEvidence } from '../services/selfInspection.js';
import { parseCookies } from '../trpc/context.js';
import { roleHas } from '../trpc/permissions.js';
import { fail } from './exports.js';

/**
 * Evidence files as plain downloads behind the session cookie (a link the browser saves, no base64 in a JSON answer):
 *   GET /download/evidence/notice/NOTICE_ID/SHA256                    (整改佐证材料)
 *   GET /download/evidence/self-inspection/YEAR/INSTITUTION/SHA256    (自查佐证材料)
 *   GET /download/evidence/incident/INCIDENT_ID/SHA256                (事件附件)
 * Scope is the procedures' (the service decides); whatever the caller may not see answers 404, the
 * same as a file that does not exist, so nothing tells another county's user that it does.
 * The name is made safe again for the header (RFC 6266/5987); the SHA-256 the file is kept by goes
 * in `X-Evidence-SHA256` (hex) and `Repr-Digest` (RFC 9530).
 */
export const EVIDENCE_DOWNLOAD_PREFIX = '/download/evidence/';
const ROUTE = /^\/download\/evidence\/(?:(notice|incident)\/([^/]{1,200})|self-inspection\/(20\d\d)\/([^/]{1,200}))\/([0-9a-f]{64})$/;
/** Base64 characters decoded per chunk written (a multiple of 4: every chunk decodes on its own). */
const CHUNK_CHARS = 256 * 1024;

function* decoded(base64: string): Generator<Buffer> {
  for (let i = 0; i < base64.length; i += CHUNK_CHARS) yield Buffer.from(base64.slice(i, i + CHUNK_CHARS), 'base64');
}

const segment = (s: string): string | null => {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
};

export function evidenceDownloadsHandler(deps: ServiceDeps, opts: { log: Logger }) {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = ROUTE.exec(url.pathname);
    if (!route) return fail(res, 'NOT_FOUND', `no evidence at ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 'METHOD_NOT_SUPPORTED', 'evidence is downloaded with GET');
    const principal = await resolveSession(deps, parseCookies(req.headers.cookie)[SESSION.cookie] ?? null);
    if (!principal) return fail(res, 'UNAUTHORIZED', 'sign in to download evidence');
    const [, kind, ownerId, year, institution, sha256] = route as unknown as [string, 'notice' | 'incident' | undefined, string | undefined, string | undefined, string | undefined, string];
    const permission = kind === 'notice' ? 'notices:read' : kind === 'incident' ? 'incidents:read' : 'selfInspection:read';
    if (!roleHas(principal.role, permission)) return fail(res, 'FORBIDDEN', `your role (${principal.role}) does not have the "${permission}" permission`);
    const id = segment(ownerId ?? institution!);
    if (id === null) return fail(res, 'NOT_FOUND', 'no such evidence');
    let file: { name: string; type: string; size: number; contentBase64: string };
    try {
      file =
        kind === 'notice'
          ? await downloadEvidence(deps, principal, id, sha256)
          : kind === 'incident'
            ? await downloadIncidentEvidence(deps, principal, id, sha256)
            : await downloadSelfInspectionEvidence(deps, principal, id, Number(year), sha256);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      // Out of scope looks exactly like missing.
      if (e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND') return fail(res, 'NOT_FOUND', 'no such evidence, or not within your scope');
      return fail(res, e.code, e.message);
    }
    res.writeHead(200, {
      'content-type': evidenceContentType(file.type as EvidenceType, file.name),
      'content-length': String(file.size),
      'content-disposition': contentDisposition(evidenceFileName(file.name, sha256)),
      'x-evidence-sha256': sha256,
      'repr-digest': `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      // Opened in the browser by mistake, the file still runs no script in the dashboard's origin.
      'content-security-policy': 'sandbox',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(Readable.from(decoded(file.contentBase64)), res);
  }

  return (req: IncomingMessage, res: ServerResponse) =>
    void handle(req, res).catch((e: Error) => {
      opts.log.error(`evidence download: ${e.stack ?? e.message}`);
      if (!res.headersSent) fail(res, 'INTERNAL_SERVER_ERROR', 'the download failed; see the server log');
      else res.destroy();
    });
}
