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

foreach ($n in $Names) {
    # A pattern on the caller's own parameter (not on any output text).
    if ([string]::IsNullOrEmpty($n) -or $n -notmatch '^[A-Za-z0-9_][A-Za-z0-9_.-]*\.dll$' -or $n.Contains('..')) {
        $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurNameRefused' -Message ('Not a bare DLL file name: {0}' -f $n) -Target $n))
    }
}

# Helpers (Get-WurKnownFolder, New-WurDllFile ...) come from the safety
# library (scripts/lib/WurSafety.ps1), loaded by the bootstrap.
$is64 = [Environment]::Is64BitOperatingSystem
# Native32: Sysnative from a 32-bit process on 64-bit Windows (WOW64 would
# redirect System32 to SysWOW64).
$folders = Get-WurSystemFolders

$files = New-Object System.Collections.Generic.List[object]
foreach ($n in $Names) {
    $files.Add((New-WurDllFile -Name $n -Path (Join-Path -Path $folders.System32 -ChildPath $n) -ProbePath (Join-Path -Path $folders.Native32 -ChildPath $n) -View '64'))
    if ($is64) {
        $wow = Join-Path -Path $folders.SysWOW64 -ChildPath $n
        $files.Add((New-WurDllFile -Name $n -Path $wow -ProbePath $wow -View '32'))
    }
}

[pscustomobject]@{
    Files = [object[]]$files.ToArray()
}
