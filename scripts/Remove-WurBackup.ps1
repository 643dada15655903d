<#
.SYNOPSIS
    Deletes one backup folder that wurepair made (backups prune).
.DESCRIPTION
    Changes: deletes Path and everything inside it.

    Refuses (FullyQualifiedErrorId WurPathRefused, category InvalidArgument)
    unless Path is an absolute local path named <folder>.wurepair-<runid>
    (runid [0-9A-Za-z-]+) where <folder> is one of the five folders wurepair
    backs up and Path sits in that folder's own parent:
      SoftwareDistribution.wurepair-*  in %SystemRoot%
      DataStore.wurepair-*, Download.wurepair-*  in %SystemRoot%\SoftwareDistribution
      catroot2.wurepair-*  in %SystemRoot%\System32
      Downloader.wurepair-*  in %ProgramData%\Microsoft\Network
    and neither Path nor SoftwareDistribution (for the two inside it) is a
    junction or symbolic link. A Path that does not exist is data:
    Removed = $false.

    The contents are removed WITHOUT following reparse points: a junction or
    symbolic link found inside is removed as a link (RemoveDirectory /
    DeleteFile act on the link itself), its target is never entered. Other
    reparse points (deduplicated, cloud-files placeholders) are files.
    A link swapped in while the walk runs is never followed (issue 19 item
    3): on Windows each folder is locked (owner Administrators, a protected
    DACL for SYSTEM and Administrators only) before it is listed, and before
    every deletion the folders from Path down to the entry are re-checked;
    a folder that became a link stops the removal (WurRemoveFailed).
    Remove-Item -Recurse is not used: Windows PowerShell 5.1 follows junctions.
    A failure part way throws WurRemoveFailed with the exception's HRESULT.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Path
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$whatIf = [bool]$WhatIfPreference
$reparse = [System.IO.FileAttributes]::ReparsePoint
$directory = [System.IO.FileAttributes]::Directory

# Helpers (New-WurError, Resolve-WurPath, Lock-WurFolder ...) come from the
# safety library (scripts/lib/WurSafety.ps1), loaded by the bootstrap.

function New-WurChangedError {
    # The tree changed under the walk (a folder became a link): thrown, and
    # reported as WurRemoveFailed with this message.
    param([string]$Where)
    New-Object System.IO.IOException -ArgumentList ('A folder inside the backup became a junction or symbolic link while it was being deleted; nothing through it was deleted: {0}' -f $Where)
}

