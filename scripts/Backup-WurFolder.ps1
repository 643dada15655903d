<#
.SYNOPSIS
    Renames a folder to its backup name and recreates it empty.
.DESCRIPTION
    Changes: renames Path to BackupPath (same parent, so a rename: nothing is
    copied, nothing is deleted) and creates an empty folder at Path.

    Refuses, with a terminating error whose FullyQualifiedErrorId is
    WurPathRefused (category InvalidArgument), unless all of these hold:
      - Path is an absolute local path (X:\...) that is one of
        %SystemRoot%\SoftwareDistribution, its DataStore or Download,
        %SystemRoot%\System32\catroot2, %ProgramData%\Microsoft\Network\Downloader,
        or is inside %SystemRoot%\SoftwareDistribution (not inside a backup);
      - BackupPath is Path + ".wurepair-<runid>" (runid [0-9A-Za-z-]+) in
        the same parent;
      - Path exists, is a directory and is not a reparse point, and no folder
        between SoftwareDistribution and it is one (a junction is never
        renamed nor followed);
      - BackupPath does not exist.
    Checks run before anything changes, with -WhatIf too.

    The rename is [System.IO.Directory]::Move (MoveFile), not Rename-Item:
    on Windows PowerShell 5.1 Rename-Item renames a folder through
    DirectoryInfo.MoveTo, which turns ERROR_ACCESS_DENIED (what MoveFile
    returns for a folder holding a file another process has open) into a
    bare IOException with HRESULT 0x80131620, losing the Win32 code.
    Directory.Move keeps it. A failed rename throws WurRenameFailed
    (category WriteError) around a System.IO.IOException whose HResult is
    the Win32 error as an HRESULT: 0x80070005 access denied (a file inside
    is open: the update service is back and holds DataStore.edb; or no
    rights), 0x80070020 sharing violation, 0x80070070 disk full.
    Renamed = $true but Recreated = $false is reported as data.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Path,

    [Parameter(Mandatory = $true)]
    [string]$BackupPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The directory separator: '\' on Windows ('/' only under the Linux test engine).
$sep = [System.IO.Path]::DirectorySeparatorChar

$whatIf = [bool]$WhatIfPreference
$reparse = [System.IO.FileAttributes]::ReparsePoint

function New-WurError {
    # A refusal: ArgumentException, category InvalidArgument, our own error id.
    param([string]$Id, [string]$Message, [string]$Target)
    $exception = New-Object System.ArgumentException -ArgumentList $Message
    New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, $Id, ([System.Management.Automation.ErrorCategory]::InvalidArgument), $Target
}

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

function Resolve-WurPath {
    # Full, normalised local path without a trailing separator, or $null.
    # UNC, device (\\?\), drive-relative and stream paths are refused.
    # (Off Windows, where only the test engine runs, an absolute path is /...)
    param([string]$Candidate)
    if ([string]::IsNullOrWhiteSpace($Candidate)) { return $null }
    if ($sep -eq '\') {
        if ($Candidate -notmatch '^[A-Za-z]:\\') { return $null }
    } elseif (-not $Candidate.StartsWith('/')) {
        return $null
    }
    try {
        $full = [System.IO.Path]::GetFullPath($Candidate)
    } catch {
        return $null
    }
    $full.TrimEnd($sep)
}

function Test-WurSame {
    param([string]$A, [string]$B)
    [string]::Equals($A, $B, [StringComparison]::OrdinalIgnoreCase)
}

function Test-WurUnder {
    param([string]$Child, [string]$Root)
    $Child.StartsWith($Root + $sep, [StringComparison]::OrdinalIgnoreCase)
}

function Move-WurFolder {
    # Renames $From to $To (same parent) with Directory.Move; $null when
    # done, else the WurRenameFailed record to throw: an IOException whose
    # HResult is the Win32 error as an HRESULT. .NET Framework's
    # Directory.Move throws IOException(0x80070005) for ERROR_ACCESS_DENIED
    # and IOException(0x800700xx, from __Error.WinIOError) for the rest.
    param([string]$From, [string]$To)
    try {
        [System.IO.Directory]::Move($From, $To)
        return $null
    } catch {
        $e = $_.Exception
        while ($null -ne $e.InnerException) { $e = $e.InnerException }
        $hr = [int]$e.HResult
        $denied = [int]-2147024891  # 0x80070005 E_ACCESSDENIED
        if ($e -is [System.UnauthorizedAccessException]) { $hr = $denied }
        # Off Windows (the test engine only) .NET puts the errno in HResult:
        # EPERM 1 and EACCES 13 are Windows' ERROR_ACCESS_DENIED.
        if ([Environment]::OSVersion.Platform -ne [PlatformID]::Win32NT -and ($hr -eq 1 -or $hr -eq 13)) { $hr = $denied }
        $io = New-Object System.IO.IOException -ArgumentList $e.Message, $hr
        return (New-Object System.Management.Automation.ErrorRecord -ArgumentList $io, 'WurRenameFailed', ([System.Management.Automation.ErrorCategory]::WriteError), $From)
    }
}

