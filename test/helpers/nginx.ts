import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './paths.js';

/** The nginx site of docs/operations.md, as printed there. */
export const documentedNginxSite = (): string => /```nginx\n([\s\S]*?)```/.exec(readFileSync(join(REPO, 'docs', 'operations.md'), 'utf8'))![1]!;

/**
 * Debian's nginx serving the documented site from `dir`, on 127.0.0.1:`port` with `cert`, in front of the
 * server on `upstreamPort`. `singleProcess`: no master process, so the pid is the one that does the work.
 */
export function startDocumentedNginx(dir: string, opts: { port: number; upstreamPort: number; cert: { key: string; cert: string }; singleProcess?: boolean }): ChildProcess {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const site = documentedNginxSite()
    .replace('listen 443 ssl;', `listen 127.0.0.1:${opts.port} ssl;`)
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${opts.upstreamPort};`)
    .replace('/etc/nginx/tls/weian.crt', opts.cert.cert)
    .replace('/etc/nginx/tls/weian.key', opts.cert.key);
  const main = `${opts.singleProcess ? 'master_process off;\n' : ''}error_log ${join(dir, 'logs', 'error.log')};\npid ${join(dir, 'nginx.pid')};\nevents {}\n`;
  writeFileSync(join(dir, 'nginx.conf'), `${main}http {\naccess_log off;\n${site}\n}\n`);
  return spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
}
