<#
.SYNOPSIS
    Functional probe of the update agent's COM API.
.DESCRIPTION
    Read-only. Creates the COM object Microsoft.Update.Session, then asks it
    for an update searcher (CreateUpdateSearcher). It does not search: a
    search can take minutes and goes online.

    Failures are data: HResult is the failing call's HRESULT (0 on success;
    e.g. 0x80040154 REGDB_E_CLASSNOTREG when the class is not registered, the
    KB943144 symptom), as a signed 32-bit value widened to int64 like every
    HResult wurepair reports; SessionCreated and SearcherCreated say how far
    it got. AgentVersion is the binary file version of
    %SystemRoot%\System32\wuaueng.dll ("" when absent).

    The object is created with Type.GetTypeFromProgID + Activator, which is
    what New-Object -ComObject does, but keeps a failure out of the error
    stream (the probe has not failed when the agent is broken: it found out).
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# REGDB_E_CLASSNOTREG, what New-Object -ComObject reports for an unknown ProgID.
$classNotRegistered = [int64]-2147221164

function Get-WurHResult {
    # The HRESULT of the innermost exception: PowerShell wraps the COMException
    # of a failing .NET/COM call in a MethodInvocationException.
    param([System.Exception]$Exception)
    $e = $Exception
    while ($null -ne $e.InnerException) { $e = $e.InnerException }
    [int64]$e.HResult
}

$sessionCreated = $false
$searcherCreated = $false
$hresult = [int64]0

$type = [Type]::GetTypeFromProgID('Microsoft.Update.Session')
if ($null -eq $type) {
    $hresult = $classNotRegistered
} else {
    try {
        $session = [Activator]::CreateInstance($type)
        $sessionCreated = $true
        $searcher = $session.CreateUpdateSearcher()
        $searcherCreated = ($null -ne $searcher)
    } catch {
        $hresult = Get-WurHResult -Exception $_.Exception
    }
}

$system32 = Join-Path -Path $env:SystemRoot -ChildPath 'System32'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    # From a 32-bit process System32 is redirected; Sysnative is the real one.
    $system32 = Join-Path -Path $env:SystemRoot -ChildPath 'Sysnative'
}
$engine = Join-Path -Path $system32 -ChildPath 'wuaueng.dll'
$version = ''
if ([System.IO.File]::Exists($engine)) {
    $info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($engine)
    $version = '{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart
}

[pscustomobject]@{
    SessionCreated  = [bool]$sessionCreated
    SearcherCreated = [bool]$searcherCreated
    HResult         = [int64]$hresult
    AgentVersion    = $version
}
