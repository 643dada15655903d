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

    Failing to create the session or to read the history throws
    WurUpdateAgentFailed (category ResourceUnavailable) carrying the agent's
    exception and HRESULT (0x80070422 when wuauserv is disabled): there is
    no history to report.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# A failing COM call surfaces as a MethodInvocationException (HRESULT
# 0x80131501) whose COMException holds the agent's HRESULT (0x80070422 the
# service is disabled, 0x80040154 not registered...): throw that one, so the
# reply carries the agent's code, not PowerShell's.
$entries = New-Object System.Collections.Generic.List[object]
try {
    $session = New-Object -ComObject Microsoft.Update.Session
    $searcher = $session.CreateUpdateSearcher()
    $total = [int]$searcher.GetTotalHistoryCount()

    if ($total -gt 0) {
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
        }
    }
} catch {
    $inner = $_.Exception
    while ($null -ne $inner.InnerException) { $inner = $inner.InnerException }
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $inner, 'WurUpdateAgentFailed', ([System.Management.Automation.ErrorCategory]::ResourceUnavailable), 'Microsoft.Update.Session'))
}

[pscustomobject]@{
    Count   = [int]$entries.Count
    Entries = [object[]]$entries.ToArray()
}
