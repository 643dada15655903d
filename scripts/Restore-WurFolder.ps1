<#
.SYNOPSIS
    Puts a backup made by Backup-WurFolder back in place.
.DESCRIPTION
    Changes: renames BackupPath back to Path. Whatever stands at Path now is
    never deleted: an empty folder (the one Backup-WurFolder recreated) is
    removed, and only if it is empty; anything else is renamed to
    SetAsidePath. All renames stay in the same parent folder.

    Path rules are those of Backup-WurFolder (FullyQualifiedErrorId
    WurPathRefused, category InvalidArgument): Path is one of the folders
    wurepair backs up or inside SoftwareDistribution; BackupPath and
    SetAsidePath are both Path + ".wurepair-<id>" ([0-9A-Za-z-]+) in the same
    parent, and differ; nothing on the way is a junction or symbolic link;
    Path, when it exists, is a directory; SetAsidePath does not exist when
    it is needed. A missing BackupPath throws WurBackupMissing (category
    ObjectNotFound). Checks run before anything changes, with -WhatIf too.

    SetAsidePath in the result is where the previous content went, or ""
    when nothing was set aside. Renames use [System.IO.Directory]::Move in
    the same parent (not Rename-Item, which on Windows PowerShell 5.1 loses
    the Win32 code of a folder in use: see Backup-WurFolder); a failed one
    throws WurRenameFailed (category WriteError) around an IOException whose
    HResult is the Win32 error (0x80070005 a file inside is open or access
    denied, 0x80070020 ...), after putting back what was set aside.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Path,

    [Parameter(Mandatory = $true)]
    [string]$BackupPath,

    [Parameter(Mandatory = $true)]
    [string]$SetAsidePath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The directory separator: '\' on Windows ('/' only under the Linux test engine).
$sep = [System.IO.Path]::DirectorySeparatorChar

$whatIf = [bool]$WhatIfPreference
$reparse = [System.IO.FileAttributes]::ReparsePoint
$directory = [System.IO.FileAttributes]::Directory

function New-WurError {
    param([string]$Id, [string]$Message, [string]$Target, [System.Exception]$Exception,
        [System.Management.Automation.ErrorCategory]$Category = [System.Management.Automation.ErrorCategory]::InvalidArgument)
    if ($null -eq $Exception) {
        $Exception = New-Object System.ArgumentException -ArgumentList $Message
    }
    New-Object System.Management.Automation.ErrorRecord -ArgumentList $Exception, $Id, $Category, $Target
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

function Test-WurBackupName {
    # True when $Candidate is $Of + ".wurepair-<id>" in the same parent.
    param([string]$Candidate, [string]$Of)
    # A [string] parameter turns $null into '': test for empty, not $null.
    if ([string]::IsNullOrEmpty($Candidate)) { return $false }
    $pattern = '^' + [regex]::Escape([System.IO.Path]::GetFileName($Of)) + '\.wurepair-[0-9A-Za-z-]+$'
    (Test-WurSame ([System.IO.Path]::GetDirectoryName($Candidate)) ([System.IO.Path]::GetDirectoryName($Of))) -and
    [regex]::IsMatch([System.IO.Path]::GetFileName($Candidate), $pattern, [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
}

function Test-WurReparseChain {
    # True when $Full, or a folder between SoftwareDistribution and it, is a reparse point.
    param([string]$Full)
    $probe = $Full
    while ($true) {
        $a = Get-WurAttributes -LiteralPath $probe
        if ($null -ne $a -and ($a -band $reparse) -eq $reparse) { return $true }
        if ((Test-WurSame $probe $sd) -or -not (Test-WurUnder -Child $probe -Root $sd)) { return $false }
        $probe = [System.IO.Path]::GetDirectoryName($probe)
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

# ---- checks (nothing has changed yet) ----
$full = Resolve-WurPath -Candidate $Path
if ($null -eq $full) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not an absolute local path: {0}' -f $Path) -Target $Path))
}
$isRoot = @($roots | Where-Object { Test-WurSame $_ $full }).Count -gt 0
$insideSd = Test-WurUnder -Child $full -Root $sd
if ($insideSd) {
    foreach ($segment in $full.Substring($sd.Length + 1).Split($sep)) {
        if ($segment.IndexOf('.wurepair-', [StringComparison]::OrdinalIgnoreCase) -ge 0) { $insideSd = $false }
    }
}
if (-not ($isRoot -or $insideSd)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not a folder wurepair restores: {0}' -f $full) -Target $Path))
}

$backupFull = Resolve-WurPath -Candidate $BackupPath
if (-not (Test-WurBackupName -Candidate $backupFull -Of $full)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('BackupPath must be {0}.wurepair-<runid> beside it: {1}' -f $full, $BackupPath) -Target $BackupPath))
}
$asideFull = Resolve-WurPath -Candidate $SetAsidePath
if (-not (Test-WurBackupName -Candidate $asideFull -Of $full) -or (Test-WurSame $asideFull $backupFull)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('SetAsidePath must be {0}.wurepair-<id> beside it, not the backup: {1}' -f $full, $SetAsidePath) -Target $SetAsidePath))
}

