// Native packages of the agent, made with Debian's own tools from the executables build.mjs made:
//   weian-agent_VERSION_amd64.deb, weian-agent_VERSION_arm64.deb          (dpkg-deb)
//   weian-agent-VERSION-1.x86_64.rpm, weian-agent-VERSION-1.aarch64.rpm    (rpmbuild; EL8+, Kylin V10, openEuler, UOS)
//   weian-agent-VERSION-1.el7.x86_64.rpm                                   (rpmbuild; glibc 2.17: CentOS/RHEL/NeoKylin 7)
//   weian-agent-VERSION-x64.msi                                            (wixl)
// Layout everywhere: the program, a systemd unit, config in /etc/weian/ (written by `weian-agent
// enroll`, never shipped, so an upgrade cannot touch it), outbox and state in /var/lib/weian-agent/.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { debDescription, debScripts } from '../../scripts/debian.mjs';
import { rpmbuild, rpmScriptlets, rpmSpecHead } from '../../scripts/rpmbuild.mjs';

export const CONFIG = '/etc/weian/agent.json';
/** Also where a package upgrade keeps the program it replaces, which the unit's start guard runs (agent/src/upgradeFiles.ts, PACKAGED_DATA_DIR). */
export const STATE_DIR = '/var/lib/weian-agent';
/** The deb's Maintainer (Debian policy wants a real address: whoever builds the packages for the institution). */
const MAINTAINER = process.env.WEIAN_PACKAGE_MAINTAINER ?? 'WeiAn <weian@localhost>';
const SUMMARY = 'WeiAn network-security compliance agent';
const DESCRIPTION = `Collects a host's security posture (patches, open ports, services, accounts,
backups, audit settings) and reports it to the institution's WeiAn server.`;
/** Fixed times (SOURCE_DATE_EPOCH) so the same sources give the same package bytes. */
const EPOCH = '1764979200';

/**
 * What the maintainer scripts do, shared by deb and rpm. systemctl may be missing (containers, a
 * chroot) or present without a running systemd: `enable` then still records the wants link offline,
 * and nothing tries to start or stop a service.
 */
const SCRIPT_LIB = `
have_systemctl() { command -v systemctl >/dev/null 2>&1; }
systemd_running() { have_systemctl && [ -d /run/systemd/system ]; }
weian_after_install() {
  mkdir -p /etc/weian ${STATE_DIR}
  chmod 0755 /etc/weian
  chmod 0700 ${STATE_DIR}
  if systemd_running; then systemctl daemon-reload || true; fi
  if [ -f ${CONFIG} ]; then
    if have_systemctl; then systemctl enable weian-agent.service >/dev/null 2>&1 || true; fi
    if systemd_running; then
      systemctl restart weian-agent.service || echo "weian-agent: the service did not start; see: journalctl -u weian-agent" >&2
    else
      echo "weian-agent: systemd is not running here; start the agent with: weian-agent run --config ${CONFIG}" >&2
    fi
  else
    echo "weian-agent installed. Enroll it (the dashboard's 探针安装 page gives the full line):"
    echo "  weian-agent enroll --server URL --token TOKEN --config ${CONFIG} --data-dir ${STATE_DIR} && systemctl enable --now weian-agent"
  fi
}
weian_before_remove() {
  if systemd_running; then systemctl stop weian-agent.service >/dev/null 2>&1 || true; fi
  if have_systemctl; then systemctl disable weian-agent.service >/dev/null 2>&1 || true; fi
}
weian_after_remove() {
  if systemd_running; then systemctl daemon-reload || true; fi
}
`;

const COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: weian-agent
Comment: The agent bundles the official Node.js runtime, whose licence is in LICENSE.node.

Files: *
Copyright: 2025-2026 WeiAn authors
License: WeiAn
 Licensed to the institutions that run WeiAn; see the WeiAn distribution.
