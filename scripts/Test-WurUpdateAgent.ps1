<#
.SYNOPSIS
    Functional probe of the update agent's COM API.
.DESCRIPTION
    Read-only. Creates the COM object Microsoft.Update.Session, asks it for
    an update searcher (CreateUpdateSearcher), then, with -ReachService,
    asks the searcher for GetTotalHistoryCount(): the first call that
    crosses to the update service, so a broken proxy/stub registration or a
    service that cannot answer is seen. COM starts wuauserv on demand for
    that call, so wurepair passes -ReachService only while wuauserv is
    already running: a probe never starts a service (diagnose changes
    nothing, and a service stopped before a run stays stopped). It does not
    search: a search can take minutes and goes online.

    Failures are data: FailedCall names the call that failed
    ("CreateSession", "CreateUpdateSearcher", "GetTotalHistoryCount"; ""
    when all worked) and HResult is its HRESULT (0 on success), a signed
    32-bit value widened to int64 like every HResult wurepair reports:
    0x80040154 REGDB_E_CLASSNOTREG (a class not registered, the KB943144
    symptom), 0x80004002 E_NOINTERFACE and 0x80040155 REGDB_E_IIDNOTREG (an
    interface's proxy/stub not registered), 0x80070422 the service is
    disabled. SessionCreated, SearcherCreated and ServiceReached say how far
    it got. AgentVersion is the binary file version of System32\wuaueng.dll
    in the Windows folder ("" when absent).

    The COM objects are released (Marshal.FinalReleaseComObject) before
    the script returns: the host is reused for the next request.

    The object is created with New-Object -ComObject inside try/catch, so a
    failure stays out of the error stream (the probe has not failed when the
    agent is broken: it found out). Using the cmdlet rather than
    [Type]::GetTypeFromProgID also lets the test engine (pwsh on Linux) put
    a double in front of it.
#>
[CmdletBinding()]
param(
    # Call GetTotalHistoryCount() (reaches wuauserv; COM would start it).
    [bool]$ReachService
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Get-WurHResult {
    # The HRESULT of the innermost exception: PowerShell wraps the COMException
    # of a failing .NET/COM call in a MethodInvocationException.
    param([System.Exception]$Exception)
    [int64](Get-WurInnerException -Exception $Exception).HResult
}

$sessionCreated = $false
$searcherCreated = $false
$serviceReached = $false
$failedCall = ''
$hresult = [int64]0
$session = $null
$searcher = $null

# New-Object -ComObject is Type.GetTypeFromProgID + Activator.CreateInstance;
# an unknown ProgID throws a COMException carrying REGDB_E_CLASSNOTREG.
try {
    $failedCall = 'CreateSession'
    $session = New-Object -ComObject 'Microsoft.Update.Session'
    $sessionCreated = $true
    $failedCall = 'CreateUpdateSearcher'
    $searcher = $session.CreateUpdateSearcher()
    $searcherCreated = ($null -ne $searcher)
    if ($ReachService) {
        $failedCall = 'GetTotalHistoryCount'
        $null = $searcher.GetTotalHistoryCount()
        $serviceReached = $true
    }
    $failedCall = ''
} catch {
    $hresult = Get-WurHResult -Exception $_.Exception
} finally {
    Close-WurComObject -Object $searcher
    Close-WurComObject -Object $session
}

# From a 32-bit process System32 is redirected; Native32 (Sysnative) is the real one.
$engine = Join-Path -Path (Get-WurSystemFolders).Native32 -ChildPath 'wuaueng.dll'
$version = ''
if ([System.IO.File]::Exists($engine)) {
    $version = Get-WurFileVersion -LiteralPath $engine
}

[pscustomobject]@{
    SessionCreated  = [bool]$sessionCreated
    SearcherCreated = [bool]$searcherCreated
    ServiceReached  = [bool]$serviceReached
    FailedCall      = $failedCall
    HResult         = [int64]$hresult
    AgentVersion    = $version
}
