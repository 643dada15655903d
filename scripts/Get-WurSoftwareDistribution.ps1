<#
.SYNOPSIS
    Sizes the folders wurepair may back up and lists the backups it left.
.DESCRIPTION
    Read-only. Folders, in this order: SoftwareDistribution
    (%SystemRoot%\SoftwareDistribution), DataStore and Download (inside it),
    catroot2 (%SystemRoot%\System32\catroot2) and Downloader
    (%ProgramData%\Microsoft\Network\Downloader, the BITS queue with
    qmgr*.dat). Each: Exists, IsReparsePoint (the folder itself), Files and
    Bytes counted recursively WITHOUT following junctions or symbolic links,
    and ReparsePoints: the full paths of the reparse points found inside
    (never followed, never counted). Unreadable: the full paths of the
    folders inside (or the folder itself) that could not be listed: access
    denied, or a path too long for .NET Framework's legacy path handling
    (PathTooLongException: an entry's full path of 260 characters or more,
    a folder's of 248). Nothing under them is counted, and a link could hide
    there: wurepair refuses to move a folder with unreadable parts.

    Backups: every folder named <name>.wurepair-<runid> beside one of those
    folders (runid [0-9A-Za-z-]+), with the original path, the run id,
    Created (ISO 8601: from the run id's UTC timestamp when it starts with
    one, yyyyMMddTHHmmssZ, else the folder's last write time) and Bytes.

    The walk is an explicit stack over DirectoryInfo.GetFileSystemInfos()
    (hidden and system entries included): Get-ChildItem -Recurse in Windows
    PowerShell 5.1 follows junctions, and a folder that cannot be listed is
    named in Unreadable rather than reported as an error record. catroot2 is exempt from
    WOW64 file system redirection, so System32\catroot2 is right from any
    process.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$reparse = [System.IO.FileAttributes]::ReparsePoint
# Helpers (Get-WurKnownFolder, Get-WurAttributes, Test-WurLink ...) come from
# the safety library (scripts/lib/WurSafety.ps1), loaded by the bootstrap.

function Measure-WurTree {
    # Files, bytes and reparse points under $Root, not following reparse points.
    param([string]$Root)
    $files = [int64]0
    $bytes = [int64]0
    $points = New-Object System.Collections.Generic.List[string]
    $unreadable = New-Object System.Collections.Generic.List[string]
    $stack = New-Object System.Collections.Generic.Stack[string]
    $stack.Push($Root)
    while ($stack.Count -gt 0) {
        $dir = $stack.Pop()
        $entries = @()
        try {
            # Through \\?\ (Get-WurChildItems): no MAX_PATH limit.
            $entries = Get-WurChildItems -LiteralPath $dir
        } catch {
            # Access denied (or, where the runtime refuses \\?\, a path too
            # long): not counted, and named. A folder that vanished meanwhile
            # hides nothing.
            $e = Get-WurInnerException -Exception $_.Exception
            if (-not ($e -is [System.IO.DirectoryNotFoundException])) { $unreadable.Add($dir) }
            continue
        }
        foreach ($entry in $entries) {
            # An entry whose attributes cannot be read (-1, or a throw: a
            # path too long to stat) is not inspected either: named, by its
            # folder and its name (its FullName may be empty).
            $a = -1
            try { $a = [int]$entry.Attributes } catch { $a = -1 }
            if ($a -eq -1) {
                $unreadable.Add([System.IO.Path]::Combine($dir, $entry.Name))
                continue
            }
            $path = [System.IO.Path]::Combine($dir, $entry.Name)
            if (Test-WurLink -LiteralPath $path -Attributes $a) {
                # A name surrogate (junction, symbolic link, mount point):
                # named, never followed. Other reparse points (deduplicated,
                # cloud-files placeholders) are counted as what they are.
                $points.Add($path)
            } elseif ($entry -is [System.IO.DirectoryInfo]) {
                $stack.Push($path)
            } else {
                $files++
                $bytes += [int64]$entry.Length
            }
        }
    }
    # Directory listing order is the file system's: sort, so the same tree
    # always gives the same list.
    $points.Sort([StringComparer]::OrdinalIgnoreCase)
    $unreadable.Sort([StringComparer]::OrdinalIgnoreCase)
    [pscustomobject]@{ Files = $files; Bytes = $bytes; ReparsePoints = [string[]]$points.ToArray(); Unreadable = [string[]]$unreadable.ToArray() }
}

$targets = @(Get-WurFolderSet)

$folders = New-Object System.Collections.Generic.List[object]
foreach ($t in $targets) {
    $attrs = Get-WurAttributes -LiteralPath $t.Path
    $exists = ($null -ne $attrs) -and (($attrs -band [System.IO.FileAttributes]::Directory) -eq [System.IO.FileAttributes]::Directory)
    $isReparse = $exists -and (Test-WurLink -LiteralPath $t.Path -Attributes $attrs)
    $size = [pscustomobject]@{ Files = [int64]0; Bytes = [int64]0; ReparsePoints = [string[]]@(); Unreadable = [string[]]@() }
    if ($exists -and -not $isReparse) {
        $size = Measure-WurTree -Root $t.Path
    }
    $folders.Add([pscustomobject]@{
            Name           = $t.Name
            Path           = $t.Path
            Exists         = [bool]$exists
            IsReparsePoint = [bool]$isReparse
            Files          = [int64]$size.Files
            Bytes          = [int64]$size.Bytes
            ReparsePoints  = [string[]]@($size.ReparsePoints)
            Unreadable     = [string[]]@($size.Unreadable)
        })
}

$backups = New-Object System.Collections.Generic.List[object]
foreach ($t in $targets) {
    $parent = [System.IO.Path]::GetDirectoryName($t.Path)
    if (-not [System.IO.Directory]::Exists($parent)) { continue }
    $pattern = '^' + [regex]::Escape($t.Name) + '\.wurepair-([0-9A-Za-z-]+)$'
    $candidates = @()
    try {
        $candidates = (New-Object System.IO.DirectoryInfo -ArgumentList $parent).GetDirectories($t.Name + '.wurepair-*')
    } catch {
        continue
    }
    foreach ($dir in @($candidates | Sort-Object -Property Name)) {
        $m = [regex]::Match($dir.Name, $pattern, [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
        if (-not $m.Success) { continue }
        # A reparse point wearing a backup's name is not a backup wurepair made.
        if (($dir.Attributes -band $reparse) -eq $reparse) { continue }
        $runId = $m.Groups[1].Value
        $created = $dir.LastWriteTimeUtc
        $stamp = [DateTime]::MinValue
        if ($runId.Length -ge 16 -and [DateTime]::TryParseExact($runId.Substring(0, 16), 'yyyyMMdd\THHmmss\Z',
                [System.Globalization.CultureInfo]::InvariantCulture,
                ([System.Globalization.DateTimeStyles]::AssumeUniversal -bor [System.Globalization.DateTimeStyles]::AdjustToUniversal),
                [ref]$stamp)) {
            $created = $stamp
        }
        $size = Measure-WurTree -Root $dir.FullName
        $backups.Add([pscustomobject]@{
                Path     = $dir.FullName
                Original = $t.Path
                RunId    = $runId
                Created  = [DateTime]::SpecifyKind($created, [DateTimeKind]::Utc).ToString('o')
                Bytes    = [int64]$size.Bytes
            })
    }
}

[pscustomobject]@{
    Folders = [object[]]$folders.ToArray()
    Backups = [object[]]$backups.ToArray()
}
