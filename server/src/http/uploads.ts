import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EVIDENCE_UPLOAD_MAX_BYTES } from '@weian/shared';
import { DomainError } from '../errors.js';
import type { Logger } from '../log.js';
import { recordAudit } from '../services/audit.js';
import { resolveSession, SESSION } from '../services/auth.js';
import type { ServiceDeps } from '../services/deps.js';
import { attachIncidentEvidence } from '../services/incidents.js';
import { uploadEvidence } from '../services/notices.js';
import { uploadSelfInspectionEvidence } from '../services/selfInspection.js';
import { parseCookies } from '../trpc/context.js';
import { roleHas } from '../trpc/permissions.js';
import { fail } from './exports.js';
import { closeAfterRefusal } from './limits.js';

/**
 * Evidence files too large for a tRPC call (whose JSON body carries base64 and is capped at 2 MiB):
 *   POST /upload/evidence?notice=ID&name=NAME          (整改佐证材料, as notices.upload)
 *   POST /upload/evidence?selfInspection=YEAR&name=NAME (自查佐证材料, as selfInspection.upload)
 *   POST /upload/evidence?incident=ID&name=NAME         (事件附件: on the report, a follow-up or the summary)
 * The body is the file's raw bytes as application/octet-stream (which a cross-site HTML form cannot
 * send without a CORS preflight that this server never answers), behind the session cookie. It is
 * streamed to a private file under the data directory and cut off at EVIDENCE_UPLOAD_MAX_BYTES; the
 * file is then judged exactly as the tRPC procedure judges it (name, magic bytes, SHA-256, scope) by
 * the same service, which keeps it in the database. The temporary file is removed whatever happens.
 * Audited under the procedure's name, allowed or not.
 */
export const UPLOAD_PATH = '/upload/evidence';

type Target = { kind: 'notice'; noticeId: string } | { kind: 'selfInspection'; year: number } | { kind: 'incident'; incidentId: string };
const TARGETS = {
  notice: { permission: 'notices:answer', action: 'notices.upload' },
  selfInspection: { permission: 'selfInspection:fill', action: 'selfInspection.upload' },
  incident: { permission: 'incidents:report', action: 'incidents.upload' },
} as const;

class TooLarge extends Error {}

function targetOf(url: URL): Target | string {
  const notice = url.searchParams.get('notice');
  const year = url.searchParams.get('selfInspection');
  const incident = url.searchParams.get('incident');
  const named = [notice, year, incident].filter((v) => v !== null).length;
  if (named !== 1) return 'name one upload target: ?notice=ID, ?selfInspection=YEAR or ?incident=ID';
  if (notice) return notice.length <= 64 ? { kind: 'notice', noticeId: notice } : 'the notice id is too long';
  if (incident) return incident.length <= 64 ? { kind: 'incident', incidentId: incident } : 'the incident id is too long';
  if (year !== null) return /^20\d\d$/.test(year) ? { kind: 'selfInspection', year: Number(year) } : 'selfInspection must be a year such as 2026';
  return 'name one upload target: ?notice=ID, ?selfInspection=YEAR or ?incident=ID';
}
/** The target as the audit log names it (the procedure's input). */
const auditInput = (t: Target) => (t.kind === 'notice' ? { noticeId: t.noticeId } : t.kind === 'incident' ? { incidentId: t.incidentId } : { year: t.year });

