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

$whatIf = [bool]$WhatIfPreference

# Helpers (New-WurError, Resolve-WurPath ...) come from the safety library
# (scripts/lib/WurSafety.ps1), loaded into the runspace by the bootstrap.
$sd = @(Get-WurFolderSet)[0].Path

$full = Resolve-WurPath -Candidate $Path
if ($null -eq $full) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not an absolute local path: {0}' -f $Path) -Target $Path))
}
# One of the five folders, or inside SoftwareDistribution but never inside a
# backup (...\X.wurepair-id\...).
if (-not (Test-WurBackupSource -Full $full)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not a folder wurepair may back up: {0}' -f $full) -Target $Path))
}

$backupFull = Resolve-WurPath -Candidate $BackupPath
if (-not (Test-WurBackupName -Candidate $backupFull -Of $full)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('BackupPath must be {0}.wurepair-<runid> beside it: {1}' -f $full, $BackupPath) -Target $BackupPath))
}

$attrs = Get-WurAttributes -LiteralPath $full
if ($null -eq $attrs -or ($attrs -band [System.IO.FileAttributes]::Directory) -ne [System.IO.FileAttributes]::Directory) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not an existing folder: {0}' -f $full) -Target $Path))
}
# The folder itself, and every folder from SoftwareDistribution down to it.
if (Test-WurReparseChain -Full $full -Stop $sd) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('A junction or symbolic link is never renamed nor followed: {0}' -f $full) -Target $Path))
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
