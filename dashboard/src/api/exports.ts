import { ApiError } from './errors.js';
import { handleError } from './errors.js';

export type ExportFormat = 'xlsx' | 'csv' | 'pdf';

/** The server's download URLs (plain HTTP behind the session cookie). */
export const exportUrl = {
  rankings: (format: ExportFormat, region: string, period?: string) => `/export/rankings.${format}?${new URLSearchParams({ region, ...(period ? { period } : {}) })}`,
  institution: (format: 'xlsx' | 'pdf', institution: string, period?: string) => `/export/institution.${format}?${new URLSearchParams({ institution, ...(period ? { period } : {}) })}`,
  /** 事件报告: one incident. */
  incident: (format: 'xlsx' | 'pdf', id: string) => `/export/incident.${format}?${new URLSearchParams({ id })}`,
  /** 事件统计: a region's incidents of a period. */
  incidents: (format: 'xlsx' | 'pdf', region: string, period?: string) => `/export/incidents.${format}?${new URLSearchParams({ region, ...(period ? { period } : {}) })}`,
  /** 整改通知书 (PDF) and 整改报告 (PDF, XLSX) of one notice. */
  notice: (notice: string) => `/export/notice.pdf?${new URLSearchParams({ notice })}`,
  rectification: (format: 'xlsx' | 'pdf', notice: string) => `/export/rectification.${format}?${new URLSearchParams({ notice })}`,
};

/** A plain-HTTP refusal's status as the kind of error views show. */
export const KIND_BY_STATUS: Record<number, ApiError['kind']> = { 400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'notFound', 413: 'tooLarge', 429: 'tooMany' };

/**
 * Fetches a file, reporting received bytes (and the total when the server says it), then hands it
 * to the browser as a download under the server's file name.
 */
export async function download(url: string, onProgress: (received: number, total: number | null) => void, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', signal });
  } catch (e) {
    throw handleError(e);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw handleError(new ApiError(KIND_BY_STATUS[res.status] ?? 'server', text.slice(0, 300) || `HTTP ${res.status}`));
  }
  const total = Number(res.headers.get('content-length')) || null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      onProgress(received, total);
    }
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = decodeURIComponent(/filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? url.split('?')[0]!.split('/').pop()!);
  const href = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return name;
}