function Get-WurAttributes {
    # The entry's own attributes, $null when nothing is there. This does not
    # traverse a reparse point: a junction, even dangling, reports itself.
    param([string]$LiteralPath)
    try {
        return [System.IO.File]::GetAttributes($LiteralPath)
    } catch {
        # Only "not found" means absent; anything else (access denied) is real.
        $e = $_.Exception
        while ($null -ne $e.InnerException) { $e = $e.InnerException }
        if ($e -is [System.IO.FileNotFoundException] -or $e -is [System.IO.DirectoryNotFoundException]) { return $null }
        throw
    }
}

$systemRoot = (Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder Windows))
$sd = Join-Path -Path $systemRoot -ChildPath 'SoftwareDistribution'
$roots = @(
    $sd
    (Join-Path -Path $sd -ChildPath 'DataStore')
    (Join-Path -Path $sd -ChildPath 'Download')
    (Join-Path -Path $systemRoot -ChildPath 'System32\catroot2')
    (Join-Path -Path (Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder CommonApplicationData)) -ChildPath 'Microsoft\Network\Downloader')
)

$full = Resolve-WurPath -Candidate $Path
if ($null -eq $full) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not an absolute local path: {0}' -f $Path) -Target $Path))
}
$isRoot = @($roots | Where-Object { Test-WurSame $_ $full }).Count -gt 0
$insideSd = Test-WurUnder -Child $full -Root $sd
if ($insideSd) {
    # Nothing inside a backup (...\X.wurepair-id\...) is ever a source.
    foreach ($segment in $full.Substring($sd.Length + 1).Split($sep)) {
        if ($segment.IndexOf('.wurepair-', [StringComparison]::OrdinalIgnoreCase) -ge 0) { $insideSd = $false }
    }
}
if (-not ($isRoot -or $insideSd)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not a folder wurepair may back up: {0}' -f $full) -Target $Path))
}

$backupFull = Resolve-WurPath -Candidate $BackupPath
$leaf = [System.IO.Path]::GetFileName($full)
$pattern = '^' + [regex]::Escape($leaf) + '\.wurepair-[0-9A-Za-z-]+$'
if ($null -eq $backupFull -or
    -not (Test-WurSame ([System.IO.Path]::GetDirectoryName($backupFull)) ([System.IO.Path]::GetDirectoryName($full))) -or
    -not [regex]::IsMatch([System.IO.Path]::GetFileName($backupFull), $pattern, [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('BackupPath must be {0}.wurepair-<runid> beside it: {1}' -f $full, $BackupPath) -Target $BackupPath))
}

$attrs = Get-WurAttributes -LiteralPath $full
if ($null -eq $attrs -or ($attrs -band [System.IO.FileAttributes]::Directory) -ne [System.IO.FileAttributes]::Directory) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not an existing folder: {0}' -f $full) -Target $Path))
}
# The folder itself, and every folder from SoftwareDistribution down to it.
$probe = $full
while ($true) {
    $a = Get-WurAttributes -LiteralPath $probe
    if ($null -ne $a -and ($a -band $reparse) -eq $reparse) {
        $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('A junction or symbolic link is never renamed nor followed: {0}' -f $probe) -Target $Path))
    }
    if ((Test-WurSame $probe $sd) -or -not (Test-WurUnder -Child $probe -Root $sd)) { break }
    $probe = [System.IO.Path]::GetDirectoryName($probe)
}
if ($null -ne (Get-WurAttributes -LiteralPath $backupFull)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('BackupPath already exists: {0}' -f $backupFull) -Target $BackupPath))
}

$renamed = $false
$recreated = $false
if ($PSCmdlet.ShouldProcess($full, ('Rename to {0} and recreate empty' -f [System.IO.Path]::GetFileName($backupFull)))) {
    # Same parent (checked above): a rename, nothing copied.
    $failure = Move-WurFolder -From $full -To $backupFull
    if ($null -ne $failure) { $PSCmdlet.ThrowTerminatingError($failure) }
    $renamed = $true
    try {
        $null = [System.IO.Directory]::CreateDirectory($full)
        $recreated = $true
    } catch {
        # Reported, not thrown: the rename (the part that matters) is done.
        $recreated = $false
    }
}

[pscustomobject]@{
    Path       = $full
    BackupPath = $backupFull
    Renamed    = [bool]$renamed
    Recreated  = [bool]$recreated
    WhatIf     = $whatIf
}