export function uploadsHandler(deps: ServiceDeps, opts: { dir: string; log: Logger; clientAddress: (req: IncomingMessage) => string }) {
  const answer = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A refusal before the body was read ends the connection: otherwise Node drains the rest of the upload to keep it alive.
    const refuse = (code: Parameters<typeof fail>[1], message: string) => {
      if (!req.complete) {
        res.setHeader('connection', 'close');
        res.once('finish', () => closeAfterRefusal(req));
      }
      fail(res, code, message);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'POST') return refuse('METHOD_NOT_SUPPORTED', 'evidence is uploaded with POST');
    if (!/^application\/octet-stream\s*$/i.test(req.headers['content-type'] ?? '')) return refuse('UNSUPPORTED_MEDIA_TYPE', 'send the file as application/octet-stream');
    const principal = await resolveSession(deps, parseCookies(req.headers.cookie)[SESSION.cookie] ?? null);
    if (!principal) return refuse('UNAUTHORIZED', 'sign in first (your session may have expired)');
    const target = targetOf(url);
    if (typeof target === 'string') return refuse('BAD_REQUEST', target);
    const name = url.searchParams.get('name') ?? '';
    const { permission, action } = TARGETS[target.kind];
    const audit = (outcome: 'ok' | 'failed' | 'denied', detail: Record<string, unknown>) =>
      recordAudit(deps, {
        actor: { type: 'user', id: principal.userId, name: principal.username },
        action,
        outcome,
        regionCode: principal.regionCode,
        institutionCode: principal.institutionCode,
        detail: { input: { ...auditInput(target), name }, via: UPLOAD_PATH, ...detail },
        remoteAddress: opts.clientAddress(req),
      });
    if (!roleHas(principal.role, permission)) {
      await audit('denied', {});
      return refuse('FORBIDDEN', `your role (${principal.role}) does not have the "${permission}" permission`);
    }
    const tooLarge = async (size: string) => {
      await audit('failed', { error: `over ${EVIDENCE_UPLOAD_MAX_BYTES} bytes` });
      refuse('PAYLOAD_TOO_LARGE', `the file has ${size} bytes, over the limit of ${EVIDENCE_UPLOAD_MAX_BYTES}`);
    };
    // A declared oversized body is refused before a byte of it is read.
    if (Number(req.headers['content-length'] ?? 0) > EVIDENCE_UPLOAD_MAX_BYTES) return tooLarge(String(req.headers['content-length']));

    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const temp = join(opts.dir, `${randomUUID()}.part`);
    let received: Buffer | 'too-large' | 'gone';
    try {
      received = await receive(req, temp);
    } finally {
      // Gone before anything is answered: a refusal never leaves a partial file behind.
      await rm(temp, { force: true });
    }
    if (received === 'gone') return void res.destroy();
    if (received === 'too-large') return tooLarge(`more than ${EVIDENCE_UPLOAD_MAX_BYTES}`);
    const upload = { name, content: received, maxBytes: EVIDENCE_UPLOAD_MAX_BYTES };
    try {
      const stored = await (target.kind === 'notice'
        ? uploadEvidence(deps, principal, { ...upload, noticeId: target.noticeId })
        : target.kind === 'incident'
          ? attachIncidentEvidence(deps, principal, { ...upload, incidentId: target.incidentId })
          : uploadSelfInspectionEvidence(deps, principal, { ...upload, year: target.year }));
      await audit('ok', { size: stored.size, sha256: stored.sha256 });
      return answer(res, stored);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      await audit(e.code === 'FORBIDDEN' ? 'denied' : 'failed', { error: e.message });
      return fail(res, e.code, e.message);
    }
  }

  /** The body streamed to `temp` and read back, cut off past the cap; 'gone' when the client left mid-upload. */
  async function receive(req: IncomingMessage, temp: string): Promise<Buffer | 'too-large' | 'gone'> {
    let size = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > EVIDENCE_UPLOAD_MAX_BYTES ? new TooLarge() : null, chunk);
      },
    });
    // Not pipeline(req, …): on an error it destroys the request's socket, and the sender would see a reset instead of the 413.
    req.pipe(cap);
    req.once('close', () => {
      if (!req.complete) cap.destroy(new Error('the client went away mid-upload'));
    });
    try {
      await pipeline(cap, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
    } catch (e) {
      if (e instanceof TooLarge) return 'too-large';
      return 'gone';
    }
    return readFile(temp);
  }

  return (req: IncomingMessage, res: ServerResponse) =>
    void handle(req, res).catch((e: Error) => {
      opts.log.error(`upload: ${e.stack ?? e.message}`);
      if (!res.headersSent) fail(res, 'INTERNAL_SERVER_ERROR', 'the upload failed; see the server log');
      else res.destroy();
    });
}
