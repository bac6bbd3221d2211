/**
 * The one line an institution's IT staff paste as root to install the agent (the dashboard's
 * 探针安装 page shows it; server/src/http/agent-install.sh and agent-install.ps1 are what they run).
 * The token is minted for the line: one use, short expiry.
 */
export type InstallArch = 'x86_64' | 'aarch64';

const shellQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * `caFile`: a CA file already on the host. `caFingerprint` (lowercase hex SHA-256 of the CA's DER, as
 * the server gives it with /agent/ca.pem): the line fetches the server's CA without trusting it,
 * goes on only when its fingerprint is the one the page showed, then trusts that CA for everything.
 */
export function linuxInstallLine(o: { server: string; token: string; arch: InstallArch; tool?: 'curl' | 'wget'; caFile?: string; caFingerprint?: string }): string {
  const server = o.server.replace(/\/+$/, '');
  const install = (caWord: string | null) => {
    const script = shellQuote(`${server}/agent/install.sh`);
    const download = o.tool === 'wget' ? `wget -qO- ${caWord ? `--ca-certificate=${caWord} ` : ''}${script}` : `curl -fsSL ${caWord ? `--cacert ${caWord} ` : ''}${script}`;
    return `${download} | sh -s -- --server ${shellQuote(server)} --token ${shellQuote(o.token)} --arch ${o.arch}${caWord ? ` --ca ${caWord}` : ''}`;
  };
  if (o.caFile || !o.caFingerprint) return install(o.caFile ? shellQuote(o.caFile) : null);
  if (!/^[0-9a-f]{64}$/.test(o.caFingerprint)) throw new Error('caFingerprint: lowercase hex SHA-256');
  const caUrl = shellQuote(`${server}/agent/ca.pem`);
  const fetchCa = o.tool === 'wget' ? `wget -q --no-check-certificate -O "$c" ${caUrl}` : `curl -fsSk -o "$c" ${caUrl}`;
  // The first certificate of the PEM, decoded to DER and hashed: coreutils only, no openssl needed on the host.
  const digest = `"$(awk '/-END CERTIFICATE-/{exit} f{print} /-BEGIN CERTIFICATE-/{f=1}' "$c" | base64 -d | sha256sum | cut -c1-64)"`;
  return `c=$(mktemp) && if ${fetchCa} && [ ${digest} = ${o.caFingerprint} ]; then ${install('"$c"')}; else echo '${CA_MISMATCH}' >&2; false; fi`;
}

/** What the Linux line says when the server's CA is not the one whose fingerprint the page showed. */
export const CA_MISMATCH = '卫安探针安装失败：从服务器取得的 CA 证书与管理端显示的指纹不符（或无法下载），已停止，未做任何安装';

/** A fingerprint as `openssl x509 -noout -fingerprint -sha256` and Windows' certificate dialog show it, for people to compare. */
export const displayFingerprint = (hex: string) => hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');

/**
 * The PowerShell line for Windows (elevated PowerShell): runs server/src/http/agent-install.ps1 as a
 * script block (no script file, so no execution policy in the way), which installs the MSI from the
 * server after checking its SHA-256, enrolls and starts the scheduled task. A private CA must already
 * be among the machine's trusted roots (Import-Certificate): Windows checks TLS against its own store.
 */
export function windowsInstallLine(o: { server: string; token: string }): string {
  const server = o.server.replace(/\/+$/, '');
  const psQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return `& ([scriptblock]::Create((Invoke-RestMethod -UseBasicParsing ${psQuote(`${server}/agent/install.ps1`)}))) -Server ${psQuote(server)} -Token ${psQuote(o.token)}`;
}
