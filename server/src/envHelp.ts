import type { z } from 'zod';
import { Env } from './config.js';
import { LimitsEnv } from './http/limits.js';

export interface EnvVariable {
  name: string;
  /** The default as the server reads it, or null when unset means "not used" / "computed". */
  default: string | null;
  description: string;
}

/** What a schema yields for an unset variable (its default), shown as the user would type it. */
function defaultOf(schema: z.ZodType): string | null {
  const r = schema.safeParse(undefined);
  if (!r.success || r.data === undefined) return null;
  return Array.isArray(r.data) ? r.data.join(',') : String(r.data);
}

/** Every variable the server reads: the schemas are the one list, so this cannot drift from the code. */
export function environmentVariables(): EnvVariable[] {
  return [Env, LimitsEnv].flatMap((schema) => Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, s]) => ({ name, default: defaultOf(s), description: s.description ?? '' })));
}

/** `weian-server help env`: name, default and meaning of each variable. */
export function environmentHelp(): string {
  const vars = environmentVariables();
  const width = Math.max(...vars.map((v) => v.name.length));
  const lines = vars.map((v) => `  ${v.name.padEnd(width)}  ${v.description}${v.default === null ? '' : v.default === '' ? ' (default: empty)' : ` (default: ${v.default})`}`);
  return `Environment variables read by weian-server (each read once at start; a bad value stops the start naming it):\n\n${lines.join('\n')}`;
}
