import type { Writable } from 'node:stream';
import { isRegionCode } from '@weian/shared';
import { badRequest, DomainError, forbidden, notFound } from '../../errors.js';
import { recordAudit } from '../audit.js';
import { getNoticeDetail } from '../notices.js';
import { getInstitution } from '../../storage/institutions.js';
import { getRegion } from '../../storage/regions.js';
import type { Principal } from '../auth.js';
import type { ServiceDeps } from '../deps.js';
import { regionChain } from '../regions.js';
import { contentDisposition, incidentFileName, incidentStatsFileName, institutionFileName, noticeFileName, rankingFileName, type FileName } from './filenames.js';
import { incidentReport, incidentStatsReport } from './incidentReports.js';
import { sectionsHtml, writeSectionsXlsx, type Section } from './institutionSections.js';
import { esc, chinaTime } from './format.js';
import { reportPage } from './reportPage.js';
import { institutionReport } from './institutionReport.js';
import { writeInstitutionXlsx } from './institutionXlsx.js';
import { renderInstitutionPdf } from './institutionPdf.js';
import { renderNoticeLetterPdf, renderRectificationPdf, writeRectificationXlsx, type NoticeDocument } from './noticeDocuments.js';
import type { PdfRenderer } from './pdfRenderer.js';
import { openRanking } from './rankedRows.js';
import { writeRankingsCsv } from './rankingsCsv.js';
import { renderRankingsPdf } from './rankingsPdf.js';
import { writeRankingsXlsx } from './rankingsXlsx.js';
import { ExportAborted } from './sink.js';

export const RANKING_FORMATS = ['xlsx', 'csv', 'pdf'] as const;
export const INSTITUTION_FORMATS = ['xlsx', 'pdf'] as const;
export const INCIDENT_FORMATS = ['xlsx', 'pdf'] as const;
const CONTENT_TYPES: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
};

/**
 * A download ready to send: everything that can fail for a reason the caller should hear about
 * (scope, period, unknown codes) has been checked, so the HTTP layer can still answer with a status;
 * `write` then streams the body. Every export is audited once it ends, with how it ended.
 */
export interface PreparedExport {
  contentType: string;
  contentDisposition: string;
  fileName: FileName;
  /** Institutions in a ranking, findings in an institution report: known before the first byte. */
  rows: number;
  /** Known up front only for a PDF (printed before sending). */
  contentLength: number | null;
  write(out: Writable): Promise<void>;
}

export interface ExportRequest {
  principal: Principal;
  remoteAddress: string;
}

type Audit = { action: string; regionCode: string | null; institutionCode: string | null; detail: Record<string, unknown> };
const audit = (deps: ServiceDeps, req: ExportRequest, a: Audit, outcome: 'ok' | 'denied' | 'failed', error?: string) =>
  recordAudit(deps, {
    actor: { type: 'user', id: req.principal.userId, name: req.principal.username },
    action: a.action,
    outcome,
    regionCode: a.regionCode,
    institutionCode: a.institutionCode,
    detail: { ...a.detail, ...(error ? { error } : {}) },
    remoteAddress: req.remoteAddress,
  });

/** Prepares under audit: a refusal is recorded as denied, any other failure as failed. */
async function audited(deps: ServiceDeps, req: ExportRequest, a: Audit, prepare: () => Promise<Omit<PreparedExport, 'write'> & { write(out: Writable): Promise<number> }>): Promise<PreparedExport> {
  let prepared;
  try {
    prepared = await prepare();
  } catch (e) {
    const denied = e instanceof DomainError && e.code === 'FORBIDDEN';
    await audit(deps, req, a, denied ? 'denied' : 'failed', (e as Error).message);
    throw e;
  }
  return {
    ...prepared,
    async write(out) {
      try {
        const n = await prepared.write(out);
        await audit(deps, req, { ...a, detail: { ...a.detail, rows: n } }, 'ok');
      } catch (e) {
        await audit(deps, req, a, 'failed', e instanceof ExportAborted ? 'cancelled by the client' : (e as Error).message);
        throw e;
      }
    },
  };
}

function checkFormat<T extends string>(format: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(format)) throw badRequest(`format must be one of ${allowed.join(', ')}, got "${format}"`);
  return format as T;
}

