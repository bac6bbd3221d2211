import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { documentedNginxSite, startDocumentedNginx } from '../helpers/nginx.js';
import { freePort, tempDir } from '../helpers/server.js';
import { makeSelfSignedCert } from '../helpers/tls.js';
import { pacedCpuMs, post, startTrivialServer } from './httpFloor.js';

/** How long the documented site keeps a TLS session, in minutes (nginx's default: 5). */
export function documentedSessionMinutes(): number {
  const m = /^\s*ssl_session_timeout\s+(\d+)([smhd]?);/m.exec(documentedNginxSite());
  if (!m) return 5;
  return Number(m[1]) * { s: 1 / 60, '': 1 / 60, m: 1, h: 60, d: 1440 }[m[2] as 's' | '' | 'm' | 'h' | 'd'];
}

export interface ProxyCase {
  /** The certificate's key: RSA-2048 (what most CAs issue) or ECDSA P-256. */
  key: 'rsa' | 'ec';
  /**
   * The client keeps TLS sessions, as the agent does (node:https' global agent): its next report resumes the
   * session if the proxy still knows it. Without: a full handshake per report.
   */
  resume: boolean;
}

/**
 * What the HTTPS proxy of docs/operations.md (its nginx site as printed, in front of the trivial server of
 * httpFloor.ts) spends per report when each report opens a new TLS connection, as agents that report every
 * 15 minutes do: their keep-alive connection is long closed. nginx runs as one process
 * (`master_process off`), so its CPU is read from one pid.
 */
export async function tlsProxyCpuMs(rate: number, seconds: number, bytes: number, { key, resume }: ProxyCase): Promise<number> {
  const dir = tempDir('weian-bench-tls-');
  const cert = makeSelfSignedCert(dir, 'proxy', key);
  const { port: upstreamPort, server } = await startTrivialServer();
  const port = await freePort();
  const nginx = startDocumentedNginx(dir, { port, upstreamPort, cert, singleProcess: true });
  const ca = readFileSync(cert.cert);
  // No keep-alive either way: each report its own connection.
  const agent = new Agent({ keepAlive: false, maxCachedSessions: resume ? 100 : 0 });
  const send = (body: string) => post(request, { host: '127.0.0.1', port, ca, agent }, body);
  try {
    for (let tries = 0; ; tries++) {
      try {
        await send('{}');
        break;
      } catch (e) {
        if (tries > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return await pacedCpuMs([nginx.pid!], rate, seconds, bytes, send);
  } finally {
    agent.destroy();
    nginx.kill('SIGQUIT');
    await new Promise((r) => nginx.once('exit', r));
    await server.stop();
  }
}
