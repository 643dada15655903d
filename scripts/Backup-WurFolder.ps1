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

    A failed rename throws Rename-Item's own error (FullyQualifiedErrorId
    RenameItemIOError or RenameItemUnauthorizedAccessError) carrying the
    exception's HRESULT: 0x80070020 sharing violation (the update service is
    back and holds DataStore.edb), 0x80070005 access denied, 0x80070070 disk
    full. Renamed = $true but Recreated = $false is reported as data.
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
    # -NewName is a bare name: Rename-Item renames in place (same parent,
    # nothing copied). A failure is terminating ($ErrorActionPreference) and
    # keeps Rename-Item's own error record: FullyQualifiedErrorId
    # RenameItemIOError / RenameItemUnauthorizedAccessError and the
    # IOException's HRESULT (0x80070020 sharing violation, 0x80070005 ...).
    Rename-Item -LiteralPath $full -NewName ([System.IO.Path]::GetFileName($backupFull))
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
