<#
.SYNOPSIS
    Reports the component store's health (Repair-WindowsImage -Online
    -CheckHealth, or -ScanHealth with -Scan).
.DESCRIPTION
    Read-only. -CheckHealth only reads the flag the last scan or servicing
    operation left (it takes seconds and sees no damage done since): a
    store that logged CBS errors can read Healthy. With -Scan it runs
    -ScanHealth instead, which reads the whole store (many minutes) and
    records what it finds, so a later -CheckHealth reads it too.
    ImageHealthState is the DISM ImageHealthState enum name (Healthy,
    Repairable, NonRepairable), RestartNeeded the cmdlet's flag.
    SourceMissing is always $false, HResult 0 and WhatIf $false: the fields
    exist because Repair-WurComponentStore returns the same shape.

    Needs elevation: without it Repair-WindowsImage fails and so does this
    script (the caller only asks when elevated).
#>
[CmdletBinding()]
param(
    [bool]$Scan
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Continue, not SilentlyContinue: Repair-WindowsImage's progress records
# go to this request's Progress stream (the runspace has no console to draw
# on), and the bootstrap sends their PercentComplete to wurepair as progress
# frames, which restart the inactivity timeout of a scan or repair that
# runs for many minutes. Silenced, they would never be written at all.
$ProgressPreference = 'Continue'

# Repair-WindowsImage returns one Microsoft.Dism.Commands.ImageObject.
if ($Scan) {
    $image = @(Repair-WindowsImage -Online -ScanHealth) | Select-Object -Last 1
} else {
    $image = @(Repair-WindowsImage -Online -CheckHealth) | Select-Object -Last 1
}
$state = ''
$restart = $false
if ($null -ne $image) {
    if ($null -ne $image.PSObject.Properties['ImageHealthState']) { $state = [string]$image.ImageHealthState }
    if ($null -ne $image.PSObject.Properties['RestartNeeded']) { $restart = [bool]$image.RestartNeeded }
}

[pscustomobject]@{
    ImageHealthState = $state
    RestartNeeded    = [bool]$restart
    SourceMissing    = $false
    HResult          = [int64]0
    WhatIf           = $false
}
