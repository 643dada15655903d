<#
.SYNOPSIS
    Restores a service's start type (and delayed auto-start) to a recorded value.
.DESCRIPTION
    Changes: the service's start type (Set-Service -StartupType, which calls
    ChangeServiceConfig) and, for Automatic, the DelayedAutostart DWORD under
    HKLM:\SYSTEM\CurrentControlSet\Services\<name> (Windows PowerShell 5.1's
    Set-Service has no AutomaticDelayedStart). Reads: the same.

    StartType must be Automatic, Manual or Disabled (any case): anything else,
    Boot and System (driver start types) included, throws before anything is
    read or changed (FullyQualifiedErrorId WurStartTypeRefused, category
    InvalidArgument).
    DelayedAutoStart only applies to Automatic; for Manual and Disabled the
    DelayedAutostart value is left as it is (Windows ignores it then).

    When the service already has the requested type and flag nothing is
    written, so restoring a protected service (WaaSMedicSvc) that was never
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

$svc = Get-WurService
if ($null -eq $svc) {
    $ex = New-Object System.ArgumentException -ArgumentList ('No service is named {0}.' -f $Name)
    $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'WurServiceNotFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $Name))
}
# The key name comes from the SCM's own list, not from the caller.
$key = Join-Path -Path 'HKLM:\SYSTEM\CurrentControlSet\Services' -ChildPath ([string]$svc.ServiceName)

$wantedDelayed = ($wanted -eq 'Automatic') -and $DelayedAutoStart

$previousType = [string]$svc.StartType
$previousFlag = Get-WurDelayedFlag -Key $key
$previousDelayed = ($previousType -eq 'Automatic') -and ($previousFlag -eq 1)

$typeChanges = ($previousType -ne $wanted)
# The flag is written only for Automatic, and only when it differs (an absent
# value already means "not delayed").
$flagChanges = ($wanted -eq 'Automatic') -and (($previousFlag -eq 1) -ne $wantedDelayed)

if (($typeChanges -or $flagChanges) -and $PSCmdlet.ShouldProcess($svc.ServiceName, ('Set start type to {0} (delayed: {1})' -f $wanted, $wantedDelayed))) {
    if ($typeChanges) {
        Set-Service -InputObject $svc -StartupType $wanted
    }
    if ($flagChanges) {
        Set-ItemProperty -LiteralPath $key -Name 'DelayedAutostart' -Value ([int]$wantedDelayed) -Type DWord
    }
}

# Read back from a fresh ServiceController: StartType is not re-queried by Refresh().
$after = Get-WurService
$afterType = [string]$after.StartType
$afterDelayed = ($afterType -eq 'Automatic') -and ((Get-WurDelayedFlag -Key $key) -eq 1)

[pscustomobject]@{
    Name                     = [string]$svc.ServiceName
    PreviousStartType        = $previousType
    PreviousDelayedAutoStart = [bool]$previousDelayed
    StartType                = $afterType
    DelayedAutoStart         = [bool]$afterDelayed
    WhatIf                   = $whatIf
}
