# Build Respite for Windows (reviewed, not run in this project's Linux CI):
# a PyInstaller one-folder bundle and an Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs: Windows 10+, Python >= 3.11 on PATH as "py" (the launcher) or -Python C:\...\python.exe,
# Inno Setup 6 (iscc.exe on PATH or in its default folder) for the installer.
#
# Outputs:
#   build\windows\respite.ico                 rendered from resources\icons\respite.svg
#   dist\respite\respite.exe                  the one-folder bundle (windowed: no console)
#   dist\respite\respite-cli.exe              the same app with a console, for `status` etc.
#   dist\windows\respite-<version>-setup.exe  the installer (per-user, no admin rights)
param(
    [string]$Python = "py",
    [switch]$NoInstaller
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $RepoRoot
$Build = Join-Path $RepoRoot "build"
$Venv = Join-Path $Build "venv-windows"
$VenvPython = Join-Path $Venv "Scripts\python.exe"
$env:PIP_DISABLE_PIP_VERSION_CHECK = "1"

function Invoke-Checked {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') exited with $LASTEXITCODE" }
}

Write-Host "==> build virtualenv ($Venv)"
if (-not (Test-Path $VenvPython)) {
    if ($Python -eq "py") { Invoke-Checked "py" @("-3", "-m", "venv", $Venv) }
    else { Invoke-Checked $Python @("-m", "venv", $Venv) }
}
Invoke-Checked $VenvPython @("-m", "pip", "install", "-q", $RepoRoot, "pyinstaller>=6.10")
Invoke-Checked $VenvPython @("-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", $RepoRoot)
$Version = (& $VenvPython -c "import respite; print(respite.__version__)").Trim()

Write-Host "==> icon"
$Icon = Join-Path $Build "windows\respite.ico"
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked $VenvPython @((Join-Path $RepoRoot "packaging\render_icons.py"), "ico", $Icon)
Remove-Item Env:QT_QPA_PLATFORM

Write-Host "==> PyInstaller one-folder bundle"
$Dist = Join-Path $RepoRoot "dist"
if (Test-Path (Join-Path $Dist "respite")) { Remove-Item -Recurse -Force (Join-Path $Dist "respite") }
$env:RESPITE_ICON = $Icon
Invoke-Checked (Join-Path $Venv "Scripts\pyinstaller.exe") @(
    "--noconfirm", "--log-level", "WARN", "--distpath", $Dist,
    "--workpath", (Join-Path $Build "pyinstaller-windows"),
    (Join-Path $RepoRoot "packaging\pyinstaller\respite.spec"))
Remove-Item Env:RESPITE_ICON
# respite.exe is windowed (no console); respite-cli.exe shares its files and prints.
if (-not (Test-Path (Join-Path $Dist "respite\respite.exe"))) { throw "dist\respite\respite.exe is missing" }
$Answer = (& (Join-Path $Dist "respite\respite-cli.exe") --version).Trim()
if ($Answer -ne "respite $Version") { throw "respite-cli.exe --version said '$Answer'" }
Write-Host $Answer

if ($NoInstaller) { Write-Host "==> done: dist\respite"; exit 0 }

Write-Host "==> Inno Setup installer"
$Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found (winget install JRSoftware.InnoSetup), or pass -NoInstaller" }
Invoke-Checked $Iscc @("/Qp", "/DAppVersion=$Version", (Join-Path $RepoRoot "packaging\windows\respite.iss"))
Write-Host "==> done: dist\respite and dist\windows\respite-$Version-setup.exe"
