/**
 * An uploaded evidence file (整改佐证材料, 自查佐证材料), checked once for every place that takes one:
 * size, name and type judged from the bytes (shared/src/evidence.ts), addressed by SHA-256.
 */
import { createHash } from 'node:crypto';
import { checkEvidence, EVIDENCE_MAX_BYTES, type EvidenceType } from '@weian/shared';
import { badRequest } from '../errors.js';
import type { EvidenceFilesTable } from '../storage/notices.js';

export interface AcceptedEvidence {
  sha256: string;
  size: number;
  type: EvidenceType;
  /** The row to store (content kept once per SHA-256). */
  file: EvidenceFilesTable;
}

/** Bytes as a tRPC upload gives them (base64 in the JSON body). */
export const decodeEvidence = (contentBase64: string) => Buffer.from(contentBase64, 'base64');

/**
 * The file ready to store, or a clear refusal (nothing is written before this passes). `maxBytes`:
 * the JSON path's limit unless the bytes came through the streamed upload route (http/uploads.ts).
 */
export function acceptEvidence(name: string, bytes: Buffer, at: string, maxBytes = EVIDENCE_MAX_BYTES): AcceptedEvidence {
  const check = checkEvidence(name, bytes, maxBytes);
  if (!check.ok) throw badRequest(`evidence refused: ${check.reason}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { sha256, size: bytes.length, type: check.type, file: { sha256, size: bytes.length, type: check.type, content: bytes.toString('base64'), created_at: at } };
}

/** An upload as the services take it, from either path: the tRPC call (decoded base64) or the streamed route with its larger limit. */
export interface EvidenceBytes {
  name: string;
  content: Buffer;
  maxBytes?: number;
}
export const acceptUpload = (u: EvidenceBytes, at: string) => acceptEvidence(u.name, u.content, at, u.maxBytes);
