// rpmbuild as every WeiAn package uses it (Debian's rpm, run on the build machine): one binary rpm
// from a spec whose %install copies a staged tree, the same bytes for the same inputs.
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds `spec` (in `top`, rpmbuild's _topdir) for `arch` and copies `file` from RPMS/ARCH into `to`.
 * `env` carries SOURCE_DATE_EPOCH, TZ and LC_ALL.
 */
export function rpmbuild({ top, spec, arch, file, to, env }) {
  execFileSync(
    'rpmbuild',
    [
      '-bb',
      '--quiet',
      '--target',
      `${arch}-linux`,
      '--define',
      `_topdir ${top}`,
      // gzip payload (quick to make; rpm 4.11 on EL7 reads it, zstd it cannot) and SHA-256 file digests.
      '--define',
      '_binary_payload w6.gzdio',
      '--define',
      '_binary_filedigest_algorithm 8',
      '--define',
      'use_source_date_epoch_as_buildtime 1',
      '--define',
      'clamp_mtime_to_source_date_epoch 1',
      '--define',
      '_buildhost weian-build',
      spec,
    ],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  copyFileSync(join(top, 'RPMS', arch, file), to);
  return to;
}

/**
 * The head of a WeiAn spec, up to its %files: the package's tags (`tags`: more lines after AutoProv), no
 * debug package nor post-install processing of the binaries, and an %install that copies the staged tree `root`.
 */
export const rpmSpecHead = ({ name, version, release, summary, description, root, tags = [] }) => `Name: ${name}
Version: ${version}
Release: ${release}
Summary: ${summary}
License: Proprietary
URL: https://weian.invalid/
AutoProv: no
${tags.map((t) => `${t}\n`).join('')}%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none

%description
${description}

%install
cp -a ${root}/. %{buildroot}/
`;

/**
 * The %post, %preun and %postun of a WeiAn spec: each runs `lib` (shell functions) and then its
 * weian_after_install, weian_before_remove (on erase only) or weian_after_remove.
 */
export const rpmScriptlets = (lib) => `%post
${lib}
weian_after_install

%preun
${lib}
# $1 is 0 on erase, 1 on upgrade (the new package's %post restarts the service).
if [ "$1" = 0 ]; then weian_before_remove; fi

%postun
${lib}
weian_after_remove
`;
