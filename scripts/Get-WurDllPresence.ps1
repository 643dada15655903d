<#
.SYNOPSIS
    Reports which of the named DLLs exist in System32 and SysWOW64.
.DESCRIPTION
    Read-only. For each name, in order: its %SystemRoot%\System32 copy
    (View "64", the only view on 32-bit Windows) and, on 64-bit Windows, its
    %SystemRoot%\SysWOW64 copy (View "32"), with Exists and the binary file
    version. Most of the classic 36-DLL re-registration list does not exist
    on current Windows: this is how the caller registers only what is there.

    Names must be bare file names ending in .dll (letters, digits, '_', '-',
    '.'; no path separator, no drive, no '..'): anything else throws
    (FullyQualifiedErrorId WurNameRefused), before anything is read.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string[]]$Names
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

foreach ($n in $Names) {
    # A pattern on the caller's own parameter (not on any output text).
    if ([string]::IsNullOrEmpty($n) -or $n -notmatch '^[A-Za-z0-9_][A-Za-z0-9_.-]*\.dll$' -or $n.Contains('..')) {
        $ex = New-Object System.ArgumentException -ArgumentList ('Not a bare DLL file name: {0}' -f $n)
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurNameRefused', ([System.Management.Automation.ErrorCategory]::InvalidArgument), $n))
    }
}

$is64 = [Environment]::Is64BitOperatingSystem
$windows = Get-WurKnownFolder -Folder Windows
$system32 = Join-Path -Path $windows -ChildPath 'System32'
$sysWow64 = Join-Path -Path $windows -ChildPath 'SysWOW64'
# A 32-bit process on 64-bit Windows is redirected from System32 to SysWOW64;
# Sysnative reaches the real System32.
$probe32 = $system32
if ($is64 -and -not [Environment]::Is64BitProcess) {
    $probe32 = Join-Path -Path $windows -ChildPath 'Sysnative'
}

function New-WurDllFile {
    param([string]$Name, [string]$Folder, [string]$ProbeFolder, [string]$View)
    $probe = Join-Path -Path $ProbeFolder -ChildPath $Name
    $exists = [System.IO.File]::Exists($probe)
    $version = ''
    if ($exists) {
        # Binary version parts: the FileVersion string often lacks the revision.
        $info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($probe)
        $version = '{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart
    }
    [pscustomobject]@{
        Name    = $Name
        Path    = (Join-Path -Path $Folder -ChildPath $Name)
        Exists  = $exists
        Version = $version
        View    = $View
    }
}

$files = New-Object System.Collections.Generic.List[object]
foreach ($n in $Names) {
    $files.Add((New-WurDllFile -Name $n -Folder $system32 -ProbeFolder $probe32 -View '64'))
    if ($is64) {
        $files.Add((New-WurDllFile -Name $n -Folder $sysWow64 -ProbeFolder $sysWow64 -View '32'))
    }
}

[pscustomobject]@{
    Files = [object[]]$files.ToArray()
}
