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
    DeleteFile act on the link itself), its target is never entered.
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

# The directory separator: '\' on Windows ('/' only under the Linux test engine).
$sep = [System.IO.Path]::DirectorySeparatorChar

$whatIf = [bool]$WhatIfPreference
$reparse = [System.IO.FileAttributes]::ReparsePoint
$directory = [System.IO.FileAttributes]::Directory

function New-WurError {
    param([string]$Id, [string]$Message, [string]$Target, [System.Exception]$Exception)
    $category = [System.Management.Automation.ErrorCategory]::InvalidArgument
    if ($null -eq $Exception) {
        $Exception = New-Object System.ArgumentException -ArgumentList $Message
    } else {
        $category = [System.Management.Automation.ErrorCategory]::WriteError
    }
    New-Object System.Management.Automation.ErrorRecord -ArgumentList $Exception, $Id, $category, $Target
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

function Remove-WurTree {
    # Deletes $Root's contents and $Root, never entering a reparse point.
    # An explicit stack collects real folders (parents before children);
    # files and links go at once, folders afterwards, deepest first.
    param([string]$Root)
    $folders = New-Object System.Collections.Generic.List[string]
    $stack = New-Object System.Collections.Generic.Stack[string]
    $stack.Push($Root)
    $folders.Add($Root)
    while ($stack.Count -gt 0) {
        $dir = $stack.Pop()
        foreach ($entry in (New-Object System.IO.DirectoryInfo -ArgumentList $dir).GetFileSystemInfos()) {
            $isLink = ($entry.Attributes -band $reparse) -eq $reparse
            $isDir = ($entry.Attributes -band $directory) -eq $directory
            if ($isDir -and -not $isLink) {
                $stack.Push($entry.FullName)
                $folders.Add($entry.FullName)
                continue
            }
            # A read-only file cannot be deleted until the flag is cleared (a
            # link is left as it is: its target's attributes are not ours).
            if (-not $isLink -and ($entry.Attributes -band [System.IO.FileAttributes]::ReadOnly) -eq [System.IO.FileAttributes]::ReadOnly) {
                $entry.Attributes = $entry.Attributes -bxor [System.IO.FileAttributes]::ReadOnly
            }
            if ($isDir) {
                # A junction or directory symbolic link: RemoveDirectory removes the link only.
                [System.IO.Directory]::Delete($entry.FullName, $false)
            } else {
                [System.IO.File]::Delete($entry.FullName)
            }
        }
    }
    for ($i = $folders.Count - 1; $i -ge 0; $i--) {
        $info = New-Object System.IO.DirectoryInfo -ArgumentList $folders[$i]
        if (($info.Attributes -band [System.IO.FileAttributes]::ReadOnly) -eq [System.IO.FileAttributes]::ReadOnly) {
            $info.Attributes = $info.Attributes -bxor [System.IO.FileAttributes]::ReadOnly
        }
        [System.IO.Directory]::Delete($folders[$i], $false)
    }
}

$systemRoot = Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder Windows)
$sd = Join-Path -Path $systemRoot -ChildPath 'SoftwareDistribution'
# Each folder wurepair backs up, by name, and the parent its backups live in.
$parents = @{
    'SoftwareDistribution' = $systemRoot
    'DataStore'            = $sd
    'Download'             = $sd
    'catroot2'             = (Join-Path -Path $systemRoot -ChildPath 'System32')
    'Downloader'           = (Join-Path -Path (Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder CommonApplicationData)) -ChildPath 'Microsoft\Network')
}

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
        $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Not a plain folder (a junction or symbolic link is never followed): {0}' -f $full) -Target $Path))
    }
    if ($PSCmdlet.ShouldProcess($full, 'Delete backup folder')) {
        try {
            Remove-WurTree -Root $full
        } catch {
            $e = $_.Exception
            while ($null -ne $e.InnerException) { $e = $e.InnerException }
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
