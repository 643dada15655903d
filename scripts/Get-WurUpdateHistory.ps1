<#
.SYNOPSIS
    Reads the update agent's whole history (saved before a DataStore reset).
.DESCRIPTION
    Read-only. Microsoft.Update.Session -> CreateUpdateSearcher() ->
    QueryHistory(0, GetTotalHistoryCount()). The history lives in the
    DataStore that a reset renames: this is how it is kept.

    Each entry: Date (ISO 8601, UTC: the agent reports history dates in UTC),
    Title (for the human reading the export; never parsed), Operation
    (UpdateOperation: 1 install, 2 uninstall), ResultCode
    (OperationResultCode: 0 not started, 1 in progress, 2 succeeded,
    3 succeeded with errors, 4 failed, 5 aborted), HResult (signed 32-bit
    value widened to int64), UpdateId and RevisionNumber (UpdateIdentity),
    ClientApplicationId.

    Failures are data, not errors (a reset must go on without the history
    rather than fail before it starts): Available is $false, FailedCall names
    the call that failed ("CreateSession", "CreateUpdateSearcher",
    "GetTotalHistoryCount", "QueryHistory") and HResult is its HRESULT
    (0x80070422 wuauserv disabled, 0x80040154 class not registered, the
    error of a damaged DataStore ...); Count and Entries hold what was read
    before the failure. On success Available is $true, FailedCall "" and
    HResult 0.

    The COM objects (history collection, searcher, session) are released
    with Marshal.FinalReleaseComObject before the script returns: the host
    is reused for the next request.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# A failing COM call surfaces as a MethodInvocationException (HRESULT
# 0x80131501) whose COMException holds the agent's HRESULT: report that one.
$entries = New-Object System.Collections.Generic.List[object]
$failedCall = ''
$hresult = [int64]0
$session = $null
$searcher = $null
$history = $null
try {
    $failedCall = 'CreateSession'
    $session = New-Object -ComObject Microsoft.Update.Session
    $failedCall = 'CreateUpdateSearcher'
    $searcher = $session.CreateUpdateSearcher()
    $failedCall = 'GetTotalHistoryCount'
    $total = [int]$searcher.GetTotalHistoryCount()

    if ($total -gt 0) {
        $failedCall = 'QueryHistory'
        $history = $searcher.QueryHistory(0, $total)
        for ($i = 0; $i -lt [int]$history.Count; $i++) {
            $e = $history.Item($i)
            $date = ''
            if ($null -ne $e.Date) {
                $date = [DateTime]::SpecifyKind([DateTime]$e.Date, [DateTimeKind]::Utc).ToString('o')
            }
            $updateId = ''
            $revision = 0
            $identity = $e.UpdateIdentity
            if ($null -ne $identity) {
                $updateId = [string]$identity.UpdateID
                $revision = [int]$identity.RevisionNumber
            }
            $entries.Add([pscustomobject]@{
                    Date                = $date
                    Title               = [string]$e.Title
                    Operation           = [int]$e.Operation
                    ResultCode          = [int]$e.ResultCode
                    HResult             = [int64]$e.HResult
                    UpdateId            = $updateId
                    RevisionNumber      = $revision
                    ClientApplicationId = [string]$e.ClientApplicationID
                })
            Close-WurComObject -Object $identity
            Close-WurComObject -Object $e
        }
    }
    $failedCall = ''
} catch {
    $inner = $_.Exception
    while ($null -ne $inner.InnerException) { $inner = $inner.InnerException }
    $hresult = [int64]$inner.HResult
} finally {
    Close-WurComObject -Object $history
    Close-WurComObject -Object $searcher
    Close-WurComObject -Object $session
}

[pscustomobject]@{
    Available  = ($failedCall.Length -eq 0)
    FailedCall = $failedCall
    HResult    = [int64]$hresult
    Count      = [int]$entries.Count
    Entries    = [object[]]$entries.ToArray()
}
