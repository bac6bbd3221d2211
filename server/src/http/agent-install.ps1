# WeiAn 探针安装脚本 (Windows; served by the WeiAn server at /agent/install.ps1). In an elevated PowerShell:
#   & ([scriptblock]::Create((Invoke-RestMethod -UseBasicParsing 'https://SERVER/agent/install.ps1'))) -Server 'https://SERVER' -Token 'wa_XXXX'
# Downloads the MSI from the WeiAn server itself, checks its SHA-256 against the server's SHA256SUMS,
# installs it quietly, enrolls with the one-use token, and starts the scheduled task.
# Errors are thrown, never `exit`: run as a script block, exit would close the administrator's window.
param(
  [Parameter(Mandatory = $true)][string]$Server,
  [Parameter(Mandatory = $true)][string]$Token
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Fail([string]$Message) { throw "卫安探针安装失败：$Message" }

$Server = $Server.TrimEnd('/')
$admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
if (-not $admin) { Fail '请以管理员身份运行 PowerShell' }
if ($env:PROCESSOR_ARCHITECTURE -ne 'AMD64') { Fail "不支持本机架构 $($env:PROCESSOR_ARCHITECTURE)：Windows 版卫安探针只有 x64 安装包" }
# Windows Server 2012 R2 / 2016 PowerShell 5.1 may still default to TLS 1.0.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

try { $sums = (Invoke-WebRequest -UseBasicParsing -Uri "$Server/agent/SHA256SUMS").Content }
catch { Fail "无法从 $Server 下载安装包清单（检查地址、网络；私有 CA 须先导入本机受信任的根证书）：$($_.Exception.Message)" }
if ($sums -is [byte[]]) { $sums = [Text.Encoding]::UTF8.GetString($sums) }
$found = [regex]::Match($sums, '(?m)^([0-9a-f]{64}) [ *](weian-agent-[0-9]+\.[0-9]+\.[0-9]+-x64\.msi)\s*$')
if (-not $found.Success) { Fail '服务器上没有 Windows 安装包（MSI）' }
$want = $found.Groups[1].Value
$msi = $found.Groups[2].Value

$file = Join-Path $env:TEMP $msi
Write-Host "下载 $msi …"
try { Invoke-WebRequest -UseBasicParsing -Uri "$Server/agent/$msi" -OutFile $file }
catch { Fail "下载 $msi 失败：$($_.Exception.Message)" }
$got = (Get-FileHash -Algorithm SHA256 -LiteralPath $file).Hash.ToLowerInvariant()
if ($got -ne $want) {
  Remove-Item -LiteralPath $file -Force
  Fail "校验失败：$msi 的 SHA-256 为 $got，与服务器公布的 $want 不一致。安装包可能被篡改或下载不完整，已停止，未做任何安装"
}
Write-Host "SHA-256 校验通过：$got"

$install = Start-Process -FilePath msiexec.exe -ArgumentList @('/i', "`"$file`"", '/qn', '/norestart') -Wait -PassThru
Remove-Item -LiteralPath $file -Force
# 3010: installed, a reboot is pending (not needed by the agent).
if ($install.ExitCode -ne 0 -and $install.ExitCode -ne 3010) { Fail "msiexec 安装 $msi 失败（退出码 $($install.ExitCode)）" }

$exe = Join-Path $env:ProgramFiles 'WeiAn\weian-agent.exe'
$out = (& $exe enroll --server $Server --token $Token --config 'C:\ProgramData\WeiAn\agent.json' 2>&1 | Out-String).Trim()
if ($LASTEXITCODE -ne 0) {
  if ($out -match 'used up or expired') { Fail '注册令牌无效、已用过或已过期（每条安装命令只能使用一次，且很快失效）。探针已安装但未注册：请在管理端“探针安装”页面重新生成命令后再运行' }
  Fail "注册失败（探针已安装但未注册）：$out"
}
Write-Host $out

& schtasks.exe /Run /TN WeiAnAgent | Out-Null
if ($LASTEXITCODE -ne 0) { Fail '计划任务 WeiAnAgent 未能启动：请在“任务计划程序”中查看' }
Write-Host '卫安探针已安装、注册并启动（计划任务 WeiAnAgent）'
