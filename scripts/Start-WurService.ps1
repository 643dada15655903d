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

    Win32Error is the Service Control Manager's refusal, when there was one:
    the NativeErrorCode of the Win32Exception inside the
    InvalidOperationException ServiceController.Start() throws (5 access
    denied, 1053 no response, 1068 a dependency failed to start ...). A
    Disabled service is reported as 1058 (ERROR_SERVICE_DISABLED, what the
    SCM answers) without asking. 0 when started, or when the start was
    accepted and the service did not reach Running in time.

    TimeoutSec bounds the whole wait, made of WaitForStatus calls of at most
    1 s each, so that PowerShell's Stop() (the request's timeout) takes
    effect between them: one WaitForStatus cannot be interrupted.

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
$win32Error = 0

function Wait-WurStatus {
    # Waits for a status until $deadline, in WaitForStatus slices of at most
    # 1 s. Returns nothing: the caller reads Status.
    param($Controller, [System.ServiceProcess.ServiceControllerStatus]$Desired, [DateTime]$Deadline)
    $slice = [TimeSpan]::FromSeconds(1)
    while ($true) {
        $Controller.Refresh()
        if ([string]$Controller.Status -eq [string]$Desired) { return }
        $left = $Deadline - [DateTime]::UtcNow
        if ($left -le [TimeSpan]::Zero) { return }
        if ($left -gt $slice) { $left = $slice }
        try {
            $Controller.WaitForStatus($Desired, $left)
        } catch {
            # System.ServiceProcess.TimeoutException: this slice is over.
            $null = $_
        }
    }
}

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
        Wait-WurStatus -Controller $svc -Desired ([System.ServiceProcess.ServiceControllerStatus]::Stopped) -Deadline $deadline
        $svc.Refresh()
    }
    $wait = $true
    if ([string]$svc.Status -ne 'StartPending') {
        try {
            $svc.Start()
        } catch {
            # Start() also throws when a trigger started the service meanwhile
            # (ERROR_SERVICE_ALREADY_RUNNING): the status decides, not the text.
            $win32Error = Get-WurWin32Error -Record $_
            $svc.Refresh()
            $now = [string]$svc.Status
            $wait = ($now -eq 'Running' -or $now -eq 'StartPending')
        }
    }
    if ($wait) {
        Wait-WurStatus -Controller $svc -Desired ([System.ServiceProcess.ServiceControllerStatus]::Running) -Deadline $deadline
    }
    $svc.Refresh()
    $started = ([string]$svc.Status -eq 'Running')
}

if (-not $started -and -not $whatIf -and $startType -eq 'Disabled') {
    $win32Error = 1058
}
if ($started -or $whatIf) { $win32Error = 0 }

$svc.Refresh()
[pscustomobject]@{
    Name           = [string]$svc.ServiceName
    PreviousStatus = $previous
    Status         = [string]$svc.Status
    Started        = [bool]$started
    Win32Error     = [int]$win32Error
    WhatIf         = $whatIf
}