/** A six-digit code that is not in GB/T 2260 names no region: 404, where a malformed one is 400. */
function knownRegion(code: string): void {
  if (!isRegionCode(code)) throw badRequest(`region must be a six-digit GB/T 2260 code, got "${code}"`);
  try {
    regionChain(code);
  } catch {
    throw notFound(`region ${code} is not in GB/T 2260`);
  }
}

export async function prepareRankingsExport(
  deps: ServiceDeps,
  req: ExportRequest,
  input: { regionCode: string; period?: string | undefined; format: string },
  pdf: PdfRenderer,
): Promise<PreparedExport> {
  const a: Audit = { action: 'exports.rankings', regionCode: input.regionCode, institutionCode: null, detail: { format: input.format, region: input.regionCode, period: input.period ?? null } };
  return audited(deps, req, a, async () => {
    const format = checkFormat(input.format, RANKING_FORMATS);
    knownRegion(input.regionCode);
    if (req.principal.scope.kind === 'institution') throw forbidden('an institution account exports its own institution report, not a region ranking');
    const source = await openRanking(deps, req.principal.scope, input);
    a.detail.period = source.period;
    const fileName = rankingFileName(source.region, source.period, source.generatedAt, format);
    const head = { contentType: CONTENT_TYPES[format]!, fileName, contentDisposition: contentDisposition(fileName), rows: source.total };
    if (format === 'pdf') {
      // Printed before the first byte: a PDF cannot be streamed as it is made, but its length is then known.
      const { pdf: bytes, rows } = await renderRankingsPdf(deps, source, pdf);
      return { ...head, contentLength: bytes.length, write: (out) => writeAll(out, bytes).then(() => rows) };
    }
    return { ...head, contentLength: null, write: (out) => (format === 'csv' ? writeRankingsCsv(source, out) : writeRankingsXlsx(source, out)) };
  });
}

export async function prepareInstitutionExport(
  deps: ServiceDeps,
  req: ExportRequest,
  input: { institutionCode: string; period?: string | undefined; format: string },
  pdf: PdfRenderer,
): Promise<PreparedExport> {
  const a: Audit = {
    action: 'exports.institution',
    regionCode: null,
    institutionCode: input.institutionCode,
    detail: { format: input.format, institution: input.institutionCode, period: input.period ?? null },
  };
  return audited(deps, req, a, async () => {
    const format = checkFormat(input.format, INSTITUTION_FORMATS);
    if (!input.institutionCode || input.institutionCode.length > 64) throw badRequest('institution must be an institution code');
    const report = await institutionReport(deps, req.principal.scope, input);
    a.regionCode = report.institution.regionCode;
    a.detail.period = report.period;
    const fileName = institutionFileName(report.institution, report.period, report.generatedAt, format);
    const head = { contentType: CONTENT_TYPES[format]!, fileName, contentDisposition: contentDisposition(fileName), rows: report.findings.length };
    if (format === 'pdf') {
      const bytes = await renderInstitutionPdf(report, pdf);
      return { ...head, contentLength: bytes.length, write: (out) => writeAll(out, bytes).then(() => report.findings.length) };
    }
    return { ...head, contentLength: null, write: (out) => writeInstitutionXlsx(report, out) };
  });
}

/** A file made of sections (the incident exports): printed as a PDF before the first byte, or streamed as a workbook. */
async function sectionsFile(doc: { title: string; meta: string; generatedAt: string; sections: readonly Section[] }, format: 'xlsx' | 'pdf', rows: number, fileName: FileName, pdf: PdfRenderer) {
  const head = { contentType: CONTENT_TYPES[format]!, fileName, contentDisposition: contentDisposition(fileName), rows };
  if (format === 'pdf') {
    const html = reportPage(doc.title, `<h1>${esc(doc.title)}</h1><div class="meta">${esc(doc.meta)}</div>${sectionsHtml(doc.sections)}`);
    const bytes = await pdf.render(html, { landscape: true, footer: esc(doc.title) });
    return { ...head, contentLength: bytes.length, write: (out: Writable) => writeAll(out, bytes).then(() => rows) };
  }
  return { ...head, contentLength: null, write: (out: Writable) => writeSectionsXlsx(doc.sections, out, doc.generatedAt).then(() => rows) };
}

