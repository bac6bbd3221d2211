// The server's native packages, made with Debian's tools from the app tree build.mjs made:
//   weian-server_VERSION_amd64.deb, weian-server_VERSION_arm64.deb           (dpkg-deb; Debian, Ubuntu, UOS, Kylin deb editions)
//   weian-server-VERSION-1.x86_64.rpm, weian-server-VERSION-1.aarch64.rpm     (rpmbuild; EL8+, openEuler, Kylin V10)
// each with a .sha256 beside it. Layout everywhere: /usr/lib/weian-server (Node.js from npm's
// node-linux-*, the bundle, the add-ons, the dashboard), /usr/bin/weian-server, a hardened systemd unit,
// /etc/weian/server.env (kept on upgrade), data in /var/lib/weian-server owned by user `weian`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { debDescription, debScripts } from '../../scripts/debian.mjs';
import { rpmbuild, rpmScriptlets, rpmSpecHead } from '../../scripts/rpmbuild.mjs';

const EPOCH = '1764979200'; // 2025-12-06: the same bytes for the same inputs
const DATA = '/var/lib/weian-server';
const ENV_FILE = '/etc/weian/server.env';
const SUMMARY = 'WeiAn (卫安) server: security compliance monitoring for medical institutions';
const DESCRIPTION = `The central server of WeiAn: receives agents' reports, judges them against the
national rules, ranks institutions and serves the bureaus' dashboard.
Node.js is included; Chromium (recommended) prints the PDF exports.`;

/** The architectures packaged, by Node.js platform: Debian's and rpm's names for each. */
export const ARCHES = {
  'linux-x64': { deb: 'amd64', rpm: 'x86_64' },
  'linux-arm64': { deb: 'arm64', rpm: 'aarch64' },
};

/** What the maintainer scripts do, shared by deb and rpm: the user, the data directory, the service when systemd runs. */
const SCRIPT_LIB = `
systemd_running() { command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }
weian_user() {
  getent group weian >/dev/null || groupadd --system weian
  getent passwd weian >/dev/null || useradd --system --gid weian --home-dir ${DATA} --no-create-home --shell /usr/sbin/nologin weian
}
weian_after_install() {
  mkdir -p ${DATA}
  chown weian:weian ${DATA} && chmod 0750 ${DATA}
  chgrp weian ${ENV_FILE} && chmod 0640 ${ENV_FILE}
  if systemd_running; then systemctl daemon-reload; systemctl enable weian-server.service >/dev/null 2>&1 || true; systemctl restart weian-server.service || echo "weian-server: the service did not start; see: journalctl -u weian-server" >&2; fi
}
weian_before_remove() {
  if systemd_running; then systemctl stop weian-server.service || true; systemctl disable weian-server.service >/dev/null 2>&1 || true; fi
}
weian_after_remove() {
  if systemd_running; then systemctl daemon-reload || true; fi
}
`;

const sha256File = (file) => writeFileSync(`${file}.sha256`, `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${basename(file)}\n`);

/**
 * @param {{ app: string, node: string, addon: string, platform: keyof typeof ARCHES, version: string, dist: string, work: string,
 *   unit: string, envFile: string, doc: string }} o  `addon` replaces the app's better_sqlite3.node (the build machine's)
 * @returns {string[]} the packages' paths
 */
