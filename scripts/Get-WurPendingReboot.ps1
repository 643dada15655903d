<#
.SYNOPSIS
    Reports whether Windows servicing waits for a reboot, and why.
.DESCRIPTION
    Read-only. Reasons is a subset of (our own identifiers, in this order):
      CBSRebootPending     HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending exists
      CBSRebootInProgress  ...\Component Based Servicing\RebootInProgress exists
      CBSPackagesPending   ...\Component Based Servicing\PackagesPending exists
      PendingXml           %SystemRoot%\WinSxS\pending.xml exists (servicing's queue for the next boot)
      WURebootRequired     HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired exists
      WUServicesPending    HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Services\Pending has a subkey
      UpdateExeVolatile    HKLM\SOFTWARE\Microsoft\Updates value UpdateExeVolatile is not 0
      PendingFileRename    HKLM\SYSTEM\CurrentControlSet\Control\Session Manager value
                           PendingFileRenameOperations holds at least one non-empty string
      PendingFileRename2   the same for PendingFileRenameOperations2
    RebootPending is $true for every reason but the two file-rename queues:
    those are set by servicing and Windows Update and mean their work
    completes at the next boot. The rename queues alone do not: antivirus,
    drivers and installers queue renames all the time and the values can
    stay for weeks; they are reported in Reasons (information), nothing more.

    The registry is read through .NET RegistryKey in the native (64-bit)
    view, so a 32-bit host cannot be misled by WOW6432Node redirection. The
    Windows folder comes from the OS (SHGetKnownFolderPath), not from the
    (user-writable) environment.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$view = [Microsoft.Win32.RegistryView]::Registry64
if (-not [Environment]::Is64BitOperatingSystem) { $view = [Microsoft.Win32.RegistryView]::Registry32 }
$hklm = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view)

function Test-WurKey {
    # OpenSubKey returns $null for a key that is not there; a key that is
    # there but cannot be read (SecurityException) still exists.
    param([string]$SubKey)
    try {
        $key = $hklm.OpenSubKey($SubKey)
    } catch {
        return $true
    }
    if ($null -eq $key) { return $false }
    $key.Close()
    return $true
}

function Test-WurSubKeys {
    # The key exists and has at least one subkey.
    param([string]$SubKey)
    $key = $null
    try {
        $key = $hklm.OpenSubKey($SubKey)
    } catch {
        return $true
    }
    if ($null -eq $key) { return $false }
    try {
        return (@($key.GetSubKeyNames()).Count -gt 0)
    } finally {
        $key.Close()
    }
}

function Get-WurValue {
    # A value of a key, $null when the key or the value is not there.
    param([string]$SubKey, [string]$Name)
    $key = $hklm.OpenSubKey($SubKey)
    if ($null -eq $key) { return $null }
    try {
        return $key.GetValue($Name)
    } finally {
        $key.Close()
    }
}

function Test-WurRenames {
    # REG_MULTI_SZ: source/target pairs; a target may be "" (delete).
    param($Value)
    return ($null -ne $Value -and @(@($Value) | Where-Object { -not [string]::IsNullOrEmpty([string]$_) }).Count -gt 0)
}

$cbs = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing'
$wu = 'SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate'
$sessionManager = 'SYSTEM\CurrentControlSet\Control\Session Manager'
$reasons = New-Object System.Collections.Generic.List[string]
try {
    if (Test-WurKey -SubKey "$cbs\RebootPending") { $reasons.Add('CBSRebootPending') }
    if (Test-WurKey -SubKey "$cbs\RebootInProgress") { $reasons.Add('CBSRebootInProgress') }
    if (Test-WurKey -SubKey "$cbs\PackagesPending") { $reasons.Add('CBSPackagesPending') }
    $windows = [string](Get-WurKnownFolder -Folder 'Windows')
    if ($windows.Length -gt 0 -and [System.IO.File]::Exists([System.IO.Path]::Combine($windows, 'WinSxS', 'pending.xml'))) {
        $reasons.Add('PendingXml')
    }
    if (Test-WurKey -SubKey "$wu\Auto Update\RebootRequired") { $reasons.Add('WURebootRequired') }
    if (Test-WurSubKeys -SubKey "$wu\Services\Pending") { $reasons.Add('WUServicesPending') }
    $volatile = Get-WurValue -SubKey 'SOFTWARE\Microsoft\Updates' -Name 'UpdateExeVolatile'
    if ($null -ne $volatile -and [int64]$volatile -ne 0) { $reasons.Add('UpdateExeVolatile') }
    if (Test-WurRenames -Value (Get-WurValue -SubKey $sessionManager -Name 'PendingFileRenameOperations')) { $reasons.Add('PendingFileRename') }
    if (Test-WurRenames -Value (Get-WurValue -SubKey $sessionManager -Name 'PendingFileRenameOperations2')) { $reasons.Add('PendingFileRename2') }
} finally {
    $hklm.Close()
}

$required = @($reasons | Where-Object { $_ -ne 'PendingFileRename' -and $_ -ne 'PendingFileRename2' }).Count -gt 0
[pscustomobject]@{
    RebootPending = [bool]$required
    Reasons       = [string[]]$reasons.ToArray()
}
