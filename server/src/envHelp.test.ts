import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { environmentHelp, environmentVariables } from './envHelp.js';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? (f === 'testing' ? [] : sources(p)) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });

describe('weian-server help env', () => {
  it('lists every variable the server code reads, with its default', () => {
    const listed = new Set(environmentVariables().map((v) => v.name));
    const read = new Set(sources(SRC).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b(WEIAN_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)\b(?!_)/g)].map((m) => m[1]!)));
    // Test harnesses (src/testing) read their own variables, WEIAN_VERSION is the release constant, WEIAN_BACKUP_* prose;
    // every other WEIAN_ name in the code must be documented.
    expect([...read].filter((name) => !listed.has(name) && name !== 'WEIAN_VERSION')).toEqual([]);
    const help = environmentHelp();
    expect(help).toMatch(/WEIAN_PORT\s+.*\(default: 8080\)/);
    expect(help).toMatch(/WEIAN_TRUSTED_PROXIES\s+.*X-Forwarded-For/);
    expect(environmentVariables().every((v) => v.description.length > 10)).toBe(true);
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => loadConfig({ WEIAN_TRUSTED_PROXIES: '10.0.0.0/8, proxy.example' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEIAN_TRUSTED_PROXIES: 'proxy.example' })).toThrow(/WEIAN_TRUSTED_PROXIES/);
    expect(loadConfig({ WEIAN_TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8' }).trustedProxies.has('10.2.3.4')).toBe(true);
  });
});

describe('the README', () => {
  it('lists every setting exactly as `weian-server help env` prints it', () => {
    const readme = readFileSync(join(SRC, '../../README.md'), 'utf8');
    expect(/```text\n(Environment variables read by weian-server[\s\S]*?)\n```/.exec(readme)?.[1]).toBe(environmentHelp());
  });
});
