import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ExecOptions {
  /** Kill the command after this long (default 10 s). */
  timeoutMs?: number;
  /** Keep at most this many bytes of stdout (default 4 MiB); the rest is dropped and `truncated` set. */
  maxBytes?: number;
  env?: Record<string, string>;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when the command was killed or could not start. */
  code: number | null;
  timedOut: boolean;
  truncated: boolean;
  /** Set when the command could not be started at all, e.g. "ENOENT" for a missing binary. */
  spawnError: string | null;
}

/**
 * The one way collectors touch the host. Every read goes through here, so a live run can be
 * recorded (`capture`) and a recorded one replayed with no command run (`replay`, and the fixtures).
 */
export interface Runner {
  readonly platform: NodeJS.Platform;
  exec(command: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** A text file's content, or null when it does not exist or cannot be read. */
  readFile(path: string, maxBytes?: number): Promise<string | null>;
  /** Any other read (a systeminformation call, a directory listing): recorded as its JSON result. */
  call<T>(key: string, live: () => Promise<T>): Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export function liveRunner(platform: NodeJS.Platform = process.platform): Runner {
  return {
    platform,
    exec: (command, args, opts = {}) => execLive(command, args, opts),
    async readFile(path, maxBytes = DEFAULT_MAX_BYTES) {
      try {
        const buf = await readFile(path);
        return buf.subarray(0, maxBytes).toString('utf8');
      } catch {
        return null;
      }
    },
    call: (_key, live) => live(),
  };
}

function execLive(command: string, args: readonly string[], opts: ExecOptions): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve) => {
    // LC_ALL=C keeps tools' output parseable; collectors still cope with localized output from replays.
    const child = spawn(command, args, {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let truncated = false;
    let timedOut = false;
    let settled = false;
    const finish = (r: Omit<ExecResult, 'stdout' | 'stderr' | 'truncated' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        truncated,
        timedOut,
        ...r,
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes >= maxBytes) {
        truncated = true;
        return;
      }
      const room = maxBytes - outBytes;
      if (chunk.length > room) truncated = true;
      const kept = chunk.subarray(0, room);
      out.push(kept);
      outBytes += kept.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < 64 * 1024) {
        err.push(chunk);
        errBytes += chunk.length;
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => finish({ code: null, spawnError: e.code ?? e.message }));
    child.on('close', (code) => finish({ code, spawnError: null }));
  });
}

// ---- capture and replay -----------------------------------------------------------------------

/**
 * Capture format (a directory): `manifest.json` = { format: "weian-capture/1", platform, capturedAt,
 * entries: [{ key, kind: "exec"|"file"|"call", file, result? }] }, and one file per entry holding the
 * raw stdout (exec), the file content (file, absent when the file did not exist) or the JSON result (call).
 * `key` is `exec:<command> <args…>`, `file:<path>` or `call:<name>`.
 */
export interface CaptureEntry {
  key: string;
  kind: 'exec' | 'file' | 'call';
  file: string | null;
  result?: Omit<ExecResult, 'stdout'>;
}
export interface CaptureManifest {
  format: 'weian-capture/1';
  platform: NodeJS.Platform;
  capturedAt: string;
  entries: CaptureEntry[];
}

export const execKey = (command: string, args: readonly string[]) => `exec:${[command, ...args].join(' ')}`;

/** Wraps a runner so that every read is also written into `dir`; call `save()` at the end. */
export function capturingRunner(inner: Runner, dir: string): Runner & { save(): Promise<void> } {
  const entries: CaptureEntry[] = [];
  const pending: Promise<unknown>[] = [];
  let n = 0;
  const store = (key: string, kind: CaptureEntry['kind'], content: string | null, result?: CaptureEntry['result']) => {
    const file = content === null ? null : `${String(++n).padStart(4, '0')}-${kind}.txt`;
    entries.push({ key, kind, file, ...(result ? { result } : {}) });
    if (file !== null) pending.push(mkdir(dir, { recursive: true }).then(() => writeFile(join(dir, file), content!)));
  };
  return {
    platform: inner.platform,
    async exec(command, args, opts) {
      const r = await inner.exec(command, args, opts);
      const { stdout, ...rest } = r;
      store(execKey(command, args), 'exec', stdout, rest);
      return r;
    },
    async readFile(path, maxBytes) {
      const r = await inner.readFile(path, maxBytes);
      store(`file:${path}`, 'file', r);
      return r;
    },
    async call(key, live) {
      const r = await inner.call(key, live);
      store(`call:${key}`, 'call', JSON.stringify(r ?? null));
      return r;
    },
    async save() {
      await mkdir(dir, { recursive: true });
      await Promise.all(pending);
      const manifest: CaptureManifest = { format: 'weian-capture/1', platform: inner.platform, capturedAt: new Date().toISOString(), entries };
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    },
  };
}

/** Answers every read from a capture directory; a read that was not captured behaves like a missing binary/file. */
export async function replayRunner(dir: string): Promise<Runner> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CaptureManifest;
  if (manifest.format !== 'weian-capture/1') throw new Error(`${dir}: not a weian capture (format ${String(manifest.format)})`);
  const byKey = new Map(manifest.entries.map((e) => [e.key, e]));
  const content = async (e: CaptureEntry | undefined) => (e?.file ? readFile(join(dir, e.file), 'utf8') : null);
  return {
    platform: manifest.platform,
    async exec(command, args) {
      const e = byKey.get(execKey(command, args));
      if (!e) return { stdout: '', stderr: '', code: null, timedOut: false, truncated: false, spawnError: 'ENOENT' };
      return { ...(e.result as Omit<ExecResult, 'stdout'>), stdout: (await content(e)) ?? '' };
    },
    readFile: async (path) => content(byKey.get(`file:${path}`)),
    async call(key) {
      const text = await content(byKey.get(`call:${key}`));
      if (text === null) throw new Error(`not in capture: ${key}`);
      const value = JSON.parse(text);
      // Captures from before boot time was recorded hold only uptime: replay them as a machine that kept
      // running since the capture, so the boot time (and the device section's hash) does not drift with the clock.
      if (key === 'si.time' && value && typeof value.uptime === 'number' && value.bootTime === undefined) {
        value.bootTime = Math.round(Date.parse(manifest.capturedAt) / 1000 - value.uptime);
      }
      return value;
    },
  };
}