`;

/**
 * @param {{ dist: string, version: string, executables: Record<string, string>, legacyDir: string | null, licenseDir: string,
 *   unit: (legacy: boolean, exec: string[]) => string, work: string }} o
 * @returns {string[]} the packages' paths
 */
export function buildPackages(o) {
  rmSync(o.work, { recursive: true, force: true });
  mkdirSync(o.work, { recursive: true });
  const env = { ...process.env, SOURCE_DATE_EPOCH: EPOCH, TZ: 'UTC', LC_ALL: 'C' };
  const nodeLicense = join(o.licenseDir, 'LICENSE');
  const out = [];

  /** The installed tree of one flavour: a single executable, or (glibc 2.17) Node 16 with the bundle. */
  const stage = (name, exe, legacy, unitDir) => {
    const root = join(o.work, name);
    const put = (path, from, mode = 0o644) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      copyFileSync(from, join(root, path));
      chmodSync(join(root, path), mode);
    };
    const write = (path, text, mode = 0o644) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
      chmodSync(join(root, path), mode);
    };
    if (legacy) {
      for (const f of ['node', 'weian-agent']) put(`usr/lib/weian-agent/${f}`, join(o.legacyDir, f), 0o755);
      put('usr/lib/weian-agent/weian-agent.mjs', join(o.legacyDir, 'weian-agent.mjs'));
      mkdirSync(join(root, 'usr/bin'), { recursive: true });
      symlinkSync('../lib/weian-agent/weian-agent', join(root, 'usr/bin/weian-agent'));
    } else {
      put('usr/bin/weian-agent', exe, 0o755);
    }
    // The bundle's own unit text (`__unit`): with the start guard that rolls a crash-looping upgrade back.
    write(`${unitDir}/weian-agent.service`, o.unit(legacy, ['/usr/bin/weian-agent']));
    put('usr/share/doc/weian-agent/LICENSE.node', nodeLicense);
    mkdirSync(join(root, 'etc/weian'), { recursive: true });
    mkdirSync(join(root, STATE_DIR.slice(1)), { recursive: true });
    chmodSync(join(root, STATE_DIR.slice(1)), 0o700);
    return root;
  };

  // deb: Debian 12's lintian expects units under /lib/systemd/system (merged /usr makes both the same file).
  for (const [arch, platform] of [
    ['amd64', 'linux-x64'],
    ['arm64', 'linux-arm64'],
  ].filter(([, p]) => o.executables[p])) {
    const root = stage(`deb-${arch}`, o.executables[platform], false, 'lib/systemd/system');
    const doc = join(root, 'usr/share/doc/weian-agent');
    writeFileSync(join(doc, 'copyright'), COPYRIGHT);
    writeFileSync(
      join(doc, 'changelog.gz'),
      execFileSync('gzip', ['-n', '-9', '-c'], { input: `weian-agent (${o.version}) stable; urgency=medium\n\n  * Release ${o.version}.\n\n -- ${MAINTAINER}  Sat, 06 Dec 2025 00:00:00 +0000\n` }),
    );
    mkdirSync(join(root, 'DEBIAN'));
    writeFileSync(
      join(root, 'DEBIAN/control'),
      `Package: weian-agent
Version: ${o.version}
Architecture: ${arch}
Maintainer: ${MAINTAINER}
Depends: libc6 (>= 2.28), libstdc++6
Section: admin
Priority: optional
Homepage: https://weian.invalid/
${debDescription(SUMMARY, DESCRIPTION)}`,
    );
    const script = debScripts(root, SCRIPT_LIB);
    script('postinst', 'if [ "$1" = configure ]; then weian_after_install; fi');
    // On upgrade the old prerm runs with "upgrade": the service keeps running until postinst restarts it.
    script('prerm', 'if [ "$1" = remove ]; then weian_before_remove; fi');
    // purge is the Debian way to say "and my data": only then do the config (with the secret) and the outbox go.
    script('postrm', `weian_after_remove\nif [ "$1" = purge ]; then rm -rf ${STATE_DIR} ${CONFIG}; rmdir /etc/weian 2>/dev/null || true; fi`);
    // lintian: the agent embeds Node.js (with its own OpenSSL, zlib…) by design, as a single executable.
    mkdirSync(join(root, 'usr/share/lintian/overrides'), { recursive: true });
    writeFileSync(join(root, 'usr/share/lintian/overrides/weian-agent'), LINTIAN_OVERRIDES);
    const deb = join(o.dist, `weian-agent_${o.version}_${arch}.deb`);
    // gzip -6, as the rpms: -9 takes three times the CPU for 0.7% less on the embedded runtime.
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, deb], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    out.push(deb);
  }

  // rpm: EL8+ flavours with the single executable; EL7 with Node 16 (systemd 219: MemoryLimit).
  for (const [arch, platform, legacy] of [
    ['x86_64', 'linux-x64', false],
    ['aarch64', 'linux-arm64', false],
    ['x86_64', 'linux-x64', true],
  ].filter(([, p, legacy]) => (legacy ? o.legacyDir : o.executables[p]))) {
    const flavour = `rpm-${arch}${legacy ? '-el7' : ''}`;
    const root = stage(flavour, o.executables[platform], legacy, 'usr/lib/systemd/system');
    const top = join(o.work, `${flavour}-top`);
    const release = legacy ? '1.el7' : '1';
    const spec = join(top, 'weian-agent.spec');
    mkdirSync(top, { recursive: true });
    writeFileSync(
      spec,
      `${rpmSpecHead({ name: 'weian-agent', version: o.version, release, summary: SUMMARY, description: DESCRIPTION, root })}
