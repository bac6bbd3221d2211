/**
 * The one line an institution's IT staff paste as root to install the agent (the dashboard's
 * 探针安装 page shows it; server/src/http/agent-install.sh is what it runs). The token is minted for
 * the line: one use, short expiry.
 */
export type InstallArch = 'x86_64' | 'aarch64';

const shellQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function linuxInstallLine(o: { server: string; token: string; arch: InstallArch; tool?: 'curl' | 'wget'; caFile?: string }): string {
  const server = o.server.replace(/\/+$/, '');
  const script = `${server}/agent/install.sh`;
  const ca = o.caFile ? ` --ca ${shellQuote(o.caFile)}` : '';
  const download = o.tool === 'wget' ? `wget -qO- ${o.caFile ? `--ca-certificate=${shellQuote(o.caFile)} ` : ''}${shellQuote(script)}` : `curl -fsSL ${o.caFile ? `--cacert ${shellQuote(o.caFile)} ` : ''}${shellQuote(script)}`;
  return `${download} | sh -s -- --server ${shellQuote(server)} --token ${shellQuote(o.token)} --arch ${o.arch}${ca}`;
}