function Remove-WurTree {
    # Deletes $Root's contents and $Root, never entering a link (Test-WurLink).
    # 1. Walk, parents before children. Each folder is first locked (Windows:
    #    Administrators own it, SYSTEM and Administrators alone may change it,
    #    so once its parent is locked no one else can swap an entry in it),
    #    then re-checked (it and every folder up to $Root still plain), then
    #    listed. Nothing is deleted yet.
    # 2. Delete files and links, each only after re-checking, immediately
    #    before, that no folder between $Root and it became a link since it
    #    was listed (off Windows, without DACLs, this is the guard); then the
    #    folders, deepest first (a folder that became a link: RemoveDirectory
    #    removes the link only).
    param([string]$Root)
    $folders = New-Object System.Collections.Generic.List[string]
    $doomed = New-Object System.Collections.Generic.List[object]
    $stack = New-Object System.Collections.Generic.Stack[string]
    $stack.Push($Root)
    while ($stack.Count -gt 0) {
        $dir = $stack.Pop()
        $null = Lock-WurFolder -LiteralPath $dir
        if (Test-WurReparseChain -Full $dir -Stop $Root) { throw (New-WurChangedError -Where $dir) }
        $folders.Add($dir)
        foreach ($entry in (Get-WurChildItems -LiteralPath $dir)) {
            $path = [System.IO.Path]::Combine($dir, $entry.Name)
            $attrs = $entry.Attributes
            $isDir = ($attrs -band $directory) -eq $directory
            if ($isDir -and -not (Test-WurLink -LiteralPath $path -Attributes $attrs)) {
                $stack.Push($path)
            } else {
                $doomed.Add([pscustomobject]@{ Path = $path; IsDir = $isDir })
            }
        }
    }
    foreach ($item in $doomed) {
        if (Test-WurReparseChain -Full ([System.IO.Path]::GetDirectoryName($item.Path)) -Stop $Root) {
            throw (New-WurChangedError -Where $item.Path)
        }
        $attrs = Get-WurAttributes -LiteralPath $item.Path
        if ($null -eq $attrs) { continue }
        $long = ConvertTo-WurLongPath -LiteralPath $item.Path
        if (($attrs -band $directory) -eq $directory) {
            # A junction or directory symbolic link: RemoveDirectory removes the link only.
            [System.IO.Directory]::Delete($long, $false)
            continue
        }
        # A read-only file cannot be deleted until the flag is cleared (a
        # link is left as it is: its target's attributes are not ours).
        if (($attrs -band $reparse) -ne $reparse -and ($attrs -band [System.IO.FileAttributes]::ReadOnly) -eq [System.IO.FileAttributes]::ReadOnly) {
            [System.IO.File]::SetAttributes($long, ($attrs -bxor [System.IO.FileAttributes]::ReadOnly))
        }
        [System.IO.File]::Delete($long)
    }
    for ($i = $folders.Count - 1; $i -ge 0; $i--) {
        $dir = $folders[$i]
        if (($i -gt 0) -and (Test-WurReparseChain -Full ([System.IO.Path]::GetDirectoryName($dir)) -Stop $Root)) {
            throw (New-WurChangedError -Where $dir)
        }
        $attrs = Get-WurAttributes -LiteralPath $dir
        if ($null -eq $attrs) { continue }
        if (($attrs -band $reparse) -ne $reparse -and ($attrs -band [System.IO.FileAttributes]::ReadOnly) -eq [System.IO.FileAttributes]::ReadOnly) {
            [System.IO.File]::SetAttributes((ConvertTo-WurLongPath -LiteralPath $dir), ($attrs -bxor [System.IO.FileAttributes]::ReadOnly))
        }
        [System.IO.Directory]::Delete((ConvertTo-WurLongPath -LiteralPath $dir), $false)
    }
}

# Each folder wurepair backs up, by name, and the parent its backups live in.
$set = @(Get-WurFolderSet)
$sd = $set[0].Path
$parents = @{}
foreach ($f in $set) { $parents[$f.Name] = $f.Parent }

$full = Resolve-WurPath -Candidate $Path
$refused = $true
if ($null -ne $full) {
    $m = [regex]::Match([System.IO.Path]::GetFileName($full), '^(SoftwareDistribution|DataStore|Download|catroot2|Downloader)\.wurepair-[0-9A-Za-z-]+$', [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
    if ($m.Success) {
        $refused = -not (Test-WurSame ([System.IO.Path]::GetDirectoryName($full)) $parents[$m.Groups[1].Value])
    }
}
if ($refused) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not a wurepair backup folder: {0}' -f $Path) -Target $Path))
}

$removed = $false
$attrs = Get-WurAttributes -LiteralPath $full
if ($null -ne $attrs) {
    $parentAttrs = Get-WurAttributes -LiteralPath ([System.IO.Path]::GetDirectoryName($full))
    $parentIsLink = (Test-WurSame ([System.IO.Path]::GetDirectoryName($full)) $sd) -and $null -ne $parentAttrs -and ($parentAttrs -band $reparse) -eq $reparse
    if (($attrs -band $directory) -ne $directory -or ($attrs -band $reparse) -eq $reparse -or $parentIsLink) {
        # Any reparse point here, even one that is not a name surrogate: a
        # backup wurepair made is a plain folder.
        $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not a plain folder (a junction or symbolic link is never followed): {0}' -f $full) -Target $Path))
    }
    if ($PSCmdlet.ShouldProcess($full, 'Delete backup folder')) {
        try {
            Remove-WurTree -Root $full
        } catch {
            $e = Get-WurInnerException -Exception $_.Exception
            $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurRemoveFailed' -Message $e.Message -Target $Path -Exception $e))
        }
        $removed = $true
    }
}

[pscustomobject]@{
    Path    = $full
    Removed = [bool]$removed
    WhatIf  = $whatIf
}
