<#
.SYNOPSIS
    Reads the state of the named services.
.DESCRIPTION
    Read-only. For each name asked, in order, returns one entry: whether the
    service exists, its Status and StartType (ServiceController enum names),
    whether it is "Automatic (Delayed Start)", its process id and the names of
    the services that depend on it and that it depends on.

    Reads: the service list (Get-Service), Win32_Service.ProcessId (CIM) and
    HKLM:\SYSTEM\CurrentControlSet\Services\<name> (DelayedAutostart,
    DependOnService, Start). Changes nothing.

    Names are matched exactly against ServiceName (case-insensitive, as the
    SCM does): never as wildcards and never against display names. Name in
    each entry is the SCM's spelling of the service name. An absent service
    is data (Exists = $false, Name as asked, empty Status/StartType), not an
    error.

    WMI is asked once, for the process ids of the services found only, by
    name (a WQL filter), in a runspace of its own that is waited for at most
    15 s (a hung winmgmt blocks in a call neither -OperationTimeoutSec nor
    Stop() can interrupt). When it hangs or fails, every ProcessId is 0 and
    WmiHResult is the HRESULT of the failure (0x800705B4 when it did not
    answer in time, 0 when WMI answered): the rest comes from the Service
    Control Manager (ServiceController) and the registry, so the service
    steps go on with that.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string[]]$Names
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# ServiceStartMode names by the registry's Start value, for services whose
# configuration the ServiceController cannot query (it opens the service with
# SERVICE_QUERY_CONFIG; the registry is readable by everyone).
$startNames = @{ 0 = 'Boot'; 1 = 'System'; 2 = 'Automatic'; 3 = 'Manual'; 4 = 'Disabled' }

# One enumeration of all services (EnumServicesStatusEx): no per-name lookup,
# so a name can never be taken as a wildcard pattern or a display name.
$byName = @{}
foreach ($s in @(Get-Service)) {
    $byName[$s.ServiceName] = $s
}

# Process ids come only from WMI (Win32_Service.ProcessId); status, start type
# and dependencies never wait for it. WMI is asked once, only for the
# services found above, by name, bounded in time (Get-WurServiceCim in the
# safety library: a WQL filter, -OperationTimeoutSec, its own runspace
# waited for at most 15 s, skipped for the rest of the process once a query
# did not answer). A hung or broken WMI repository (common on the machines
# this tool repairs) must not fail the probe: ProcessId is then 0 and
# WmiHResult the failure's HRESULT.
$wanted = New-Object System.Collections.Generic.List[string]
foreach ($name in $Names) {
    if (-not [string]::IsNullOrEmpty($name) -and $byName.ContainsKey($name)) {
        # The SCM's own spelling of the names it listed.
        $scmName = [string]$byName[$name].ServiceName
        if (-not $wanted.Contains($scmName)) { $wanted.Add($scmName) }
    }
}
$wmi = Get-WurServiceCim -Name ([string[]]$wanted.ToArray()) -Property @('Name', 'ProcessId')
$wmiHResult = [int64]$wmi.HResult
$pidByName = @{}
foreach ($w in $wmi.Rows) {
    $pidByName[[string]$w.Name] = [int]$w.ProcessId
}

$services = New-Object System.Collections.Generic.List[object]
foreach ($name in $Names) {
    $svc = $null
    if (-not [string]::IsNullOrEmpty($name) -and $byName.ContainsKey($name)) {
        $svc = $byName[$name]
    }
    if ($null -eq $svc) {
        $services.Add([pscustomobject]@{
                Name               = [string]$name
                Exists             = $false
                Status             = ''
                StartType          = ''
                DelayedAutoStart   = $false
                ProcessId          = 0
                DependentServices  = [string[]]@()
                ServicesDependedOn = [string[]]@()
            })
        continue
    }

    $serviceName = [string]$svc.ServiceName
    # The key name comes from the SCM's own list, not from the caller.
    $key = Join-Path -Path 'HKLM:\SYSTEM\CurrentControlSet\Services' -ChildPath $serviceName
    $config = $null
    if (Test-Path -LiteralPath $key) {
        $config = Get-ItemProperty -LiteralPath $key
    }

    $startType = ''
    try {
        $startType = [string]$svc.StartType
    } catch {
        if ($null -ne $config -and $null -ne $config.PSObject.Properties['Start'] -and $startNames.ContainsKey([int]$config.Start)) {
            $startType = $startNames[[int]$config.Start]
        }
    }

    # DelayedAutostart (DWORD 1) only has an effect on an Automatic service:
    # report the effective "Automatic (Delayed Start)", which is what
    # Set-WurServiceStartType restores.
    $delayed = $false
    if ($startType -eq 'Automatic' -and $null -ne $config -and $null -ne $config.PSObject.Properties['DelayedAutostart']) {
        $delayed = ([int]$config.DelayedAutostart -eq 1)
    }

    # EnumDependentServices: every service that depends on this one, directly
    # or not, in the order they must be stopped.
    $dependents = New-Object System.Collections.Generic.List[string]
    try {
        foreach ($d in @($svc.DependentServices)) {
            $dependents.Add([string]$d.ServiceName)
        }
    } catch {
        $dependents.Clear()
    }

    # What it depends on, exactly as configured (DependOnService, REG_MULTI_SZ).
    # ServiceController.ServicesDependedOn would throw on a dependency that is
    # not installed, which is precisely the kind of machine we diagnose.
    $dependsOn = New-Object System.Collections.Generic.List[string]
    if ($null -ne $config -and $null -ne $config.PSObject.Properties['DependOnService']) {
        foreach ($d in @($config.DependOnService)) {
            if (-not [string]::IsNullOrEmpty([string]$d)) {
                $dependsOn.Add([string]$d)
            }
        }
    }

    $processId = 0
    if ($pidByName.ContainsKey($serviceName)) {
        $processId = $pidByName[$serviceName]
    }

    $services.Add([pscustomobject]@{
            Name               = $serviceName
            Exists             = $true
            Status             = [string]$svc.Status
            StartType          = $startType
            DelayedAutoStart   = $delayed
            ProcessId          = $processId
            DependentServices  = [string[]]$dependents.ToArray()
            ServicesDependedOn = [string[]]$dependsOn.ToArray()
        })
}

[pscustomobject]@{
    Services   = [object[]]$services.ToArray()
    WmiHResult = $wmiHResult
}
