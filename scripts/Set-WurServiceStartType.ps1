<#
.SYNOPSIS
    Restores a service's start type (and delayed auto-start) to a recorded value.
.DESCRIPTION
    Changes: the service's start type and delayed auto-start, through the
    Service Control Manager: System32\sc.exe config <name> start=
    auto | delayed-auto | demand | disabled (ChangeServiceConfig, and
    ChangeServiceConfig2 for the delayed flag), judged by its exit code only
    (its output is localized text and is discarded). Never by writing the
    DelayedAutostart registry value: the SCM reads that only at boot, so a
    registry write changes nothing until then and a read-back of it proves
    nothing. (Windows PowerShell 5.1's Set-Service has no
    AutomaticDelayedStart.)

    Verified through the SCM: the start type read back from a fresh
    ServiceController (QueryServiceConfig), the delayed flag from
    Win32_Service.DelayedAutoStart (CIM, for this service only: a WQL filter
    by name, bounded by -OperationTimeoutSec and a 15 s wait in a runspace
    of its own, Get-WurServiceCim in the safety library).
    When WMI hangs or fails, WmiHResult is its HRESULT and the flag is read
    from the registry instead (the only other place it is kept).

    A non-zero exit code of sc.exe throws WurStartTypeNotSet (a
    Win32Exception with sc.exe's exit code, which is the SCM's Win32 error:
    5 access denied, category PermissionDenied; others InvalidOperation).

    StartType must be Automatic, Manual or Disabled (any case): anything else,
    Boot and System (driver start types) included, throws before anything is
    read or changed (FullyQualifiedErrorId WurStartTypeRefused, category
    InvalidArgument).
    DelayedAutoStart only applies to Automatic; for Manual and Disabled the
    delayed flag is left as it is (Windows ignores it then).

    When the service already has the requested type and flag nothing is
    run, so restoring a protected service (WaaSMedicSvc) that was never
    changed does not fail. Previous* report the state before; StartType and
    DelayedAutoStart the state after (read back).

    Used only to restore what wurepair recorded, never to "fix" a start type.
    An unknown service name throws (FullyQualifiedErrorId WurServiceNotFound).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Name,

    [Parameter(Mandatory = $true)]
    [string]$StartType,

    [bool]$DelayedAutoStart
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$whatIf = [bool]$WhatIfPreference

# The three start types wurepair ever restores, in their canonical spelling.
$allowed = @('Automatic', 'Manual', 'Disabled')
$wanted = @($allowed | Where-Object { [string]::Equals($_, $StartType, [StringComparison]::OrdinalIgnoreCase) }) | Select-Object -First 1
if ($null -eq $wanted) {
    $ex = New-Object System.ArgumentException -ArgumentList ('Start type {0} is refused: only Automatic, Manual or Disabled.' -f $StartType)
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurStartTypeRefused', ([System.Management.Automation.ErrorCategory]::InvalidArgument), $StartType))
}

function Get-WurService {
    # Exact ServiceName match over the whole list: a name is never a wildcard.
    Get-Service | Where-Object { $_.ServiceName -eq $Name } | Select-Object -First 1
}

function Get-WurDelayedFlag {
    # The raw DelayedAutostart DWORD (0 when absent).
    param([string]$Key)
    $value = 0
    if (Test-Path -LiteralPath $Key) {
        $props = Get-ItemProperty -LiteralPath $Key
        if ($null -ne $props.PSObject.Properties['DelayedAutostart']) {
            $value = [int]$props.DelayedAutostart
        }
    }
    $value
}

# WMI's answer for the delayed flag; once it failed, the registry is read
# instead (a hashtable: the function below changes it).
$wmi = @{ HResult = [int64]0 }

function Get-WurScmDelayedFlag {
    # The SCM's delayed auto-start flag (QueryServiceConfig2, as
    # Win32_Service.DelayedAutoStart): 1 or 0. Falls back to the registry
    # value when WMI hangs or fails.
    param([string]$ServiceName, [string]$Key)
    if ($wmi.HResult -eq 0) {
        # This service only, by name (a WQL filter), bounded in time
        # (Get-WurServiceCim in the safety library).
        $answer = Get-WurServiceCim -Name @($ServiceName) -Property @('Name', 'DelayedAutoStart')
        $wmi.HResult = [int64]$answer.HResult
        if ($wmi.HResult -eq 0) {
            foreach ($w in $answer.Rows) {
                if ([string]::Equals([string]$w.Name, $ServiceName, [StringComparison]::OrdinalIgnoreCase) -and [bool]$w.DelayedAutoStart) { return 1 }
            }
            return 0
        }
    }
    Get-WurDelayedFlag -Key $Key
}

