<#
    Replaces the safety library's Get-WurFileVersion (scripts/lib) with the
    same body, compiled now, after DotNet.ps1 mapped FileVersionInfo to its
    double: the library's own copy was compiled (and its type name bound to
    the real FileVersionInfo) when the bootstrap ran the library in this
    runspace, before any prelude. Loaded after DotNet.ps1 (file name order).
#>
Set-StrictMode -Version Latest

function Get-WurFileVersion {
    param([string]$LiteralPath)
    $info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($LiteralPath)
    '{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart
}
