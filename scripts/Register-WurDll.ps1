<#
.SYNOPSIS
    Registers one system DLL with regsvr32.exe /s and returns its exit code.
.DESCRIPTION
    Changes: whatever the DLL's DllRegisterServer writes (COM registration in
    the registry view of the DLL's bitness).

    Path must be a .dll directly in %SystemRoot%\System32 or
    %SystemRoot%\SysWOW64, else it is refused (FullyQualifiedErrorId
    WurPathRefused, category InvalidArgument). A missing file is data:
    Exists = $false, ExitCode = -1, nothing run.

    A System32 DLL is registered by System32\regsvr32.exe (64-bit on 64-bit
    Windows), a SysWOW64 DLL by SysWOW64\regsvr32.exe, the 32-bit one, so it
    lands in the 32-bit (WOW6432Node) registry view: that is KB943144's
    "syswow64" step. From a 32-bit process System32 is reached as Sysnative.

    regsvr32 runs via Start-Process -Wait -PassThru -WindowStyle Hidden with
    /s and the path as separate arguments. Its exit code is the result
    (0 ok, 3 LoadLibrary failed, 4 no DllRegisterServer, 5 DllRegisterServer
    failed): the caller decides. With -WhatIf nothing runs (ExitCode -1).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Path
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$whatIf = [bool]$WhatIfPreference
# Helpers (Get-WurSystemFolders, Resolve-WurPath: no UNC, device, relative
# or stream path, no double quote ...) come from the safety library
# (scripts/lib/WurSafety.ps1), loaded by the bootstrap.
$folders = Get-WurSystemFolders
$system32 = $folders.System32
$sysWow64 = $folders.SysWOW64
# A 32-bit process asking for System32 gets SysWOW64; Native32 is the real one.
$native32 = $folders.Native32

$full = Resolve-WurPath -Candidate $Path
$folder = ''
$leaf = ''
if ($null -ne $full) {
    $folder = [System.IO.Path]::GetDirectoryName($full)
    $leaf = [System.IO.Path]::GetFileName($full)
}
$inSystem32 = Test-WurSame $folder $system32
$inSysWow64 = Test-WurSame $folder $sysWow64
if ($null -eq $full -or -not ($inSystem32 -or $inSysWow64) -or
    -not $leaf.EndsWith('.dll', [StringComparison]::OrdinalIgnoreCase) -or $leaf.Length -le 4) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Only a .dll directly in System32 or SysWOW64 is registered: {0}' -f $Path) -Target $Path))
}

if ($inSysWow64) {
    $dll = Join-Path -Path $sysWow64 -ChildPath $leaf
    $regsvr32 = Join-Path -Path $sysWow64 -ChildPath 'regsvr32.exe'
} else {
    $dll = Join-Path -Path $native32 -ChildPath $leaf
    $regsvr32 = Join-Path -Path $native32 -ChildPath 'regsvr32.exe'
}

$exists = [System.IO.File]::Exists($dll)
$exitCode = -1
if ($exists -and $PSCmdlet.ShouldProcess($full, 'regsvr32.exe /s')) {
    # Start-Process joins -ArgumentList with spaces, so the path is passed as
    # one quoted element; a path holding a double quote was refused above, so
    # the quoting cannot be broken out of.
    $process = Start-Process -FilePath $regsvr32 -ArgumentList @('/s', ('"{0}"' -f $dll)) -Wait -PassThru -WindowStyle Hidden
    # With -Wait (and without -NoNewWindow) ExitCode is set; never let a
    # missing one read as 0 (success).
    if ($null -eq $process -or $null -eq $process.ExitCode) {
        $ex = New-Object System.InvalidOperationException -ArgumentList ('regsvr32.exe gave no exit code for {0}' -f $dll)
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurExitCodeUnknown', ([System.Management.Automation.ErrorCategory]::InvalidResult), $Path))
    }
    $exitCode = [int]$process.ExitCode
}

[pscustomobject]@{
    Path     = $full
    Exists   = [bool]$exists
    ExitCode = $exitCode
    WhatIf   = $whatIf
}
