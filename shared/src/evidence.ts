/**
 * Evidence files (整改佐证材料): what may be uploaded, judged by the bytes, never by the name. An
 * `.exe` renamed `.pdf` starts with `MZ` and is refused; a name must be a plain file name whose
 * extension agrees with the content.
 */

/** Bytes per file at most through a tRPC call: the file travels base64 in one JSON request body (LIMITS.bodyBytes, 2 MiB). */
export const EVIDENCE_MAX_BYTES = 1_400_000;
/**
 * Bytes per file at most through the upload route (POST /upload/evidence), which streams the raw
 * bytes to disk outside the JSON body. Downloads go the same way, as raw bytes from
 * GET /download/evidence/… (server/src/http/evidenceDownloads.ts).
 */
export const EVIDENCE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024;
export const EVIDENCE_MAX_NAME = 120;

export type EvidenceType = 'pdf' | 'png' | 'jpeg' | 'ooxml' | 'ole';
export const EVIDENCE_TYPES: Record<EvidenceType, { mime: string; extensions: readonly string[] }> = {
  pdf: { mime: 'application/pdf', extensions: ['pdf'] },
  png: { mime: 'image/png', extensions: ['png'] },
  jpeg: { mime: 'image/jpeg', extensions: ['jpg', 'jpeg'] },
  // Word/Excel/PowerPoint 2007+: a ZIP container (its parts are not inspected further).
  ooxml: { mime: 'application/vnd.openxmlformats-officedocument', extensions: ['docx', 'xlsx', 'pptx'] },
  // Word/Excel 97–2003: the OLE compound file.
  ole: { mime: 'application/x-ole-storage', extensions: ['doc', 'xls', 'ppt'] },
};

/** What a file picker offers: every extension some evidence type takes (the server still judges the bytes). */
export const EVIDENCE_ACCEPT = Object.values(EVIDENCE_TYPES)
  .flatMap((t) => t.extensions.map((e) => `.${e}`))
  .join(',');

/** The exact media type a download is served with: the Office formats by the extension the upload was checked against. */
const MIME_BY_EXTENSION: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};
export function evidenceContentType(type: EvidenceType, name: string): string {
  const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  if (!EVIDENCE_TYPES[type].extensions.includes(ext)) return type === 'ooxml' || type === 'ole' ? 'application/octet-stream' : EVIDENCE_TYPES[type].mime;
  return MIME_BY_EXTENSION[ext] ?? EVIDENCE_TYPES[type].mime;
}

const MAGIC: Array<[EvidenceType, number[]]> = [
  ['pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['ooxml', [0x50, 0x4b, 0x03, 0x04]],
  ['ole', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
];

/** The type the content's first bytes show, or null. */
export function sniffEvidenceType(bytes: Uint8Array): EvidenceType | null {
  for (const [type, magic] of MAGIC) if (magic.every((b, i) => bytes[i] === b)) return type;
  return null;
}

/** Why a file name cannot be kept as given, or null. No paths, no hidden files, no control or reserved characters. */
export function evidenceNameProblem(name: string): string | null {
  if (!name || name.length > EVIDENCE_MAX_NAME) return `a file name must have 1–${EVIDENCE_MAX_NAME} characters`;
  if (name !== name.normalize('NFC')) return 'the file name is not in Unicode normal form (NFC)';
  if (/[\u0000-\u001f\u007f/\\:*?"<>|]/.test(name)) return `the file name ${JSON.stringify(name)} contains a path separator or a reserved character`;
  if (name.startsWith('.') || name.includes('..')) return `the file name ${JSON.stringify(name)} may not start with a dot or contain ".."`;
  if (name !== name.trim() || name.endsWith('.')) return 'the file name may not start or end with a space or end with a dot';
  return null;
}

/** Why a file of `size` bytes is too large, or null: a browser says so before reading a byte of it. */
export const evidenceSizeProblem = (size: number, maxBytes = EVIDENCE_MAX_BYTES) => (size > maxBytes ? `the file has ${size} bytes, over the limit of ${maxBytes}` : null);

/** The type of an upload, or why it is refused: size, name, content type, and the name's extension against the content. */
export function checkEvidence(name: string, bytes: Uint8Array, maxBytes = EVIDENCE_MAX_BYTES): { ok: true; type: EvidenceType; mime: string } | { ok: false; reason: string } {
  if (bytes.length === 0) return { ok: false, reason: 'the file is empty' };
  const tooLarge = evidenceSizeProblem(bytes.length, maxBytes);
  if (tooLarge) return { ok: false, reason: tooLarge };
  const bad = evidenceNameProblem(name);
  if (bad) return { ok: false, reason: bad };
  const type = sniffEvidenceType(bytes);
  if (!type) return { ok: false, reason: 'the content is not a PDF, PNG, JPEG or Office document' };
  const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase();
  if (!ext || !EVIDENCE_TYPES[type].extensions.includes(ext))
    return { ok: false, reason: `the name says .${ext ?? '(none)'} but the content is ${type.toUpperCase()} (.${EVIDENCE_TYPES[type].extensions.join('/.')})` };
  return { ok: true, type, mime: EVIDENCE_TYPES[type].mime };
}
