<#
.SYNOPSIS
    Reports whether Windows is waiting for a reboot.
.DESCRIPTION
    Read-only. Reasons is a subset of (our own identifiers, in this order):
      CBSRebootPending   HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending exists
      WURebootRequired   HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired exists
      PendingFileRename  HKLM\SYSTEM\CurrentControlSet\Control\Session Manager value
                         PendingFileRenameOperations holds at least one non-empty string
    RebootPending is $true only for CBSRebootPending or WURebootRequired:
    those keys are set by servicing and Windows Update and mean their work
    completes at the next boot. PendingFileRename alone does not: antivirus,
    drivers and installers queue renames all the time and the value can
    stay for weeks; it is reported in Reasons (information), nothing more.

    The registry is read through .NET RegistryKey in the native (64-bit)
    view, so a 32-bit host cannot be misled by WOW6432Node redirection.
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

$reasons = New-Object System.Collections.Generic.List[string]
try {
    if (Test-WurKey -SubKey 'SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') {
        $reasons.Add('CBSRebootPending')
    }
    if (Test-WurKey -SubKey 'SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') {
        $reasons.Add('WURebootRequired')
    }
    $sessionManager = $hklm.OpenSubKey('SYSTEM\CurrentControlSet\Control\Session Manager')
    if ($null -ne $sessionManager) {
        try {
            # REG_MULTI_SZ: source/target pairs; a target may be "" (delete).
            $renames = $sessionManager.GetValue('PendingFileRenameOperations')
            if ($null -ne $renames -and @(@($renames) | Where-Object { -not [string]::IsNullOrEmpty([string]$_) }).Count -gt 0) {
                $reasons.Add('PendingFileRename')
            }
        } finally {
            $sessionManager.Close()
        }
    }
} finally {
    $hklm.Close()
}

[pscustomobject]@{
    RebootPending = ($reasons.Contains('CBSRebootPending') -or $reasons.Contains('WURebootRequired'))
    Reasons       = [string[]]$reasons.ToArray()
}
