#!/bin/sh
# WeiAn 探针安装脚本 (served by the WeiAn server at /agent/install.sh). Run as root:
#   curl -fsSL https://SERVER/agent/install.sh | sh -s -- --server https://SERVER --token wa_XXXX [--arch x86_64|aarch64] [--ca FILE]
#   wget -qO- https://SERVER/agent/install.sh | sh -s -- --server https://SERVER --token wa_XXXX
# Downloads the package for this host from the WeiAn server itself, checks its SHA-256 against the
# server's SHA256SUMS, installs it, enrolls with the one-use token, and enables the service.
set -eu

SERVER='' TOKEN='' ARCH_WANTED='' CA=''
die() { echo "卫安探针安装失败：$1" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --server) SERVER="${2:-}"; shift 2 ;;
    --token) TOKEN="${2:-}"; shift 2 ;;
    --arch) ARCH_WANTED="${2:-}"; shift 2 ;;
    --ca) CA="${2:-}"; shift 2 ;;
    *) die "不认识的参数 $1（可用：--server URL --token 令牌 [--arch x86_64|aarch64] [--ca CA证书文件]）" ;;
  esac
done
[ -n "$SERVER" ] || die "缺少 --server（卫安服务器地址）"
[ -n "$TOKEN" ] || die "缺少 --token（注册令牌，请从管理端“探针安装”页面复制完整命令）"
[ "$(id -u)" = 0 ] || die "请以 root 身份运行（sudo sh 或 su -）"
if [ -n "$CA" ]; then [ -r "$CA" ] || die "读不到 CA 证书文件 $CA"; fi
SERVER="${SERVER%/}"

# This host's architecture, in the names uname -m gives.
case "$(uname -m)" in
  x86_64 | amd64) ARCH=x86_64 DEBARCH=amd64 ;;
  aarch64 | arm64) ARCH=aarch64 DEBARCH=arm64 ;;
  *) die "不支持本机架构 $(uname -m)：卫安探针提供 x86_64 与 aarch64 (arm64) 安装包" ;;
esac
case "$ARCH_WANTED" in
  '' | "$ARCH" | "$DEBARCH") ;;
  *) die "架构不符：安装命令是为 $ARCH_WANTED 生成的，本机是 $ARCH。请在管理端选择正确的架构后重新生成命令" ;;
esac

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    if [ -n "$CA" ]; then curl -fsS --cacert "$CA" -o "$2" "$1"; else curl -fsS -o "$2" "$1"; fi
  elif command -v wget >/dev/null 2>&1; then
    if [ -n "$CA" ]; then wget -q --ca-certificate="$CA" -O "$2" "$1"; else wget -q -O "$2" "$1"; fi
  else
    die "本机既没有 curl 也没有 wget，无法下载安装包"
  fi
}

# Which package: deb where dpkg is the package manager; rpm otherwise, the EL7 one below glibc 2.28.
DEB_PATTERN="^weian-agent_[0-9.]*_${DEBARCH}\.deb\$"
if [ -f /etc/debian_version ] && command -v dpkg >/dev/null 2>&1; then
  KIND=deb PATTERN="$DEB_PATTERN"
elif command -v rpm >/dev/null 2>&1; then
  GLIBC=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
  GLIBC_MINOR=$(echo "${GLIBC:-2.0}" | awk -F. '{print $2}')
  if [ "${GLIBC_MINOR:-0}" -lt 28 ]; then
    [ "$ARCH" = x86_64 ] || die "glibc ${GLIBC:-?} 的 aarch64 主机没有可用的安装包（EL7 安装包仅有 x86_64）"
    KIND=rpm PATTERN="^weian-agent-[0-9.]*-1\.el7\.x86_64\.rpm\$"
  else
    KIND=rpm PATTERN="^weian-agent-[0-9.]*-1\.${ARCH}\.rpm\$"
  fi
elif command -v dpkg >/dev/null 2>&1; then
  KIND=deb PATTERN="$DEB_PATTERN"
else
  die "本机既没有 dpkg 也没有 rpm：请按 docs/agent-install.md 使用单文件程序安装"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fetch "$SERVER/agent/SHA256SUMS" "$WORK/SHA256SUMS" || die "无法从 $SERVER 下载安装包清单（检查地址、网络，私有 CA 请加 --ca）"
LINE=$(awk '{print $2}' "$WORK/SHA256SUMS" | grep -E "$PATTERN" | head -1 || true)
[ -n "$LINE" ] || die "服务器上没有适合本机（$KIND，$ARCH）的安装包"
PKG="$LINE"
WANT=$(awk -v f="$PKG" '$2 == f {print $1}' "$WORK/SHA256SUMS")
echo "下载 $PKG …"
fetch "$SERVER/agent/$PKG" "$WORK/$PKG" || die "下载 $PKG 失败"
GOT=$(sha256sum "$WORK/$PKG" | awk '{print $1}')
[ "$GOT" = "$WANT" ] || die "校验失败：$PKG 的 SHA-256 为 $GOT，与服务器公布的 $WANT 不一致。安装包可能被篡改或下载不完整，已停止，未做任何安装"
echo "SHA-256 校验通过：$GOT"

if [ "$KIND" = deb ]; then dpkg -i "$WORK/$PKG" || die "dpkg 安装 $PKG 失败"; else rpm -Uvh --replacepkgs "$WORK/$PKG" || die "rpm 安装 $PKG 失败"; fi

if [ -n "$CA" ]; then
  install -d -m 0755 /etc/weian
  install -m 0644 "$CA" /etc/weian/server-ca.pem
  set -- --ca /etc/weian/server-ca.pem
else
  set --
fi
if ! OUT=$(weian-agent enroll --server "$SERVER" --token "$TOKEN" --config /etc/weian/agent.json --data-dir /var/lib/weian-agent "$@" 2>&1); then
  case "$OUT" in
    *"used up or expired"* | *"unknown, used up"*) die "注册令牌无效、已用过或已过期（每条安装命令只能使用一次，且很快失效）。探针已安装但未注册：请在管理端“探针安装”页面重新生成命令后再运行" ;;
    *) die "注册失败（探针已安装但未注册）：$OUT" ;;
  esac
fi
echo "$OUT"

if command -v systemctl >/dev/null 2>&1; then systemctl enable weian-agent.service >/dev/null 2>&1 || true; fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl restart weian-agent.service || die "服务 weian-agent 未能启动，请查看 journalctl -u weian-agent"
  echo "卫安探针已安装、注册并启动（systemctl status weian-agent 查看）"
else
  echo "卫安探针已安装并注册；本机 systemd 未运行，请手动启动：weian-agent run --config /etc/weian/agent.json"
fi
