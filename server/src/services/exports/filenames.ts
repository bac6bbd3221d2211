import { chinaDate } from '@weian/shared';

/**
 * Download names carry the region (or institution), the period and the day made, e.g.
 * 评估排名_西湖区_2026-11_2026-11-20.xlsx, with an ASCII name for clients without RFC 5987.
 */
export interface FileName {
  /** Unicode name (Chinese where the region's name is). */
  name: string;
  /** ASCII-only fallback. */
  ascii: string;
}

/**
 * Bidirectional controls (ALM, LRM, RLM, LRE…RLO, LRI…PDI): an RLO in a name makes
 * `…\u202Egnp.exe医院….xlsx` display as an .exe; they carry no meaning in a file name, so they go.
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** No path separators, reserved characters, line breaks or bidi controls; short enough for every file system. */
const safe = (s: string) =>
  s
    .replace(BIDI, '')
    .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 60) || '_';
const asciiSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || '_';

export function rankingFileName(region: { code: string; name: string }, period: string, generatedAt: string, ext: string): FileName {
  const day = chinaDate(new Date(generatedAt));
  return { name: `评估排名_${safe(region.name)}_${period}_${day}.${ext}`, ascii: `weian-ranking-${asciiSafe(region.code)}-${period}-${day}.${ext}` };
}

export function institutionFileName(inst: { code: string; name: string }, period: string, generatedAt: string, ext: string): FileName {
  const day = chinaDate(new Date(generatedAt));
  return { name: `机构评估报告_${safe(inst.name)}_${period}_${day}.${ext}`, ascii: `weian-institution-${asciiSafe(inst.code)}-${period}-${day}.${ext}` };
}

export function incidentFileName(incident: { id: string; institutionName: string }, generatedAt: string, ext: string): FileName {
  const day = chinaDate(new Date(generatedAt));
  return { name: `网络安全事件报告_${safe(incident.institutionName)}_${day}.${ext}`, ascii: `weian-incident-${asciiSafe(incident.id)}-${day}.${ext}` };
}

export function incidentStatsFileName(region: { code: string; name: string }, period: string, generatedAt: string, ext: string): FileName {
  const day = chinaDate(new Date(generatedAt));
  return { name: `网络安全事件统计_${safe(region.name)}_${period}_${day}.${ext}`, ascii: `weian-incidents-${asciiSafe(region.code)}-${period}-${day}.${ext}` };
}

/** 整改通知书_西湖卫安整改〔2026〕7号_2026-11-20.pdf; 整改报告_… likewise. */
export function noticeFileName(document: 'notice' | 'rectification', n: { id: string; number: string; generatedAt: string }, ext: string): FileName {
  const day = chinaDate(new Date(n.generatedAt));
  return { name: `${document === 'notice' ? '整改通知书' : '整改报告'}_${safe(n.number)}_${day}.${ext}`, ascii: `weian-${document}-${asciiSafe(n.id)}-${day}.${ext}` };
}

/**
 * An uploaded evidence file under its own name, made safe again on the way out (a name stored before
 * the upload checks, or typed around them, cannot break the header or name a path); the extension stays.
 */
export function evidenceFileName(stored: string, sha256: string): FileName {
  const m = /^(.*?)(?:\.([A-Za-z0-9]{1,8}))?$/s.exec(stored)!;
  const ext = m[2] ? `.${m[2].toLowerCase()}` : '';
  const base =
    safe(m[1]!)
      .replace(/\.{2,}/g, '.')
      .replace(/^\.+/, '') || '_';
  return { name: `${base}${ext}`, ascii: `weian-evidence-${asciiSafe(sha256.slice(0, 12))}${ext}` };
}

/** RFC 6266 with RFC 5987's `filename*` (UTF-8, percent-encoded) and a plain `filename` fallback. */
export function contentDisposition(f: FileName): string {
  const encoded = encodeURIComponent(f.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${f.ascii}"; filename*=UTF-8''${encoded}`;
}