export function buildServerPackages(o) {
  const arch = ARCHES[o.platform];
  const env = { ...process.env, SOURCE_DATE_EPOCH: EPOCH, TZ: 'UTC', LC_ALL: 'C' };
  const work = join(o.work, o.platform);
  rmSync(work, { recursive: true, force: true });

  /** The installed tree; the unit goes where each distribution family keeps them. */
  const stage = (name, unitDir) => {
    const root = join(work, name);
    const lib = join(root, 'usr/lib/weian-server');
    mkdirSync(dirname(lib), { recursive: true });
    cpSync(o.app, lib, { recursive: true });
    // Only the add-on itself: the build machine's (objects, the test extension, its glibc) stays out.
    rmSync(join(lib, 'node_modules/better-sqlite3/build'), { recursive: true, force: true });
    mkdirSync(join(lib, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    copyFileSync(o.addon, join(lib, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
    copyFileSync(o.node, join(lib, 'node'));
    chmodSync(join(lib, 'node'), 0o755);
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    // The command, for operators: the same Node.js and bundle the service runs.
    writeFileSync(
      join(root, 'usr/bin/weian-server'),
      `#!/bin/sh\n# WeiAn server CLI (weian-server --help); settings from ${ENV_FILE} when readable.\nif [ -r ${ENV_FILE} ]; then set -a; . ${ENV_FILE}; set +a; fi\nexec /usr/lib/weian-server/node /usr/lib/weian-server/server.mjs "$@"\n`,
      { mode: 0o755 },
    );
    mkdirSync(join(root, unitDir), { recursive: true });
    copyFileSync(o.unit, join(root, unitDir, 'weian-server.service'));
    mkdirSync(join(root, 'etc/weian'), { recursive: true });
    copyFileSync(o.envFile, join(root, ENV_FILE.slice(1)));
    chmodSync(join(root, ENV_FILE.slice(1)), 0o640);
    mkdirSync(join(root, 'usr/share/doc/weian-server'), { recursive: true });
    copyFileSync(o.doc, join(root, 'usr/share/doc/weian-server', basename(o.doc)));
    return root;
  };
  mkdirSync(o.dist, { recursive: true });

  // deb
  const debRoot = stage('deb', 'lib/systemd/system');
  mkdirSync(join(debRoot, 'DEBIAN'));
  writeFileSync(join(debRoot, 'DEBIAN/conffiles'), `${ENV_FILE}\n`);
  writeFileSync(
    join(debRoot, 'DEBIAN/control'),
    `Package: weian-server
Version: ${o.version}
Architecture: ${arch.deb}
Maintainer: WeiAn <weian@weian.invalid>
Depends: libc6 (>= 2.28), libstdc++6, passwd
Recommends: chromium, fonts-wqy-microhei
Section: admin
Priority: optional
${debDescription(SUMMARY, DESCRIPTION)}`,
  );
  const script = debScripts(debRoot, SCRIPT_LIB);
  script('postinst', 'if [ "$1" = configure ]; then weian_user; weian_after_install; fi');
  script('prerm', 'if [ "$1" = remove ]; then weian_before_remove; fi');
  // purge is the Debian way to say "and my data": only then does the database go.
  script('postrm', `weian_after_remove\nif [ "$1" = purge ]; then rm -rf ${DATA}; rm -f ${ENV_FILE}; rmdir /etc/weian 2>/dev/null || true; fi`);
  const deb = join(o.dist, `weian-server_${o.version}_${arch.deb}.deb`);
  // gzip -6, as the rpms: -9 takes three times the CPU for 0.7% less on the bundled Node.js.
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', debRoot, deb], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  sha256File(deb);

  // rpm: rpm has no purge, so erasing keeps the data (rpm leaves a directory that is not empty) and a changed server.env (.rpmsave).
  const rpmRoot = stage('rpm', 'usr/lib/systemd/system');
  const top = join(work, 'rpm-top');
  const spec = join(top, 'weian-server.spec');
  mkdirSync(top, { recursive: true });
  writeFileSync(
    spec,
    `${rpmSpecHead({ name: 'weian-server', version: o.version, release: '1', summary: SUMMARY, description: DESCRIPTION, root: rpmRoot, tags: ['Requires(pre): /usr/bin/getent, /usr/sbin/groupadd, /usr/sbin/useradd'] })}
%files
/usr/lib/weian-server
/usr/bin/weian-server
/usr/lib/systemd/system/weian-server.service
%doc /usr/share/doc/weian-server/${basename(o.doc)}
%dir /etc/weian
%config(noreplace) %attr(0640,root,weian) ${ENV_FILE}
%dir %attr(0750,weian,weian) ${DATA}

%pre
${SCRIPT_LIB}
weian_user

${rpmScriptlets(SCRIPT_LIB)}`,
  );
  mkdirSync(join(rpmRoot, DATA.slice(1)), { recursive: true });
  const file = `weian-server-${o.version}-1.${arch.rpm}.rpm`;
  const rpm = rpmbuild({ top, spec, arch: arch.rpm, file, to: join(o.dist, file), env });
  sha256File(rpm);
  return [deb, rpm];
}
