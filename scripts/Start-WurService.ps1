<#
.SYNOPSIS
    Starts one service and waits up to TimeoutSec for Running.
.DESCRIPTION
    Changes: the service's status. Reads: the service list (Get-Service).

    Already Running: Started = $true, nothing done. A Disabled service is not
    started (Started = $false): its start type is the caller's business. A
    start that fails or does not reach Running in time is data:
    Started = $false with the Status now. Decisions use the
    ServiceControllerStatus / ServiceStartMode enums, never error text.

    An unknown service name throws (FullyQualifiedErrorId WurServiceNotFound).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Name,

    [Parameter(Mandatory = $true)]
    [ValidateRange(0, 86400)]
    [int]$TimeoutSec
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$whatIf = [bool]$WhatIfPreference

# Exact ServiceName match over the whole list: a name is never a wildcard.
$svc = Get-Service | Where-Object { $_.ServiceName -eq $Name } | Select-Object -First 1
if ($null -eq $svc) {
    $ex = New-Object System.ArgumentException -ArgumentList ('No service is named {0}.' -f $Name)
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurServiceNotFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $Name))
}

$previous = [string]$svc.Status
$started = ($previous -eq 'Running')

$startType = ''
try {
    $startType = [string]$svc.StartType
} catch {
    $startType = ''
}

if (-not $started -and $startType -ne 'Disabled' -and $PSCmdlet.ShouldProcess($svc.ServiceName, 'Start service')) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    if ([string]$svc.Status -eq 'StopPending') {
        # Still stopping (e.g. just stopped by a plan step): let it finish first.
        try {
            $svc.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Stopped, [TimeSpan]::FromSeconds($TimeoutSec))
        } catch {
            $null = $_
        }
        $svc.Refresh()
    }
    $wait = $true
    if ([string]$svc.Status -ne 'StartPending') {
        try {
            $svc.Start()
        } catch {
            # Start() also throws when a trigger started the service meanwhile
            # (ERROR_SERVICE_ALREADY_RUNNING): the status decides, not the text.
            $svc.Refresh()
            $now = [string]$svc.Status
            $wait = ($now -eq 'Running' -or $now -eq 'StartPending')
        }
    }
    if ($wait) {
        try {
            $left = $deadline - [DateTime]::UtcNow
            if ($left -lt [TimeSpan]::Zero) { $left = [TimeSpan]::Zero }
            $svc.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Running, $left)
        } catch {
            # System.ServiceProcess.TimeoutException: the status below decides.
            $null = $_
        }
    }
    $svc.Refresh()
    $started = ([string]$svc.Status -eq 'Running')
}

$svc.Refresh()
[pscustomobject]@{
    Name           = [string]$svc.ServiceName
    PreviousStatus = $previous
    Status         = [string]$svc.Status
    Started        = [bool]$started
    WhatIf         = $whatIf
}
