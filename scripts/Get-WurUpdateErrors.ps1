<#
.SYNOPSIS
    Reads recent Windows Update failures from the WindowsUpdateClient log.
.DESCRIPTION
    Read-only. Reads Critical and Error events (Level 1 and 2: event IDs 20,
    25, 31 ...) of the last Days days from
    Microsoft-Windows-WindowsUpdateClient/Operational, newest first, at most
    200. Every field comes from the event's named <Data> elements, never from
    its (localized) message: errorCode -> HResult normalised to "0x%08X",
    updateTitle -> KB (the first KB<digits>, else ""), updateGuid -> UpdateId
    (lower case, without braces, as the update agent's UpdateID),
    serviceGuid -> ServiceId (lower case, without braces: which update
    service failed: Windows Update, Microsoft Update, WSUS, the Microsoft
    Store ...; wurepair's diagnosis counts only the OS's own). A field the
    event does not carry is "".

    A missing log is data: LogAvailable = $false and no events.

    Uses EventLogReader directly rather than Get-WinEvent: Get-WinEvent
    reports "no events found" as an error record, and a probe that finds
    nothing has not failed. The XPath query is a constant; the Days window is
    applied while reading (newest first, stop at the first older event).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateRange(1, 3650)]
    [int]$Days
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$logName = 'Microsoft-Windows-WindowsUpdateClient/Operational'
$maxEvents = 200

function ConvertTo-WurHResult {
    # "0x80070002", "-2147024894" or "2147942402" -> "0x80070002".
    # Unparseable text is kept as it is (trimmed) rather than lost.
    param([string]$Text)
    $t = $Text.Trim()
    if ($t.Length -eq 0) { return '' }
    $value = [int64]0
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    $ok = $false
    if ($t.StartsWith('0x', [StringComparison]::OrdinalIgnoreCase)) {
        $ok = [int64]::TryParse($t.Substring(2), [System.Globalization.NumberStyles]::AllowHexSpecifier, $invariant, [ref]$value)
    } else {
        $ok = [int64]::TryParse($t, [System.Globalization.NumberStyles]::AllowLeadingSign, $invariant, [ref]$value)
    }
    if (-not $ok) { return $t }
    # Keep the low 32 bits: a negative Int32 HRESULT becomes its unsigned form.
    '0x{0:X8}' -f ($value -band [int64]4294967295)
}

$events = New-Object System.Collections.Generic.List[object]
$available = @([System.Diagnostics.Eventing.Reader.EventLogSession]::GlobalSession.GetLogNames()) -contains $logName

if ($available) {
    $cutoff = [DateTime]::UtcNow.AddDays(-$Days)
    $query = New-Object System.Diagnostics.Eventing.Reader.EventLogQuery -ArgumentList $logName, ([System.Diagnostics.Eventing.Reader.PathType]::LogName), '*[System[(Level=1 or Level=2)]]'
    $query.ReverseDirection = $true
    $reader = New-Object System.Diagnostics.Eventing.Reader.EventLogReader -ArgumentList $query
    try {
        while ($events.Count -lt $maxEvents) {
            $record = $reader.ReadEvent()
            if ($null -eq $record) { break }
            try {
                $created = $record.TimeCreated
                if ($null -eq $created) { continue }
                $createdUtc = ([DateTime]$created).ToUniversalTime()
                if ($createdUtc -lt $cutoff) { break }

                $data = @{}
                $xml = New-Object System.Xml.XmlDocument
                $xml.LoadXml($record.ToXml())
                foreach ($node in @($xml.GetElementsByTagName('Data'))) {
                    $key = $node.GetAttribute('Name')
                    if ($key.Length -gt 0) { $data[$key] = [string]$node.InnerText }
                }

                $hresult = ''
                if ($data.ContainsKey('errorCode')) { $hresult = ConvertTo-WurHResult -Text $data['errorCode'] }
                $kb = ''
                if ($data.ContainsKey('updateTitle')) {
                    $m = [regex]::Match($data['updateTitle'], '\bKB(\d+)', [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
                    if ($m.Success) { $kb = 'KB' + $m.Groups[1].Value }
                }
                $updateId = ''
                if ($data.ContainsKey('updateGuid')) { $updateId = $data['updateGuid'].Trim().Trim('{', '}').ToLowerInvariant() }

                $serviceId = ''
                if ($data.ContainsKey('serviceGuid')) { $serviceId = $data['serviceGuid'].Trim().Trim('{', '}').ToLowerInvariant() }

                $events.Add([pscustomobject]@{
                        TimeCreated = $createdUtc.ToString('o')
                        EventId     = [int]$record.Id
                        HResult     = $hresult
                        KB          = $kb
                        UpdateId    = $updateId
                        ServiceId   = $serviceId
                    })
            } finally {
                $record.Dispose()
            }
        }
    } finally {
        $reader.Dispose()
    }
}

[pscustomobject]@{
    LogAvailable = [bool]$available
    Events       = [object[]]$events.ToArray()
}
