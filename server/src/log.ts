import { randomUUID } from 'node:crypto';
import pino from 'pino';

/**
 * The server's log. Text lines for a person at a terminal (the default), or JSON lines (pino) for a
 * log collector: WEIAN_LOG_FORMAT=json, as the packaged service sets. WEIAN_LOG=debug adds each HTTP
 * request (method, path without its query, status, time, request id) and error stacks; silent keeps
 * only errors. Messages never carry a password, secret or token: callers log names and ids only.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Something the operator should fix that does not stop the server (e.g. no Chromium for PDFs). */
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug?(msg: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'silent' | 'info' | 'debug';
export type LogFormat = 'text' | 'json';

export function createLogger(level: LogLevel, format: LogFormat = 'text'): Logger {
  if (format === 'json') {
    // pino's "silent" would drop errors too: keep them.
    const p = pino({ level: level === 'silent' ? 'error' : level, base: { service: 'weian-server' }, timestamp: pino.stdTimeFunctions.isoTime });
    return {
      info: (m, f) => p.info(f ?? {}, m),
      warn: (m, f) => p.warn(f ?? {}, m),
      error: (m, f) => p.error(f ?? {}, m),
      debug: (m, f) => p.debug(f ?? {}, m),
    };
  }
  const at = () => new Date().toISOString();
  const extra = (f?: Record<string, unknown>) =>
    f
      ? ` ${Object.entries(f)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')}`
      : '';
  return {
    info: (m, f) => level !== 'silent' && console.log(`${at()} ${m}${extra(f)}`),
    warn: (m, f) => level !== 'silent' && console.error(`${at()} WARNING ${m}${extra(f)}`),
    error: (m, f) => console.error(`${at()} ERROR ${m}${extra(f)}`),
    debug: (m, f) => level === 'debug' && console.log(`${at()} DEBUG ${m}${extra(f)}`),
  };
}

/** A short id for one request, logged with it and sent back as X-Request-Id (support asks for it). */
export const requestId = (): string => randomUUID().slice(0, 8);
