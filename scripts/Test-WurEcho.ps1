<#
.SYNOPSIS
    Returns its input unchanged.
.DESCRIPTION
    wurepair's selftest sends awkward text (quotes, curly quotes, $(), backticks,
    semicolons, newlines, NUL, non-ASCII) through the session and compares what
    comes back byte for byte. Length is the UTF-16 length PowerShell saw.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [AllowEmptyString()]
    [string]$Text,

    [string[]]$Items = @()
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

[pscustomobject]@{
    Text   = $Text
    Length = $Text.Length
    Items  = [string[]]@($Items)
}
