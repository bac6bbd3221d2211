import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEIAN_VERSION } from '@weian/shared/version';
import { REPO } from '../helpers/paths.js';
import { freePort, tempDir } from '../helpers/server.js';
import { ensureServerBuilt } from '../helpers/serverBuild.js';
import { waitFor } from '../helpers/wait.js';
import { documentedNginxSite } from '../helpers/nginx.js';

/**
 * deploy/docker: this machine has the Docker client but no engine, so the image is not built here.
 * What can be proven is: the files the Dockerfile copies are what `pnpm build` makes, the image's
 * command line (ENTRYPOINT + CMD with its ENV) starts the server from that tree with plain node,
 * its HEALTHCHECK command passes against it, and the compose proxy's site is the documented one.
 */
const DOCKERFILE = readFileSync(join(REPO, 'deploy/docker/Dockerfile'), 'utf8');

describe('deploy/docker', () => {
  it("runs the image's command line on the built tree, and its health check passes", async () => {
    const { app } = await ensureServerBuilt(WEIAN_VERSION);
    const copy = /^COPY server\/dist\/weian-server (\S+)$/m.exec(DOCKERFILE);
    expect(copy?.[1]).toBe('/usr/lib/weian-server');
    const entry = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(DOCKERFILE)![1]!) as string[];
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(DOCKERFILE)![1]!) as string[];
    const envBlock = /^ENV ([\s\S]+?)\n(?!\s)/m.exec(DOCKERFILE)![1]!;
    const env = Object.fromEntries([...envBlock.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    expect(env.WEIAN_DATA_DIR).toBe('/var/lib/weian-server');
    const port = await freePort();
    const data = tempDir('weian-docker-');
    // The image's paths, mapped onto this machine: /usr/lib/weian-server is the built tree.
    const argv = [...entry, ...cmd].map((a) => a.replace('/usr/lib/weian-server', app));
    const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH!, ...env, WEIAN_DATA_DIR: data, HOME: data, WEIAN_PORT: String(port), WEIAN_HOST: '127.0.0.1' }, stdio: 'ignore' });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, { timeoutMs: 60_000, what: 'the image command to serve' });
      const health = /^HEALTHCHECK .* CMD (node -e .+)$/m.exec(DOCKERFILE)![1]!.replace('127.0.0.1:8080', `127.0.0.1:${port}`);
      expect(spawnSync('bash', ['-c', health]).status).toBe(0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('the compose proxy serves the documented nginx site, pointed at the weian service', () => {
    const site = documentedNginxSite();
    const compose = readFileSync(join(REPO, 'deploy/docker/nginx.conf'), 'utf8').replace(/^#.*\n/, '');
    expect(compose).toBe(site.replace('server 127.0.0.1:8080;', 'server weian:8080;'));
  });
});