%files
${legacy ? '/usr/lib/weian-agent\n' : ''}/usr/bin/weian-agent
/usr/lib/systemd/system/weian-agent.service
%doc /usr/share/doc/weian-agent/LICENSE.node
%dir /etc/weian
%dir %attr(0700,root,root) ${STATE_DIR}

${rpmScriptlets(SCRIPT_LIB)}`,
    );
    const file = `weian-agent-${o.version}-${release}.${arch}.rpm`;
    out.push(rpmbuild({ top, spec, arch, file, to: join(o.dist, file), env }));
  }

  if (o.executables['win-x64']) out.push(buildMsi(o, env));
  return out;
}

const LINTIAN_OVERRIDES = `# The agent is one Node.js single executable: the runtime and its libraries are embedded, built by the Node.js project.
weian-agent: embedded-library *
weian-agent: unstripped-binary-or-object *
weian-agent: hardening-no-fortify-functions *
weian-agent: hardening-no-pie *
weian-agent: no-manual-page *
weian-agent: shared-library-lacks-prerequisites *
# The patch collector reads the dpkg status file (read only) to report pending updates.
weian-agent: uses-dpkg-database-directly *
# One set of maintainer scripts for deb and rpm, which must also work where systemd is absent or not running.
weian-agent: maintainer-script-calls-systemctl *
# The outbox holds reports about the host's weak spots: root only.
weian-agent: non-standard-dir-perm 0700 != 0755 [var/lib/weian-agent/]
# Set the real packager with WEIAN_PACKAGE_MAINTAINER when an institution rebuilds the packages.
weian-agent: bogus-mail-host *
weian-agent: bogus-mail-host-in-debian-changelog *
`;

/**
 * The MSI (wixl): the exe in Program Files\\WeiAn, C:\\ProgramData\\WeiAn for config and outbox, and
 * the WeiAnAgent scheduled task (the agent's own install-service plan) created on install and
 * deleted on removal. The task starts at boot; before enrollment it finds no config and exits.
 */
function buildMsi(o, env) {
  // A product code per version, derived rather than random, so the same sources give the same MSI tables.
  const productCode = (v) =>
    createHash('sha256')
      .update(`weian-agent ${v}`)
      .digest('hex')
      .replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/, '$1-$2-5$3-8$4-$5');
  const dir = join(o.work, 'msi');
  mkdirSync(dir, { recursive: true });
  const wxs = join(dir, 'weian-agent.wxs');
  writeFileSync(
    wxs,
    `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="${productCode(o.version)}" Name="WeiAn Agent" Language="1033" Version="${o.version}" Manufacturer="WeiAn" UpgradeCode="6f1f7a52-3c1e-4c55-9d1e-5b8f3c2a0a01">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine" Description="${SUMMARY}"/>
    <MajorUpgrade DowngradeErrorMessage="A newer WeiAn Agent is already installed."/>
    <Property Id="SCHTASKS" Value="schtasks.exe"/>
    <Media Id="1" Cabinet="agent.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="WeiAn">
          <Component Id="AgentExe" Guid="3a0c5b7e-8f61-4d0b-a4b9-0d2f6e1c9a11" Win64="yes">
            <File Id="AgentExeFile" Name="weian-agent.exe" Source="${relative(dir, o.executables['win-x64'])}" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
      <Directory Id="CommonAppDataFolder">
        <Directory Id="DATADIR" Name="WeiAn">
          <Component Id="DataDir" Guid="9d4e2f10-6b3a-4c8e-b1d7-2a5f8c0e3b22" Win64="yes">
            <CreateFolder/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Agent" Level="1">
      <ComponentRef Id="AgentExe"/>
      <ComponentRef Id="DataDir"/>
    </Feature>
    <CustomAction Id="CreateTask" FileKey="AgentExeFile" ExeCommand="install-service --no-start --config &quot;[DATADIR]agent.json&quot;" Execute="deferred" Impersonate="no" Return="check"/>
    <CustomAction Id="DeleteTask" Property="SCHTASKS" ExeCommand="/Delete /F /TN WeiAnAgent" Execute="deferred" Impersonate="no" Return="ignore"/>
    <InstallExecuteSequence>
      <Custom Action="CreateTask" After="InstallFiles">NOT REMOVE</Custom>
      <Custom Action="DeleteTask" After="InstallInitialize">REMOVE="ALL"</Custom>
    </InstallExecuteSequence>
  </Product>
</Wix>
`,
  );
  const msi = join(o.dist, `weian-agent-${o.version}-x64.msi`);
  // wixl takes File sources relative to where it runs.
  execFileSync('wixl', ['-a', 'x64', '-o', msi, wxs], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  return msi;
}
