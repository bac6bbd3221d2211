/**
 * An uploaded evidence file (整改佐证材料, 自查佐证材料), checked once for every place that takes one:
 * size, name and type judged from the bytes (shared/src/evidence.ts), addressed by SHA-256.
 */
import { createHash } from 'node:crypto';
import { checkEvidence, type EvidenceType } from '@weian/shared';
import { badRequest } from '../errors.js';
import type { EvidenceFilesTable } from '../storage/notices.js';

export interface AcceptedEvidence {
  sha256: string;
  size: number;
  type: EvidenceType;
  /** The row to store (content kept once per SHA-256). */
  file: EvidenceFilesTable;
}

/** The file ready to store, or a clear refusal (nothing is written before this passes). */
export function acceptEvidence(name: string, contentBase64: string, at: string): AcceptedEvidence {
  const bytes = Buffer.from(contentBase64, 'base64');
  const check = checkEvidence(name, bytes);
  if (!check.ok) throw badRequest(`evidence refused: ${check.reason}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { sha256, size: bytes.length, type: check.type, file: { sha256, size: bytes.length, type: check.type, content: bytes.toString('base64'), created_at: at } };
}
