import { ApiError, handleError } from './errors.js';
import { KIND_BY_STATUS } from './exports.js';

/** Where an evidence file goes: a notice the institution answers, its self-inspection of a year, or an incident it reported. */
export type EvidenceTarget = { notice: string } | { selfInspection: number } | { incident: string };
export interface StoredEvidence {
  sha256: string;
  size: number;
  type: string;
}

/**
 * Uploads one evidence file as raw bytes to POST /upload/evidence (up to 5 MiB; a tRPC call carries
 * base64 in a 2 MiB JSON body). The server judges it by its bytes and name, as the procedures do.
 */
export async function uploadEvidence(target: EvidenceTarget, file: File): Promise<StoredEvidence> {
  const query = new URLSearchParams({ ...('selfInspection' in target ? { selfInspection: String(target.selfInspection) } : target), name: file.name });
  let res: Response;
  try {
    res = await fetch(`/upload/evidence?${query}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' }, body: file });
  } catch (e) {
    throw handleError(e);
  }
  const body = (await res.json().catch(() => null)) as (StoredEvidence & { error?: { message: string } }) | null;
  if (!res.ok || !body) throw handleError(new ApiError(KIND_BY_STATUS[res.status] ?? 'server', body?.error?.message ?? `HTTP ${res.status}`));
  return body;
}

/** Where the browser downloads a stored evidence file (GET behind the session cookie; 404 outside the user's scope). */
export const evidenceUrl = {
  notice: (noticeId: string, sha256: string) => `/download/evidence/notice/${encodeURIComponent(noticeId)}/${sha256}`,
  incident: (incidentId: string, sha256: string) => `/download/evidence/incident/${encodeURIComponent(incidentId)}/${sha256}`,
  selfInspection: (year: number, institutionCode: string, sha256: string) => `/download/evidence/self-inspection/${year}/${encodeURIComponent(institutionCode)}/${sha256}`,
};

/** The file chosen in an `<input type="file">` change event; the input is cleared so the same file can be picked again. */
export function pickedFile(event: Event): File | null {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0] ?? null;
  input.value = '';
  return file;
}
