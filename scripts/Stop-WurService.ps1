<#
.SYNOPSIS
    Stops one service, and its running dependents when asked; kills nothing.
.DESCRIPTION
    Changes: the service's status (and its dependents' when -StopDependents).
    Reads: the service list (Get-Service) and Win32_Service.ProcessId (CIM).

    Records the status and process id before acting. An already Stopped
    service is left alone (Stopped = $true). When services that depend on it
    are running, it is stopped only with -StopDependents: they are stopped
    first, in the order the SCM gives (EnumDependentServices lists them in
    reverse start order, which is the order to stop them), and listed in
    StoppedDependents so that they can be started again.

    TimeoutSec bounds the whole operation (dependents included). A service
    that is not Stopped in time is data: Stopped = $false with its Status now
    and its process id. Nothing is ever killed: the caller decides. The wait
    is made of WaitForStatus calls of at most 1 s each: one WaitForStatus is
    a blocking .NET call PowerShell's Stop() cannot interrupt, so a request
    stopped at its timeout ends within a second.

    Win32Error is the Service Control Manager's refusal, when there was one:
    the NativeErrorCode of the Win32Exception that ServiceController.Stop()
    throws inside its InvalidOperationException (5 access denied, e.g. a
    protected service; 1061 cannot accept the control now; 1053 did not
    respond; 1051 when dependents run and -StopDependents was not given,
    without asking the SCM). 0 when stopped, or when the service accepted the
    stop and simply did not reach Stopped in time.

    ProcessId comes from CIM (Win32_Service), asked for this service only
    (a WQL filter by name, never every service) and bounded in time
    (-OperationTimeoutSec, and at most 15 s in a runspace of its own:
    Get-WurServiceCim in the safety library): a hung or broken WMI gives
    ProcessId 0 and its HRESULT in WmiHResult (0 when WMI answered,
    0x800705B4 when it did not answer in time); the status comes from the
    SCM either way.

    Which service to stop first (UsoSvc before the trigger-started wuauserv)
    is the caller's plan, not this script's.

    An unknown service name throws (FullyQualifiedErrorId WurServiceNotFound).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Name,

    [Parameter(Mandatory = $true)]
    [ValidateRange(0, 86400)]
    [int]$TimeoutSec,

    [bool]$StopDependents
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$whatIf = [bool]$WhatIfPreference
$clock = [Diagnostics.Stopwatch]::StartNew()

# Exact ServiceName match over the whole list: a name is never a wildcard.
$svc = Get-Service | Where-Object { $_.ServiceName -eq $Name } | Select-Object -First 1
if ($null -eq $svc) {
    $ex = New-Object System.ArgumentException -ArgumentList ('No service is named {0}.' -f $Name)
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurServiceNotFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $Name))
}

# The process id from WMI, for this one service only (by name, a WQL
# filter) and bounded in time (Get-WurServiceCim: -OperationTimeoutSec and
# a runspace waited for at most 15 s). A hung or broken WMI repository must
# not stop the repair: the id is only reported (0, with WmiHResult); the
# SCM (ServiceController) gives everything else.
$wmi = Get-WurServiceCim -Name @([string]$svc.ServiceName) -Property @('Name', 'ProcessId')
$wmiHResult = [int64]$wmi.HResult
$processId = 0
foreach ($w in $wmi.Rows) {
    if ([string]::Equals([string]$w.Name, [string]$svc.ServiceName, [StringComparison]::OrdinalIgnoreCase)) {
        $processId = [int]$w.ProcessId
    }
}

$previous = [string]$svc.Status
$stoppedDependents = New-Object System.Collections.Generic.List[string]
# The last refusal of the SCM (a hashtable: the functions below change it).
$failure = @{ Win32Error = 0 }

function Get-WurRemaining {
    # Seconds left of the overall TimeoutSec, never negative.
    $left = [double]$TimeoutSec - $clock.Elapsed.TotalSeconds
    if ($left -lt 0) { $left = 0 }
    [TimeSpan]::FromSeconds($left)
}

