<#
.SYNOPSIS
    Reports the component store's health (Repair-WindowsImage -Online -CheckHealth).
.DESCRIPTION
    Read-only: -CheckHealth only reads the flags a previous servicing
    operation left (it does not scan and changes nothing; it takes seconds).
    ImageHealthState is the DISM ImageHealthState enum name (Healthy,
    Repairable, NonRepairable), RestartNeeded the cmdlet's flag.
    SourceMissing is always $false, HResult 0 and WhatIf $false: the fields
    exist because Repair-WurComponentStore returns the same shape.

    Needs elevation: without it Repair-WindowsImage fails and so does this
    script (the caller only asks when elevated).
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# Repair-WindowsImage returns one Microsoft.Dism.Commands.ImageObject.
$image = @(Repair-WindowsImage -Online -CheckHealth) | Select-Object -Last 1
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
