import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentRelease, loadOrCreateSigningKey, type AgentRelease } from '../services/agentRelease.js';

/** A server's agent dist as `pnpm build` leaves it (files named as built, SHA256SUMS, VERSION), with small stand-in bodies. */
export function fakeAgentDist(version: string): string {
  const d = mkdtempSync(join(tmpdir(), 'weian-dist-'));
  const files = {
    'weian-agent-linux-x64': 'x64 exe',
    'weian-agent-linux-arm64': 'arm64 exe',
    [`weian-agent_${version}_amd64.deb`]: 'deb',
    [`weian-agent-${version}-1.x86_64.rpm`]: 'el8 rpm',
    [`weian-agent-${version}-1.el7.x86_64.rpm`]: 'el7 rpm',
    'weian-agent-win-x64.exe': 'win',
    [`weian-agent-${version}-x64.msi`]: 'msi',
  };
  let sums = '';
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(join(d, name), body);
    sums += `${createHash('sha256').update(body).digest('hex')}  ${name}\n`;
  }
  writeFileSync(join(d, 'SHA256SUMS'), sums);
  writeFileSync(join(d, 'VERSION'), `${version}\n`);
  return d;
}

/** A release signed by a fresh key, as a server's first start makes it. */
export const testAgentRelease = (dist: string): AgentRelease => agentRelease({ dist, key: loadOrCreateSigningKey(mkdtempSync(join(tmpdir(), 'weian-key-'))), fallbackVersion: '0.1.0' });