function Wait-WurStatus {
    # Waits for a status until the overall deadline, in WaitForStatus slices
    # of at most 1 s, so that PowerShell's Stop() takes effect between them.
    # Returns nothing: the caller reads Status.
    param($Controller, [System.ServiceProcess.ServiceControllerStatus]$Desired)
    $slice = [TimeSpan]::FromSeconds(1)
    while ($true) {
        $Controller.Refresh()
        if ([string]$Controller.Status -eq [string]$Desired) { return }
        $left = Get-WurRemaining
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

function Stop-WurOne {
    # Asks one service to stop and waits for Stopped until the deadline.
    # Returns $true when it is Stopped. Failures are read from the Status enum,
    # never from exception text: Stop() throws when the service is already
    # stopping or cannot accept the control (StartPending), WaitForStatus
    # throws System.ServiceProcess.TimeoutException when time is up.
    param($Controller)
    $Controller.Refresh()
    if ([string]$Controller.Status -eq 'StartPending') {
        # Just (trigger-)started: a service in StartPending does not accept the
        # stop control yet. Let it reach Running first, within the deadline.
        Wait-WurStatus -Controller $Controller -Desired ([System.ServiceProcess.ServiceControllerStatus]::Running)
        $Controller.Refresh()
    }
    if ([string]$Controller.Status -eq 'Stopped') { return $true }
    if ([string]$Controller.Status -ne 'StopPending') {
        try {
            $Controller.Stop()
        } catch {
            $code = Get-WurWin32Error -Record $_
            $Controller.Refresh()
            $now = [string]$Controller.Status
            if ($now -ne 'Stopped' -and $now -ne 'StopPending') {
                $failure.Win32Error = $code
                return $false
            }
        }
    }
    Wait-WurStatus -Controller $Controller -Desired ([System.ServiceProcess.ServiceControllerStatus]::Stopped)
    $Controller.Refresh()
    return ([string]$Controller.Status -eq 'Stopped')
}

$stopped = ($previous -eq 'Stopped')
if (-not $stopped) {
    $running = New-Object System.Collections.Generic.List[object]
    try {
        foreach ($d in @($svc.DependentServices)) {
            if ([string]$d.Status -ne 'Stopped') { $running.Add($d) }
        }
    } catch {
        # Dependents cannot be enumerated: act as if none ran. Stop() needs the
        # same enumeration (see below), so it fails too and Stopped stays $false.
        $running.Clear()
    }

    $mayStop = ($running.Count -eq 0) -or $StopDependents
    if (-not $mayStop) {
        # What the SCM would answer to a stop (ERROR_DEPENDENT_SERVICES_RUNNING).
        $failure.Win32Error = 1051
    }
    $what = 'Stop service'
    if ($running.Count -gt 0) {
        $what = 'Stop service and its running dependents ' + ((@($running | ForEach-Object { $_.ServiceName })) -join ', ')
    }
    if ($mayStop -and $PSCmdlet.ShouldProcess($svc.ServiceName, $what)) {
        $dependentsDown = $true
        foreach ($d in $running) {
            if (Stop-WurOne -Controller $d) {
                $stoppedDependents.Add([string]$d.ServiceName)
            } else {
                $dependentsDown = $false
                break
            }
        }
        if ($dependentsDown) {
            # .NET Framework's ServiceController.Stop() stops any dependent that
            # is still running before the service itself. That is why Stop() is
            # only called when no dependent runs or -StopDependents was given
            # (a dependent a trigger restarted in between would be stopped
            # without being listed).
            $stopped = Stop-WurOne -Controller $svc
        }
    }
}

$svc.Refresh()
$win32Error = [int]$failure.Win32Error
if ($stopped -or $whatIf) { $win32Error = 0 }
[pscustomobject]@{
    Name              = [string]$svc.ServiceName
    PreviousStatus    = $previous
    Status            = [string]$svc.Status
    Stopped           = [bool]$stopped
    ProcessId         = $processId
    StoppedDependents = [string[]]$stoppedDependents.ToArray()
    Win32Error        = $win32Error
    WmiHResult        = $wmiHResult
    WhatIf            = $whatIf
}