$backupAttrs = Get-WurAttributes -LiteralPath $backupFull
if ($null -eq $backupAttrs) {
    $missing = New-Object System.IO.DirectoryNotFoundException -ArgumentList ('Backup not found: {0}' -f $backupFull)
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurBackupMissing' -Message $missing.Message -Target $BackupPath -Exception $missing -Category ([System.Management.Automation.ErrorCategory]::ObjectNotFound)))
}
if (($backupAttrs -band $directory) -ne $directory -or (Test-WurReparseChain -Full $backupFull)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('The backup is not a plain folder (a junction or symbolic link is never renamed): {0}' -f $backupFull) -Target $BackupPath))
}

$current = Get-WurAttributes -LiteralPath $full
if ($null -ne $current -and (($current -band $directory) -ne $directory -or (Test-WurReparseChain -Full $full))) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('What stands at Path is not a plain folder (a junction or symbolic link is never renamed): {0}' -f $full) -Target $Path))
}
if ($null -eq $current -and (Test-WurReparseChain -Full ([System.IO.Path]::GetDirectoryName($full)))) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('A folder on the way to Path is a junction or symbolic link: {0}' -f $full) -Target $Path))
}
$empty = $false
if ($null -ne $current) {
    $entries = [System.IO.Directory]::EnumerateFileSystemEntries($full).GetEnumerator()
    try {
        $empty = -not $entries.MoveNext()
    } finally {
        $entries.Dispose()
    }
    if (-not $empty -and $null -ne (Get-WurAttributes -LiteralPath $asideFull)) {
        $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('SetAsidePath already exists: {0}' -f $asideFull) -Target $SetAsidePath))
    }
}

# ---- changes ----
$restored = $false
$setAside = ''
if ($PSCmdlet.ShouldProcess($full, ('Restore from {0}' -f [System.IO.Path]::GetFileName($backupFull)))) {
    $removedEmpty = $false
    if ($null -ne $current) {
        if ($empty) {
            try {
                # Fails (and nothing is lost) if something was written meanwhile.
                [System.IO.Directory]::Delete($full, $false)
                $removedEmpty = $true
            } catch {
                $removedEmpty = $false
            }
        }
        if (-not $removedEmpty) {
            # A failure here is terminating; nothing moved.
            $failure = Move-WurFolder -From $full -To $asideFull
            if ($null -ne $failure) { $PSCmdlet.ThrowTerminatingError($failure) }
            $setAside = $asideFull
        }
    }
    $failure = Move-WurFolder -From $backupFull -To $full
    if ($null -ne $failure) {
        # Leave things as they were: what was set aside goes back, an empty
        # folder that was removed is recreated. Then report the rename's error.
        try {
            if ($setAside.Length -gt 0) {
                [System.IO.Directory]::Move($asideFull, $full)
                $setAside = ''
            } elseif ($removedEmpty) {
                $null = [System.IO.Directory]::CreateDirectory($full)
            }
        } catch {
            $null = $_
        }
        $PSCmdlet.ThrowTerminatingError($failure)
    }
    $restored = $true
}

[pscustomobject]@{
    Path         = $full
    BackupPath   = $backupFull
    Restored     = [bool]$restored
    SetAsidePath = $setAside
    WhatIf       = $whatIf
}
