import { createHash, X509Certificate } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { parseSums } from '../services/agentRelease.js';
import { securityHeaders } from './static.js';

/** The install scripts the dashboard's one-line commands run (beside this file): sh for Linux, PowerShell for Windows. */
const INSTALL_SH = readFileSync(new URL('./agent-install.sh', import.meta.url), 'utf8');
const INSTALL_PS1 = readFileSync(new URL('./agent-install.ps1', import.meta.url), 'utf8');

/** SHA-256 of the (first) certificate's DER, lowercase hex: what `openssl x509 -fingerprint -sha256` shows, and what the install line compares. */
export const caFingerprint = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

/** Header that carries the CA's fingerprint beside /agent/ca.pem (the 探针安装 page shows it and puts it in the line). */
export const CA_FINGERPRINT_HEADER = 'x-weian-ca-sha256';

/**
 * Hospital intranets have no internet: the WeiAn server hands out the agent packages it was built
 * with. Only files named in the build's SHA256SUMS are served (never a path from the request), each
 * with its sum in a header and as `NAME.sha256` beside it, plus the install script.
 */
export function agentDownloadsHandler(dist: string, log: Logger, opts: { tls?: (req: IncomingMessage) => boolean; caFile?: string | undefined } = {}) {
  const tls = opts.tls ?? (() => false);
  // Read and checked once at start: a CA file that is not a certificate stops the server, not an install.
  const ca = opts.caFile ? readFileSync(opts.caFile, 'utf8') : null;
  const fingerprint = ca ? caFingerprint(ca) : null;
  const text = (req: IncomingMessage, res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache', ...securityHeaders(req, tls(req)) });
    res.end(body);
  };
  return (req: IncomingMessage, res: ServerResponse, path: string): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(req, res, 405, 'method not allowed\n');
    const name = path.slice('/agent/'.length);
    if (name === 'install.sh') return text(req, res, 200, INSTALL_SH, 'text/x-shellscript; charset=utf-8');
    // Windows PowerShell 5.1 decodes by the charset named here (its default would garble the Chinese messages).
    if (name === 'install.ps1') return text(req, res, 200, INSTALL_PS1, 'text/plain; charset=utf-8');
    // Always 200, so the 探针安装 page can ask without a failed request in the browser's console.
    if (name === 'ca.json') return text(req, res, 200, JSON.stringify({ sha256: fingerprint }), 'application/json');
    if (name === 'ca.pem') {
      if (!ca || !fingerprint) return text(req, res, 404, '本服务器没有配置私有 CA 证书（weian-server serve --tls-ca）。\nno private CA configured on this server\n');
      res.setHeader(CA_FINGERPRINT_HEADER, fingerprint);
      return text(req, res, 200, ca, 'application/x-pem-file');
    }
    void (async () => {
      const sumsText = await readFile(join(dist, 'SHA256SUMS'), 'utf8').catch(() => null);
      if (sumsText === null) return text(req, res, 404, '服务器上还没有探针安装包：请在服务器上运行 pnpm build。\nNo agent packages on this server: run `pnpm build` on it.\n');
      if (name === 'SHA256SUMS') return text(req, res, 200, sumsText);
      const sums = parseSums(sumsText);
      const artifact = name.endsWith('.sha256') ? name.slice(0, -'.sha256'.length) : name;
      const sum = sums.get(artifact);
      if (!sum) return text(req, res, 404, `没有这个安装包：${artifact}\nno such agent package\n`);
      if (name !== artifact) return text(req, res, 200, `${sum}  ${artifact}\n`);
      const file = join(dist, artifact);
      const info = await stat(file);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': info.size,
        'content-disposition': `attachment; filename="${artifact}"`,
        'x-content-sha256': sum,
        'cache-control': 'no-cache',
        ...securityHeaders(req, tls(req)),
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
    })().catch((e: Error) => {
      log.error(`agent download ${name}: ${e.message}`);
      if (!res.headersSent) text(req, res, 500, 'internal server error\n');
      else res.destroy();
    });
  };
}
