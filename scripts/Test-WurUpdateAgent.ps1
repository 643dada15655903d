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
    System32\wuaueng.dll in the Windows folder ("" when absent).

    The object is created with New-Object -ComObject inside try/catch, so a
    failure stays out of the error stream (the probe has not failed when the
    agent is broken: it found out). An unknown or unregistered ProgID
    throws a COMException carrying 0x80040154 (REGDB_E_CLASSNOTREG). Using
    the cmdlet rather than [Type]::GetTypeFromProgID also lets the test
    engine (pwsh on Linux) put a double in front of it.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

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

# New-Object -ComObject is Type.GetTypeFromProgID + Activator.CreateInstance;
# an unknown ProgID throws a COMException carrying REGDB_E_CLASSNOTREG.
try {
    $session = New-Object -ComObject 'Microsoft.Update.Session'
    $sessionCreated = $true
    $searcher = $session.CreateUpdateSearcher()
    $searcherCreated = ($null -ne $searcher)
} catch {
    $hresult = Get-WurHResult -Exception $_.Exception
}

$windows = Get-WurKnownFolder -Folder Windows
$system32 = Join-Path -Path $windows -ChildPath 'System32'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    # From a 32-bit process System32 is redirected; Sysnative is the real one.
    $windows = Get-WurKnownFolder -Folder Windows
$system32 = Join-Path -Path $windows -ChildPath 'Sysnative'
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