function Invoke-WurScConfig {
    # sc.exe config <name> start= <mode>; returns its exit code (the SCM's
    # Win32 error, 0 on success). Its output is localized text: discarded.
    # Called directly (not Start-Process), so the bootstrap gives it an
    # empty stdin; stderr is merged and dropped under 'Continue' because 5.1
    # turns redirected native stderr into terminating errors under 'Stop'.
    param([string]$ServiceName, [string]$Mode)
    $ErrorActionPreference = 'Continue'
    $sc = Join-Path -Path (Join-Path -Path (Get-WurKnownFolder -Folder Windows) -ChildPath 'System32') -ChildPath 'sc.exe'
    # A program that is not there would leave $LASTEXITCODE unset (or stale):
    # never let that read as success. 2 is ERROR_FILE_NOT_FOUND.
    if (-not [System.IO.File]::Exists($sc)) { return 2 }
    $null = & $sc config $ServiceName start= $Mode 2>&1
    [int]$LASTEXITCODE
}

$svc = Get-WurService
if ($null -eq $svc) {
    $ex = New-Object System.ArgumentException -ArgumentList ('No service is named {0}.' -f $Name)
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurServiceNotFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $Name))
}
# The key name comes from the SCM's own list, not from the caller.
$key = Join-Path -Path 'HKLM:\SYSTEM\CurrentControlSet\Services' -ChildPath ([string]$svc.ServiceName)

$wantedDelayed = ($wanted -eq 'Automatic') -and $DelayedAutoStart

$previousType = [string]$svc.StartType
$previousFlag = Get-WurScmDelayedFlag -ServiceName ([string]$svc.ServiceName) -Key $key
$previousDelayed = ($previousType -eq 'Automatic') -and ($previousFlag -eq 1)

$typeChanges = ($previousType -ne $wanted)
# The flag is set only for Automatic, and only when it differs.
$flagChanges = ($wanted -eq 'Automatic') -and (($previousFlag -eq 1) -ne $wantedDelayed)

if (($typeChanges -or $flagChanges) -and $PSCmdlet.ShouldProcess($svc.ServiceName, ('Set start type to {0} (delayed: {1})' -f $wanted, $wantedDelayed))) {
    # auto clears the delayed flag, delayed-auto sets it; demand and
    # disabled leave it as it is.
    $mode = @{ 'Automatic' = 'auto'; 'Manual' = 'demand'; 'Disabled' = 'disabled' }[$wanted]
    if ($wantedDelayed) { $mode = 'delayed-auto' }
    $exit = Invoke-WurScConfig -ServiceName ([string]$svc.ServiceName) -Mode $mode
    if ($exit -ne 0) {
        $ex = New-Object System.ComponentModel.Win32Exception -ArgumentList $exit
        $category = [System.Management.Automation.ErrorCategory]::InvalidOperation
        if ($exit -eq 5) { $category = [System.Management.Automation.ErrorCategory]::PermissionDenied }
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurStartTypeNotSet', $category, ([string]$svc.ServiceName)))
    }
}

# Read back through the SCM: a fresh ServiceController (StartType is not
# re-queried by Refresh()) and the SCM's delayed flag.
$after = Get-WurService
$afterType = [string]$after.StartType
$afterDelayed = ($afterType -eq 'Automatic') -and ((Get-WurScmDelayedFlag -ServiceName ([string]$svc.ServiceName) -Key $key) -eq 1)

[pscustomobject]@{
    Name                     = [string]$svc.ServiceName
    PreviousStartType        = $previousType
    PreviousDelayedAutoStart = [bool]$previousDelayed
    StartType                = $afterType
    DelayedAutoStart         = [bool]$afterDelayed
    WmiHResult               = [int64]$wmi.HResult
    WhatIf                   = $whatIf
}