/** 事件报告: one incident, with its timeline and summary report. */
export async function prepareIncidentExport(deps: ServiceDeps, req: ExportRequest, input: { id: string; format: string }, pdf: PdfRenderer): Promise<PreparedExport> {
  const a: Audit = { action: 'exports.incident', regionCode: null, institutionCode: null, detail: { format: input.format, incident: input.id } };
  return audited(deps, req, a, async () => {
    const format = checkFormat(input.format, INCIDENT_FORMATS);
    if (!input.id || input.id.length > 64) throw badRequest('id must be an incident id');
    const r = await incidentReport(deps, req.principal.scope, input.id);
    a.regionCode = r.incident.regionCode;
    a.institutionCode = r.incident.institutionCode;
    const meta = `${r.incident.institutionName} · 生成时间 ${chinaTime(r.generatedAt)}`;
    return sectionsFile({ ...r, meta }, format, r.incident.timeline.length, incidentFileName(r.incident, r.generatedAt, format), pdf);
  });
}

/** 事件统计: a region's incidents of a period by level and type, with the on-time rate. */
export async function prepareIncidentStatsExport(
  deps: ServiceDeps,
  req: ExportRequest,
  input: { regionCode: string; period?: string | undefined; format: string },
  pdf: PdfRenderer,
): Promise<PreparedExport> {
  const a: Audit = { action: 'exports.incidents', regionCode: input.regionCode, institutionCode: null, detail: { format: input.format, region: input.regionCode, period: input.period ?? null } };
  return audited(deps, req, a, async () => {
    const format = checkFormat(input.format, INCIDENT_FORMATS);
    knownRegion(input.regionCode);
    if (req.principal.scope.kind === 'institution') throw forbidden("an institution account exports its own incident reports, not a region's statistics");
    const r = await incidentStatsReport(deps, req.principal.scope, input);
    a.detail.period = r.period;
    const meta = `${r.region.name} · ${r.period} · 生成时间 ${chinaTime(r.generatedAt)}`;
    return sectionsFile({ ...r, meta }, format, r.rows, incidentStatsFileName(r.region, r.period, r.generatedAt, format), pdf);
  });
}

export const NOTICE_DOCUMENTS = { notice: ['pdf'], rectification: ['pdf', 'xlsx'] } as const;

/** 整改通知书 (PDF) or 整改报告 (PDF, XLSX) of one notice, to whoever may read the notice. */
export async function prepareNoticeExport(
  deps: ServiceDeps,
  req: ExportRequest,
  input: { noticeId: string; document: keyof typeof NOTICE_DOCUMENTS; format: string },
  pdf: PdfRenderer,
): Promise<PreparedExport> {
  const a: Audit = { action: `exports.${input.document}`, regionCode: null, institutionCode: null, detail: { format: input.format, notice: input.noticeId } };
  return audited(deps, req, a, async () => {
    const format = checkFormat(input.format, NOTICE_DOCUMENTS[input.document]);
    if (!input.noticeId || input.noticeId.length > 64) throw badRequest('notice must be a notice id');
    const detail = await getNoticeDetail(deps, req.principal, input.noticeId);
    const [institution, region] = await Promise.all([getInstitution(deps.db, detail.institutionCode), getRegion(deps.db, detail.regionCode)]);
    const doc: NoticeDocument = { ...detail, institutionName: institution?.name ?? detail.institutionCode, regionName: region?.name ?? detail.regionCode, generatedAt: deps.now().toISOString() };
    a.regionCode = institution?.region_code ?? null;
    a.institutionCode = detail.institutionCode;
    const fileName = noticeFileName(input.document, doc, format);
    const head = { contentType: CONTENT_TYPES[format]!, fileName, contentDisposition: contentDisposition(fileName), rows: doc.items.length };
    if (format === 'xlsx') return { ...head, contentLength: null, write: (out) => writeRectificationXlsx(doc, out) };
    const bytes = await (input.document === 'notice' ? renderNoticeLetterPdf(doc, pdf) : renderRectificationPdf(doc, pdf));
    return { ...head, contentLength: bytes.length, write: (out) => writeAll(out, bytes).then(() => doc.items.length) };
  });
}

function writeAll(out: Writable, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed) return reject(new ExportAborted());
    out.once('error', reject);
    out.end(bytes, () => resolve());
  });
}

export { createPdfRenderer, type PdfRenderer } from './pdfRenderer.js';
