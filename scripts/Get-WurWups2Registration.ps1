<#
.SYNOPSIS
    Finds wups2.dll on disk and every COM class registered to it, in both views.
.DESCRIPTION
    Read-only. Files: wups2.dll in %SystemRoot%\System32 (View "64", the only
    one on 32-bit Windows) and, on 64-bit Windows, %SystemRoot%\SysWOW64
    (View "32"), each with Exists and its file version.

    Registrations: every CLSID under HKLM\SOFTWARE\Classes\CLSID (View "64")
    and, on 64-bit Windows, HKLM\SOFTWARE\WOW6432Node\Classes\CLSID (View
    "32") whose InprocServer32 default value names wups2.dll (the file name,
    case-insensitive, after expanding environment variables). No CLSID is
    hard-coded: KB943144's symptom is that this list is empty for a view whose
    wups2.dll exists.

    The registry is read through .NET RegistryKey with an explicit
    RegistryView, and System32 through Sysnative from a 32-bit process, so
    WOW64 redirection can never make one view look like the other.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Helpers (Get-WurKnownFolder, New-WurDllFile ...) come from the safety
# library (scripts/lib/WurSafety.ps1), loaded by the bootstrap.
$is64 = [Environment]::Is64BitOperatingSystem
# A 32-bit process on 64-bit Windows sees SysWOW64 when it asks for System32;
# Native32 (Sysnative there) reaches the real one.
$folders = Get-WurSystemFolders
$windows = $folders.Windows
$system32 = $folders.System32
$probe32 = $folders.Native32

function Find-WurInprocServer {
    # Every CLSID in one registry view whose InprocServer32 default value
    # names $FileName. Keys that cannot be opened are skipped.
    param([Microsoft.Win32.RegistryView]$RegistryView, [string]$View, [string]$FileName)
    $found = New-Object System.Collections.Generic.List[object]
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $RegistryView)
    try {
        $clsidRoot = $base.OpenSubKey('SOFTWARE\Classes\CLSID')
        if ($null -eq $clsidRoot) { return }
        try {
            foreach ($clsid in $clsidRoot.GetSubKeyNames()) {
                $server = $null
                try {
                    $inproc = $clsidRoot.OpenSubKey($clsid + '\InprocServer32')
                    if ($null -ne $inproc) {
                        try {
                            # GetValue('') expands REG_EXPAND_SZ; a REG_SZ holding
                            # %SystemRoot% is expanded below.
                            $server = $inproc.GetValue('')
                        } finally {
                            $inproc.Close()
                        }
                    }
                } catch {
                    # SecurityException / UnauthorizedAccessException on a
                    # locked-down key: it cannot be ours to repair, skip it.
                    $server = $null
                }
                if ($null -eq $server) { continue }
                $text = [Environment]::ExpandEnvironmentVariables([string]$server).Trim().Trim('"').Trim()
                $leaf = $text
                $cut = $text.LastIndexOfAny([char[]]@('\', '/'))
                if ($cut -ge 0) { $leaf = $text.Substring($cut + 1) }
                if ([string]::Equals($leaf, $FileName, [StringComparison]::OrdinalIgnoreCase)) {
                    $found.Add([pscustomobject]@{
                            Clsid  = $clsid
                            View   = $View
                            Server = $text
                        })
                }
            }
        } finally {
            $clsidRoot.Close()
        }
    } finally {
        $base.Close()
    }
    $found.ToArray()
}

$files = New-Object System.Collections.Generic.List[object]
$files.Add((New-WurDllFile -Name 'wups2.dll' -Path (Join-Path $system32 'wups2.dll') -ProbePath (Join-Path $probe32 'wups2.dll') -View '64'))
if ($is64) {
    $sysWow64 = Join-Path -Path $windows -ChildPath 'SysWOW64'
    $files.Add((New-WurDllFile -Name 'wups2.dll' -Path (Join-Path $sysWow64 'wups2.dll') -ProbePath (Join-Path $sysWow64 'wups2.dll') -View '32'))
}

$registrations = New-Object System.Collections.Generic.List[object]
# On 32-bit Windows, Registry64 falls back to the only (32-bit) view: read it once.
$viewNative = [Microsoft.Win32.RegistryView]::Registry64
if (-not $is64) { $viewNative = [Microsoft.Win32.RegistryView]::Registry32 }
foreach ($r in @(Find-WurInprocServer -RegistryView $viewNative -View '64' -FileName 'wups2.dll')) {
    $registrations.Add($r)
}
if ($is64) {
    # The 32-bit view of HKLM\SOFTWARE\Classes\CLSID is WOW6432Node\Classes\CLSID.
    foreach ($r in @(Find-WurInprocServer -RegistryView ([Microsoft.Win32.RegistryView]::Registry32) -View '32' -FileName 'wups2.dll')) {
        $registrations.Add($r)
    }
}

[pscustomobject]@{
    Is64BitOS     = [bool]$is64
    Files         = [object[]]$files.ToArray()
    Registrations = [object[]]$registrations.ToArray()
}
