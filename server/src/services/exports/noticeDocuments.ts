import type { Writable } from 'node:stream';
import { chinaDate, NOTICE_ITEM_STATUS_LABELS, NOTICE_STATUS_LABELS } from '@weian/shared';
import type { getNoticeDetail } from '../notices.js';
import { chinaTime, esc } from './format.js';
import type { PdfRenderer } from './pdfRenderer.js';
import { kpis, reportPage, table, type HtmlColumn } from './reportPage.js';
import { addRow, openWorkbook, sheetNamer, tableSheet, type TableColumn } from './xlsx.js';

/**
 * A rectification notice on paper: the formal 整改通知书 the bureau sends, and the institution's
 * 整改报告 (measures per item, verification by data, review, and the evidence list with SHA-256 so
 * each file can be checked against what the server keeps).
 */
export type NoticeDocument = Awaited<ReturnType<typeof getNoticeDetail>> & { institutionName: string; regionName: string; generatedAt: string };
type Item = NoticeDocument['items'][number];
type Evidence = NoticeDocument['evidence'][number];

const issuedDay = (d: NoticeDocument) => chinaDate(new Date(d.issuedAt));

/** 整改通知书: addressee, what to rectify, by when, and who issues it. */
export function noticeLetterHtml(d: NoticeDocument): string {
  const title = '网络安全问题整改通知书';
  const body = `
<h1 style="text-align:center">${esc(title)}</h1>
<div class="meta" style="text-align:center">${esc(d.number)}</div>
<p><b>${esc(d.institutionName)}</b>：</p>
<p>${esc(d.title)}。${esc(d.requirement)}</p>
<p>经检查，你单位存在以下问题，请依据《医疗卫生机构网络安全管理办法》第九条的规定于 <b>${esc(d.deadline)}</b> 前完成整改，并将整改情况及佐证材料通过卫安平台反馈。</p>
${table(
  ITEM_LETTER_COLUMNS,
  d.items.map((item, i) => ({ item, n: i + 1 })),
)}
<p style="margin-top:24px;text-align:right">${esc(d.regionName)}卫生健康行政部门<br>${esc(issuedDay(d))}</p>
<p class="note">下发人：${esc(d.issuedBy)} · 生成时间 ${esc(chinaTime(d.generatedAt))}</p>`;
  return reportPage(`${title} ${d.number}`, body);
}
const ITEM_LETTER_COLUMNS: ReadonlyArray<HtmlColumn<{ item: Item; n: number }>> = [
  { header: '序号', value: (r) => r.n, numeric: true },
  { header: '问题', value: (r) => r.item.title },
  { header: '关联规则', value: (r) => r.item.ruleId ?? '—', nowrap: true },
  { header: '整改要求', value: (r) => r.item.requirement },
];

/** Columns shared by the report's PDF table and XLSX sheet. */
const ITEM_COLUMNS: ReadonlyArray<HtmlColumn<Item> & TableColumn> = [
  { header: '问题', width: 28, value: (i) => i.title },
  { header: '整改要求', width: 36, value: (i) => i.requirement },
  { header: '整改措施', width: 40, value: (i) => i.measures ?? '' },
  { header: '状态', width: 10, value: (i) => NOTICE_ITEM_STATUS_LABELS[i.status].zh },
  { header: '数据核验', width: 12, value: (i) => (!i.ruleId ? '不适用' : i.verified ? '数据已核验' : '仍不合规') },
  { header: '复核意见', width: 28, value: (i) => i.reviewComment ?? '' },
  { header: '佐证材料份数', width: 12, value: (i) => String(i.evidence.length) },
];
const EVIDENCE_COLUMNS: ReadonlyArray<HtmlColumn<Evidence> & TableColumn> = [
  { header: '文件名', width: 36, value: (e) => e.name },
  { header: '类型', width: 8, value: (e) => e.type.toUpperCase() },
  { header: '大小（字节）', width: 12, value: (e) => e.size },
  { header: 'SHA-256', width: 68, value: (e) => e.sha256, nowrap: true },
  { header: '上传时间', width: 20, value: (e) => chinaTime(e.uploadedAt) },
  { header: '上传人', width: 14, value: (e) => e.uploadedBy },
];

/** 整改报告: the notice's items as answered and reviewed, and every evidence file with its hash. */
export function rectificationReportHtml(d: NoticeDocument): string {
  const title = `${d.institutionName} 整改报告`;
  const body = `
<h1>${esc(title)}</h1>
<div class="meta">${esc(d.number)} · ${esc(d.title)} · 整改期限 ${esc(d.deadline)} · 生成时间 ${esc(chinaTime(d.generatedAt))}</div>
${kpis([
  ['状态', NOTICE_STATUS_LABELS[d.status].zh],
  ['整改项', d.items.length],
  ['已通过', d.items.filter((i) => i.status === 'accepted').length],
  ['数据已核验', d.items.filter((i) => i.verified).length],
  ['佐证材料', d.evidence.length],
])}
<h2>整改情况</h2>
${table(ITEM_COLUMNS, d.items)}
<h2>佐证材料清单</h2>
${table(EVIDENCE_COLUMNS, d.evidence)}
<p class="note">每份材料的 SHA-256 与服务器保存的文件一致，可用 sha256sum 核对。</p>`;
  return reportPage(title, body);
}

export function renderNoticeLetterPdf(d: NoticeDocument, renderer: PdfRenderer): Promise<Buffer> {
  return renderer.render(noticeLetterHtml(d), { landscape: false, footer: esc(d.number) });
}
export function renderRectificationPdf(d: NoticeDocument, renderer: PdfRenderer): Promise<Buffer> {
  return renderer.render(rectificationReportHtml(d), { landscape: true, footer: esc(`${d.institutionName} ${d.number}`) });
}

/** The 整改报告 as a workbook: the items, and the evidence list with SHA-256. */
export async function writeRectificationXlsx(d: NoticeDocument, out: Writable): Promise<number> {
  const wb = openWorkbook(out, d.generatedAt);
  const name = sheetNamer();
  const sheets: Array<[string, ReadonlyArray<TableColumn & { value(x: never): string | number | null }>, readonly unknown[]]> = [
    ['整改情况', ITEM_COLUMNS, d.items],
    ['佐证材料', EVIDENCE_COLUMNS, d.evidence],
  ];
  for (const [title, columns, rows] of sheets) {
    const sheet = tableSheet(wb, name(title), columns);
    for (const row of rows)
      addRow(
        sheet,
        columns.map((c) => c.value(row as never)),
      );
    sheet.commit();
  }
  await wb.commit();
  return d.items.length;
}
