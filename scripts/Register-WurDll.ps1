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

function Get-WurKnownFolder {
    # The Windows and ProgramData folders as the OS knows them
    # (SHGetKnownFolderPath), never from the SystemRoot/ProgramData
    # environment variables that whoever starts the process can set.
    param([string]$Folder)  # a System.Environment+SpecialFolder name
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT) {
        return [Environment]::GetFolderPath($Folder)
    }
    # Off Windows there is no Windows folder: only the test engine (pwsh on
    # Linux) gets here, and its doubles define Get-WurTestKnownFolder.
    Get-WurTestKnownFolder -Folder $Folder
}

$whatIf = [bool]$WhatIfPreference
# The directory separator: '\' on Windows ('/' only under the Linux test engine).
$sep = [System.IO.Path]::DirectorySeparatorChar

function Resolve-WurPath {
    # Full, normalised local path, or $null (UNC, device, relative and
    # stream paths are refused, and so is any double quote: see below).
    # (Off Windows, where only the test engine runs, an absolute path is /...)
    param([string]$Candidate)
    if ([string]::IsNullOrWhiteSpace($Candidate) -or $Candidate.IndexOf([char]34) -ge 0) { return $null }
    if ($sep -eq '\') {
        if ($Candidate -notmatch '^[A-Za-z]:\\') { return $null }
    } elseif (-not $Candidate.StartsWith('/')) {
        return $null
    }
    try {
        return [System.IO.Path]::GetFullPath($Candidate)
    } catch {
        return $null
    }
}

$systemRoot = [System.IO.Path]::GetFullPath((Get-WurKnownFolder -Folder Windows)).TrimEnd($sep)
$system32 = Join-Path -Path $systemRoot -ChildPath 'System32'
$sysWow64 = Join-Path -Path $systemRoot -ChildPath 'SysWOW64'
$native32 = $system32
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    # A 32-bit process asking for System32 gets SysWOW64; Sysnative is the real one.
    $native32 = Join-Path -Path $systemRoot -ChildPath 'Sysnative'
}

$full = Resolve-WurPath -Candidate $Path
$folder = ''
$leaf = ''
if ($null -ne $full) {
    $folder = [System.IO.Path]::GetDirectoryName($full)
    $leaf = [System.IO.Path]::GetFileName($full)
}
$inSystem32 = [string]::Equals($folder, $system32, [StringComparison]::OrdinalIgnoreCase)
$inSysWow64 = [string]::Equals($folder, $sysWow64, [StringComparison]::OrdinalIgnoreCase)
if ($null -eq $full -or -not ($inSystem32 -or $inSysWow64) -or
    -not $leaf.EndsWith('.dll', [StringComparison]::OrdinalIgnoreCase) -or $leaf.Length -le 4) {
    $ex = New-Object System.ArgumentException -ArgumentList ('Only a .dll directly in System32 or SysWOW64 is registered: {0}' -f $Path)
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurPathRefused', ([System.Management.Automation.ErrorCategory]::InvalidArgument), $Path))
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
