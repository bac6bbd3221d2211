import { z } from 'zod';
import { LIMITS, instant, sha256Hex, text } from './common.js';
import { AgentSettings, ServerKey } from '../agentCommands.js';
import { SECTION_DATA, SECTION_NAMES, type SectionData, type SectionName } from './sections.js';

export const REPORT_SCHEMA_VERSION = 1;

export const SectionError = z.object({ code: text(64), message: text(LIMITS.longText) });

const envelope = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('status', [
    z.object({
      status: z.literal('ok'),
      hash: sha256Hex(),
      data,
      /** Partial data: what the collector could not read, the rest being valid. */
      warnings: z.array(text(LIMITS.longText)).max(LIMITS.warnings).optional(),
    }),
    /** Delta sync: same hash as the last acknowledged report, data not re-sent. */
    z.object({ status: z.literal('unchanged'), hash: sha256Hex() }),
    z.object({ status: z.literal('error'), error: SectionError }),
    z.object({ status: z.literal('unsupported'), reason: text(LIMITS.longText).optional() }),
  ]);

export const Sections = z.object({
  device: envelope(SECTION_DATA.device),
  patches: envelope(SECTION_DATA.patches),
  ports: envelope(SECTION_DATA.ports),
  backups: envelope(SECTION_DATA.backups),
  security: envelope(SECTION_DATA.security),
});

export const Report = z.object({
  schema: z.literal(REPORT_SCHEMA_VERSION, {
    error: (iss) => `unsupported report schema version ${JSON.stringify(iss.input)}: this server reads version ${REPORT_SCHEMA_VERSION}`,
  }),
  reportId: z.uuid(),
  agentId: text(64),
  agentVersion: text(64),
  collectedAt: instant(),
  sections: Sections,
});
export type Report = z.infer<typeof Report>;
export type SectionEnvelope<K extends SectionName = SectionName> =
  | { status: 'ok'; hash: string; data: SectionData[K]; warnings?: string[] }
  | { status: 'unchanged'; hash: string }
  | { status: 'error'; error: { code: string; message: string } }
  | { status: 'unsupported'; reason?: string };

export const ReportAck = z.object({
  reportId: z.uuid(),
  hostId: text(64),
  receivedAt: instant(),
  /** Sections sent as `unchanged` whose hash the server does not hold: send them in full next time. */
  resend: z.array(z.enum(SECTION_NAMES)),
  settings: AgentSettings,
});
export type ReportAck = z.infer<typeof ReportAck>;

export const EnrollInput = z.object({
  token: text(128).min(8),
  hostname: text().min(1),
  machineId: text().nullable(),
  agentVersion: text(64),
});
export type EnrollInput = z.infer<typeof EnrollInput>;
export const EnrollResult = z.object({
  agentId: text(64),
  secret: text(128),
  hostId: text(64),
  institution: z.object({ code: text(64), name: text() }),
  settings: AgentSettings,
  /** The server's Ed25519 key that signs upgrades: the agent pins it in its config. */
  serverKey: ServerKey.optional(),
});
export type EnrollResult = z.infer<typeof EnrollResult>;

/** Header the agent authenticates with: `Authorization: Agent <agentId>:<secret>`. */
export const AGENT_AUTH_SCHEME = 'Agent';
