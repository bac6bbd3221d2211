import { createHash } from 'node:crypto';

/** Fixtures for incident tests: an MLPS system record to pick, and evidence files of each kind (and an .exe). */
export const mlpsSystemRecord = (over: { name?: string; criticalInfrastructure?: boolean; hostIds?: string[] } = {}) => ({
  name: 'HIS',
  level: 3 as const,
  criticalInfrastructure: true,
  personalInfoOver100k: true,
  gradedOn: '2025-04-01',
  filedOn: '2025-04-10',
  lastEvaluatedOn: null,
  wentLiveOn: null,
  prelaunchTestedOn: null,
  retiredOn: null,
  hostIds: [] as string[],
  ...over,
});

export const EVIDENCE_FIXTURES = {
  png: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]),
  pdf: Buffer.from('%PDF-1.7\n事件处置记录\n'),
  docx: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 2)]),
  exe: Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00]), Buffer.alloc(64)]),
};
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
