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

$whatIf = [bool]$WhatIfPreference
$directory = [System.IO.FileAttributes]::Directory

# Helpers (New-WurError, Resolve-WurPath ...) come from the safety library
# (scripts/lib/WurSafety.ps1), loaded into the runspace by the bootstrap.
$sd = @(Get-WurFolderSet)[0].Path

# ---- checks (nothing has changed yet) ----
$full = Resolve-WurPath -Candidate $Path
if ($null -eq $full) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not an absolute local path: {0}' -f $Path) -Target $Path))
}
if (-not (Test-WurBackupSource -Full $full)) {
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
if (($backupAttrs -band $directory) -ne $directory -or (Test-WurReparseChain -Full $backupFull -Stop $sd)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('The backup is not a plain folder (a junction or symbolic link is never renamed): {0}' -f $backupFull) -Target $BackupPath))
}

$current = Get-WurAttributes -LiteralPath $full
if ($null -ne $current -and (($current -band $directory) -ne $directory -or (Test-WurReparseChain -Full $full -Stop $sd))) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('What stands at Path is not a plain folder (a junction or symbolic link is never renamed): {0}' -f $full) -Target $Path))
}
if ($null -eq $current -and (Test-WurReparseChain -Full ([System.IO.Path]::GetDirectoryName($full)) -Stop $sd)) {
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
