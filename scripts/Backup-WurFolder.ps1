<#
.SYNOPSIS
    Renames a folder to its backup name and recreates it empty, with the
    original folder's permissions.
.DESCRIPTION
    Changes: renames Path to BackupPath (same parent, so a rename: nothing is
    copied, nothing is deleted) and creates an empty folder at Path carrying
    the original folder's DACL.

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

    Permissions (issue 20 item 1). catroot2 is written by CryptSvc and the
    Delivery Optimization folders inside SoftwareDistribution by DoSvc,
    both running as NT AUTHORITY\NetworkService, which needs ACEs of its
    own on those folders; a folder created plainly gets only what its
    parent passes on. So before anything changes the DACL of Path is read
    (Get-WurFolderDacl: through one handle opened on the folder itself,
    never through a reparse point), and Path is recreated WITH it in one
    call (New-WurFolderWithDacl: Directory.CreateDirectory(String,
    DirectorySecurity) on 5.1, FileSystemAclExtensions.Create on pwsh 7),
    so it never exists with inherited ACEs only. What is copied: the
    explicit ACEs, in their order, and the protection (a protected DACL
    inherits nothing). Inherited ACEs are not copied: Windows adds the
    parent's inheritable ACEs to a new folder's DACL unless it is protected
    ("DACL for a New Object",
    learn.microsoft.com/windows/win32/secauthz/dacl-for-a-new-object), and
    the parent is the original's, so they come back as they were. Not
    copied: the owner (setting an owner other than the caller's needs
    SeRestorePrivilege enabled, which SYSTEM holds but does not enable and
    wurepair does not enable: the new folder's owner is the caller's
    default, Administrators or SYSTEM, which the copied DACLs already grant
    full control), the group and the SACL (reading or writing it needs
    SeSecurityPrivilege). The DACL is read back from the new folder and its
    explicit part compared with the original's.

    Reported as data, not thrown (the rename is done; Go decides):
    SecurityCopied = $true only when the folder at Path now carries the
    original's explicit ACEs and protection; else $false, with
    SecurityHResult the reason: the creation's error (0x80070005 access
    denied, 0x80070070 disk full ...), 0x800700B7 (ERROR_ALREADY_EXISTS)
    when something recreated Path first (it is left alone), 0x8007053A
    (ERROR_INVALID_SECURITY_DESCR) when the folder reads back with other
    ACEs. wurepair then fails the step and its rollback (Restore-WurFolder)
    puts the original folder back: a folder is never left with other
    permissions than it had. A DACL that cannot be read before the rename
    throws WurSecurityUnreadable (category ReadError) around an IOException
    whose HResult is the Win32 error, and nothing changes.
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

# The folder's own DACL (explicit ACEs and protection), read before
# anything changes: the rename keeps the folder, and its descriptor, as it is.
try {
    $dacl = ConvertTo-WurExplicitDacl -Sddl (Get-WurFolderDacl -LiteralPath $full)
} catch {
    $unreadable = New-Object System.IO.IOException -ArgumentList ('The permissions of {0} cannot be read; nothing was renamed.' -f $full), (Get-WurWin32HResult -Exception $_.Exception)
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurSecurityUnreadable' -Message $unreadable.Message -Target $Path -Exception $unreadable -Category ([System.Management.Automation.ErrorCategory]::ReadError)))
}

$renamed = $false
$recreated = $false
$copied = $false
$securityHResult = 0
if ($PSCmdlet.ShouldProcess($full, ('Rename to {0} and recreate empty with its permissions' -f [System.IO.Path]::GetFileName($backupFull)))) {
    # Same parent (checked above): a rename, nothing copied.
    $failure = Move-WurFolder -From $full -To $backupFull
    if ($null -ne $failure) { $PSCmdlet.ThrowTerminatingError($failure) }
    $renamed = $true
    if ($null -ne (Get-WurAttributes -LiteralPath $full)) {
        # Recreated by someone else between the rename and now: not ours.
        $securityHResult = -2147024713  # 0x800700B7 ERROR_ALREADY_EXISTS
    } else {
        try {
            New-WurFolderWithDacl -LiteralPath $full -Sddl $dacl
            $recreated = $true
        } catch {
            # Data, not an error: the rename (the part that matters) is done.
            $securityHResult = Get-WurWin32HResult -Exception $_.Exception
        }
    }
    if ($recreated) {
        try {
            $copied = (ConvertTo-WurExplicitDacl -Sddl (Get-WurFolderDacl -LiteralPath $full)) -ceq $dacl
            if (-not $copied) { $securityHResult = -2147023558 }  # 0x8007053A ERROR_INVALID_SECURITY_DESCR
        } catch {
            $securityHResult = Get-WurWin32HResult -Exception $_.Exception
        }
    }
}

[pscustomobject]@{
    Path            = $full
    BackupPath      = $backupFull
    Renamed         = [bool]$renamed
    Recreated       = [bool]$recreated
    SecurityCopied  = [bool]$copied
    SecurityHResult = [int64]$securityHResult
    WhatIf          = $whatIf
}
